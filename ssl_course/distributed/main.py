"""`ssl-course train simclr`: SimCLR on MNIST-1D or digits, one process or several under torchrun.

    torchrun --standalone --nproc_per_node 2 -m ssl_course.distributed.main --epochs 5

Every rank trains (`distributed/simclr.py`); rank 0 then evaluates the frozen
encoder with a linear probe, prints the accuracy and the training time, and saves the
checkpoint. `ssl-course train simclr --nproc N` builds this command for you.
"""
from __future__ import annotations

import argparse
import functools
import sys
import time


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The training options, shared by `ssl-course train simclr` and this module."""
    p.add_argument("--dataset", choices=["mnist1d", "digits"], default="mnist1d", help="default mnist1d")
    p.add_argument("--epochs", type=int_option("--epochs"), default=5, help="default 5")
    p.add_argument("--batch-size", type=int_option("--batch-size"), default=128,
                   help="the GLOBAL batch size, divisible by the number of processes (default 128)")
    p.add_argument("--lr", type=positive_option("--lr"), default=4e-3, help="default 4e-3")
    p.add_argument("--temperature", type=positive_option("--temperature"), default=0.5, help="default 0.5")
    p.add_argument("--seed", type=int_option("--seed", minimum=0), default=0, help="default 0")
    p.add_argument("--limit", type=int_option("--limit", minimum=2), default=None,
                   help="train on the first LIMIT training examples only (default: all)")
    p.add_argument("--out", default=None, help="save encoder and head here (a .pt file)")
    return p


def int_option(name: str, minimum: int = 1):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{name} must be at least {minimum}, got {value}")
        return value
    return parse


def positive_option(name: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{name} must be > 0, got {value}")
        return value
    return parse


def _problem(dataset: str):
    """(split, encoder, head, augment) for a dataset name; the networks are seeded by the caller."""
    from ..models.encoders import Conv1dEncoder, ConvEncoder
    from ..models.heads import ProjectionHead

    if dataset == "digits":
        from ..augment.batch import batch_augment
        from ..data.digits import digits

        split = digits()
        encoder = ConvEncoder(1, (16, 32, 64))
        augment = functools.partial(batch_augment, color=False, gray=False, flip=False, scale=(0.5, 1.0))
    else:
        from ..augment.signals import signal_augment
        from ..data.mnist1d import mnist1d

        split = mnist1d()
        encoder = Conv1dEncoder(40, channels=(16, 32, 64), kernel_size=5, pool="max")
        augment = signal_augment
    return split, encoder, ProjectionHead(encoder.out_dim, 128, 128), augment


def run(args: argparse.Namespace) -> int:
    """Train on this process's share (all of it without torchrun); rank 0 evaluates and reports."""
    import torch  # here, not at the top: `ssl-course` builds this parser for every command

    from ..evaluate.probes import features, linear_probe
    from .group import cleanup, init_from_env, is_main, world_size
    from .simclr import train_simclr

    dev = init_from_env()
    try:
        torch.manual_seed(args.seed)  # the same initial networks on every rank
        (x, y, x_test, y_test), encoder, head, augment = _problem(args.dataset)
        x, y = (x[:args.limit], y[:args.limit]) if args.limit else (x, y)
        world = world_size()
        hist = train_simclr(encoder, x, augment, head=head, epochs=args.epochs, batch_size=args.batch_size,
                            lr=args.lr, temperature=args.temperature, seed=args.seed, device=dev)
        if is_main():
            start = time.perf_counter()
            acc = linear_probe(features(encoder, x), y, features(encoder, x_test), y_test)
            print(f"SimCLR on {args.dataset} ({x.shape[0]} examples), {world} process(es), "
                  f"{hist['steps']} steps of a global batch of {min(args.batch_size, x.shape[0])}")
            print(f"training time: {hist['seconds']:.1f} s; final loss {hist['loss'][-1]:.3f}")
            print(f"linear probe accuracy: {acc:.1%} ({time.perf_counter() - start:.1f} s to evaluate)")
            if args.out:
                options = {k: v for k, v in vars(args).items() if isinstance(v, (int, float, str))}
                torch.save(dict(encoder=encoder.state_dict(), head=head.state_dict(), args=options), args.out)
                print(f"saved {args.out}")
    finally:
        cleanup()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(
        prog="python -m ssl_course.distributed.main", description="SimCLR, one process per torchrun rank."))
    try:
        return run(parser.parse_args(argv))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
