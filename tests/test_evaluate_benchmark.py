"""The benchmark's pieces against independent peers: few-shot prototypes against scikit-learn's
NearestCentroid on the rows `data.split.few_labels` draws, the t-interval against scipy's, and
the leaderboard's numbers against direct calls of the probes; `pretrain` for every method."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from ssl_course.data.split import few_labels
from ssl_course.evaluate.benchmark import (
    METHODS,
    benchmark,
    few_shot_accuracy,
    few_shot_prototypes,
    format_rows,
    pretrain,
    t_interval,
)
from ssl_course.evaluate.probes import knn, linear_probe, nearest_class_mean


def _blobs(n, d, classes, seed, spread=1.0):
    g = torch.Generator().manual_seed(seed)
    centres = 2 * torch.randn(classes, d, generator=g)
    y = torch.arange(n) % classes
    return centres[y] + spread * torch.randn(n, d, generator=g), y


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NearestCentroid's unused variance with 1 shot
@pytest.mark.parametrize("shots,classes,seed", [(1, 3, 0), (5, 10, 1), (3, 12, 2)])
def test_few_shot_matches_nearest_centroid_on_few_labels(shots, classes, seed):
    from sklearn.neighbors import NearestCentroid

    x, y = _blobs(20 * classes, 4, classes, seed)
    xt, _ = _blobs(300, 4, classes, seed + 50, spread=2.0)
    pred = few_shot_prototypes(x, y, xt, shots, generator=torch.Generator().manual_seed(seed))
    idx = few_labels(y, shots, seed=seed)  # the same draw: one generator, classes in ascending order
    peer = NearestCentroid().fit(x[idx].double().numpy(), y[idx].numpy()).predict(xt.double().numpy())
    assert np.array_equal(pred.numpy(), peer)


def test_few_shot_with_every_row_is_nearest_class_mean():
    x, y = _blobs(60, 3, 6, 3)
    xt, _ = _blobs(80, 3, 6, 4, spread=2.0)
    assert torch.equal(few_shot_prototypes(x, y, xt, shots=10, generator=torch.Generator()),
                       nearest_class_mean(x, y, xt))


def test_few_shot_errors():
    x, y = _blobs(20, 2, 4, 5)
    with pytest.raises(ValueError, match="fewer than shots"):
        few_shot_prototypes(x, y, x, shots=6)
    with pytest.raises(ValueError):
        few_shot_prototypes(x, y, x, shots=0)


def test_few_shot_accuracy_averages_episodes():
    x, y = _blobs(100, 2, 5, 6)
    xt, yt = _blobs(50, 2, 5, 7, spread=2.5)
    g = torch.Generator().manual_seed(3)
    want = np.mean([float((few_shot_prototypes(x, y, xt, 2, generator=g) == yt).double().mean()) for _ in range(4)])
    assert few_shot_accuracy(x, y, xt, yt, shots=2, seed=3, episodes=4) == pytest.approx(want)


def test_t_interval_matches_scipy():
    from scipy import stats

    v = [0.81, 0.86, 0.84]
    mean, half = t_interval(v, 0.95)
    lo, hi = stats.t.interval(0.95, len(v) - 1, loc=np.mean(v), scale=stats.sem(v))
    assert mean == pytest.approx(np.mean(v)) and half == pytest.approx((hi - lo) / 2)
    with pytest.raises(ValueError):
        t_interval([0.5])


def test_benchmark_rows_equal_direct_calls():
    x, y = _blobs(200, 6, 5, 8)
    xt, yt = _blobs(100, 6, 5, 9, spread=1.5)
    torch.manual_seed(0)
    encs = [nn.Sequential(nn.Linear(6, 8), nn.ReLU()) for _ in range(3)]
    rows = benchmark({"raw": lambda a: a, "nets": encs}, (x, y, xt, yt), seeds=(4, 5, 6), episodes=3, k=7)
    raw, nets = rows
    assert raw["name"] == "raw" and raw["linear probe values"] == [linear_probe(x, y, xt, yt)] * 3
    assert raw["kNN"] == pytest.approx(knn(x, y, xt, yt, k=7))
    assert raw["5-shot values"][1] == few_shot_accuracy(x, y, xt, yt, 5, seed=5, episodes=3)
    with torch.no_grad():
        f, ft = encs[2].eval()(x), encs[2](xt)
    assert nets["kNN values"][2] == pytest.approx(knn(f, y, ft, yt, k=7))
    assert nets["5-shot ci"] == pytest.approx(t_interval(nets["5-shot values"])[1])
    assert "raw" in format_rows(rows)
    with pytest.raises(ValueError, match="2 encoders for 3 seeds"):
        benchmark({"nets": encs[:2]}, (x, y, xt, yt))
    with pytest.raises(ValueError, match="at least 2 seeds"):
        benchmark({"raw": lambda a: a}, (x, y, xt, yt), seeds=(0,))


def _views(xb, generator):
    return (xb + 0.05 * torch.randn(xb.shape, generator=generator)).clamp(0, 1)


@pytest.mark.parametrize("method", METHODS)
def test_pretrain_every_method_trains_deterministically(method):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(96, 1, 4, 4, generator=g)
    y = torch.arange(96) % 3
    kw = dict(epochs=2, seed=1, hidden=(16, 8), batch_size=32, labels=y, device="cpu")
    a, b = pretrain(method, x, _views, **kw), pretrain(method, x, _views, **kw)
    torch.manual_seed(1)
    init = pretrain.__globals__["MLPEncoder"](16, (16, 8))  # the shared starting network for seed 1
    assert a.out_dim == 8 and not a.training
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert any(not torch.equal(pa, p0) for pa, p0 in zip(a.parameters(), init.parameters()))


def test_pretrain_unknown_method_and_supervised_without_labels():
    x = torch.rand(8, 1, 4, 4)
    with pytest.raises(ValueError, match="method must be one of"):
        pretrain("MoCo", x, _views, epochs=1, seed=0)
    with pytest.raises(ValueError, match="needs labels"):
        pretrain("supervised", x, _views, epochs=1, seed=0)


def test_byol_adaptor_updates_the_target_as_after_every_step():
    """_Byol moves the target at the start of each training forward: after S steps and one last
    update, the target equals the usual loop's (forward, step, update_target) target."""
    from ssl_course.evaluate.benchmark import _Byol
    from ssl_course.models.encoders import MLPEncoder
    from ssl_course.noncontrastive.byol import byol_loss

    g = torch.Generator().manual_seed(0)
    batches = [(torch.rand(16, 6, generator=g), torch.rand(16, 6, generator=g)) for _ in range(3)]

    def run(adaptor):
        torch.manual_seed(0)
        model = _Byol(MLPEncoder(6, (8,)), 4, momentum=0.9)
        opt = torch.optim.SGD(model.net.online_parameters(), lr=0.1)
        for v1, v2 in batches:
            if adaptor:
                (p1, t1), (p2, t2) = model(v1, v2)
            else:
                p1, p2, t1, t2 = model.net(v1, v2)
            opt.zero_grad()
            byol_loss(p1, p2, t1, t2).backward()
            opt.step()
            if not adaptor:
                model.net.update_target()
        if adaptor:
            model.net.update_target()
        return list(model.net.target.parameters())

    for a, b in zip(run(True), run(False)):
        torch.testing.assert_close(a, b)
