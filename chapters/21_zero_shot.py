# %% [markdown]
# # 21 · Zero-shot learning
#
# > **问题：** 自监督学习中的零样本学习是什么？它怎样用于分类任务？
# >
# > **Question:** What is zero-shot learning in self-supervised learning, and how is it applied
# > to classification?
#
# **Model answer.** Zero-shot learning (ZSL) is a *setting*, not a training method: at test time
# the model must recognise classes of which it saw **no labelled example** in training. The
# seen classes $\mathcal S$ and the unseen classes $\mathcal U$ are disjoint, and what makes it
# possible is **side information shared between them**: every class $c$ gets an embedding
# $\phi(c)$ computed from a description (attributes such as "striped, four legs", or a text such
# as "a photo of a zebra"), by a function that also works for a description it never saw. An
# image $x$ is then classified by the **compatibility** of its embedding $f(x)$ with each
# candidate class embedding: $\hat y = \arg\max_{c} \cos(f(x), \phi(c))$. CLIP (Radford et al.
# 2021) learns $f$ and $\phi$ together, self-supervised in the sense that the supervision is
# free text found next to images: a **symmetric contrastive loss** makes every image pick its
# own caption out of the batch and every caption its own image. Afterwards *any* class that can
# be written down has an embedding: one caption per class (a prompt) turns the text encoder into
# a classifier. Two things break it: a classifier whose classes are fixed outputs or free
# per-class vectors (there is nothing to compute for a new class), and any unseen-class example
# in training (then the number measures memory, not zero-shot transfer).

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from ssl_course import bar, check, device, quick_mode, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.augment.color import grayscale
from ssl_course.contrastive import clip as reference
from ssl_course.contrastive.clip import TextEncoder, caption, caption_tokenizer, tokenize, train_clip
from ssl_course.data.shapes import SHAPE_NAMES, shapes
from ssl_course.evaluate.probes import features
from ssl_course.models.encoders import ConvEncoder

seed_everything(0)
torch.set_num_threads(1)  # small CNNs on 16x16 images: one thread is faster than two handing work to each other
print("device:", device())

# %% [markdown]
# ## Theory
#
# **The setting.** Training pairs $(x, y)$ have $y \in \mathcal S$; test images have
# $y \in \mathcal U$, with $\mathcal S \cap \mathcal U = \emptyset$. *Conventional* ZSL asks
# for the right class among $\mathcal U$ only; *generalised* ZSL (GZSL) among
# $\mathcal S \cup \mathcal U$, which is harder because a model trained on $\mathcal S$ prefers
# the classes it knows (Chao et al. 2016; Xian et al. 2018).
#
# **Class embeddings.** A classifier with a weight vector $w_c$ per class,
# $p(c \mid x) \propto \exp(w_c^\top f(x))$, has nothing to say about a class whose $w_c$ was
# never trained. Zero-shot methods replace the free $w_c$ by a **function of a description**,
# $w_c = \phi(t_c)$, shared across classes: attributes with a linear map (DAP, Lampert et al.
# 2009; ALE, Akata et al. 2015), word vectors (DeViSE, Frome et al. 2013), or a text encoder
# (CLIP). If $\phi$ has learnt what the *words* "red" and "circle" mean from the seen classes,
# it can write down $w$ for "a red circle" without ever seeing one.
#
# **CLIP's loss.** For a batch of $N$ image-caption pairs, with unit vectors
# $u_i = f(x_i)/\lVert f(x_i)\rVert$ and $v_j = \phi(t_j)/\lVert\phi(t_j)\rVert$ and the logits
# $L_{ij} = u_i^\top v_j / \tau$,
#
# $$\mathcal L = \frac{1}{2N}\sum_{i=1}^{N}\Big[\underbrace{-\log\frac{e^{L_{ii}}}{\sum_{j} e^{L_{ij}}}}_{\text{image } i \text{ picks its caption}}
#   \;\underbrace{-\log\frac{e^{L_{ii}}}{\sum_{j} e^{L_{ji}}}}_{\text{caption } i \text{ picks its image}}\Big],$$
#
# the InfoNCE of chapter 01 in both directions: a cross-entropy over the rows of $L$ and one
# over its columns, with the diagonal as the target. The first direction alone trains a
# classifier of images over the batch's captions; the second trains the text side to pick out
# images, and the two disagree where one caption is close to many images (CLIP's paper,
# Figure 3, averages the two). CLIP learns $\tau$ (from 0.07); here it is fixed at 0.1.
#
# **Duplicates in the batch.** With 16 training captions (the 12 pairs, and 4 shapes alone for
# the greyed images below) and a batch of 64 images, a caption appears several times in one
# batch. If $k_i$ rows of the batch carry image $i$'s caption, their caption embeddings are
# identical, so at best the softmax shares its mass equally among them:
# $\mathcal L \ge \frac1N\sum_i \log k_i$, a **floor** that can be computed from the data alone
# and that the headline compares the training loss with. The copies are false negatives
# (chapter 03), but in the gradient the pull towards one's own caption and the push from its
# identical copies cancel; what remains pushes the *other* captions away.
#
# **Zero-shot prediction.** Embed one caption per candidate class, $\phi(t_c)$, and predict
# $\hat y(x) = \arg\max_c \cos(f(x), \phi(t_c))$; the temperature does not change the argmax.
#
# **Here.** The `shapes` images have known factors: 4 shapes $\times$ 4 colours $= 16$ pairs,
# each with the caption "a ⟨colour⟩ ⟨shape⟩". We train on 12 pairs and hold out 4, chosen so
# that **neither factor alone names them**: the $2\times2$ block {circle, square} $\times$ {red,
# yellow} (the first two names of each list). Among the 4 unseen captions, a model that knew only
# the colour, or only the shape, would be right half the time; chance is 25%. Every colour word
# and every shape word is still seen in training, in other pairs: this is *compositional*
# zero-shot learning (Misra et al. 2017), a new combination of known words, not a new word.

# %%
SIZE, DIM, TEMPERATURE = 16, 32, 0.1
P_GREY, BRIGHTNESS = 0.5, 0.5  # random grayscale: probability per image, then brightness x U(1 - 0.5, 1 + 0.5)
UNSEEN = [s * 4 + c for s in (0, 1) for c in (0, 1)]  # pair id = 4 * shape + colour: the 2x2 block
SEEN = [p for p in range(16) if p not in UNSEEN]
# caption ids: 0..15 name a pair ("a red circle"), 16..19 a shape alone ("a circle", for a greyed image)
CAPTIONS = [caption(p // 4, p % 4) for p in range(16)] + [f"a {name}" for name in SHAPE_NAMES]
TRAIN_CAPTIONS = SEEN + [16, 17, 18, 19]

pool, test = shapes(4096, SIZE, seed=0), shapes(2048, SIZE, seed=1)  # independent draws
pool_pair = pool.factors.shape * 4 + pool.factors.colour
test_pair = test.factors.shape * 4 + test.factors.colour
keep = ~torch.isin(pool_pair, torch.tensor(UNSEEN))
x_train, pair_train = pool.images[keep], pool_pair[keep]  # the pair each training image was drawn as
caption_train = pair_train  # its caption id before augmentation: "a <colour> <shape>"
is_unseen = torch.isin(test_pair, torch.tensor(UNSEEN))
x_unseen, y_unseen = test.images[is_unseen], test_pair[is_unseen]


def assert_never_seen(train_pairs, unseen=UNSEEN):
    """Zero-shot means it: no training image may come from an unseen pair. train_pairs: (N,) pair ids."""
    leaked = torch.isin(train_pairs, torch.tensor(unseen))
    if leaked.any():
        raise AssertionError(f"{int(leaked.sum())} training images come from an unseen pair "
                             f"{sorted(set(train_pairs[leaked].tolist()))}: this would not be zero-shot")


assert_never_seen(pair_train)
fed = torch.zeros(len(CAPTIONS), dtype=torch.long)  # how often each caption id was fed to a model, all runs


def random_grey(images, caption_ids, generator, p=P_GREY, brightness=BRIGHTNESS, guard=True):
    """Random grayscale on every mini-batch (SimCLR's augmentation, chapters 02, 04), then a random brightness;
    a greyed image's caption loses its colour word ("a red triangle" -> "a triangle"). Only ever removes
    colour, so it cannot make a red or yellow circle or square. guard: check what the model is fed."""
    grey = torch.rand(len(images), generator=generator) < p
    scale = 1 + brightness * (2 * torch.rand(int(grey.sum()), 1, 1, 1, generator=generator) - 1)
    images, caption_ids = images.clone(), caption_ids.clone()
    images[grey] = (grayscale(images[grey]) * scale).clamp(0, 1)
    caption_ids[grey] = 16 + caption_ids[grey] // 4 % 4  # the shape alone
    if guard:  # zero-shot on what the model actually sees: no unseen caption, no colour on a greyed image
        assert_never_seen(caption_ids)
        assert (images[grey] == images[grey][:, :1]).all()
        fed.add_(torch.bincount(caption_ids, minlength=len(CAPTIONS)))
    return images, caption_ids


tokenizer = caption_tokenizer([CAPTIONS[c] for c in TRAIN_CAPTIONS])  # the vocabulary: training captions only
tokens = tokenize(CAPTIONS, tokenizer)  # (20, 3): one row per caption id, "a circle" padded with [PAD]
assert (tokens != tokenizer.unk_id).all()  # every word of an unseen caption occurs in a training caption
print(f"{len(x_train)} training images of {len(SEEN)} pairs, each greyed with probability {P_GREY} when drawn; "
      f"{len(x_unseen)} test images of the unseen pairs:", ", ".join(f"'{CAPTIONS[p]}'" for p in UNSEEN))
print("vocabulary:", tokenizer.vocab)

fig, axes = plt.subplots(2, 8, figsize=(12, 3.4))
x_demo, caption_demo = random_grey(x_train[:64], caption_train[:64], torch.Generator().manual_seed(0), p=1.0,
                                   guard=False)  # every image greyed, for the figure only
shown = [(x_train, caption_train, c, "") for c in SEEN] + [(x_demo, caption_demo, 16, "greyed: "),
                                                           (x_demo, caption_demo, 18, "greyed: ")]
shown += [(test.images, test_pair, p, "unseen: ") for p in UNSEEN[:2]]
for ax, (images, ids, c, note) in zip(axes.flat, shown):
    ax.imshow(images[int((ids == c).nonzero()[0])].permute(1, 2, 0))
    ax.set_title(note + CAPTIONS[c][2:], fontsize=7)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Why random grayscale.** Each time an image is drawn into a mini-batch it is, with
# probability 0.5, turned grey (and its brightness scaled by a random factor in $[0.5, 1.5]$),
# and its caption loses its colour word ("a circle"): SimCLR's random grayscale (chapters 02, 04),
# with the caption made true of the greyed image, as real captions often name one factor only.
# Without it, nothing in the 12 full captions asks the image encoder to represent a circle the
# same way whatever its colour, and circles appear in training only in green and blue; the
# brightness factor is there so that grey levels cannot stand in for the missing hue. The augmentation
# only *removes* colour, so it can never make a red or yellow circle or square: `random_grey`
# asserts, on every batch a model is fed, that no caption names an unseen pair and that every
# greyed image has three equal channels. ("Reading the results honestly" says what this chapter
# does not measure about it.)

# %% [markdown]
# ## The common wrong answer
#
# The seed's answer calls zero-shot learning "a self-supervised method" that "learns a class
# embedding space", and its code (paraphrased) makes an `nn.Embedding(num_classes, dim)`,
# then loops over **the test data**, reads the class embeddings under `torch.no_grad()`
# without using them, and trains with a cross-entropy between the image embeddings and the
# labels. Three separate mistakes, each run here with the recipe of the right answer in the
# headline (the same images and augmentation, image encoder, Adam, batch and temperature), but
# with an eighth of its steps and one seed each, as the time budget allows (the right answer runs
# three seeds):
#
# 1. **No class embeddings** (the table is never used): the cross-entropy reads the label off
#    the image encoder's outputs, a **fixed classifier head** with one output per training
#    caption (the 12 seen pairs, and the 4 shapes alone). It has no output for an unseen pair.
# 2. **Class embeddings that are free vectors**, one row per class id (the table, if it were
#    used): trained with CLIP's loss on the seen pairs, the rows of the 4 unseen pairs never
#    appear in a batch.
# 3. **Training on the test set**: the same table trained with the unseen pairs' images added
#    (the test images themselves). The number it reports on them is high, and it is not zero-shot.

# %%
SEEDS = (0, 1, 2)  # the right answer's seeds; each wrong answer runs once, with seed 0 (the time budget)
STEPS, BATCH, CHANNELS = scaled(800, 20), 64, (8, 16, 32)
WRONG_STEPS = STEPS // 8  # the wrong answers: an eighth of the steps (the time budget)


def image_tower():
    """The image encoder of every run: a small CNN, then a linear map to DIM. (N, 3, 16, 16) -> (N, DIM)."""
    return nn.Sequential(ConvEncoder(3, CHANNELS), nn.Linear(CHANNELS[-1], DIM))


def recipe(seed, image_encoder, text_side, images, caption_ids, loss_fn, steps=STEPS, guard=True):
    """The one recipe: Adam, lr 3e-3, `steps` batches of BATCH, each through random_grey, temperature 0.1,
    shuffled by `seed`. text_side takes caption ids."""
    return train_clip(image_encoder, text_side, images, caption_ids, steps=steps, batch_size=BATCH, lr=3e-3,
                      temperature=TEMPERATURE, seed=seed, loss_fn=loss_fn,
                      augment=lambda x, c, g: random_grey(x, c, g, guard=guard))


OUTPUT_OF = torch.full((len(CAPTIONS),), -1, dtype=torch.long)
OUTPUT_OF[TRAIN_CAPTIONS] = torch.arange(len(TRAIN_CAPTIONS))  # caption id -> the fixed head's output index


def fixed_head_loss(logits, caption_ids, temperature):
    """Mistake 1: a cross-entropy over the fixed outputs of a head (no class embedding, no temperature)."""
    return F.cross_entropy(logits, OUTPUT_OF.to(caption_ids.device)[caption_ids])


def train_fixed_head(seed):
    """Mistake 1: image tower + Linear(DIM, 16), one output per training caption (12 pairs, 4 shapes alone)."""
    seed_everything(seed)
    model = nn.Sequential(image_tower(), nn.Linear(DIM, len(TRAIN_CAPTIONS)))
    recipe(seed, model, nn.Identity(), x_train, caption_train, fixed_head_loss, WRONG_STEPS)
    return model


class ClassTable(nn.Module):
    """Mistakes 2 and 3: one free DIM-vector per caption id, no words. ids (N,) -> (N, DIM)."""

    def __init__(self):
        super().__init__()
        self.table = nn.Embedding(len(CAPTIONS), DIM)

    def forward(self, ids):
        return self.table(ids)


def train_class_table(seed, images, caption_ids, guard=True):
    """CLIP's loss with a ClassTable as the text side. Returns (image_encoder, rows after, rows before), (20, DIM)."""
    seed_everything(seed)
    encoder, table = image_tower(), ClassTable()
    before = table.table.weight.detach().clone()
    recipe(seed, encoder, table, images, caption_ids, reference.clip_loss, WRONG_STEPS, guard)
    return encoder, table.table.weight.detach().cpu(), before


def four_way_accuracy(image_encoder, class_emb, predict):
    """Conventional ZSL: accuracy on the unseen test images, choosing among the 4 unseen pairs' captions.
    class_emb: (20, DIM), one row per caption id; predict(image_emb, class_emb, labels) -> labels."""
    labels = torch.tensor(UNSEEN)
    return (predict(features(image_encoder, x_unseen), class_emb[labels], labels) == y_unseen).float().mean().item()


def mean_std(values):
    v = torch.tensor(values, dtype=torch.float64)
    return f"{v.mean():.1%} ± {v.std():.1%}"


# Mistake 1: a fixed head. What does it answer for an unseen image?
head = train_fixed_head(0)
head_pred = torch.tensor(TRAIN_CAPTIONS)[features(head, x_unseen).argmax(1)]  # a training caption id, always
head_acc = (head_pred == y_unseen).float().mean().item()
is_pair = head_pred < 16
share = ((head_pred % 4 == y_unseen % 4) | (head_pred // 4 == y_unseen // 4))[is_pair].float().mean().item()
print(f"1. fixed head: unseen pairs named correctly {head_acc:.1%}; {is_pair.float().mean():.1%} of its answers "
      f"name a seen pair, {share:.1%} of those share the colour or the shape with the truth")

# Mistake 2: free class vectors, trained on the seen pairs only.
table_enc, table_rows, table_start = train_class_table(0, x_train, caption_train)
table_acc = four_way_accuracy(table_enc, table_rows, reference.zero_shot_predict)
untouched = torch.equal(table_rows[UNSEEN], table_start[UNSEEN])
print(f"2. class table, seen pairs only: 4-way accuracy on the unseen pairs {table_acc:.1%} (chance 25%); "
      f"the 4 unseen rows are still exactly their random start: {untouched}")

# Mistake 3: the same table, trained with the test images of the unseen pairs added.
x_leak, pair_leak = torch.cat([x_train, x_unseen]), torch.cat([pair_train, y_unseen])
try:
    assert_never_seen(pair_leak)
except AssertionError as err:
    print("assert_never_seen on the leaked training set:", err)
leak_enc, leak_rows, _ = train_class_table(0, x_leak, torch.cat([caption_train, y_unseen]), guard=False)
leak_acc = four_way_accuracy(leak_enc, leak_rows, reference.zero_shot_predict)
print(f"3. class table trained on the test set: 4-way 'zero-shot' accuracy {leak_acc:.1%} "
      f"({len(y_unseen)} test images of the unseen pairs)")

if not quick_mode():
    assert head_acc == 0.0  # by construction: it has no output for an unseen pair
    assert share > 0.5  # yet most of its answers that name a pair share a factor with the truth
    assert untouched  # the unseen rows never received a gradient
    # the leak lifts the same table's number beyond sampling noise: 4 standard errors of the difference
    # of two accuracies on these test images
    se = ((leak_acc * (1 - leak_acc) + table_acc * (1 - table_acc)) / len(y_unseen)) ** 0.5
    assert leak_acc - table_acc > 4 * se

# %% [markdown]
# **What each mistake costs.** The fixed head names none of the unseen pairs: it has one
# output per training caption, and an unseen image gets one of them. Its answers are not
# random (most of those that name a pair share the colour or the shape with the truth, printed
# above); what it lacks is a way to *write down* "a red circle". The table of free class
# vectors is no better placed: a row that never appears in a batch gets no gradient, so the 4
# unseen rows are still exactly their random initial values, and whatever it scores on them is
# the accident of four random vectors. Trained on the test images, the very same table scores
# far higher on them, in the same short run (asserted: by more than 4 standard errors of the
# difference): a number that looks like zero-shot progress and measures memory.
# `assert_never_seen` is the guard every zero-shot experiment needs (Xian et al. 2018 found
# unseen classes of the standard benchmarks among the ImageNet classes used to pre-train
# their features).

# %% [markdown]
# ## Exercise 21.clip_loss
#
# Write CLIP's symmetric loss for `image_emb`, `text_emb` of shape `(N, D)`, row $i$ of each
# being the $i$-th image-caption pair: cosine similarities divided by `temperature`, then the
# mean of the image-to-caption cross-entropy (over the rows of the $N\times N$ matrix) and the
# caption-to-image one (over its columns), each averaged over the $N$ pairs. Return a scalar.
# It must survive a temperature of $10^{-3}$, an all-zero row and float64, work for a batch of
# one pair, and keep its gradient.

# %%
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """(N, D), (N, D) -> scalar: the mean of the image->text and text->image InfoNCE losses."""
    ### BEGIN SOLUTION
    logits = F.normalize(image_emb, dim=1) @ F.normalize(text_emb, dim=1).T / temperature  # (N, N)
    target = torch.arange(logits.shape[0], device=logits.device)  # pair i's partner is on the diagonal
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))
    ### END SOLUTION


check("21.clip_loss", clip_loss)

# %%
clip_loss = use_reference_if_unsolved("21.clip_loss", clip_loss)

# %% [markdown]
# ## Exercise 21.zero_shot_predict
#
# Classify images by their class embeddings: `image_emb` `(N, D)`, `class_emb` `(C, D)` (row
# $c$ is the embedding of class $c$'s caption) and optional `labels` `(C,)`, the integer label
# of each class row (by default $0,\dots,C-1$). Return, for each image, the label of the class
# row with the highest **cosine** similarity: shape `(N,)`, `labels`' dtype (int64 by default),
# on the inputs' device. Ties go to the **lower** class row; an all-zero row has cosine 0 to
# everything (no NaN); float64 inputs are compared in float64.

# %%
def zero_shot_predict(image_emb: torch.Tensor, class_emb: torch.Tensor,
                      labels: torch.Tensor | None = None) -> torch.Tensor:
    """(N, D), (C, D), (C,) or None -> (N,) the label of the most cosine-similar class row."""
    ### BEGIN SOLUTION
    scores = F.normalize(image_emb, dim=1) @ F.normalize(class_emb, dim=1).T  # (N, C) cosines
    best = scores.argmax(dim=1)  # torch.argmax returns the first maximum: ties go to the lower row
    return best if labels is None else labels[best]
    ### END SOLUTION


check("21.zero_shot_predict", zero_shot_predict)

# %%
zero_shot_predict = use_reference_if_unsolved("21.zero_shot_predict", zero_shot_predict)

# %% [markdown]
# ## The headline experiment
#
# The right answer, with the recipe of the wrong ones: the same images (the 12 seen pairs,
# randomly greyed) and image encoder, and a **text encoder** as the class side (a bag of
# words: the mean of the word embeddings of "a red triangle", then a linear map), trained with
# **your** `clip_loss`, three seeds, the full number of steps. Then each test image of the 4 unseen pairs is classified by
# **your** `zero_shot_predict` among the embeddings of the 4 unseen captions, which the text
# encoder computes from words it saw in other captions.
#
# 1. **The bar (syllabus):** zero-shot accuracy on the unseen pairs $\ge 70\%$ on every seed
#    (chance 25%; knowing only the colour, or only the shape, gives 50%). It is declared as a
#    known shortfall: the seeds printed below straddle it, and "Reading the results honestly"
#    shows where the misses come from.
# 2. **Against mistake 2:** above the class table on every seed.
# 3. **A known truth:** the training loss settles on the floor $\frac1N\sum_i \log k_i$ that
#    duplicated captions in a batch impose (its mean over random batches, within 0.1 nat).

# %%
class CaptionText(nn.Module):
    """The text side fed caption ids: looks up each caption's words, then the bag-of-words TextEncoder."""

    def __init__(self):
        super().__init__()
        self.encoder = TextEncoder(len(tokenizer), DIM)
        self.register_buffer("words", tokens.clone())  # (20, 3) word ids of every caption

    def forward(self, caption_ids):
        return self.encoder(self.words[caption_ids])


def train_text_clip(seed):
    """The right answer: image tower + TextEncoder, trained with your clip_loss.
    Returns (image_encoder, (20, DIM) caption embeddings, the loss of every step)."""
    seed_everything(seed)
    encoder, text = image_tower(), CaptionText()
    history = recipe(seed, encoder, text, x_train, caption_train, clip_loss)
    with torch.no_grad():
        return encoder, text(torch.arange(len(CAPTIONS), device=device())).cpu(), history


clips = [train_text_clip(s) for s in SEEDS]
clip_acc = torch.tensor([four_way_accuracy(enc, emb, zero_shot_predict) for enc, emb, _ in clips])
print(f"zero-shot accuracy on the 4 unseen pairs, per seed {SEEDS}: {clip_acc.numpy().round(3)}, "
      f"{mean_std(clip_acc.tolist())}; the class table (mistake 2, seed 0): {table_acc:.1%}")


def duplicate_floor(caption_ids, batch_size, draws=500, seed=0):
    """E[(1/B) sum_i log k_i] over random augmented batches, k_i the copies of row i's caption: the loss's floor."""
    g = torch.Generator().manual_seed(seed)
    total = 0.0
    for _ in range(draws):
        b = caption_ids[torch.randperm(len(caption_ids), generator=g)[:batch_size]]
        b = random_grey(torch.zeros(len(b), 3, 1, 1), b, g, guard=False)[1]  # the captions after greying
        total += torch.bincount(b, minlength=len(CAPTIONS))[b].double().log().mean().item()
    return total / draws


floor = duplicate_floor(caption_train, BATCH)
final_loss = torch.tensor([sum(h[-50:]) / 50 for _, _, h in clips])  # the mean of the last 50 steps
print(f"training loss, first step {[round(h[0], 3) for _, _, h in clips]} (log {BATCH} = {math.log(BATCH):.3f}), "
      f"mean of the last 50: {final_loss.numpy().round(3)}; the floor for batch {BATCH}: {floor:.3f}")
print(f"captions fed to the models over all guarded runs: {int(fed.sum())}, of them naming an unseen pair: "
      f"{int(fed[UNSEEN].sum())}, a shape alone (greyed): {fed[16:].sum() / fed.sum():.1%}")
assert fed[UNSEEN].sum() == 0
bar("21.zero_shot_unseen_accuracy_worst_seed", clip_acc.min().item(), ">=", 0.70,
    shortfall=f"measured {clip_acc.min():.3f}-{clip_acc.max():.3f} over 3 seeds (mean {clip_acc.mean():.3f}) "
              f"with {STEPS} steps in the 60 s budget, with random grayscale: the misses are shape errors "
              "(circle vs square in red and yellow, colours in which neither shape was seen) and change from "
              "seed to seed; see 'Reading the results honestly'")
bar("21.text_encoder_minus_class_table_worst_seed", clip_acc.min().item() - table_acc, ">", 0.0)
if not quick_mode():
    assert clip_acc.min() > 0.25  # above chance on every seed
bar("21.training_loss_minus_duplicate_floor", (final_loss - floor).abs().max().item(), "<=", 0.1)

# %% [markdown]
# ## Reading the results honestly
#
# **1. Generalised zero-shot is another story.** The bar is conventional ZSL: an unseen image
# chooses among the 4 unseen captions only. Asked to choose among all 16 pair captions, the
# same models name an unseen pair less often, while the seen test images stay almost all right:
# some unseen images that were named right among 4 now get a seen pair's caption, because the
# models lean towards the pairs they were trained on (the bias that Chao et al. 2016 calibrate away). The harmonic mean of the seen and
# unseen accuracies is the usual GZSL summary (Xian et al. 2018):

# %%
x_seen_test, y_seen_test = test.images[~is_unseen], test_pair[~is_unseen]
gzsl = []
for enc, emb, _ in clips:
    feats = features(enc, x_unseen)
    pred16 = zero_shot_predict(feats, emb[:16])  # among the 16 pair captions
    pred4 = zero_shot_predict(feats, emb[torch.tensor(UNSEEN)], torch.tensor(UNSEEN))
    acc_u = (pred16 == y_unseen).float().mean().item()
    acc_s = (zero_shot_predict(features(enc, x_seen_test), emb[:16]) == y_seen_test).float().mean().item()
    lost = ((pred4 == y_unseen) & torch.isin(pred16, torch.tensor(SEEN))).float().mean().item()
    gzsl.append((acc_u, acc_s, 2 * acc_u * acc_s / max(acc_u + acc_s, 1e-12), lost))
gzsl = torch.tensor(gzsl)
print(f"16-way, unseen test images: {mean_std(gzsl[:, 0].tolist())} (4-way: {mean_std(clip_acc.tolist())}); "
      f"seen test images: {mean_std(gzsl[:, 1].tolist())}; harmonic mean {mean_std(gzsl[:, 2].tolist())}")
print(f"unseen images named right among 4 but given a seen pair among 16: {mean_std(gzsl[:, 3].tolist())}")
if not quick_mode():
    assert (gzsl[:, 0] < clip_acc).all() and (gzsl[:, 3] > 0).all()  # seen pairs take some of the right answers

# %% [markdown]
# **2. Which factor fails, and why the bar is missed.** The 4 unseen pairs are a $2\times2$
# block, so an error is a wrong colour, a wrong shape, or both. The colour transfers on every
# seed; the shape does not always. In training, circles and squares were only ever green or
# blue (or grey), and red and yellow were only ever triangles and crosses: random grayscale
# asks the encoder to tell a circle from a square without hue, but nothing asks it to do so
# *in red*, where a red image lights up mostly one of the three input channels, and a small
# CNN is free to compute "circle" partly from colour-specific features. Which pairs suffer
# changes from seed to seed (printed per pair), so the worst of three seeds lands near the bar
# and, here, just below it:

# %%
right_colour = []
for seed, (enc, emb, _) in zip(SEEDS, clips):
    pred = zero_shot_predict(features(enc, x_unseen), emb[torch.tensor(UNSEEN)], torch.tensor(UNSEEN))
    right_colour.append((pred % 4 == y_unseen % 4).float().mean().item())
    per_pair = ", ".join(f"'{CAPTIONS[p]}' {(pred[y_unseen == p] == p).float().mean():.0%}" for p in UNSEEN)
    print(f"seed {seed}: right colour {right_colour[-1]:.1%}, right shape {(pred // 4 == y_unseen // 4).float().mean():.1%}, "
          f"both {(pred == y_unseen).float().mean():.1%}; per pair: {per_pair}")
if not quick_mode():
    assert min(right_colour) > 0.95  # the colour transfers; the misses are shape errors

# %% [markdown]
# **3. A bag of words composes, and only composes.** Its caption embedding is a function of the
# *set* of words, so "a red circle" and "circle red a" are one embedding (checked below), and
# nothing like "a red circle left of a blue square" can be expressed. A word that never occurred
# in training (say "purple") is `[UNK]`: no text encoder can name a concept its training text
# never mentioned, and CLIP's reach comes from 400 million pairs of web text, not from the
# method. What this chapter measures is the narrow case of new *combinations* of known words.
#
# **4. One split, one recipe, one small world.** The unseen block is fixed by a rule (the first
# two shapes and colours), and the spread printed is over three training seeds of that one
# split; other blocks (other shapes, other hues) are not measured here, nor is the recipe
# without random grayscale: the time budget holds one recipe, so this chapter does not claim
# that the augmentation helps. The wrong answers ran once each
# (seed 0) and with fewer steps, so their numbers have no spread; the two facts they rest on do not need one (a
# fixed head has no output for an unseen pair; an unseen row receives no gradient). The images are synthetic 16x16
# shapes with exactly two named factors, so the captions describe *everything* about the class;
# real captions are noisy and partial, and CLIP's zero-shot accuracy also depends on the prompt
# ("a photo of a ⟨class⟩") and on ensembling several prompts, none of which arises here.

# %%
order = tokenize(["a red circle", "circle red a", "a purple circle"], tokenizer)
with torch.no_grad():
    text0 = TextEncoder(len(tokenizer), DIM)
    same = torch.allclose(text0(order[:1]), text0(order[1:2]))
print("word ids:", order.tolist(), "| 'a red circle' == 'circle red a':", same,
      "| 'purple' is", tokenizer.decode(order[2])[1])
assert same

# %% [markdown]
# ## Interview drill

# %%
quiz("21.q1")

# %%
quiz("21.q2")

# %%
quiz("21.q3")

# %%
quiz("21.q4")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Zero-shot with attributes instead of text: how does it work, and what does it need?</summary>
#
# Each class is described by a vector of attributes $a_c$ (has stripes, has hooves, is
# black...), annotated once per class, not per image. Direct attribute prediction (Lampert et
# al. 2009) trains one classifier per attribute on the seen classes and scores an unseen class
# by how well the predicted attributes match $a_c$; ALE (Akata et al. 2015) learns a bilinear
# compatibility $f(x)^\top W a_c$. The condition is the same as here: the attributes of the
# unseen classes must be combinations of attributes that occur in the seen classes.
# </details>
#
# <details><summary>Why does CLIP learn its temperature, and what goes wrong with a fixed small one?</summary>
#
# The logits are cosines in $[-1, 1]$ divided by $\tau$; too large a $\tau$ caps how confident the
# softmax can be (the loss cannot approach its floor), too small a one makes early training
# unstable, with a few hard negatives taking all the gradient. CLIP parameterises
# $1/\tau = e^{t}$, learns $t$ from $1/0.07$ and clips it at 100. Here a fixed 0.1 is enough:
# 16 captions need little sharpness.
# </details>
#
# <details><summary>Is zero-shot learning self-supervised?</summary>
#
# No: it is an evaluation setting, defined by which classes the model saw labels for. The
# *pre-training* that makes modern zero-shot work, CLIP's image-text contrastive learning, is
# often called self-supervised or "natural-language supervised": its targets (which caption
# belongs to which image) come with the data, as SimCLR's come from the augmentations. The
# seed's further claims that zero-shot learning is "data augmentation" or "improves data
# diversity" are not what it is; generating features of unseen classes from their
# descriptions (Xian et al. 2018's f-CLSWGAN) is one method for it, and it needs class
# descriptions too.
# </details>
#
# <details><summary>Your zero-shot accuracy is 95% on a benchmark. What do you check first?</summary>
#
# That no unseen class leaked into anything trained: the training images, but also the data
# the *pre-trained* encoder saw (an ImageNet-1k backbone has seen many "unseen" classes of the
# older splits, as Xian et al. showed), and the prompts tuned on the test set. Then whether
# it is conventional or generalised ZSL, and whether a trivial baseline (one factor, the
# class prior) already gets close.
# </details>

# %% [markdown]
# ## Summary
#
# - Zero-shot learning is a setting: test classes with no training example. It works when
#   every class has an embedding computed from a shared description (attributes, text), and
#   images are classified by the most similar class embedding.
# - CLIP learns both encoders with a symmetric InfoNCE: each image picks its caption among the
#   batch's, each caption its image. Duplicated captions set a floor on the loss, measured here.
# - Measured on `shapes` with 4 held-out colour-shape pairs: a text encoder over the caption
#   words names the unseen pairs above chance and above free class vectors on every seed, with
#   the colour almost always right; the shape transfers less well and unevenly from seed to
#   seed, so the syllabus's 70% is not met on every seed (a declared shortfall). A fixed classifier
#   head names none of the unseen pairs, and free per-class vectors keep their random start.
#   Training on the test images makes the same free vectors look excellent: assert that no
#   unseen class is in training.
#
# ## References
#
# - A. Radford et al. *Learning Transferable Visual Models From Natural Language Supervision*
#   (CLIP). ICML 2021.
# - C. H. Lampert, H. Nickisch, S. Harmeling. *Learning to Detect Unseen Object Classes by
#   Between-Class Attribute Transfer*. CVPR 2009.
# - A. Frome et al. *DeViSE: A Deep Visual-Semantic Embedding Model*. NeurIPS 2013.
# - Z. Akata, F. Perronnin, Z. Harchaoui, C. Schmid. *Label-Embedding for Image
#   Classification*. TPAMI 2015.
# - W.-L. Chao, S. Changpinyo, B. Gong, F. Sha. *An Empirical Study and Analysis of Generalized
#   Zero-Shot Learning for Object Recognition in the Wild*. ECCV 2016.
# - Y. Xian, C. H. Lampert, B. Schiele, Z. Akata. *Zero-Shot Learning: A Comprehensive
#   Evaluation of the Good, the Bad and the Ugly*. TPAMI 2018.
# - I. Misra, A. Gupta, M. Hebert. *From Red Wine to Red Tomato: Composition with Context*.
#   CVPR 2017.
# - A. van den Oord, Y. Li, O. Vinyals. *Representation Learning with Contrastive Predictive
#   Coding* (InfoNCE). 2018.
