"""How good is a representation?

- `probes.py`     frozen features, a linear probe, a cosine kNN classifier, nearest class mean
- `retrieval.py`  Recall@k for embeddings (chapter 11)
- `rank.py`       the effective rank of an embedding matrix: how far it has collapsed (chapter 12)
- `image_quality.py`  psnr: per-image PSNR on a stated data range, then the mean (chapter 18)
- `frechet.py`    frechet_distance (FID's formula on any features), gaussian_frechet, sqrtm_psd (chapter 20)
- `cka.py`        linear_cka (centred kernel alignment) and cka_matrix: do two encoders represent alike? (chapter 30)
- `benchmark.py`  few_shot_prototypes, t_interval, benchmark (linear probe, kNN, 5-shot with t-intervals over
                  seeds) and pretrain (the course's methods on one encoder and one budget) (chapter 30)
"""
