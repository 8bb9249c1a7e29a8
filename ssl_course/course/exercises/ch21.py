"""Chapter 21: Zero-shot learning. CLIP's symmetric loss and zero-shot prediction. The cases cover
more than a 512-row chunk (and 1024 test images), float64 (and a near-tie only float64 resolves),
all-zero rows, tiny temperatures, ties between class rows, labels that skip values and go past
10, int32 labels, one-dimensional features, the meta device and every argument."""
from __future__ import annotations

import math

import torch
from hypothesis import strategies as st

from ...contrastive.clip import clip_loss, zero_shot_predict
from ..checks import Case, Exercise, against_reference, custom, default_device_test, property_test, register
from ._common import pair_cases, pair_edge_cases, randn, view_pair

# --------------------------------------------------------------------------- 21.clip_loss
_BOTH = ("CLIP's loss has two directions: every image picks its caption among the N captions (the rows "
         "of the logits) AND every caption picks its image among the N images (the columns); return "
         "their mean.")


def _loss_kwargs(t: float) -> dict:
    return {"temperature": t}


def _clip_cases():
    img, txt = view_pair(8, 4, seed=31)
    yield Case("8 image-caption pairs, D=4, temperature 0.1", (img, txt), _loss_kwargs(0.1), hint=_BOTH)
    yield Case("the same pairs, temperature 0.5", (img, txt), _loss_kwargs(0.5),
               hint="The logits are cosines divided by the temperature.")
    hub = img.clone()
    hub_txt = txt.clone()
    hub_txt[0] = img.sum(0)  # caption 0 is close to every image: the two directions disagree
    yield Case("one caption close to every image (the two directions differ)", (hub, hub_txt),
               _loss_kwargs(0.2), hint=_BOTH)
    one_i, one_t = view_pair(1, 4, seed=32)
    yield Case("a batch of one pair (each is the other's only candidate: loss 0)", (one_i, one_t),
               _loss_kwargs(0.1))
    yield Case("images and captions swapped (CLIP's loss is symmetric)", (txt, img), _loss_kwargs(0.1), hint=_BOTH)
    dup_t = txt.clone()
    dup_t[3] = dup_t[2]
    yield Case("two images with the same caption (rows 2 and 3): the diagonal is still the target",
               (img, dup_t), _loss_kwargs(0.1),
               hint="Pair i's positive is row i of the other side, whatever the other rows hold.")
    yield from pair_edge_cases(img, txt, temperature=0.1, seed=33)


def _perfect_pairs(fn) -> str | None:
    """Images equal to their own (orthogonal) captions: at a low temperature the loss must be ~0.
    Tells the usual slips apart by the value they give instead."""
    base = torch.eye(5, 8, dtype=torch.float64)
    img = 3 * base + 1e-3 * randn(5, 8, seed=41, dtype=torch.float64)
    txt = 0.5 * base + 1e-3 * randn(5, 8, seed=42, dtype=torch.float64)
    value = float(fn(img, txt, temperature=0.05))
    if abs(value) < 1e-6:
        return None
    if abs(value - math.log(5)) < 0.05:
        return (f"perfectly matched pairs should give a loss near 0, got {value:.4g}, about log N = log 5: one "
                "softmax over the whole N x N matrix? Each row (and each column) is a softmax of its own.")
    return f"perfectly matched pairs (orthogonal, lengths 3 and 0.5) should give a loss near 0, got {value:.4g}"


register(Exercise(
    id="21.clip_loss",
    title="clip_loss(image_emb, text_emb, temperature): the mean of the image->text and text->image InfoNCE",
    reference=clip_loss,
    tests=[custom("perfectly matched pairs", _perfect_pairs),
           against_reference(clip_loss, _clip_cases, grad=True),
           property_test(clip_loss, pair_cases(temperatures=(0.01, 0.07, 0.1, 0.5, 1.0)), grad=True),
           default_device_test(clip_loss, _clip_cases)],
    hint="Build the (N, N) matrix of cosines / temperature; the targets of both cross-entropies are the "
         "diagonal. Work the failing case out for N = 2 on paper.",
))


# --------------------------------------------------------------------------- 21.zero_shot_predict
_NORM = ("Cosine similarity: a class embedding's length must not matter. Normalise the class rows (and the "
         "image rows) before the dot products.")
_TIE = "Equal scores: the LOWER class row wins (torch.argmax returns the first maximum)."
_LABELS = ("Return labels[best row], not the row index, and in labels' dtype; labels can skip values and be "
           "10 or more.")
_ZERO = ("An all-zero class embedding has cosine 0 to every image (F.normalize clamps the norm); dividing by "
         "a norm of 0 gives NaN, and torch.argmax takes NaN as the largest value.")


def _predict_case(n: int, c: int, d: int, seed: int, dtype=torch.float32):
    return randn(n, d, seed=seed, dtype=dtype), randn(c, d, seed=seed + 1, dtype=dtype)


def _predict_cases():
    img, cls = _predict_case(6, 3, 4, 1)
    yield Case("6 images, 3 classes, D=4", (img, cls), hint="For each image: the class row of highest cosine.")
    lengths = torch.tensor([[0.05], [1.0], [20.0]])
    yield Case("class embeddings of very different lengths", (img, cls * lengths), hint=_NORM)
    yield Case("image embeddings of very different lengths", (img * torch.arange(1, 7.0)[:, None], cls), hint=_NORM)
    yield Case("labels given: classes 12, 3 and 15 (skipping values, 10 or more)",
               (img, cls, torch.tensor([12, 3, 15])), hint=_LABELS)
    yield Case("int32 labels: the predictions are int32 too", (img, cls, torch.tensor([4, 0, 5], dtype=torch.int32)),
               hint=_LABELS)
    tie = torch.cat([cls[:1] * 4, cls[:1], cls[1:]])  # row 0 = 4 x row 1: equal cosines
    yield Case("class rows 0 and 1 point the same way (4x the length): a tie, row 0 wins", (img, tie), hint=_TIE)
    yield Case("the same tie, the longer row second: row 0 still wins",
               (img, torch.cat([cls[:1], cls[:1] * 4, cls[1:]])), hint=_TIE)
    one_d = torch.tensor([[2.0], [-1.0], [0.5], [-3.0]])
    yield Case("one-dimensional features: every cosine is +1 or -1 (ties everywhere)",
               (one_d, torch.tensor([[-1.0], [3.0], [0.2], [-0.5]]), torch.tensor([7, 2, 9, 1])), hint=_TIE)
    zero_cls = cls.clone()
    zero_cls[1] = 0.0
    yield Case("class row 1 all zeros", (img, zero_cls, torch.tensor([10, 11, 12])), hint=_ZERO)
    zero_img = img.clone()
    zero_img[2] = 0.0
    yield Case("image row 2 all zeros (cosine 0 to every class: a tie, row 0 wins)", (zero_img, cls), hint=_ZERO)
    near = torch.tensor([[1.0, 2e-6], [1.0, 1e-6], [0.0, 1.0]], dtype=torch.float64)
    yield Case("float64: class 1 beats class 0 by 1e-12 in cosine (float32 would call it a tie)",
               (torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64), near),
               hint="Compute in the inputs' dtype: float64 in, float64 arithmetic.")
    img64, cls64 = _predict_case(5, 4, 3, 2, torch.float64)
    yield Case("float64 embeddings", (img64, cls64, torch.tensor([1, 3, 5, 7])))
    yield Case("a single class", (img, cls[:1], torch.tensor([9])))
    many_i, many_c = _predict_case(40, 20, 6, 3)
    yield Case("20 classes", (many_i, many_c), hint="Class rows 10 and up are classes like any other.")
    big_i, big_c = _predict_case(1100, 5, 4, 4)
    yield Case("1100 images (more than a 1024-row chunk)", (big_i, big_c, torch.tensor([0, 1, 4, 5, 8])),
               hint="If you work in chunks of images, each chunk's predictions go to its own rows.")


@st.composite
def _random_predict(draw):
    n = draw(st.one_of(st.integers(1, 30), st.integers(1025, 1100)))
    c, d, seed = draw(st.integers(1, 16)), draw(st.integers(1, 8)), draw(st.integers(0, 9999))
    img, cls = _predict_case(n, c, d, seed)
    if draw(st.booleans()):
        labels = torch.randperm(3 * c, generator=torch.Generator().manual_seed(seed))[:c]
        return Case(f"N={n} images, C={c} classes with labels, D={d}, seed={seed}", (img, cls, labels))
    return Case(f"N={n} images, C={c} classes, D={d}, seed={seed}", (img, cls))


register(Exercise(
    id="21.zero_shot_predict",
    title="zero_shot_predict(image_emb, class_emb, labels): the label of the most cosine-similar class embedding",
    reference=zero_shot_predict,
    tests=[against_reference(zero_shot_predict, _predict_cases),
           property_test(zero_shot_predict, _random_predict(), max_examples=40),
           default_device_test(zero_shot_predict, _predict_cases)],
    hint="One (N, C) matrix of cosines between images and class embeddings; the best class per row; "
         "then its label.",
))
