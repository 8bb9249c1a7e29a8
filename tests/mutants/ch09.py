"""Known-wrong implementations for chapter 09."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ssl_course.pretext.jigsaw import tiles

from . import mutant


# --------------------------------------------------------------------------- 09.rotate_batch
def _square(x):
    if x.shape[-2] != x.shape[-1]:
        raise ValueError("x must hold square images")


@mutant("09.rotate_batch", "common wrong answer: images stacked by rotation, labels cycling per image "
                           "(arange(4).repeat(N)): the targets do not belong to the images")
def _rot_labels_interleaved(x):
    _square(x)
    images = torch.cat([torch.rot90(x, k, dims=(-2, -1)) for k in range(4)])
    return images, torch.arange(4, device=x.device).repeat(x.shape[0])


@mutant("09.rotate_batch", "clockwise quarter turns (rot90 over dims (-1, -2))")
def _rot_clockwise(x):
    _square(x)
    images = torch.cat([torch.rot90(x, k, dims=(-1, -2)) for k in range(4)])
    return images, torch.arange(4, device=x.device).repeat_interleave(x.shape[0])


@mutant("09.rotate_batch", "a transpose for 90 degrees (a reflection, not a rotation)")
def _rot_transpose(x):
    _square(x)
    r90 = x.transpose(-2, -1)
    images = torch.cat([x, r90, x.flip(-2, -1), r90.flip(-2, -1)])
    return images, torch.arange(4, device=x.device).repeat_interleave(x.shape[0])


@mutant("09.rotate_batch", "rotates dims (1, 2): channels and rows")
def _rot_wrong_dims(x):
    _square(x)
    images = torch.cat([torch.rot90(x, k, dims=(1, 2)) for k in range(4)])
    return images, torch.arange(4, device=x.device).repeat_interleave(x.shape[0])


@mutant("09.rotate_batch", "images interleaved per image (x0 at 0, 90, 180, 270, then x1 ...), labels in blocks")
def _rot_images_interleaved(x):
    _square(x)
    images = torch.stack([torch.rot90(x, k, dims=(-2, -1)) for k in range(4)], dim=1).flatten(0, 1)
    return images, torch.arange(4, device=x.device).repeat_interleave(x.shape[0])


@mutant("09.rotate_batch", "non-square images silently cropped to a square")
def _rot_crops(x):
    s = min(x.shape[-2:])
    x = x[..., :s, :s]
    images = torch.cat([torch.rot90(x, k, dims=(-2, -1)) for k in range(4)])
    return images, torch.arange(4, device=x.device).repeat_interleave(x.shape[0])


@mutant("09.rotate_batch", "labels built on the default device")
def _rot_default_device(x):
    _square(x)
    images = torch.cat([torch.rot90(x, k, dims=(-2, -1)) for k in range(4)])
    return images, torch.arange(4).repeat_interleave(x.shape[0])


@mutant("09.rotate_batch", "int32 labels")
def _rot_int32(x):
    _square(x)
    images = torch.cat([torch.rot90(x, k, dims=(-2, -1)) for k in range(4)])
    return images, torch.arange(4, device=x.device, dtype=torch.int32).repeat_interleave(x.shape[0])


@mutant("09.rotate_batch", "rotates by resampling (affine grid at 90 degrees, computed in float32)")
def _rot_resample(x):
    _square(x)
    n = x.shape[0]
    out = [x]
    for k in (1, 2, 3):
        angle = torch.tensor(k * torch.pi / 2)
        c, s = torch.cos(angle).item(), torch.sin(angle).item()
        theta = torch.tensor([[c, -s, 0.0], [s, c, 0.0]]).expand(n, 2, 3)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        out.append(F.grid_sample(x.float(), grid, align_corners=False).to(x.dtype))
    return torch.cat(out), torch.arange(4, device=x.device).repeat_interleave(n)


@mutant("09.rotate_batch", "chunks of 512 images, each chunk's four blocks appended in turn")
def _rot_chunked(x):
    _square(x)
    images, labels = [], []
    for s in range(0, x.shape[0], 512):
        part = x[s:s + 512]
        images += [torch.rot90(part, k, dims=(-2, -1)) for k in range(4)]
        labels.append(torch.arange(4, device=x.device).repeat_interleave(part.shape[0]))
    return torch.cat(images), torch.cat(labels)


# --------------------------------------------------------------------------- 09.jigsaw
def _labels(x, permutations, generator):
    return torch.randint(len(permutations), (x.shape[0],), generator=generator, device="cpu").to(x.device)


def _gather(x, grid, order):
    t = tiles(x, grid)
    return t.gather(1, order[:, :, None, None, None].expand(-1, -1, *t.shape[2:]))


@mutant("09.jigsaw", "common wrong answer: scatters tile t to position perm[t] (the inverse permutation)")
def _jig_inverse(x, grid, permutations, generator=None):
    labels = _labels(x, permutations, generator)
    order = permutations.to(x.device).long()[labels].argsort(dim=1)  # the inverse of each permutation
    return _gather(x, grid, order), labels


@mutant("09.jigsaw", "tiles numbered column by column")
def _jig_column_major(x, grid, permutations, generator=None):
    labels = _labels(x, permutations, generator)
    n, c, h, w = x.shape
    t = x.reshape(n, c, grid, h // grid, grid, w // grid).permute(0, 4, 2, 1, 3, 5).reshape(
        n, grid * grid, c, h // grid, w // grid)
    order = permutations.to(x.device).long()[labels]
    return t.gather(1, order[:, :, None, None, None].expand(-1, -1, *t.shape[2:])), labels


@mutant("09.jigsaw", "square tiles assumed: H / grid on both sides")
def _jig_square_tiles(x, grid, permutations, generator=None):
    labels = _labels(x, permutations, generator)
    s = x.shape[-2] // grid
    n, c = x.shape[:2]
    t = x[..., :grid * s, :grid * s].reshape(n, c, grid, s, grid, s).permute(0, 2, 4, 1, 3, 5).reshape(
        n, grid * grid, c, s, s)
    order = permutations.to(x.device).long()[labels]
    return t.gather(1, order[:, :, None, None, None].expand(-1, -1, *t.shape[2:])), labels


@mutant("09.jigsaw", "ignores grid: always 2x2 tiles")
def _jig_grid_two(x, grid, permutations, generator=None):
    labels = _labels(x, permutations, generator)
    return _gather(x, 2, permutations.to(x.device).long()[labels][:, :4] % 4), labels


@mutant("09.jigsaw", "re-seeds a copy of the generator: two calls give the same puzzles")
def _jig_copied_generator(x, grid, permutations, generator=None):
    g = torch.Generator().set_state(generator.get_state()) if generator is not None else None
    labels = _labels(x, permutations, g)
    return _gather(x, grid, permutations.to(x.device).long()[labels]), labels


@mutant("09.jigsaw", "ignores the generator (draws from the global one)")
def _jig_global(x, grid, permutations, generator=None):
    labels = _labels(x, permutations, None)
    return _gather(x, grid, permutations.to(x.device).long()[labels]), labels


@mutant("09.jigsaw", "draws the labels with torch.multinomial over uniform weights")
def _jig_multinomial(x, grid, permutations, generator=None):
    w = torch.ones(len(permutations))
    labels = torch.multinomial(w, x.shape[0], replacement=True, generator=generator).to(x.device)
    return _gather(x, grid, permutations.to(x.device).long()[labels]), labels


@mutant("09.jigsaw", "a fresh random permutation per image (randperm), its position in the set never looked up")
def _jig_randperm(x, grid, permutations, generator=None):
    labels = _labels(x, permutations, generator)
    order = torch.stack([torch.randperm(grid * grid, generator=generator) for _ in range(x.shape[0])]).to(x.device)
    return _gather(x, grid, order), labels


@mutant("09.jigsaw", "labels keep the permutations' dtype")
def _jig_label_dtype(x, grid, permutations, generator=None):
    labels = _labels(x, permutations, generator)
    return _gather(x, grid, permutations.to(x.device).long()[labels]), labels.to(permutations.dtype)


@mutant("09.jigsaw", "labels rebuilt from a Python list, on the default device")
def _jig_default_device(x, grid, permutations, generator=None):
    labels = _labels(x, permutations, generator)
    return _gather(x, grid, permutations.to(x.device).long()[labels]), torch.tensor(labels.tolist())


@mutant("09.jigsaw", "chunks of 512 images: the second chunk reuses the first chunk's labels")
def _jig_chunked(x, grid, permutations, generator=None):
    labels = _labels(x, permutations, generator)
    fixed = labels.clone()
    fixed[512:] = labels[:512][: max(0, len(labels) - 512)] if len(labels) > 512 else fixed[512:]
    return _gather(x, grid, permutations.to(x.device).long()[fixed]), fixed


@mutant("09.jigsaw", "computes in float32 and casts back")
def _jig_float32(x, grid, permutations, generator=None):
    labels = _labels(x, permutations, generator)
    return _gather(x.float(), grid, permutations.to(x.device).long()[labels]).to(x.dtype), labels
