"""Contrastive learning: a positive must win a softmax against the negatives.

- `info_nce.py`  InfoNCE and the mutual-information bound it gives (chapter 01)
- `pairs.py`     who is whose positive: SimCLR's targets, label masks (chapter 03)
- `supcon.py`    the supervised contrastive loss (chapter 03)
- `nt_xent.py`   SimCLR's loss over 2N views (chapter 05)
- `simclr.py`    the SimCLR training loop, one process (chapter 05)
- `negatives.py` negatives from the data: word2vec's noise distribution, SGNS, MoCo's queue (chapter 06)
- `triplet.py`   pairwise distances and the batch-hard triplet loss (chapter 11)
- `clip.py`      captions, a bag-of-words text encoder, the symmetric CLIP loss and zero-shot prediction
                 (chapter 21)
- `simcse.py`    mean pooling over real tokens, unsupervised SimCSE's loss, a bag-of-embeddings sentence
                 encoder and its training loop (chapter 29)
"""
