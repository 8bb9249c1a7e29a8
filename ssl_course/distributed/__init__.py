"""Training on several processes under `torchrun` (one per device; gloo on CPU, NCCL on CUDA).

- `group.py`      the process group: rank, world size, set-up and clean-up
- `gather.py`     all-gather that keeps gradients; NT-Xent with negatives from every rank
- `batchnorm.py`  BatchNorm statistics over the global batch
- `simclr.py`     SimCLR data-parallel: the single-process loop, wrapped for DDP
- `main.py`       `ssl-course train simclr`, on one process or N

Every function also works in a single process with no process group: then it is the identity,
or exactly the single-process function (`nt_xent_global` is `nt_xent`).
"""
