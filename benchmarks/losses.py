"""Forward + backward time of our losses against a trusted peer library, in one run.

    .venv/bin/python benchmarks/losses.py                  # CPU, batch 256 and 1024, D = 128
    .venv/bin/python benchmarks/losses.py --device cuda    # the same table on a GPU
    .venv/bin/python benchmarks/losses.py --threads 0      # torch's default CPU threads (1 if not given)

For every loss and batch size the two implementations are timed interleaved (ours, peer,
peer, ours, ...) on the same inputs, after a warm-up, and the median of the repeats is
reported; the ratio is the median of the paired ratios, so a load spike on a shared machine
hits both sides of a pair alike. Values and input
gradients are compared in float64 on the same inputs. The table is printed and written to
benchmarks/results.md; the exit code is 1 if ours is slower than the peer anywhere
(ratio > 1) or differs from it by more than 1e-5.

Peers: info-nce-pytorch (InfoNCE), lightly (NT-Xent, Barlow Twins, VICReg, DINO),
pytorch-metric-learning (batch-hard triplet: TripletMarginLoss + BatchHardMiner with plain
Euclidean distances and a mean over the mined anchors, the textbook formulation).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from ssl_course.contrastive.info_nce import info_nce
from ssl_course.contrastive.nt_xent import nt_xent
from ssl_course.contrastive.triplet import batch_hard_triplet
from ssl_course.noncontrastive.barlow_twins import barlow_twins
from ssl_course.noncontrastive.dino import dino, dino_center
from ssl_course.noncontrastive.vicreg import vicreg

TOLERANCE = 1e-5
RESULTS = Path(__file__).with_name("results.md")
DINO_TEACHER_VIEWS, DINO_STUDENT_VIEWS = 2, 4  # 2 global crops; the student also sees 2 local ones


@dataclass
class Case:
    """One loss: how to make its inputs, and ours and the peer's forward pass on them.

    make(batch, dim, generator, dtype, device) -> dict of tensors; grad: the names of the
    inputs that get a gradient; ours/peer: inputs -> scalar loss; peer_name: the library.
    """
    name: str
    peer_name: str
    make: Callable
    grad: tuple
    ours: Callable
    peer: Callable


def _two_views(batch, dim, g, dtype, device):
    z1 = torch.randn(batch, dim, generator=g, dtype=torch.float64)
    z2 = z1 + 0.5 * torch.randn(batch, dim, generator=g, dtype=torch.float64)
    return {"z1": z1.to(device, dtype), "z2": z2.to(device, dtype)}


def _labelled(batch, dim, g, dtype, device):
    # P x K sampling as in Hermans et al.: classes of 4 samples each, shuffled
    labels = (torch.arange(batch) % max(1, batch // 4))[torch.randperm(batch, generator=g)]
    emb = torch.randn(batch, dim, generator=g, dtype=torch.float64)
    return {"emb": emb.to(device, dtype), "labels": labels.to(device)}


def _dino_inputs(batch, dim, g, dtype, device):
    student = torch.randn(DINO_STUDENT_VIEWS, batch, dim, generator=g, dtype=torch.float64)
    teacher = student[:DINO_TEACHER_VIEWS] + 0.3 * torch.randn(DINO_TEACHER_VIEWS, batch, dim, generator=g,
                                                               dtype=torch.float64)
    center = 0.1 * torch.randn(dim, generator=g, dtype=torch.float64)
    out = {"student": student, "teacher": teacher, "center": center}
    return {k: v.to(device, dtype) for k, v in out.items()}


def _cases() -> list[Case]:
    """Import the peers lazily: the course itself does not need them."""
    from info_nce import info_nce as peer_info_nce
    from lightly.loss import BarlowTwinsLoss, DINOLoss, NTXentLoss, VICRegLoss
    from pytorch_metric_learning import distances, miners, reducers
    from pytorch_metric_learning import losses as pml_losses

    euclid = distances.LpDistance(normalize_embeddings=False)  # pml normalises by default
    miner = miners.BatchHardMiner(distance=euclid)
    triplet = pml_losses.TripletMarginLoss(margin=0.2, distance=euclid, reducer=reducers.MeanReducer())
    nt_xent_peer, barlow_peer, vicreg_peer = NTXentLoss(temperature=0.5), BarlowTwinsLoss(), VICRegLoss()
    dino_peers: dict = {}

    def dino_peer(x):
        # lightly keeps the centre as a buffer and updates it inside forward: give it ours
        # each call, so both sides start from the same centre (the update is timed on both)
        key = (x["center"].shape[0], x["center"].dtype, x["center"].device)
        if key not in dino_peers:
            dino_peers[key] = DINOLoss(output_dim=key[0], teacher_temp=0.04, student_temp=0.1).to(key[1]).to(key[2])
        peer = dino_peers[key]
        peer.center.copy_(x["center"])
        return peer(list(x["teacher"].unbind(0)), list(x["student"].unbind(0)), teacher_temp=0.04)

    def dino_ours(x):
        loss = dino(x["student"], x["teacher"], x["center"], 0.1, 0.04)
        dino_center(x["teacher"], x["center"], 0.9)  # lightly's forward does this too
        return loss

    return [
        Case("InfoNCE", "info-nce-pytorch", _two_views, ("z1", "z2"),
             lambda x: info_nce(x["z1"], x["z2"], 0.1),
             lambda x: peer_info_nce(x["z1"], x["z2"], temperature=0.1)),
        Case("NT-Xent", "lightly", _two_views, ("z1", "z2"),
             lambda x: nt_xent(x["z1"], x["z2"], 0.5), lambda x: nt_xent_peer(x["z1"], x["z2"])),
        Case("batch-hard triplet", "pytorch-metric-learning", _labelled, ("emb",),
             lambda x: batch_hard_triplet(x["emb"], x["labels"], 0.2),
             lambda x: triplet(x["emb"], x["labels"], miner(x["emb"], x["labels"]))),
        Case("Barlow Twins", "lightly", _two_views, ("z1", "z2"),
             lambda x: barlow_twins(x["z1"], x["z2"], 5e-3), lambda x: barlow_peer(x["z1"], x["z2"])),
        Case("VICReg", "lightly", _two_views, ("z1", "z2"),
             lambda x: vicreg(x["z1"], x["z2"]), lambda x: vicreg_peer(x["z1"], x["z2"])),
        Case("DINO", "lightly", _dino_inputs, ("student",), dino_ours, dino_peer),
    ]


def _step(fn, inputs, grad_names):
    """One forward + backward pass: the loss and the gradients of the named inputs."""
    leaves = {k: (v.detach().requires_grad_() if k in grad_names else v) for k, v in inputs.items()}
    loss = fn(leaves)
    grads = torch.autograd.grad(loss, [leaves[k] for k in grad_names])
    return loss.detach(), grads


def _max_difference(case, batch, dim, device, seed):
    """max |value difference| and max |gradient difference|, ours vs peer, in float64."""
    g = torch.Generator().manual_seed(seed)
    inputs = case.make(batch, dim, g, torch.float64, device)
    v1, g1 = _step(case.ours, inputs, case.grad)
    v2, g2 = _step(case.peer, inputs, case.grad)
    grad_diff = max((a - b).abs().max().item() for a, b in zip(g1, g2))
    return abs(v1.item() - v2.item()), grad_diff


def _timed(fn, inputs, grad_names, inner, sync):
    sync()
    start = time.perf_counter()
    for _ in range(inner):
        _step(fn, inputs, grad_names)
    sync()
    return (time.perf_counter() - start) / inner


def compare(case: Case, batch: int, dim: int = 128, device: str = "cpu", repeats: int = 31,
            warmup: int = 3, seed: int = 0) -> dict:
    """Time ours and the peer on one (batch, dim) in float32, interleaved; compare in float64."""
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    g = torch.Generator().manual_seed(seed)
    inputs = case.make(batch, dim, g, torch.float32, device)
    for _ in range(warmup):
        _step(case.ours, inputs, case.grad)
        _step(case.peer, inputs, case.grad)
    # enough inner iterations that one measurement lasts ~10 ms, well above the timer's noise,
    # yet short, so that the two sides of a pair run under the same load
    once = max(_timed(case.ours, inputs, case.grad, 1, sync), _timed(case.peer, inputs, case.grad, 1, sync))
    inner = max(1, min(50, int(0.01 / max(once, 1e-6))))
    ours_t, peer_t = [], []
    for r in range(repeats):
        order = [(case.ours, ours_t), (case.peer, peer_t)]
        for fn, out in (order if r % 2 == 0 else order[::-1]):  # alternate who goes first
            out.append(_timed(fn, inputs, case.grad, inner, sync))
    ours_ms, peer_ms = 1e3 * statistics.median(ours_t), 1e3 * statistics.median(peer_t)
    # the ratio is the median of the paired (same-repeat) ratios: a load spike on a shared
    # machine moves both sides of a pair together, so it cancels instead of landing on one side
    ratio = statistics.median(a / b for a, b in zip(ours_t, peer_t))
    value_diff, grad_diff = _max_difference(case, batch, dim, device, seed)
    return {"loss": case.name, "peer": case.peer_name, "batch": batch, "ours_ms": ours_ms,
            "peer_ms": peer_ms, "ratio": ratio, "value_diff": value_diff,
            "grad_diff": grad_diff, "equal": value_diff <= TOLERANCE and grad_diff <= TOLERANCE}


def run(batches=(256, 1024), dim: int = 128, device: str = "cpu", repeats: int = 31, warmup: int = 3,
        only: str | None = None) -> list[dict]:
    """Every loss at every batch size: a list of rows (see `compare`)."""
    rows = []
    for case in _cases():
        if only and only.lower() not in case.name.lower():
            continue
        for batch in batches:
            rows.append(compare(case, batch, dim, device, repeats, warmup))
    return rows


def table(rows: list[dict]) -> str:
    """A Markdown table of the rows; a failing row is marked in the last column."""
    lines = ["| loss | peer | batch | ours ms | peer ms | ours/peer | max abs value diff | "
             "max abs grad diff | ok |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        ok = "yes" if r["equal"] and r["ratio"] <= 1.0 else (
            "SLOWER" if r["equal"] else "DIFFERS")
        lines.append(f"| {r['loss']} | {r['peer']} | {r['batch']} | {r['ours_ms']:.3f} | {r['peer_ms']:.3f} | "
                     f"{r['ratio']:.2f} | {r['value_diff']:.1e} | {r['grad_diff']:.1e} | {ok} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--batches", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=31, help="timed repeats per side (median taken)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", help="run only the losses whose name contains this")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads for torch (default 1: on a small shared machine, intra-op "
                             "threads mostly measure the other processes; 0 keeps torch's default)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="Markdown file for the table")
    args = parser.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error("--device cuda asked for, but torch sees no CUDA device")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    rows = run(tuple(args.batches), args.dim, args.device, args.repeats, args.warmup, args.only)
    device = torch.cuda.get_device_name(args.device) if args.device.startswith("cuda") else \
        f"CPU, {torch.get_num_threads()} threads"
    header = (f"Forward + backward, float32, D = {args.dim}, {device}, torch {torch.__version__}; "
              f"median of {args.repeats} interleaved repeats (ratio: median of the paired ratios). "
              f"Differences: float64, same inputs.")
    text = f"{header}\n\n{table(rows)}\n"
    print(text)
    args.output.write_text(f"# Loss benchmark\n\n`.venv/bin/python benchmarks/losses.py"
                           f"{' --device ' + args.device if args.device != 'cpu' else ''}`\n\n{text}")
    failures = [r for r in rows if not (r["equal"] and r["ratio"] <= 1.0)]
    for r in failures:
        why = "slower than" if r["equal"] else "not equal to"
        print(f"FAIL: {r['loss']} at batch {r['batch']} is {why} {r['peer']}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
