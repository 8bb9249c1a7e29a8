"""Data-parallel SimCLR: 2 CPU processes (gloo on loopback) match 1 process on the same global
batches - the loss, the gradients of every encoder and head parameter at every step, and the
parameters and BatchNorm statistics after training. All processes start once (spawn), in float64."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp
from torch import nn
from torch.optim.optimizer import register_optimizer_step_pre_hook

from ssl_course.augment.signals import signal_augment
from ssl_course.contrastive.info_nce import info_nce
from ssl_course.contrastive.nt_xent import nt_xent
from ssl_course.distributed import batchnorm, gather, group
from ssl_course.distributed.simclr import train_simclr
from ssl_course.models.encoders import Conv1dEncoder
from ssl_course.models.heads import ProjectionHead

ROOT = Path(__file__).resolve().parents[1]
WORLD = 2
TOL = dict(rtol=1e-9, atol=1e-10)  # float64; a wrong gradient scale or a cut gradient is off by O(1)
# Adam divides by sqrt(v): a parameter whose gradients are ~0 moves by rounding noise x lr.
PARAM_TOL = dict(rtol=1e-7, atol=1e-8)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _setup():
    """The same initial networks and data in every process: (encoder, head, x, labels)."""
    torch.manual_seed(123)
    enc = Conv1dEncoder(40, channels=(4, 8), kernel_size=3, pool="max").double()
    head = ProjectionHead(enc.out_dim, 8, 8).double()
    g = torch.Generator().manual_seed(7)
    return enc, head, torch.randn(64, 40, generator=g, dtype=torch.float64), torch.arange(64) % 4


def _run(**kwargs) -> dict:
    """train_simclr on _setup(), recording each step's gradients as the optimizer sees them
    (after DDP's averaging), the losses, and the final state of encoder and head."""
    enc, head, x, labels = _setup()
    grads = []

    def record(opt, args, kwargs_):
        grads.append([p.grad.detach().clone() for group in opt.param_groups for p in group["params"]])

    handle = register_optimizer_step_pre_hook(record)
    try:
        hist = train_simclr(enc, x, signal_augment, head=head, epochs=2, batch_size=16, lr=1e-2,
                            seed=3, device="cpu", progress=False,
                            labels=labels if kwargs.pop("supcon", False) else None, **kwargs)
    finally:
        handle.remove()
    return dict(loss=hist["loss"], grads=grads,
                state={**{f"enc.{k}": v for k, v in enc.state_dict().items()},
                       **{f"head.{k}": v for k, v in head.state_dict().items()}},
                bn_types=sorted({type(m).__name__ for m in [*enc.modules(), *head.modules()]
                                 if "BatchNorm" in type(m).__name__}))


def _pieces() -> dict:
    """gather_with_grad and nt_xent_global against the same computation on the gathered batch,
    and what a plain dist.all_gather does to the gradient."""
    r, w = group.rank(), group.world_size()
    g = torch.Generator().manual_seed(0)
    z1_all = torch.randn(w * 3, 5, generator=g, dtype=torch.float64)  # the global batch
    z2_all = torch.randn(w * 3, 5, generator=g, dtype=torch.float64)
    z1 = z1_all[r * 3:(r + 1) * 3].clone().requires_grad_()
    z2 = z2_all[r * 3:(r + 1) * 3].clone().requires_grad_()
    loss = gather.nt_xent_global(z1, z2, 0.5)
    loss.backward()
    out = dict(loss=loss.detach(), g1=z1.grad.clone(), g2=z2.grad.clone())
    # The same loss with a plain dist.all_gather: the other ranks' copies are constants, so the
    # gradient their anchors send back to this rank's views is lost.
    def plain_gather(z):
        parts = [torch.empty_like(z) for _ in range(w)]
        torch.distributed.all_gather(parts, z.detach())
        parts[r] = z  # only this rank's own rows keep their gradient
        return torch.cat(parts)

    z1.grad = z2.grad = None
    real, gather.gather_with_grad = gather.gather_with_grad, plain_gather
    try:
        gather.nt_xent_global(z1, z2, 0.5).backward()
    finally:
        gather.gather_with_grad = real
    out.update(plain_g1=z1.grad.clone())
    try:
        train_simclr(*_setup()[:1], torch.zeros(15, 40), signal_augment, epochs=1, batch_size=15,
                     device="cpu", progress=False)
    except ValueError as exc:
        out["batch_error"] = str(exc)
    return out


def _worker(rank: int, world: int, port: int, out_dir: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                      WORLD_SIZE=str(world), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    group.init_from_env()
    try:
        res = dict(pieces=_pieces(), nt_xent=_run(), supcon=_run(supcon=True),
                   custom=_run(loss_fn=info_nce))
    finally:
        group.cleanup()
    torch.save(res, Path(out_dir) / f"rank{rank}.pt")


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp")
    start = time.perf_counter()
    mp.start_processes(_worker, args=(WORLD, _free_port(), str(out)), nprocs=WORLD, start_method="spawn")
    print(f"2 processes in {time.perf_counter() - start:.1f} s")
    return [torch.load(out / f"rank{r}.pt", weights_only=False) for r in range(WORLD)]


def _f64(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def _max_diff(a: list, b: list) -> float:
    """The largest absolute difference between two lists of tensors."""
    return max(float((x - y).abs().max()) for x, y in zip(a, b))


@pytest.mark.parametrize("case", ["nt_xent", "supcon", "custom"])
def test_two_processes_match_one_process(ranks, case):
    ref = _run(supcon=case == "supcon", **({"loss_fn": info_nce} if case == "custom" else {}))
    for r, res in enumerate(ranks):
        got = res[case]
        assert len(got["grads"]) == len(ref["grads"]) == 8  # 2 epochs x 64 / 16 steps
        torch.testing.assert_close(_f64(got["loss"]), _f64(ref["loss"]), **TOL)
        for step, (g, g_ref) in enumerate(zip(got["grads"], ref["grads"])):
            for i, (a, b) in enumerate(zip(g, g_ref)):
                where = f"rank {r}, step {step}, param {i}"
                torch.testing.assert_close(a, b, **TOL, msg=lambda m, where=where: f"{where}: {m}")
        for k, v in ref["state"].items():  # parameters and BatchNorm running statistics
            torch.testing.assert_close(got["state"][k], v, **PARAM_TOL, msg=lambda m, r=r, k=k: f"rank {r}, {k}: {m}")
        assert got["bn_types"] == ["BatchNorm1d"]  # the global BatchNorm wrappers are removed again
    print(f"{case}: max |loss diff| {_max_diff([_f64(ranks[0][case]['loss'])], [_f64(ref['loss'])]):.1e}, "
          f"max |grad diff| {max(_max_diff(g, h) for g, h in zip(ranks[0][case]['grads'], ref['grads'])):.1e}, "
          f"max |param diff| {_max_diff(list(ranks[0][case]['state'].values()), list(ref['state'].values())):.1e}")


def test_nt_xent_global_equals_nt_xent_on_the_gathered_batch(ranks):
    g = torch.Generator().manual_seed(0)
    z1 = torch.randn(WORLD * 3, 5, generator=g, dtype=torch.float64, requires_grad=True)
    z2 = torch.randn(WORLD * 3, 5, generator=g, dtype=torch.float64, requires_grad=True)
    loss = nt_xent(z1, z2, 0.5)
    loss.backward()
    for r, res in enumerate(ranks):
        p = res["pieces"]
        torch.testing.assert_close(p["loss"], loss.detach(), **TOL)
        # DDP divides by the world size: a rank's gradient is WORLD x its share of the global one.
        torch.testing.assert_close(p["g1"] / WORLD, z1.grad[r * 3:(r + 1) * 3], **TOL)
        torch.testing.assert_close(p["g2"] / WORLD, z2.grad[r * 3:(r + 1) * 3], **TOL)
        # A plain dist.all_gather cuts the gradient through the other ranks' anchors: wrong, silently.
        assert not torch.allclose(p["plain_g1"], z1.grad[r * 3:(r + 1) * 3] * WORLD, atol=1e-3)
        assert "divisible by the number of processes (2)" in p["batch_error"]


def test_without_a_process_group_everything_is_single_process():
    assert (group.rank(), group.world_size(), group.is_main()) == (0, 1, True)
    z1, z2 = torch.randn(4, 3), torch.randn(4, 3)
    assert gather.gather_with_grad(z1) is z1
    assert torch.equal(gather.nt_xent_global(z1, z2, 0.3), nt_xent(z1, z2, 0.3))
    bn = nn.BatchNorm1d(3)
    torch.testing.assert_close(batchnorm.GlobalBatchNorm(bn)(z1), nn.BatchNorm1d(3)(z1))
    with pytest.raises(TypeError, match="z must be a torch.Tensor"):
        gather.gather_with_grad([1.0])
    with pytest.raises(TypeError, match="bn must be a torch BatchNorm"):
        batchnorm.GlobalBatchNorm(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="temperature"):
        gather.nt_xent_global(z1, z2, 0.0)


def test_cli_trains_on_two_processes_and_reports_a_probe_accuracy(tmp_path):
    ckpt = tmp_path / "simclr.pt"
    out = subprocess.run([sys.executable, "-m", "ssl_course.course.cli", "train", "simclr", "--nproc", "2",
                          "--epochs", "1", "--limit", "256", "--batch-size", "64", "--dataset", "digits",
                          "--out", str(ckpt)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "linear probe accuracy" in out.stdout and "2 process(es)" in out.stdout, out.stdout
    assert out.stdout.count("linear probe accuracy") == 1  # rank 0 only
    state = torch.load(ckpt, weights_only=True)
    assert {"encoder", "head", "args"} <= state.keys()


def test_cli_rejects_bad_arguments():
    from ssl_course.course.cli import main

    with pytest.raises(SystemExit):
        main(["train", "simclr", "--nproc", "0"])
