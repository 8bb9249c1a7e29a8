"""Every public function checks its arguments: a bad call raises ValueError or TypeError whose
message names the argument (and says what was expected), never a confusing error from deep
inside torch, and never a silent wrong answer."""
from __future__ import annotations

import pytest
import torch

from ssl_course import core
from ssl_course.augment.batch import batch_augment, policy
from ssl_course.augment.color import color_distortion
from ssl_course.augment.crop import crop_box
from ssl_course.augment.pil import simclr_transform, two_views
from ssl_course.augment.signals import gaussian_smooth, signal_augment
from ssl_course.contrastive.info_nce import info_nce, info_nce_from_scores, info_nce_mi_bound
from ssl_course.contrastive.nt_xent import nt_xent
from ssl_course.contrastive.pairs import false_negatives_expected, label_positive_mask, simclr_targets
from ssl_course.contrastive.simclr import train_simclr
from ssl_course.contrastive.supcon import supcon
from ssl_course.course.checks import check, run_check
from ssl_course.course.quiz import Quiz, quiz
from ssl_course.data.digits import digits
from ssl_course.data.mnist1d import mnist1d
from ssl_course.data.shapes import shapes
from ssl_course.data.split import few_labels
from ssl_course.evaluate.probes import features, knn, knn_predict, linear_probe
from ssl_course.models.encoders import Conv1dEncoder, ConvEncoder, MLPEncoder
from ssl_course.models.heads import ProjectionHead
from ssl_course.plot import curves, image_grid

M = torch.randn(4, 3)
IMG = torch.rand(4, 3, 8, 8)
G = torch.Generator().manual_seed(0)
Y = torch.tensor([0, 1, 0, 1])
ENC = MLPEncoder(3, (8,))


def same(x, g):
    return x


BAD_CALLS = [
    # losses
    ("info_nce shapes differ", lambda: info_nce(M, torch.randn(5, 3)), ValueError, "same shape"),
    ("info_nce 1-D", lambda: info_nce(torch.randn(4), torch.randn(4)), ValueError, "query"),
    ("info_nce list", lambda: info_nce([[1.0]], M), TypeError, "query"),
    ("info_nce int tensor", lambda: info_nce(M.long(), M.long()), TypeError, "floating"),
    ("info_nce temperature 0", lambda: info_nce(M, M, 0), ValueError, "temperature"),
    ("info_nce temperature str", lambda: info_nce(M, M, "0.1"), TypeError, "temperature"),
    ("info_nce empty batch", lambda: info_nce(torch.randn(0, 3), torch.randn(0, 3)), ValueError, "query"),
    ("scores not square", lambda: info_nce_from_scores(torch.randn(3, 4)), ValueError, "square"),
    ("mi bound of a vector", lambda: info_nce_mi_bound(torch.randn(4)), ValueError, "scores"),
    ("nt_xent negative temperature", lambda: nt_xent(M, M, -1.0), ValueError, "temperature"),
    ("nt_xent nan temperature", lambda: nt_xent(M, M, float("nan")), ValueError, "temperature"),
    ("nt_xent 3-D", lambda: nt_xent(torch.randn(2, 2, 2), torch.randn(2, 2, 2)), ValueError, "z1"),
    ("nt_xent shapes differ", lambda: nt_xent(M, torch.randn(4, 2)), ValueError, "same shape"),
    ("supcon labels wrong length", lambda: supcon(M, torch.tensor([0, 1])), ValueError, "labels"),
    ("supcon no positive pair", lambda: supcon(M, torch.arange(4)), ValueError, "same label"),
    ("supcon temperature 0", lambda: supcon(M, Y, 0.0), ValueError, "temperature"),
    # pairs
    ("simclr_targets 0", lambda: simclr_targets(0), ValueError, "n"),
    ("simclr_targets float", lambda: simclr_targets(2.0), ValueError, "n"),
    ("mask of a matrix", lambda: label_positive_mask(torch.zeros(2, 2, dtype=torch.long)), ValueError, "labels"),
    ("mask of floats", lambda: label_positive_mask(torch.zeros(3)), TypeError, "labels"),
    ("mask of a list", lambda: label_positive_mask([0, 1]), TypeError, "labels"),
    ("false negatives batch 1", lambda: false_negatives_expected(1, [5, 5]), ValueError, "batch_size"),
    ("false negatives batch > data", lambda: false_negatives_expected(20, [5, 5]), ValueError, "batch_size"),
    ("false negatives negative count", lambda: false_negatives_expected(2, [5, -1]), ValueError, "class_counts"),
    # core and data
    ("seed negative", lambda: core.seed_everything(-3), ValueError, "seed"),
    ("seed float", lambda: core.seed_everything(1.5), TypeError, "seed"),  # a wrong type: TypeError, as everywhere
    ("bar unknown op", lambda: core.bar("x", 1.0, "=>", 0.0), ValueError, "op"),
    ("digits test_fraction 0", lambda: digits(0.0), ValueError, "test_fraction"),
    ("digits test_fraction 1.5", lambda: digits(1.5), ValueError, "test_fraction"),
    ("mnist1d too few samples", lambda: mnist1d(5), ValueError, "num_samples"),
    ("few_labels 0 per class", lambda: few_labels(Y, 0), ValueError, "per_class"),
    ("few_labels more than there are", lambda: few_labels(Y, 3), ValueError, "per_class"),
    # augment (images)
    ("batch_augment 3-D input", lambda: batch_augment(torch.rand(3, 8, 8), G), ValueError, "x"),
    ("batch_augment int images", lambda: batch_augment(IMG.long(), G), TypeError, "x"),
    ("batch_augment no generator", lambda: batch_augment(IMG, 0), TypeError, "generator"),
    ("batch_augment scale reversed", lambda: batch_augment(IMG, G, scale=(0.9, 0.2)), ValueError, "scale"),
    ("batch_augment scale above 1", lambda: batch_augment(IMG, G, scale=(0.5, 1.5)), ValueError, "scale"),
    ("batch_augment ratio not a pair", lambda: batch_augment(IMG, G, ratio=0.5), TypeError, "ratio"),
    ("batch_augment colour on grey", lambda: batch_augment(torch.rand(4, 1, 8, 8), G, color=True), ValueError, "channels"),
    ("batch_augment p_gray 2", lambda: batch_augment(IMG, G, p_gray=2.0), ValueError, "p_gray"),
    ("batch_augment strength 5", lambda: batch_augment(IMG, G, strength=5.0), ValueError, "strength"),
    ("batch_augment size 0", lambda: batch_augment(IMG, G, size=0), ValueError, "size"),
    ("crop_box n 0", lambda: crop_box(0, 8, 8), ValueError, "n"),
    ("crop_box height float", lambda: crop_box(2, 8.5, 8), TypeError, "height"),
    ("crop_box ratio <= 0", lambda: crop_box(2, 8, 8, ratio=(0.0, 1.0)), ValueError, "ratio"),
    ("simclr_transform size 0", lambda: simclr_transform(0), ValueError, "size"),
    ("two_views augment not callable", lambda: two_views(IMG, 3, G), TypeError, "augment"),
    ("color_distortion wrong factor length",
     lambda: color_distortion(IMG, torch.ones(3), torch.ones(4), torch.ones(4), torch.zeros(4),
                                      torch.zeros(4, dtype=torch.bool)), ValueError, "brightness"),
    ("policy unknown name", lambda: policy("crop+blur"), ValueError, "blur"),
    ("policy not a string", lambda: policy(["crop"]), TypeError, "setting"),
    # augment1d (signals)
    ("signal_augment 3-D", lambda: signal_augment(torch.randn(2, 1, 40), G), ValueError, "x"),
    ("signal_augment no generator", lambda: signal_augment(torch.randn(2, 40), None), TypeError, "generator"),
    ("signal_augment negative noise", lambda: signal_augment(torch.randn(2, 40), G, iid_noise=-1.0), ValueError, "iid_noise"),
    ("gaussian_smooth negative sigma", lambda: gaussian_smooth(torch.randn(2, 40), -1.0), ValueError, "sigma"),
    ("gaussian_smooth infinite sigma", lambda: gaussian_smooth(torch.randn(2, 40), float("inf")), ValueError, "sigma"),
    # shapes
    ("shapes n 0", lambda: shapes(0), ValueError, "n"),
    ("shapes size 2", lambda: shapes(4, size=2), ValueError, "size"),
    ("shapes scale reversed", lambda: shapes(4, scale=(0.7, 0.3)), ValueError, "scale"),
    # models
    ("ProjectionHead in_dim 0", lambda: ProjectionHead(0, 8, 8), ValueError, "in_dim"),
    ("ProjectionHead wrong input width", lambda: ProjectionHead(4, 8, 8)(torch.randn(2, 5)), ValueError, "h"),
    ("MLPEncoder empty hidden", lambda: MLPEncoder(3, ()), TypeError, "hidden_dims"),
    ("MLPEncoder wrong input", lambda: MLPEncoder(3, (4,))(torch.randn(2, 5)), ValueError, "x"),
    ("Conv1dEncoder even kernel", lambda: Conv1dEncoder(40, (4,), kernel_size=4), ValueError, "kernel_size"),
    ("Conv1dEncoder bad pool", lambda: Conv1dEncoder(40, (4,), pool="sum"), ValueError, "pool"),
    ("Conv1dEncoder wrong length", lambda: Conv1dEncoder(40, (4,))(torch.randn(2, 39)), ValueError, "x"),
    ("ConvEncoder channel str", lambda: ConvEncoder(1, "abc"), TypeError, "channels"),
    # train
    ("simclr encoder not a module", lambda: train_simclr(lambda x: x, M, same, epochs=1), TypeError, "encoder"),
    ("simclr x int", lambda: train_simclr(ENC, M.long(), same, epochs=1), TypeError, "x"),
    ("simclr augment not callable", lambda: train_simclr(ENC, M, None, epochs=1), TypeError, "augment"),
    ("simclr epochs 0", lambda: train_simclr(ENC, M, same, epochs=0), ValueError, "epochs"),
    ("simclr batch_size 1", lambda: train_simclr(ENC, M, same, epochs=1, batch_size=1), ValueError, "batch_size"),
    ("simclr lr 0", lambda: train_simclr(ENC, M, same, epochs=1, lr=0.0), ValueError, "lr"),
    ("simclr weight_decay -1", lambda: train_simclr(ENC, M, same, epochs=1, weight_decay=-1.0), ValueError, "weight_decay"),
    ("simclr labels wrong length", lambda: train_simclr(ENC, M, same, epochs=1, labels=torch.zeros(3, dtype=torch.long)),
     ValueError, "labels"),
    ("simclr augment changes shape",
     lambda: train_simclr(ENC, M, lambda x, g: x[:, :2], epochs=1, batch_size=2, progress=False), ValueError, "augment"),
    # evaluate
    ("features encoder not a module", lambda: features(lambda x: x, M), TypeError, "encoder"),
    ("features batch_size 0", lambda: features(ENC, M, batch_size=0), ValueError, "batch_size"),
    ("linear_probe widths differ", lambda: linear_probe(M, Y, torch.randn(4, 2), Y), ValueError, "width"),
    ("linear_probe float labels", lambda: linear_probe(M, Y.float(), M, Y), TypeError, "y_train"),
    ("linear_probe label count", lambda: linear_probe(M, Y[:3], M, Y), ValueError, "y_train"),
    ("knn k 0", lambda: knn(M, Y, M, Y, k=0), ValueError, "k"),
    ("knn k too large", lambda: knn(M, Y, M, Y, k=10), ValueError, "k"),
    ("knn_predict negative labels", lambda: knn_predict(M, -Y - 1, M, k=1), ValueError, "y_train"),
    ("knn_predict temperature 0", lambda: knn_predict(M, Y, M, k=1, temperature=0.0), ValueError, "temperature"),
    # plot, check, quiz
    ("image_grid 5 channels", lambda: image_grid(torch.rand(2, 5, 8, 8)), ValueError, "images"),
    ("curves empty", lambda: curves({}), ValueError, "series"),
    ("curves smooth 0", lambda: curves({"a": [1, 2]}, smooth=0), ValueError, "smooth"),
    ("check unknown exercise", lambda: run_check("01.nope", lambda: None), KeyError, "01.info_nce"),
    ("check id not a string", lambda: run_check(1, lambda: None), TypeError, "exercise_id"),
    ("check fn not callable", lambda: check("00.hello", 3), TypeError, "fn"),
    ("quiz answer not a choice", lambda: Quiz("00.x", "?", {"a": ("1", "x"), "b": ("2", "y")}, "c"), ValueError, "answer"),
    ("quiz one choice", lambda: Quiz("00.x", "?", {"a": ("1", "x")}, "a"), ValueError, "two"),
    ("quiz id malformed", lambda: quiz("q1"), KeyError, "01.info_nce"),
    ("quiz id not a string", lambda: quiz(1), TypeError, "quiz_id"),
]


def test_there_are_at_least_sixty_bad_calls():
    assert len(BAD_CALLS) >= 60


@pytest.mark.parametrize("name,call,error,needle", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_call_raises_a_clear_error(name, call, error, needle):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert needle in message, f"{name}: the message does not say {needle!r}: {message}"
    assert len(message) < 400 and "\n" not in message.strip()
