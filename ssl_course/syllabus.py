"""The course plan: thirty-one chapters (00 and the thirty interview questions) in seven parts,
each with its headline experiment, its bar and an outside anchor to compare with. The site's
table of contents, chapter map and results table are all drawn from this one list."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    number: str  # "00".."30": the interview question it answers
    slug: str  # notebooks/src/<number>_<slug>.py once written
    title: str
    part: str
    bar: str  # the headline experiment and its bar, as the syllabus states it
    anchor: str  # an outside reference point for the number

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
            "environment report; how checks and quizzes work", "—"),
    Chapter("01", "contrastive_loss", "InfoNCE", PARTS[1],
            "InfoNCE estimate of MI within 15% where MI < ½ log N; saturation at log N",
            "closed form: MI = −d/2 · log(1−ρ²) (Oord et al. 2018, Poole et al. 2019)"),
    Chapter("02", "augmentation", "Data augmentation", PARTS[1],
            "batched tensor augmentation ≥ 10× the images/s of per-image PIL",
            "torchvision's per-image PIL pipeline, timed in the chapter"),
    Chapter("03", "positive_negative_pairs", "Positive and negative pairs", PARTS[1],
            "false-negative rate matches its formula; SupCon ≥ SimCLR probe",
            "closed form 1 − (1 − 1/C)^(N−1); Khosla et al. 2020 (SupCon > SimCLR)"),
    Chapter("04", "why_augmentation_matters", "Why augmentation matters", PARTS[1],
            "crop+colour beats crop alone by ≥ 10 points on shapes",
            "Chen et al. 2020 (SimCLR): crop+colour is the strongest pair"),
    Chapter("05", "simclr", "SimCLR", PARTS[1],
            "mnist1d linear probe ≥ 85%; digits 5 labels/class ≥ raw + 4 points; NT-Xent = lightly to 1e-5",
            "mnist1d's own SSL notebook: 82.1% (raw input 32.8%); lightly's NTXentLoss"),
    Chapter("06", "negative_sampling", "Negative sampling", PARTS[1],
            "SGNS on a planted-partition graph recovers communities, NMI ≥ 0.9",
            "Perozzi et al. 2014 (DeepWalk); Mikolov et al. 2013"),
    Chapter("11", "metric_learning", "Metric learning", PARTS[1],
            "Recall@1 on digits vs pixels; vectorised ≥ 100× faster than the loop",
            "pytorch-metric-learning's batch-hard triplet"),
    Chapter("29", "sentence_embeddings", "Sentence embeddings", PARTS[5],
            "SimCSE vs untrained mean-pooling: retrieval and probe",
            "Gao et al. 2021 (SimCSE)"),
    Chapter("12", "collapse_non_contrastive", "Collapse and non-contrastive losses", PARTS[2],
            "the collapsing loss ends near rank 1; VICReg ≥ half the dimension",
            "Bardes et al. 2022 (VICReg); Chen & He 2021 (SimSiam)"),
    Chapter("28", "self_distillation", "Self-distillation (DINO)", PARTS[2],
            "DINO kNN accuracy; collapse without centring or sharpening shown",
            "Caron et al. 2021 (DINO)"),
    Chapter("07", "preprocessing", "Preprocessing", PARTS[3],
            "streaming stats equal batch stats to 1e-6; leakage demo",
            "Welford's algorithm; numpy's mean and var"),
    Chapter("08", "transfer_learning", "Transfer learning", PARTS[3],
            "SSL init wins at ≤ 10 labels/class", "Hénaff et al. 2020 (data-efficient CPC)"),
    Chapter("09", "pretext_tasks", "Pretext tasks", PARTS[3],
            "RotNet probe ≥ random-init probe + 15 points", "Gidaris et al. 2018 (RotNet)"),
    Chapter("10", "clustering_pseudo_labels", "Clustering and pseudo-labels", PARTS[3],
            "k-means on SSL features beats pixels; self-training improves accuracy",
            "scikit-learn's NMI and ARI; Caron et al. 2018 (DeepCluster)"),
    Chapter("15", "visual_pretraining", "Visual pretraining", PARTS[3],
            "SSL above random init at every ResNet stage", "He et al. 2016 (ResNet)"),
    Chapter("23", "multitask", "Multi-task learning", PARTS[3],
            "rotation auxiliary task improves few-label accuracy by ≥ 3 points",
            "Kendall et al. 2018 (uncertainty weighting)"),
    Chapter("30", "evaluating_representations", "Evaluating representations", PARTS[3],
            "one leaderboard of ≥ 6 methods: linear probe, kNN, 5-shot; CKA map",
            "Kornblith et al. 2019 (CKA)"),
    Chapter("13", "vae", "Variational autoencoders", PARTS[4],
            "IWAE (k=100) bound tighter than the ELBO; KL equals torch.distributions'",
            "Kingma & Welling 2014; Burda et al. 2016 (IWAE)"),
    Chapter("14", "gan_fundamentals", "GAN fundamentals", PARTS[4],
            "ring of 8 Gaussians: ≥ 7 of 8 modes, ≥ 80% high-quality samples",
            "Goodfellow et al. 2014; Metz et al. 2017 (8-Gaussian ring)"),
    Chapter("18", "denoising_autoencoder", "Denoising autoencoders", PARTS[4],
            "PSNR gain ≥ 5 dB on noisy test digits", "Vincent et al. 2008"),
    Chapter("20", "dcgan_and_evaluation", "DCGAN and its evaluation", PARTS[4],
            "Fréchet distance falls to ≤ 25% of its start", "Radford et al. 2016; Heusel et al. 2017 (FID)"),
    Chapter("24", "conditional_gan", "Conditional GANs", PARTS[4],
            "a separate classifier agrees with the requested class ≥ 85%", "Miyato & Koyama 2018"),
    Chapter("16", "masked_language_model", "Masked language models", PARTS[5],
            "masked-token accuracy ≥ 2× the unigram baseline", "Devlin et al. 2019 (BERT)"),
    Chapter("17", "speech_cpc", "Speech and CPC", PARTS[5],
            "CPC phoneme probe ≥ random encoder + 20 points", "Oord et al. 2018 (CPC)"),
    Chapter("25", "autoregressive_lm", "Autoregressive language models", PARTS[5],
            "held-out perplexity ≥ 30% below a bigram model", "a bigram model, fitted in the chapter"),
    Chapter("26", "vit_mae", "Vision transformers and MAE", PARTS[5],
            "75% masking: masked-patch MSE ≤ 0.5× the mean-patch baseline", "He et al. 2022 (MAE)"),
    Chapter("27", "gpt_from_scratch", "GPT from scratch", PARTS[5],
            "attention equals scaled_dot_product_attention; beats the ch. 25 LSTM",
            "torch's scaled_dot_product_attention; nanoGPT"),
    Chapter("19", "dqn", "Deep Q-networks", PARTS[6],
            "CartPole-v1: mean return ≥ 475 within ≤ 100k steps and ≤ 120 s",
            "CleanRL's DQN: 500k steps"),
    Chapter("21", "zero_shot", "Zero-shot learning", PARTS[6],
            "zero-shot accuracy on 4 unseen shape-colour pairs ≥ 70% (chance 25%)",
            "Radford et al. 2021 (CLIP)"),
    Chapter("22", "maml", "Meta-learning (MAML)", PARTS[6],
            "sinusoids: 5-shot MSE ≤ 0.8 after 1 step, ≤ 0.45 after 10",
            "the MAML paper (Finn et al. 2017): 0.67 / 0.35"),
]


def by_part() -> dict[str, list[Chapter]]:
    """Chapters grouped by part, each part in chapter order."""
    return {part: sorted((c for c in CHAPTERS if c.part == part), key=lambda c: c.number) for part in PARTS}


def chapter(number: str) -> Chapter:
    for c in CHAPTERS:
        if c.number == number:
            return c
    raise KeyError(f"no chapter {number!r} in the syllabus (00..30)")
