"""Core helpers: device, seeding, quick mode, bars, datasets, plots."""
from __future__ import annotations

import json

import matplotlib
import pytest
import torch

matplotlib.use("Agg")

from ssl_course import bar, device, quick_mode, scaled, seed_everything  # noqa: E402
from ssl_course.core import BarNotMet  # noqa: E402
from ssl_course.data.digits import digits  # noqa: E402
from ssl_course.data.mnist1d import mnist1d  # noqa: E402
from ssl_course.data.split import few_labels  # noqa: E402
from ssl_course.plot import curves, image_grid  # noqa: E402


def test_device_is_a_torch_device():
    assert isinstance(device(), torch.device)


def test_seed_everything_repeats_the_numbers():
    seed_everything(3)
    a = torch.randn(5)
    seed_everything(3)
    assert torch.equal(a, torch.randn(5))
    with pytest.raises(ValueError):
        seed_everything(-1)


def test_quick_mode_and_scaled(monkeypatch):
    monkeypatch.setenv("SSL_COURSE_QUICK", "1")
    assert quick_mode() and scaled(100, 3) == 3
    monkeypatch.setenv("SSL_COURSE_QUICK", "0")
    assert not quick_mode() and scaled(100, 3) == 100


def test_bar_asserts_records_and_spares_quick_mode(monkeypatch, tmp_path):
    results = tmp_path / "r.jsonl"
    monkeypatch.setenv("SSL_COURSE_RESULTS", str(results))
    monkeypatch.setenv("SSL_COURSE_QUICK", "0")
    assert bar("99.ok", 0.9, ">=", 0.85) is None  # nothing to echo as a cell's last line
    with pytest.raises(BarNotMet):
        bar("99.miss", 0.8, ">=", 0.85)
    monkeypatch.setenv("SSL_COURSE_QUICK", "1")
    bar("99.quick", 0.8, ">=", 0.85)
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert [r["name"] for r in records] == ["99.ok", "99.miss", "99.quick"]
    assert [r["met"] for r in records] == [True, False, False]
    with pytest.raises(ValueError, match="op"):
        bar("99.bad", 1, "=>", 0)


def test_a_declared_shortfall_lands_visibly_not_met(monkeypatch, tmp_path, capsys):
    results = tmp_path / "r.jsonl"
    monkeypatch.setenv("SSL_COURSE_RESULTS", str(results))
    monkeypatch.setenv("SSL_COURSE_QUICK", "0")
    bar("99.short", 0.8, ">=", 0.85, shortfall="too few CPU minutes")  # no raise
    assert "NOT MET (known shortfall: too few CPU minutes)" in capsys.readouterr().out
    bar("99.stale", 0.9, ">=", 0.85, shortfall="was short once")
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert records[0]["shortfall"] == "too few CPU minutes" and not records[0]["met"]
    assert records[1]["met"] and "shortfall" not in records[1]
    with pytest.raises(ValueError, match="shortfall"):
        bar("99.empty", 0.8, ">=", 0.85, shortfall=" ")


def test_digits_split():
    x, y, xt, yt = digits()
    assert x.shape[1:] == (1, 8, 8) and x.dtype == torch.float32 and 0 <= x.min() and x.max() <= 1
    assert len(x) + len(xt) == 1797 and set(y.tolist()) == set(range(10))


def test_mnist1d_is_the_standard_split_and_deterministic(tmp_path, monkeypatch):
    monkeypatch.setenv("SSL_COURSE_CACHE", str(tmp_path))
    mnist1d.cache_clear()
    a = mnist1d()
    assert a.x.shape == (4000, 40) and a.x_test.shape == (1000, 40)
    assert (tmp_path / "mnist1d-5000-42.pt").exists()
    mnist1d.cache_clear()
    b = mnist1d()  # from the disk cache
    assert torch.equal(a.x, b.x) and torch.equal(a.y_test, b.y_test)
    (tmp_path / "mnist1d-5000-42.pt").write_bytes(b"corrupt")
    mnist1d.cache_clear()
    assert torch.equal(mnist1d().x, a.x)  # a corrupt cache is regenerated
    mnist1d.cache_clear()


def test_few_labels():
    _, y, _, _ = digits()
    idx = few_labels(y, 5, seed=1)
    assert len(idx) == 50 and torch.equal(torch.bincount(y[idx]), torch.full((10,), 5))
    assert torch.equal(idx, few_labels(y, 5, seed=1))
    with pytest.raises(ValueError):
        few_labels(y, 0)


def test_plot_helpers():
    assert image_grid(torch.rand(6, 3, 8, 8), nrow=3) is not None
    assert image_grid(torch.rand(4, 8, 8)) is not None
    assert curves({"loss": [3, 2, 1, 0.5]}, smooth=2) is not None
    with pytest.raises(ValueError):
        image_grid(torch.rand(2, 5, 8, 8))
    with pytest.raises(ValueError):
        curves({})
