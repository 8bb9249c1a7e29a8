"""The SimCLR machinery: encoders and head (shapes, validation), the trainer (determinism,
history, validation), the evaluation (kNN against scikit-learn, linear probe sanity) and the
1-D augmentations. Everything here is tiny: the whole file runs in seconds."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from ssl_course.augment.signals import circular_warp, gaussian_smooth, signal_augment
from ssl_course.contrastive.simclr import train_simclr
from ssl_course.evaluate.probes import features, knn, knn_predict, linear_probe
from ssl_course.models.encoders import Conv1dEncoder, ConvEncoder, MLPEncoder
from ssl_course.models.heads import ProjectionHead


# ----------------------------------------------------------------------------- models
@pytest.mark.parametrize("pool,out_dim", [("flatten", 64 * 10), ("avg", 64), ("max", 64)])
def test_conv1d_encoder_shapes(pool, out_dim):
    enc = Conv1dEncoder(40, channels=(16, 32, 64), kernel_size=5, pool=pool)
    assert enc.out_dim == out_dim
    assert enc(torch.randn(3, 40)).shape == (3, out_dim)
    assert enc(torch.randn(3, 1, 40)).shape == (3, out_dim)


def test_conv_and_mlp_encoder_and_head_shapes():
    enc = ConvEncoder(1, (8, 16))
    assert enc(torch.randn(4, 1, 8, 8)).shape == (4, 16) and enc.out_dim == 16
    assert enc(torch.randn(2, 1, 16, 12)).shape == (2, 16)  # any image size
    mlp = MLPEncoder(64, (32, 8))
    assert mlp(torch.randn(5, 1, 8, 8)).shape == (5, 8) and mlp.out_dim == 8
    head = ProjectionHead(16, 32, 4)
    assert head(torch.randn(6, 16)).shape == (6, 4) and head.out_dim == 4


def test_projection_head_out_bn_is_the_official_codes_final_batchnorm():
    torch.manual_seed(0)
    plain, with_bn = ProjectionHead(16, 32, 8), ProjectionHead(16, 32, 8, out_bn=True)
    # The default is unchanged: the paper's W2 ReLU(BN(W1 h)), the last Linear with a bias.
    assert [type(m).__name__ for m in plain.net] == ["Linear", "BatchNorm1d", "ReLU", "Linear"]
    assert plain.net[-1].bias is not None and not plain.out_bn
    # out_bn=True: no bias before the BatchNorm, a learned scale, a shift fixed at 0.
    assert type(with_bn.net[-1]).__name__ == "BatchNorm1d" and with_bn.net[-2].bias is None
    assert with_bn.net[-1].weight.requires_grad and not with_bn.net[-1].bias.requires_grad
    with torch.no_grad():
        with_bn.net[-1].weight.fill_(2.0)
    z = with_bn.train()(torch.randn(64, 16) * 5 + 3)  # batch statistics: each dimension 0 mean, std 2
    torch.testing.assert_close(z.mean(0), torch.zeros(8), atol=1e-5, rtol=0)
    torch.testing.assert_close(z.var(0, unbiased=False), torch.full((8,), 4.0), atol=1e-3, rtol=1e-3)
    z.sum().backward()
    assert with_bn.net[-1].bias.grad is None  # frozen: no optimiser ever moves it
    with pytest.raises(TypeError):
        ProjectionHead(16, 32, 8, out_bn=1)


def test_max_pooled_conv1d_is_invariant_to_circular_shifts_by_its_stride():
    enc = Conv1dEncoder(40, channels=(8, 8), kernel_size=3, pool="max").eval()
    x = torch.randn(2, 40)
    # Circular padding and a global max: a shift by the total stride (2) permutes the positions.
    torch.testing.assert_close(enc(x), enc(x.roll(2, dims=1)))


@pytest.mark.parametrize("make,error", [
    (lambda: Conv1dEncoder(40, kernel_size=4), ValueError),
    (lambda: Conv1dEncoder(40, pool="mean"), ValueError),
    (lambda: Conv1dEncoder(40, channels=()), TypeError),
    (lambda: ConvEncoder(0), ValueError),
    (lambda: ProjectionHead(16, 2.5, 4), TypeError),
    (lambda: MLPEncoder(True), TypeError),
])
def test_model_arguments_are_validated(make, error):
    with pytest.raises(error):
        make()


def test_models_reject_wrong_input_shapes():
    with pytest.raises(ValueError, match="40"):
        Conv1dEncoder(40)(torch.randn(2, 39))
    with pytest.raises(ValueError, match="1, H, W"):
        ConvEncoder(1)(torch.randn(2, 3, 8, 8))
    with pytest.raises(ValueError, match="16"):
        ProjectionHead(16, 8, 4)(torch.randn(2, 15))


# ----------------------------------------------------------------------------- train_simclr
def _tiny_run(seed=0, **kwargs):
    torch.manual_seed(123)  # the same initial weights for every run
    enc = Conv1dEncoder(40, channels=(4, 8), kernel_size=3, pool="max")
    head = ProjectionHead(enc.out_dim, 8, 8)
    x = torch.randn(64, 40, generator=torch.Generator().manual_seed(7))
    hist = train_simclr(enc, x, signal_augment, head=head, epochs=2, batch_size=16, lr=1e-2,
                        seed=seed, device="cpu", progress=False, **kwargs)
    return enc, hist, x


def test_simclr_is_deterministic_with_a_seed():
    enc_a, hist_a, x = _tiny_run(seed=3)
    enc_b, hist_b, _ = _tiny_run(seed=3)
    assert hist_a["loss"] == hist_b["loss"]
    torch.testing.assert_close(features(enc_a, x), features(enc_b, x), rtol=0, atol=0)
    _, hist_c, _ = _tiny_run(seed=4)
    assert hist_c["loss"] != hist_a["loss"]


def test_simclr_history_and_modes():
    enc, hist, _ = _tiny_run()
    assert hist["steps"] == 2 * (64 // 16) == len(hist["loss"])
    assert len(hist["epoch_loss"]) == 2 and hist["seconds"] > 0
    assert all(np.isfinite(hist["loss"]))
    assert not enc.training and not hist["head"].training


def test_simclr_leaves_the_global_random_stream_alone():
    enc = Conv1dEncoder(40, channels=(4,), kernel_size=3, pool="max")
    x = torch.randn(8, 40, generator=torch.Generator().manual_seed(1))
    torch.manual_seed(0)
    a = torch.rand(3)
    torch.manual_seed(0)
    # Shuffling and views use simclr's own generator; the default head is built in a fork.
    train_simclr(enc, x, signal_augment, epochs=1, batch_size=4, seed=0, device="cpu", progress=False)
    assert torch.equal(torch.rand(3), a)


def test_simclr_with_labels_uses_supcon():
    _, hist, _ = _tiny_run(labels=torch.arange(64) % 4)
    assert all(np.isfinite(hist["loss"]))


@pytest.mark.parametrize("kwargs,error", [
    (dict(epochs=0), ValueError),
    (dict(epochs=1.5), TypeError),
    (dict(batch_size=1), ValueError),
    (dict(lr=0.0), ValueError),
    (dict(temperature=-1.0), ValueError),
    (dict(seed=-1), ValueError),
    (dict(weight_decay=-0.1), ValueError),
    (dict(labels=torch.zeros(3, dtype=torch.long)), ValueError),
    (dict(augment="crop"), TypeError),
    (dict(loss_fn=None), TypeError),
    (dict(head="mlp"), TypeError),
])
def test_simclr_arguments_are_validated(kwargs, error):
    enc = Conv1dEncoder(40, channels=(4,), kernel_size=3, pool="max")
    args = dict(epochs=1, batch_size=4, progress=False, device="cpu")
    augment = kwargs.pop("augment", signal_augment)
    args.update(kwargs)
    with pytest.raises(error):
        train_simclr(enc, torch.randn(8, 40), augment, **args)


def test_simclr_rejects_bad_data_and_an_augmentation_that_changes_the_shape():
    enc = Conv1dEncoder(40, channels=(4,), kernel_size=3, pool="max")
    with pytest.raises(TypeError):
        train_simclr(enc, torch.zeros(8, 40, dtype=torch.long), signal_augment, epochs=1, progress=False)
    with pytest.raises(ValueError, match="at least 2"):
        train_simclr(enc, torch.randn(1, 40), signal_augment, epochs=1, progress=False)
    with pytest.raises(ValueError, match="keep the batch shape"):
        train_simclr(enc, torch.randn(8, 40), lambda x, g: x[:, :20], epochs=1, batch_size=4,
                     progress=False, device="cpu")


# ----------------------------------------------------------------------------- evaluate
def _blobs(n, d=8, c=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    centres = torch.randn(c, d, generator=torch.Generator().manual_seed(99))
    y = torch.randint(0, c, (n,), generator=g)
    return centres[y] + 0.8 * torch.randn(n, d, generator=g), y


@pytest.mark.parametrize("k", [1, 5, 15])
def test_knn_matches_scikit_learn_cosine(k):
    from sklearn.neighbors import KNeighborsClassifier

    x, y = _blobs(200, seed=1)
    xt, yt = _blobs(80, seed=2)
    sk = KNeighborsClassifier(n_neighbors=k, metric="cosine", algorithm="brute").fit(x.numpy(), y.numpy())
    want = torch.as_tensor(sk.predict(xt.numpy()))
    got = knn_predict(x, y, xt, k)
    assert torch.equal(got, want)
    assert knn(x, y, xt, yt, k=k) == pytest.approx(float((want == yt).double().mean()))


def test_knn_predict_breaks_ties_deterministically():
    # Two identical training points with different labels: the lower index is nearer.
    train_feats = torch.tensor([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    assert knn_predict(train_feats, torch.tensor([4, 2, 0]), torch.tensor([[0.1, 1.0]]), 1).tolist() == [4]
    # A tied vote goes to the smallest label.
    assert knn_predict(train_feats, torch.tensor([4, 2, 0]), torch.tensor([[0.1, 1.0]]), 2).tolist() == [2]


def test_knn_predict_chunks_and_weighted_votes():
    x, y = _blobs(120, seed=3)
    xt, _ = _blobs(50, seed=4)
    whole = knn_predict(x, y, xt, 7)
    assert torch.equal(knn_predict(x, y, xt, 7, chunk_size=8), whole)
    assert whole.dtype == y.dtype and whole.shape == (50,)
    weighted = knn_predict(x, y, xt, 7, temperature=0.07)
    assert (weighted == whole).double().mean() > 0.9  # weighting changes only close calls


@pytest.mark.parametrize("call,error", [
    (lambda x, y: knn_predict(x, y, x, 0), ValueError),
    (lambda x, y: knn_predict(x, y, x, 11), ValueError),
    (lambda x, y: knn_predict(x, y, x, True), TypeError),  # a wrong type is a TypeError, as everywhere
    (lambda x, y: knn_predict(x, y.float(), x, 3), TypeError),
    (lambda x, y: knn_predict(x, y[:5], x, 3), ValueError),
    (lambda x, y: knn_predict(x, y - 5, x, 3), ValueError),
    (lambda x, y: knn_predict(x, y, x[:, :3], 3), ValueError),
    (lambda x, y: knn_predict(x, y, x, 3, temperature=0), ValueError),
    (lambda x, y: knn(x, y, x, y[:4], k=3), ValueError),
    (lambda x, y: linear_probe(x, y, x, y, C=0), ValueError),
    (lambda x, y: linear_probe(x.numpy(), y, x, y), TypeError),
])
def test_evaluation_arguments_are_validated(call, error):
    x, y = _blobs(10, seed=5)
    with pytest.raises(error):
        call(x, y)


def test_linear_probe_sanity():
    x, y = _blobs(300, seed=6)
    xt, yt = _blobs(200, seed=7)
    assert linear_probe(x, y, xt, yt) > 0.9  # separable blobs
    g = torch.Generator().manual_seed(8)
    noise, noise_test = torch.randn(300, 8, generator=g), torch.randn(200, 8, generator=g)
    assert linear_probe(noise, y, noise_test, yt) < 0.45  # features that know nothing: chance is 0.25


def test_features_are_frozen_batched_and_restore_the_mode():
    enc = Conv1dEncoder(40, channels=(4, 8), kernel_size=3, pool="max")
    enc.train()
    x = torch.randn(10, 40)
    f = features(enc, x, batch_size=3)
    assert f.shape == (10, 8) and f.dtype == torch.float32 and not f.requires_grad
    assert enc.training  # mode restored
    torch.testing.assert_close(f, features(enc, x, batch_size=10))  # eval BN: no batch effect


# ----------------------------------------------------------------------------- augment1d
def test_signal_augment_is_seeded_and_keeps_the_shape():
    x = torch.randn(6, 40)
    a = signal_augment(x, torch.Generator().manual_seed(0))
    b = signal_augment(x, torch.Generator().manual_seed(0))
    c = signal_augment(x, torch.Generator().manual_seed(1))
    assert a.shape == x.shape and torch.equal(a, b) and not torch.equal(a, c)


def test_signal_augment_with_everything_off_is_the_identity():
    x = torch.randn(4, 40)
    off = dict(max_shift=0, stretch=0, scale=0, shear=0, corr_noise=0, iid_noise=0)
    torch.testing.assert_close(signal_augment(x, torch.Generator().manual_seed(0), **off), x)


def test_circular_warp_shifts_by_whole_samples():
    x = torch.randn(3, 40)
    shift = torch.tensor([1.0, 5.0, -3.0])
    out = circular_warp(x, shift, torch.ones(3))
    for i, s in enumerate([1, 5, -3]):
        torch.testing.assert_close(out[i], x[i].roll(s))


def test_gaussian_smooth_keeps_constants_and_sums():
    x = torch.randn(2, 40)
    torch.testing.assert_close(gaussian_smooth(torch.ones(2, 40), 2.0), torch.ones(2, 40))
    torch.testing.assert_close(gaussian_smooth(x, 2.0).sum(1), x.sum(1), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kwargs,error", [
    (dict(stretch=1.0), ValueError),
    (dict(scale=-0.1), ValueError),
    (dict(iid_noise=float("nan")), ValueError),
    (dict(shear="big"), TypeError),
])
def test_signal_augment_arguments_are_validated(kwargs, error):
    with pytest.raises(error):
        signal_augment(torch.randn(2, 40), torch.Generator(), **kwargs)


def test_signal_augment_rejects_bad_inputs():
    with pytest.raises(TypeError):
        signal_augment(torch.randn(2, 40), 0)
    with pytest.raises(ValueError):
        signal_augment(torch.randn(2, 1, 40), torch.Generator())


def test_conv1d_encoder_rejects_a_signal_too_short_for_its_stages():

    with pytest.raises(ValueError, match="too short"):
        Conv1dEncoder(3, (4, 4, 4, 4), kernel_size=5)
