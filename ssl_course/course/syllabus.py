"""The course plan: thirty-one chapters (00 and the thirty interview questions) in seven parts,
each with its headline experiment, its bar and an outside anchor to compare with. The site's
table of contents, chapter map and results table are all drawn from this one list."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    number: str  # "00".."30": the interview question it answers
    slug: str  # chapters/<number>_<slug>.py once written
    title: str
    part: str
    bar: str  # the headline experiment and its bar, as the syllabus states it
    anchor: str  # an outside reference point for the number
    exercises: tuple[str, ...] = ()  # the exercise ids, graded in ssl_course/course/exercises/chNN.py
    code: tuple[str, ...] = ()  # the reference modules it writes or uses, relative to ssl_course/

    @property
    def name(self) -> str:
        return f"{self.number}_{self.slug}"


PARTS = [
    "Getting started",
    "Contrastive learning",
    "Without negatives",
    "Data, pretext tasks and transfer",
    "Generative models",
    "Sequences and transformers",
    "Learning to act and to adapt",
]

CHAPTERS = [
    Chapter("00", "welcome", "Welcome", PARTS[0],
            "environment report; how checks and quizzes work", "—",
            exercises=('00.hello',),
            code=('core.py', 'data/digits.py', 'data/mnist1d.py', 'data/shapes.py')),
    Chapter("01", "contrastive_loss", "InfoNCE", PARTS[1],
            "InfoNCE estimate of MI within 15% where MI < ½ log N; within 0.25 nat of log N at 8 nats; "
            "SigLIP within 0.1 nat of InfoNCE",
            "closed form: MI = −d/2 · log(1−ρ²) (Oord et al. 2018, Poole et al. 2019)",
            exercises=('01.info_nce', '01.mi_lower_bound'),
            code=('contrastive/info_nce.py',)),
    Chapter("02", "augmentation", "Data augmentation", PARTS[1],
            "batched tensor augmentation ≥ 10× the images/s of per-image PIL",
            "torchvision's per-image PIL pipeline, timed in the chapter",
            exercises=('02.crop_overlap', '02.resized_crop'),
            code=('augment/pil.py', 'augment/batch.py', 'augment/crop.py')),
    Chapter("03", "positive_negative_pairs", "Positive and negative pairs", PARTS[1],
            "false-negative rate matches its formula; SupCon beats SimCLR by ≥ 5.8 points with one label "
            "per class (3 seeds)",
            "closed form 1 − (1 − 1/C)^(N−1); Khosla et al. 2020 (SupCon > SimCLR)",
            exercises=('03.positive_mask', '03.supcon'),
            code=('contrastive/pairs.py', 'contrastive/supcon.py')),
    Chapter("04", "why_augmentation_matters", "Why augmentation matters", PARTS[1],
            "crop+colour beats crop alone by ≥ 10 points on shapes (mean of 3 seeds)",
            "Chen et al. 2020 (SimCLR): crop+colour is the strongest pair",
            exercises=('04.nearest_class_mean', '04.color_distortion'),
            code=('augment/color.py', 'augment/batch.py', 'evaluate/probes.py')),
    Chapter("05", "simclr", "SimCLR", PARTS[1],
            "mnist1d linear probe ≥ 85%; digits 5 labels/class ≥ raw + 4 points; NT-Xent = lightly to 1e-5",
            "mnist1d's own SSL notebook: 82.1% (raw input 32.8%); lightly's NTXentLoss",
            exercises=('05.nt_xent', '05.knn_predict'),
            code=('contrastive/nt_xent.py', 'contrastive/simclr.py', 'models/heads.py', 'evaluate/probes.py')),
    Chapter("06", "negative_sampling", "Negative sampling", PARTS[1],
            "SGNS on a planted-partition graph recovers communities, NMI ≥ 0.9; word neighbours on corpus; "
            "probe vs MoCo queue size",
            "Perozzi et al. 2014 (DeepWalk); Mikolov et al. 2013",
            exercises=('06.noise_distribution', '06.sgns', '06.queue'),
            code=('contrastive/negatives.py', 'data/graphs.py', 'data/corpus.py')),
    Chapter("11", "metric_learning", "Metric learning", PARTS[1],
            "Recall@1 on digits: learned − pixels ≥ 2 standard errors of the test set; batch-hard "
            "vectorised ≥ 100× faster than the loop at n = 256",
            "pytorch-metric-learning's batch-hard triplet; torch's triplet_margin_loss; scikit-learn's NearestNeighbors",
            exercises=('11.pairwise_distances', '11.batch_hard_triplet'),
            code=('contrastive/triplet.py', 'evaluate/retrieval.py')),
    Chapter("29", "sentence_embeddings", "Sentence embeddings", PARTS[5],
            "help-topic sentences: SimCSE beats the same untrained mean-pooled encoder on every seed by ≥ 3 points "
            "recall@1 and ≥ 2 points on a 5-label probe",
            "Gao et al. 2021 (SimCSE)",
            exercises=('29.mean_pool', '29.simcse'),
            code=('contrastive/simcse.py',)),
    Chapter("12", "collapse_non_contrastive", "Collapse and non-contrastive losses", PARTS[2],
            "every-pair loss: effective rank of z ≤ 2 of 64; VICReg ≥ 32 of 64 (uncentred, as RankMe)",
            "Bardes et al. 2022 (VICReg); Chen & He 2021 (SimSiam); Garrido et al. 2023 (RankMe); lightly's losses",
            exercises=('12.effective_rank', '12.barlow_twins', '12.vicreg'),
            code=('noncontrastive/byol.py', 'noncontrastive/simsiam.py', 'noncontrastive/barlow_twins.py',
                  'noncontrastive/vicreg.py', 'evaluate/rank.py')),
    Chapter("28", "self_distillation", "Self-distillation (DINO)", PARTS[2],
            "collapse as teacher entropy (worst of 3 seeds): no centring ≤ 0.1 log K, no sharpening ≥ 0.95 log K; "
            "DINO's backbone beats the best untrained one on a 5-label probe, and both it and raw pixels on 20-NN (worst seed)",
            "Caron et al. 2021 (DINO)",
            exercises=('28.ema_update', '28.dino_loss', '28.center'),
            code=('noncontrastive/dino.py', 'augment/multicrop.py')),
    Chapter("07", "preprocessing", "Preprocessing", PARTS[3],
            "streaming stats equal torch.var_mean to ≤ 1e-6 at an offset of 1e8; feature selection on train+test "
            "≥ 20 points above the honest pipeline on pure noise; standardising ≥ 10× lower loss with mixed-unit features",
            "Chan et al. 1979 (parallel variance); Hastie et al. 2009 §7.10.2 (selection leakage); scikit-learn's StandardScaler",
            exercises=('07.running_stats', '07.zca'),
            code=('data/preprocess.py',)),
    Chapter("08", "transfer_learning", "Transfer learning", PARTS[3],
            "fine-tuned SimCLR init beats scratch beyond the seeds' spread at 1, 5 and 10 labels/class",
            "Hénaff et al. 2020 (data-efficient CPC); torchvision's FrozenBatchNorm2d",
            exercises=('08.freeze', '08.param_groups'),
            code=('transfer/finetune.py',)),
    Chapter("09", "pretext_tasks", "Pretext tasks", PARTS[3],
            "RotNet middle-layer probe ≥ random init + 1.5 points on 3 seeds; ≥ pixels + 4", "Gidaris et al. 2018 (RotNet)",
            exercises=('09.rotate_batch', '09.jigsaw'),
            code=('pretext/rotation.py', 'pretext/jigsaw.py')),
    Chapter("10", "clustering_pseudo_labels", "Clustering and pseudo-labels", PARTS[3],
            "k-means on SimCLR features beats pixels beyond the spread over 3 seeds (matched accuracy, NMI); "
            "k-means inertia within 1% of scikit-learn's; self-training from 10 labels/class gains beyond the spread",
            "scikit-learn's NMI and ARI; Caron et al. 2018 (DeepCluster)",
            exercises=('10.kmeans_pp_init', '10.matched_accuracy', '10.confident_labels'),
            code=('cluster/kmeans.py', 'cluster/matching.py', 'cluster/pseudo_labels.py')),
    Chapter("15", "visual_pretraining", "Visual pretraining", PARTS[3],
            "5-label linear probe per ResNet-18 stage (width/8), SimCLR vs the same network untrained, 3 seeds: "
            "the worst seed's gain > 0 points at every stage and ≥ 2 points at layer2-4", "He et al. 2016 (ResNet)",
            exercises=('15.adapt_resnet', '15.feature_extractor'),
            code=('models/resnet.py', 'transfer/features.py')),
    Chapter("23", "multitask", "Multi-task learning", PARTS[3],
            "rotation auxiliary task improves 5-label accuracy by ≥ 3 points (worst of 3 seeds); conflict measured",
            "Kendall et al. 2018 (uncertainty weighting)",
            exercises=('23.uncertainty_weighting', '23.grad_cosine'),
            code=('transfer/multitask.py',)),
    Chapter("30", "evaluating_representations", "Evaluating representations", PARTS[3],
            "one leaderboard of ≥ 6 methods, one encoder and one budget: linear probe, kNN, 5-shot with 95% intervals "
            "over 3 seeds; SimCLR beats untrained at 5 shots beyond the intervals; CKA map",
            "Kornblith et al. 2019 (CKA)",
            exercises=('30.linear_cka', '30.few_shot_prototypes'),
            code=('evaluate/benchmark.py', 'evaluate/cka.py')),
    Chapter("13", "vae", "Variational autoencoders", PARTS[4],
            "−ELBO ≥ 3 nats below independent pixels; IWAE (k=100) tighter than the ELBO beyond the seed spread; "
            "KL equals torch.distributions'",
            "Kingma & Welling 2014; Burda et al. 2016 (IWAE)",
            exercises=('13.reparameterize', '13.gaussian_kl', '13.negative_elbo'),
            code=('generative/vae.py',)),
    Chapter("14", "gan_fundamentals", "GAN fundamentals", PARTS[4],
            "ring of 8 Gaussians (σ 0.02): ≥ 7 of 8 modes and ≥ 80% high-quality samples on the worst of 3 seeds; "
            "non-saturating G gradient ≥ 10× the minimax one",
            "Goodfellow et al. 2014; Metz et al. 2017 (8-Gaussian ring)",
            exercises=('14.d_loss', '14.g_loss'),
            code=('generative/gan.py', 'data/rings.py')),
    Chapter("18", "denoising_autoencoder", "Denoising autoencoders", PARTS[4],
            "DAE PSNR gain ≥ 5 dB on noisy test digits on every seed; DAE code beats AE code on noisy digits beyond the spread",
            "Vincent et al. 2008",
            exercises=('18.add_noise', '18.psnr'),
            code=('generative/autoencoder.py', 'evaluate/image_quality.py')),
    Chapter("20", "dcgan_and_evaluation", "DCGAN and its evaluation", PARTS[4],
            "Fréchet distance (a digit classifier's features) falls to ≤ 25% of its start on each of 3 seeds",
            "Radford et al. 2016; Heusel et al. 2017 (FID)",
            exercises=('20.frechet_distance', '20.dcgan_init'),
            code=('generative/dcgan.py', 'evaluate/frechet.py')),
    Chapter("24", "conditional_gan", "Conditional GANs", PARTS[4],
            "a separately trained classifier agrees with the requested class ≥ 85% (worst of 3 seeds)", "Miyato & Koyama 2018",
            exercises=('24.embed_condition', '24.conditional_d_loss'),
            code=('generative/conditional_gan.py',)),
    Chapter("16", "masked_language_model", "Masked language models", PARTS[5],
            "masked-token accuracy ≥ 2× the unigram baseline", "Devlin et al. 2019 (BERT)",
            exercises=('16.mask_tokens', '16.mlm_loss'),
            code=('text/tokenizer.py', 'text/mlm.py', 'models/transformer.py')),
    Chapter("17", "speech_cpc", "Speech and CPC", PARTS[5],
            "CPC phoneme probe ≥ random encoder + 20 points (every one of 3 seeds)", "Oord et al. 2018 (CPC)",
            exercises=('17.frame_signal', '17.cpc_loss'),
            code=('data/speech.py', 'audio/spectrogram.py', 'audio/cpc.py')),
    Chapter("25", "autoregressive_lm", "Autoregressive language models", PARTS[5],
            "held-out perplexity ≥ 30% below a smoothed bigram model (worst of 3 seeds); samples at several temperatures",
            "a bigram model, fitted in the chapter",
            exercises=('25.shift_targets', '25.perplexity', '25.bigram'),
            code=('text/lstm.py', 'text/sampling.py')),
    Chapter("26", "vit_mae", "Vision transformers and MAE", PARTS[5],
            "75% masking on 16×16 shapes: masked-patch MSE ≤ 0.5× the per-position mean-patch baseline "
            "(worst of 3 seeds); reconstructions shown", "He et al. 2022 (MAE)",
            exercises=('26.patchify', '26.random_masking', '26.masked_mse'),
            code=('vision/patches.py', 'vision/mae.py')),
    Chapter("27", "gpt_from_scratch", "GPT from scratch", PARTS[5],
            "attention equals scaled_dot_product_attention; beats the ch. 25 LSTM's validation loss at the same "
            "CPU time (worst of 3 seeds)",
            "torch's scaled_dot_product_attention; nanoGPT",
            exercises=('27.causal_mask', '27.attention', '27.top_p'),
            code=('text/gpt.py', 'models/transformer.py', 'text/sampling.py', 'text/lstm.py')),
    Chapter("19", "dqn", "Deep Q-networks", PARTS[6],
            "CartPole-v1: greedy mean return ≥ 475 on 20 fresh episodes within ≤ 50k steps and ≤ 60 s of training "
            "(worst of 3 seeds)",
            "CleanRL's DQN: a 500k-step default budget",
            exercises=('19.replay_buffer', '19.td_target', '19.epsilon_greedy'),
            code=('rl/dqn.py',)),
    Chapter("21", "zero_shot", "Zero-shot learning", PARTS[6],
            "zero-shot accuracy on 4 unseen shape-colour pairs ≥ 70% (chance 25%)",
            "Radford et al. 2021 (CLIP)",
            exercises=('21.clip_loss', '21.zero_shot_predict'),
            code=('contrastive/clip.py',)),
    Chapter("22", "maml", "Meta-learning (MAML)", PARTS[6],
            "sinusoids: 5-shot MSE ≤ 0.70 after 1 step, ≤ 0.40 after 10 (mean of 3 seeds); "
            "pretrained on all tasks ≥ 3× worse; in ≤ 120 s",
            "the MAML paper (Finn et al. 2017): 0.67 / 0.35",
            exercises=('22.adapt', '22.maml_loss'),
            code=('meta/maml.py', 'meta/reptile.py', 'data/sinusoids.py')),
]


def by_part() -> dict[str, list[Chapter]]:
    """Chapters grouped by part, each part in chapter order."""
    return {part: sorted((c for c in CHAPTERS if c.part == part), key=lambda c: c.number) for part in PARTS}


def chapter(number: str) -> Chapter:
    for c in CHAPTERS:
        if c.number == number:
            return c
    raise KeyError(f"no chapter {number!r} in the syllabus (00..30)")


def layout_table() -> str:
    """Markdown: for every chapter, where its reference code lives and where it is graded
    (CONTRIBUTING.md holds this table; `ssl-course layout` prints it)."""
    rows = ["| # | chapter | reference code (`ssl_course/...`) | exercises (`ssl_course/course/exercises/chNN.py`) |",
            "|---|---|---|---|"]
    for c in sorted(CHAPTERS, key=lambda c: c.number):
        code = ", ".join(f"`{p}`" for p in c.code)
        rows.append(f"| {c.number} | {c.title} | {code} | {', '.join(c.exercises)} |")
    return "\n".join(rows)
