"""CLIP (Radford et al. 2021): an image encoder and a text encoder trained together so that each
image picks its own caption out of the batch, and each caption its own image (a symmetric
InfoNCE); then any class that can be *written down* can be recognised without a labelled
example of it: embed one caption per class and take the nearest (zero-shot classification).

Here the captions come from the `shapes` factors ("a red triangle"), the text encoder is a bag
of words (a mean of word embeddings, then a linear map), and the image encoder is any module.
`clip_loss` is checked against info-nce-pytorch run in both directions, against a loop and
against open_clip's formulation (tests/test_clip.py).
"""
from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_int, check_matrix, check_positive, check_same_shape, check_tensor
from ..data.shapes import COLOUR_NAMES, SHAPE_NAMES
from ..text.tokenizer import Tokenizer
from .info_nce import _unit_rows


# ----------------------------------------------------------------------------- captions
def caption(shape: int, colour: int) -> str:
    """The caption of one `shapes` image from its factors: caption(2, 0) == "a red triangle"."""
    for name, value, names in (("shape", shape, SHAPE_NAMES), ("colour", colour, COLOUR_NAMES)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an int index, got {type(value).__name__}")
        if not 0 <= value < len(names):
            raise ValueError(f"{name} must be in 0..{len(names) - 1}, got {value}")
    return f"a {COLOUR_NAMES[colour]} {SHAPE_NAMES[shape]}"


def caption_tokenizer(captions: Sequence[str]) -> Tokenizer:
    """A word-level Tokenizer (chapter 16's) holding every word of `captions` (min_count 1)."""
    if isinstance(captions, str) or not isinstance(captions, Sequence) or not captions:
        raise TypeError("captions must be a non-empty list of strings")
    return Tokenizer([w for c in captions for w in c.split()], min_count=1)


def tokenize(captions: Sequence[str], tokenizer: Tokenizer) -> torch.Tensor:
    """captions (N strings) -> (N, L) int64 word ids, padded with [PAD] (id 0) to the longest.

    A word the tokenizer does not hold becomes [UNK]: build the tokenizer from captions that
    contain every word you will ask about.
    """
    if isinstance(captions, str) or not isinstance(captions, Sequence) or not captions:
        raise TypeError("captions must be a non-empty list of strings")
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError(f"tokenizer must be a Tokenizer, got {type(tokenizer).__name__}")
    rows = [tokenizer.encode(c.split()) for c in captions]
    out = torch.full((len(rows), max(len(r) for r in rows)), Tokenizer.pad_id, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


class TextEncoder(nn.Module):
    """A bag-of-words caption encoder: tokens (N, L) int64 -> (N, out_dim).

    The mean of the word embeddings of the non-[PAD] tokens, then a linear map. Word order is
    ignored ("a red triangle" = "triangle red a"), which is all these captions need; what it
    buys is composition: the embedding of a caption is built from its words, so a caption never
    seen in training ("a red circle") still has one, made of words that were seen.
    """

    def __init__(self, vocab_size: int, out_dim: int, word_dim: int = 32):
        super().__init__()
        check_int("vocab_size", vocab_size, 2)
        check_int("out_dim", out_dim)
        check_int("word_dim", word_dim)
        self.vocab_size, self.out_dim = vocab_size, out_dim
        self.embed = nn.Embedding(vocab_size, word_dim, padding_idx=Tokenizer.pad_id)
        self.proj = nn.Linear(word_dim, out_dim)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        check_tensor("tokens", tokens)
        if tokens.ndim != 2 or tokens.is_floating_point():
            raise ValueError(f"tokens must be (N, L) integer word ids, got shape {tuple(tokens.shape)}, "
                             f"dtype {tokens.dtype}")
        if tokens.numel() and (int(tokens.min()) < 0 or int(tokens.max()) >= self.vocab_size):
            raise ValueError(f"tokens must be ids in 0..{self.vocab_size - 1}")
        keep = (tokens != Tokenizer.pad_id).unsqueeze(-1).float()  # (N, L, 1)
        words = self.embed(tokens) * keep  # (N, L, word_dim)
        return self.proj(words.sum(1) / keep.sum(1).clamp_min(1.0))


# ----------------------------------------------------------------------------- the loss
def clip_loss(image_emb: torch.Tensor, text_emb: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """CLIP's symmetric InfoNCE over N image-caption pairs.

    image_emb, text_emb: (N, D); row i of each is the i-th pair. With unit rows u_i, v_j and
    logits L_ij = u_i . v_j / temperature (N, N), the loss is the mean of two cross-entropies:
    every image picks its caption among the N (rows of L), every caption its image (columns).
    Returns a scalar. Equal to (info_nce(I, T) + info_nce(T, I)) / 2.
    """
    check_same_shape("image_emb", image_emb, "text_emb", text_emb)
    check_positive("temperature", temperature)
    logits = _unit_rows(image_emb, 1 / temperature) @ _unit_rows(text_emb).T  # (N, N)
    target = torch.arange(logits.shape[0], device=logits.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


# ----------------------------------------------------------------------------- zero-shot
def zero_shot_predict(image_emb: torch.Tensor, class_emb: torch.Tensor,
                      labels: torch.Tensor | None = None) -> torch.Tensor:
    """Zero-shot classification: each image takes the class whose embedding is most cosine-similar.

    image_emb: (N, D); class_emb: (C, D), one row per class (a caption's embedding); labels:
    (C,) integer label of each class row (default 0..C-1). Returns (N,) labels, labels' dtype
    (int64 by default). Ties go to the lower class row. An all-zero row has cosine 0 to
    everything (no NaN).
    """
    check_matrix("image_emb", image_emb)
    check_matrix("class_emb", class_emb)
    if image_emb.shape[1] != class_emb.shape[1]:
        raise ValueError(f"image_emb and class_emb must have the same width, got {image_emb.shape[1]} "
                         f"and {class_emb.shape[1]}")
    if labels is not None:
        check_tensor("labels", labels)
        if labels.shape != (class_emb.shape[0],) or labels.is_floating_point():
            raise ValueError(f"labels must be ({class_emb.shape[0]},) integer labels, one per class row, "
                             f"got shape {tuple(labels.shape)}, dtype {labels.dtype}")
    scores = F.normalize(image_emb, dim=1) @ F.normalize(class_emb, dim=1).T  # (N, C) cosines
    best = scores.argmax(dim=1)  # the first maximum: ties go to the lower row
    return best if labels is None else labels.to(image_emb.device)[best]


# ----------------------------------------------------------------------------- training
def train_clip(image_encoder: nn.Module, text_encoder: nn.Module, images: torch.Tensor, texts: torch.Tensor, *,
               steps: int = 300, batch_size: int = 256, lr: float = 3e-3, temperature: float = 0.1,
               seed: int = 0, loss_fn: Callable = clip_loss, augment: Callable | None = None) -> list[float]:
    """Adam on loss_fn(image_encoder(images[b]), text_encoder(texts[b]), temperature) for `steps` mini-batches.

    images: (N, ...) inputs of image_encoder; texts: (N, ...) inputs of text_encoder (token ids,
    or anything it takes), row i the caption of image i. Each mini-batch is `batch_size` rows
    drawn without replacement (a fresh permutation every epoch, a short tail dropped) from a
    generator seeded with `seed`. Both encoders are trained on device(), with one Adam over
    both; returns the loss of every step. loss_fn defaults to clip_loss. augment, if given, is
    called on every mini-batch before the encoders as augment(images[b], texts[b], generator) and
    returns the (images, texts) to train on (a fresh random augmentation per batch, drawn from the
    same seeded generator, so a run stays deterministic).
    """
    from ..core import device

    for name, m in (("image_encoder", image_encoder), ("text_encoder", text_encoder)):
        if not isinstance(m, nn.Module):
            raise TypeError(f"{name} must be a torch.nn.Module, got {type(m).__name__}")
    check_tensor("images", images)
    check_tensor("texts", texts)
    if images.shape[0] != texts.shape[0]:
        raise ValueError(f"images and texts must have the same number of rows, got {images.shape[0]} "
                         f"and {texts.shape[0]}")
    check_int("steps", steps)
    check_int("batch_size", batch_size, 2)
    check_positive("lr", lr)
    check_positive("temperature", temperature)
    check_int("seed", seed, 0)
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    if augment is not None and not callable(augment):
        raise TypeError(f"augment must be callable or None, got {type(augment).__name__}")
    dev = device()
    image_encoder.to(dev).train()
    text_encoder.to(dev).train()
    params = [*image_encoder.parameters(), *text_encoder.parameters()]
    opt = torch.optim.Adam(params, lr=lr)
    g = torch.Generator().manual_seed(seed)
    order, history = torch.empty(0, dtype=torch.long), []
    for _ in range(steps):
        if len(order) < batch_size:  # a fresh epoch; a short tail is dropped
            order = torch.randperm(images.shape[0], generator=g)
        idx, order = order[:batch_size], order[batch_size:]
        batch_images, batch_texts = images[idx], texts[idx]
        if augment is not None:
            batch_images, batch_texts = augment(batch_images, batch_texts, g)
        loss = loss_fn(image_encoder(batch_images.to(dev)), text_encoder(batch_texts.to(dev)), temperature)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
    image_encoder.eval()
    text_encoder.eval()
    return history
