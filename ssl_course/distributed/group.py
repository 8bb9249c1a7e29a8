"""The process group under torchrun: who am I, how many are we. Without one, a single process
is rank 0 of 1, so every function here works in a notebook too.
"""
from __future__ import annotations

import os

import torch
import torch.distributed as dist


# ----------------------------------------------------------------------------- process group
def is_distributed() -> bool:
    """True when a process group is initialised (we run under torchrun)."""
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    """This process's rank, 0 without a process group."""
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    """The number of processes, 1 without a process group."""
    return dist.get_world_size() if is_distributed() else 1


def is_main() -> bool:
    """True on rank 0: the rank that prints, draws progress bars and saves checkpoints."""
    return rank() == 0


def init_from_env() -> torch.device:
    """Join the process group that torchrun describes (RANK, WORLD_SIZE, LOCAL_RANK,
    MASTER_ADDR, MASTER_PORT); return this process's device.

    Backend: NCCL with one GPU per process when CUDA is available, gloo on the CPU otherwise.
    Without torchrun's variables (WORLD_SIZE unset) nothing is initialised and the device is
    the CPU or the only GPU: the single-process run.
    """
    cuda = torch.cuda.is_available()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    dev = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(dev)
    if "WORLD_SIZE" in os.environ and not is_distributed():
        dist.init_process_group(backend="nccl" if cuda else "gloo", device_id=dev if cuda else None)
    return dev


def cleanup() -> None:
    """Leave the process group (a no-op without one)."""
    if is_distributed():
        dist.destroy_process_group()
