"""ssl_course.augment and ssl_course.shapes against independent formulations and trusted peers
(torchvision's functional transforms, Python's colorsys), plus statistics and argument checks."""
from __future__ import annotations

import colorsys
import math

import numpy as np
import pytest
import torch
import torchvision.transforms.v2.functional as TF

from ssl_course.augment import color
from ssl_course.augment.batch import batch_augment, policy
from ssl_course.augment.color import color_distortion, color_jitter, grayscale, hsv_to_rgb, rgb_to_hsv
from ssl_course.augment.crop import _crop_grid, crop_box, crop_overlap, resized_crop
from ssl_course.augment.pil import TwoViews, simclr_transform, two_views
from ssl_course.data.shapes import COLOUR_NAMES, SHAPE_NAMES, shapes


def _images(n=6, size=8, seed=0, dtype=torch.float32):
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


# ----------------------------------------------------------------------------- colour spaces
def test_hsv_matches_colorsys_and_round_trips():
    x = _images(4, 5, seed=1, dtype=torch.float64)
    x[0, :, 0, 0] = torch.tensor([0.3, 0.3, 0.3])  # grey: hue 0
    x[0, :, 0, 1] = 0.0  # black
    hsv = rgb_to_hsv(x)
    for n, i, j in [(0, 0, 0), (0, 0, 1), (1, 2, 3), (2, 4, 4), (3, 1, 0)]:
        want = colorsys.rgb_to_hsv(*x[n, :, i, j].tolist())
        assert hsv[n, :, i, j].tolist() == pytest.approx(list(want), abs=1e-9)
    assert torch.allclose(hsv_to_rgb(hsv), x, atol=1e-9)


def test_hsv_to_rgb_matches_colorsys_and_wraps_hue():
    hsv = torch.rand(3, 3, 4, 4, generator=_gen(2), dtype=torch.float64)
    rgb = hsv_to_rgb(hsv)
    for n, i, j in [(0, 0, 0), (1, 3, 2), (2, 1, 3)]:
        assert rgb[n, :, i, j].tolist() == pytest.approx(list(colorsys.hsv_to_rgb(*hsv[n, :, i, j].tolist())), abs=1e-9)
    shifted = hsv.clone()
    shifted[:, 0] += 1.0
    assert torch.allclose(hsv_to_rgb(shifted), rgb, atol=1e-9)


def test_grayscale_matches_pil_luma():
    """Luma as PIL's convert("L") computes it (ITU-R 601-2), to within PIL's uint8 rounding."""
    from PIL import Image

    x8 = torch.randint(0, 256, (3, 9, 11), generator=_gen(1), dtype=torch.uint8)
    pil = torch.from_numpy(np.array(Image.fromarray(x8.permute(1, 2, 0).numpy()).convert("L")))
    ours = grayscale(x8[None].float() / 255)[0]
    assert torch.equal(ours[0], ours[1]) and torch.equal(ours[1], ours[2])
    assert (ours[0] * 255 - pil.float()).abs().max() <= 1.0


@pytest.fixture
def torchvision_luma(monkeypatch):
    """torchvision weighs red 0.2989, not 0.299: use its weights to compare formulas exactly."""
    monkeypatch.setattr(color, "_LUMA", (0.2989, 0.587, 0.114))


def test_grayscale_matches_torchvision(torchvision_luma):
    x = _images()
    assert torch.allclose(grayscale(x), TF.rgb_to_grayscale(x, num_output_channels=3), atol=1e-6)


# ----------------------------------------------------------------------------- colour jitter
@pytest.mark.parametrize("b,c,s,h", [(1.0, 1.0, 1.0, 0.0), (1.4, 0.6, 1.7, 0.15), (0.3, 1.8, 0.2, -0.2),
                                     (1.9, 0.0, 0.0, 0.5)])
def test_color_jitter_matches_torchvision_adjust_functions(b, c, s, h, torchvision_luma):
    x = _images(5, 7, seed=3)
    full = lambda v: torch.full((5,), v)  # noqa: E731
    got = color_jitter(x, full(b), full(c), full(s), full(h))
    want = TF.adjust_hue(TF.adjust_saturation(TF.adjust_contrast(TF.adjust_brightness(x, b), c), s), h)
    assert torch.allclose(got, want, atol=1e-5)


def test_color_jitter_with_pil_luma_is_within_rounding_of_torchvision():
    x = _images(5, 7, seed=3)
    f = torch.tensor([1.9, 0.3, 1.2, 0.8, 1.0])
    got = color_jitter(x, f, f.flip(0), f.roll(1), f / 10 - 0.1)
    want = torch.stack([TF.adjust_hue(TF.adjust_saturation(TF.adjust_contrast(TF.adjust_brightness(
        x[i], f[i].item()), f.flip(0)[i].item()), f.roll(1)[i].item()), f[i].item() / 10 - 0.1) for i in range(5)])
    assert (got - want).abs().max() < 5e-4


def test_color_jitter_accepts_integer_factors():
    x = _images(2, 4)
    one = torch.ones(2, dtype=torch.long)
    assert torch.allclose(color_jitter(x, one, one, one, 0 * one), x, atol=1e-6)


def test_color_jitter_uses_each_images_own_factors(torchvision_luma):
    x = _images(4, 6, seed=4)
    b, c, s, h = (torch.rand(4, generator=_gen(k)) * 1.6 + 0.2 for k in range(4))
    h = h / 8 - 0.1
    out = color_jitter(x, b, c, s, h)
    for i in range(4):
        want = TF.adjust_hue(TF.adjust_saturation(TF.adjust_contrast(
            TF.adjust_brightness(x[i], b[i].item()), c[i].item()), s[i].item()), h[i].item())
        assert torch.allclose(out[i], want, atol=2e-5)


def test_color_distortion_is_jitter_then_grayscale_where_asked(torchvision_luma):
    x = _images(4, 5, seed=5)
    f = [torch.tensor([1.2, 0.7, 1.0, 1.5]), torch.tensor([0.9, 1.3, 1.0, 0.4]),
         torch.tensor([1.5, 0.2, 1.0, 1.1]), torch.tensor([0.1, -0.1, 0.0, 0.2])]
    gray = torch.tensor([True, False, True, False])
    out = color_distortion(x, *f, gray)
    jit = color_jitter(x, *f)
    assert torch.allclose(out[~gray], jit[~gray])
    assert torch.allclose(out[gray], TF.rgb_to_grayscale(jit[gray], num_output_channels=3), atol=1e-6)
    assert out.min() >= 0 and out.max() <= 1


def test_color_distortion_argument_checks():
    x, one, no = _images(2), torch.ones(2), torch.zeros(2, dtype=torch.bool)
    with pytest.raises(ValueError, match="brightness"):
        color_distortion(x, torch.ones(3), one, one, one, no)
    with pytest.raises(TypeError, match="gray"):
        color_distortion(x, one, one, one, one, torch.zeros(2))
    with pytest.raises(ValueError, match="3 channels"):
        color_distortion(torch.rand(2, 1, 4, 4), one, one, one, one, no)


# ----------------------------------------------------------------------------- crop boxes
def test_crop_box_statistics():
    # 40x40, area <= 50%, ratio in [1/2, 2]: the widest box is exactly 40 wide, so none is clipped
    h, w, scale, ratio = 40, 40, (0.1, 0.5), (0.5, 2.0)
    b = crop_box(50_000, h, w, scale=scale, ratio=ratio, generator=_gen(6))
    x0, y0, x1, y1 = b.unbind(1)
    assert (x0 >= 0).all() and (y0 >= 0).all() and (x1 <= w + 1e-4).all() and (y1 <= h + 1e-4).all()
    bw, bh = x1 - x0, y1 - y0
    frac, log_r = bw * bh / (h * w), torch.log(bw / bh)
    assert frac.min() >= scale[0] - 1e-4 and frac.max() <= scale[1] + 1e-4
    assert frac.mean().item() == pytest.approx(0.3, abs=0.003)
    assert log_r.min() >= math.log(ratio[0]) - 1e-4 and log_r.max() <= math.log(ratio[1]) + 1e-4
    # log-uniform ratio over a symmetric range: log r has mean 0 and uniform quartiles
    assert abs(log_r.mean().item()) < 0.01
    q = torch.quantile(log_r, torch.tensor([0.25, 0.75])).tolist()
    assert q == pytest.approx([-0.5 * math.log(2), 0.5 * math.log(2)], abs=0.02)


def test_crop_box_clips_and_places_uniformly():
    h, w = 30, 40
    b = crop_box(50_000, h, w, scale=(0.2, 1.0), ratio=(0.25, 4.0), generator=_gen(20))
    x0, y0, x1, y1 = b.unbind(1)
    assert (x0 >= 0).all() and (y0 >= 0).all() and (x1 <= w + 1e-4).all() and (y1 <= h + 1e-4).all()
    clipped = (x1 - x0 >= w - 1e-4) | (y1 - y0 >= h - 1e-4)
    assert 0.05 < clipped.float().mean() < 0.95  # this range clips often, and not always
    # the position is uniform over the room left: the box centre averages the image centre
    assert ((x0 + x1) / 2).mean().item() == pytest.approx(w / 2, abs=0.1)
    assert ((y0 + y1) / 2).mean().item() == pytest.approx(h / 2, abs=0.1)


def test_crop_box_area_fraction_is_uniform():
    b = crop_box(40_000, 64, 64, scale=(0.3, 0.7), ratio=(1.0, 1.0), generator=_gen(7))
    frac = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) / 64**2
    assert frac.mean().item() == pytest.approx(0.5, abs=0.005)
    assert frac.var().item() == pytest.approx(0.4**2 / 12, rel=0.05)
    assert torch.allclose(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])  # ratio 1: squares


def test_crop_box_is_deterministic_given_the_generator():
    a = crop_box(10, 16, 16, generator=_gen(8))
    assert torch.equal(a, crop_box(10, 16, 16, generator=_gen(8)))
    assert not torch.equal(a, crop_box(10, 16, 16, generator=_gen(9)))


@pytest.mark.parametrize("kwargs,error", [
    (dict(n=0), ValueError), (dict(n=2.5), TypeError), (dict(height=0), ValueError),
    (dict(scale=(0.8, 0.2)), ValueError), (dict(scale=(0.0, 1.0)), ValueError),
    (dict(scale=(0.5, 1.5)), ValueError), (dict(scale=0.5), TypeError), (dict(ratio=(2.0, 1.0)), ValueError),
    (dict(ratio=(-1.0, 1.0)), ValueError),
])
def test_crop_box_argument_checks(kwargs, error):
    args = dict(n=4, height=16, width=16)
    args.update({k: v for k, v in kwargs.items() if k in args})
    rest = {k: v for k, v in kwargs.items() if k not in args}
    with pytest.raises(error):
        crop_box(args["n"], args["height"], args["width"], **rest)


# ----------------------------------------------------------------------------- resized_crop
def _bilinear_by_hand(x, boxes, out_h, out_w, flip):
    """The documented rule, one output pixel at a time in Python: the point (j + 0.5) / out_w
    across the box, clamped to the pixel centres' range, interpolated from its 4 neighbours."""
    n, c, height, width = x.shape
    out = torch.empty(n, c, out_h, out_w, dtype=torch.float64)
    for k in range(n):
        x0, y0, x1, y1 = boxes[k].tolist()
        for i in range(out_h):
            v = min(max(y0 + (i + 0.5) / out_h * (y1 - y0) - 0.5, 0.0), height - 1.0)  # row index
            r0 = math.floor(v)
            r1, wr = min(r0 + 1, height - 1), v - r0
            for j in range(out_w):
                jj = out_w - 1 - j if flip[k] else j
                u = min(max(x0 + (jj + 0.5) / out_w * (x1 - x0) - 0.5, 0.0), width - 1.0)  # column index
                c0 = math.floor(u)
                c1, wc = min(c0 + 1, width - 1), u - c0
                out[k, :, i, j] = ((1 - wr) * ((1 - wc) * x[k, :, r0, c0] + wc * x[k, :, r0, c1])
                                   + wr * ((1 - wc) * x[k, :, r1, c0] + wc * x[k, :, r1, c1]))
    return out


@pytest.mark.parametrize("height,width,out_h,out_w", [(9, 13, 5, 7), (8, 8, 16, 16), (5, 11, 1, 1), (1, 6, 3, 4)])
def test_resized_crop_matches_the_rule_pixel_by_pixel(height, width, out_h, out_w):
    """Fractional boxes, enlarged or shrunk, with flips, against an independent per-pixel formula."""
    n = 5
    x = torch.rand(n, 2, height, width, generator=_gen(30), dtype=torch.float64)
    boxes = crop_box(n, height, width, scale=(0.1, 1.0), ratio=(0.5, 2.0), generator=_gen(31)).double()
    flip = torch.tensor([True, False, True, False, False])
    got = resized_crop(x, boxes, (out_h, out_w), flip)
    assert got.dtype == torch.float64 and got.shape == (n, 2, out_h, out_w)
    assert torch.allclose(got, _bilinear_by_hand(x, boxes, out_h, out_w, flip), atol=1e-12)


def test_resized_crop_is_torchvisions_on_whole_pixel_boxes():
    """Whole-pixel boxes no smaller than the output: torchvision's resized_crop (antialias=False)
    exactly, borders included, and its horizontal_flip for the flipped views."""
    x = torch.rand(40, 3, 14, 19, generator=_gen(33))
    g = _gen(34)
    out_h, out_w = 5, 6
    top = torch.randint(0, 14 - out_h + 1, (40,), generator=g)
    left = torch.randint(0, 19 - out_w + 1, (40,), generator=g)
    h = torch.stack([torch.randint(out_h, 14 - int(t) + 1, (1,), generator=g)[0] for t in top])
    w = torch.stack([torch.randint(out_w, 19 - int(lft) + 1, (1,), generator=g)[0] for lft in left])
    boxes = torch.stack([left, top, left + w, top + h], dim=1).float()
    flip = torch.rand(40, generator=g) < 0.5
    got = resized_crop(x, boxes, (out_h, out_w), flip)
    for k in range(40):
        want = TF.resized_crop(x[k], int(top[k]), int(left[k]), int(h[k]), int(w[k]), [out_h, out_w], antialias=False)
        if flip[k]:
            want = TF.horizontal_flip(want)
        assert torch.allclose(got[k], want, atol=1e-6), k


def test_resized_crop_identity_and_square_size():
    x = _images(3, 7, seed=35)
    whole = torch.tensor([[0.0, 0.0, 7.0, 7.0]]).repeat(3, 1)
    assert torch.allclose(resized_crop(x, whole, 7), x, atol=1e-6)
    assert torch.allclose(resized_crop(x, whole, (7, 7), torch.ones(3, dtype=torch.bool)), x.flip(-1), atol=1e-6)


def test_batch_augment_creates_no_tensor_on_the_default_device():
    """Every tensor follows the input's device: with the default device set to meta (as a GPU
    batch meets a CPU default), the result is the same CPU tensor."""
    x = _images(6, 9, seed=38)
    want = batch_augment(x, _gen(39))
    with torch.device("meta"):
        got = batch_augment(x, _gen(39))
    assert got.device == x.device and torch.equal(got, want)


def test_batch_augment_crops_with_resized_crop():
    """batch_augment's crop and flip are crop_box's boxes and its flips through resized_crop."""
    x = _images(8, 10, seed=36)
    out = batch_augment(x, _gen(37), color=False, gray=False)
    g = _gen(37)
    boxes = crop_box(8, 10, 10, generator=g)
    flip = torch.rand(8, 7, generator=g)[:, 0] < 0.5
    assert torch.equal(out, resized_crop(x, boxes, (10, 10), flip))


@pytest.mark.parametrize("call,error,match", [
    (lambda x, b: resized_crop(x, b[:2], 4), ValueError, "boxes"),
    (lambda x, b: resized_crop(x, b.long(), 4), TypeError, "boxes"),
    (lambda x, b: resized_crop(x, b, 0), ValueError, "size"),
    (lambda x, b: resized_crop(x, b, (4, 4, 4)), TypeError, "size"),
    (lambda x, b: resized_crop(x, b, 4.0), TypeError, "size"),
    (lambda x, b: resized_crop(x, b, 4, torch.zeros(3)), ValueError, "flip"),
    (lambda x, b: resized_crop(x[0], b, 4), ValueError, "x"),
])
def test_resized_crop_argument_checks(call, error, match):
    with pytest.raises(error, match=match):
        call(_images(3, 8), crop_box(3, 8, 8, generator=_gen()))


# ----------------------------------------------------------------------------- crop_overlap
def test_crop_overlap_matches_torchvision_box_iou():
    """The diagonal of torchvision's all-pairs box_iou, on boxes that overlap, nest and miss."""
    from torchvision.ops import box_iou

    b1 = crop_box(500, 20, 30, scale=(0.02, 0.6), ratio=(0.3, 3.0), generator=_gen(40)).double()
    b2 = crop_box(500, 20, 30, scale=(0.02, 0.6), ratio=(0.3, 3.0), generator=_gen(41)).double()
    got = crop_overlap(b1, b2)
    assert got.dtype == torch.float64 and got.shape == (500,)
    assert torch.allclose(got, box_iou(b1, b2).diagonal(), atol=1e-12)
    assert (got == 0).any() and ((got > 0) & (got < 1)).any()  # the draws cover both cases
    assert torch.equal(got, crop_overlap(b2, b1))  # symmetric


def test_crop_overlap_counts_pixels_on_whole_pixel_boxes():
    """Whole-pixel boxes: IoU is |A and B| / |A or B| of the two boxes' pixel masks; empty pairs 0."""
    g = _gen(42)
    ends = torch.randint(0, 9, (2, 300, 2, 2), generator=g).sort(dim=-1).values  # (box, n, x|y, ends)
    b1, b2 = (torch.cat([e[..., 0], e[..., 1]], dim=1).float() for e in ends)  # (300, 4) each
    cols = torch.arange(9) + 0.5

    def mask(b):  # (300, 9, 9): pixel centres inside the box
        in_x = (cols > b[:, 0:1]) & (cols < b[:, 2:3])
        in_y = (cols > b[:, 1:2]) & (cols < b[:, 3:4])
        return in_y[:, :, None] & in_x[:, None, :]

    m1, m2 = mask(b1), mask(b2)
    inter, union = (m1 & m2).sum(dim=(1, 2)), (m1 | m2).sum(dim=(1, 2))
    want = torch.where(union > 0, inter / union.clamp(min=1), 0.0)
    assert (union == 0).any() and (inter == 0).any()
    assert torch.allclose(crop_overlap(b1, b2), want.float(), atol=1e-6)


@pytest.mark.parametrize("b1,b2,error,match", [
    (torch.zeros(3, 4), torch.zeros(2, 4), ValueError, "same shape"),
    (torch.zeros(3, 5), torch.zeros(3, 5), ValueError, "N, 4"),
    (torch.tensor([[2.0, 0, 1, 1]]), torch.zeros(1, 4), ValueError, "boxes1"),
    (torch.zeros(1, 4), torch.tensor([[0.0, 2, 1, 1]]), ValueError, "boxes2"),
    (torch.zeros(1, 4, dtype=torch.long), torch.zeros(1, 4, dtype=torch.long), TypeError, "boxes1"),
])
def test_crop_overlap_argument_checks(b1, b2, error, match):
    with pytest.raises(error, match=match):
        crop_overlap(b1, b2)


# ----------------------------------------------------------------------------- batch_augment
def test_batch_augment_all_off_is_the_identity():
    x = _images()
    out = batch_augment(x, _gen(), crop=False, color=False, flip=False, gray=False)
    assert torch.equal(out, x)


def test_batch_augment_crop_matches_torchvision_resized_crop():
    """A crop box with whole-pixel corners, resized, as torchvision does it (bilinear, no antialias)."""
    x = _images(3, 16, seed=10)
    box = torch.tensor([[2.0, 3.0, 10.0, 11.0]]).expand(3, 4)  # 8x8 at left 2, top 3
    no_flip = torch.zeros(3, dtype=torch.bool)
    grid = _crop_grid(box, 16, 16, 16, 16, no_flip)
    got = torch.nn.functional.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    want = TF.resized_crop(x, 3, 2, 8, 8, [16, 16], antialias=False)
    assert torch.allclose(got[..., 1:-1, 1:-1], want[..., 1:-1, 1:-1], atol=1e-5)  # borders: edge handling
    flipped = _crop_grid(box, 16, 16, 16, 16, ~no_flip)
    got_f = torch.nn.functional.grid_sample(x, flipped, mode="bilinear", padding_mode="border", align_corners=False)
    assert torch.allclose(got_f, got.flip(-1), atol=1e-6)


def test_batch_augment_shape_range_and_determinism():
    x = _images(16, 12, seed=11)
    a = batch_augment(x, _gen(12))
    assert a.shape == x.shape and a.dtype == x.dtype and a.min() >= 0 and a.max() <= 1
    assert torch.equal(a, batch_augment(x, _gen(12)))
    assert batch_augment(x, _gen(12), size=20).shape == (16, 3, 20, 20)
    assert batch_augment(x[:0], _gen(12)).shape == (0, 3, 12, 12)


def test_settings_share_their_crops():
    """Random numbers are drawn in the same order whatever the switches (ablations differ only in ops)."""
    x = _images(8, 10, seed=13)
    crop_only = batch_augment(x, _gen(14), color=False, gray=False, flip=False)
    crop_colour_off = batch_augment(x, _gen(14), color=True, gray=False, flip=False, p_jitter=0.0)
    assert torch.allclose(crop_only, crop_colour_off, atol=1e-5)  # HSV round trip only


def test_batch_augment_color_uses_color_distortion():
    """With crop and flip off, the colour path is color_distortion on factors drawn as documented."""
    x = _images(8, 6, seed=15)
    out = batch_augment(x, _gen(16), crop=False, flip=False)
    g = _gen(16)
    torch.rand(8, 4, generator=g)  # the crop's draws
    u = torch.rand(8, 7, generator=g)
    jitter = (u[:, 1] < 0.8).float()
    f = 1 + jitter[:, None] * 0.8 * (2 * u[:, 2:5] - 1)
    hue = jitter * 0.2 * (2 * u[:, 5] - 1)
    want = color_distortion(x, f[:, 0], f[:, 1], f[:, 2], hue, u[:, 6] < 0.2)
    assert torch.allclose(out, want, atol=1e-6)


def test_batch_augment_gray_and_flip_probabilities():
    x = _images(4, 6, seed=17)
    g = batch_augment(x, _gen(), crop=False, color=False, flip=False, p_gray=1.0)
    assert torch.allclose(g[:, 0], g[:, 1]) and torch.allclose(g[:, 1], g[:, 2])
    f = batch_augment(x, _gen(), crop=False, color=False, gray=False, p_flip=1.0)
    assert torch.allclose(f, x.flip(-1), atol=1e-6)


@pytest.mark.parametrize("x,kwargs,error,match", [
    (torch.rand(3, 8, 8), {}, ValueError, "N, C, H, W"),
    (torch.zeros(2, 3, 8, 8, dtype=torch.uint8), {}, TypeError, "floating"),
    (torch.rand(2, 1, 8, 8), {}, ValueError, "3 channels"),
    (torch.rand(2, 3, 8, 8), dict(p_gray=1.5), ValueError, "p_gray"),
    (torch.rand(2, 3, 8, 8), dict(strength=2.0), ValueError, "strength"),
    (torch.rand(2, 3, 8, 8), dict(scale=(0.9, 0.1)), ValueError, "scale"),
])
def test_batch_augment_argument_checks(x, kwargs, error, match):
    with pytest.raises(error, match=match):
        batch_augment(x, _gen(), **kwargs)
    with pytest.raises(TypeError, match="generator"):
        batch_augment(torch.rand(2, 3, 8, 8), 0)


def test_one_channel_images_without_colour():
    out = batch_augment(torch.rand(2, 1, 8, 8), _gen(), color=False, gray=False)
    assert out.shape == (2, 1, 8, 8)


# ----------------------------------------------------------------------------- pairs and policies
def test_two_views_are_independent_and_reproducible():
    x = _images(12, 8, seed=18)
    v1, v2 = two_views(x, batch_augment, _gen(19))
    assert v1.shape == v2.shape == x.shape
    assert ((v1 - v2).flatten(1).abs().amax(1) > 1e-4).all()
    w1, w2 = two_views(x, batch_augment, _gen(19))
    assert torch.equal(v1, w1) and torch.equal(v2, w2)
    g = _gen(19)
    assert torch.equal(v1, batch_augment(x, g)) and torch.equal(v2, batch_augment(x, g))
    with pytest.raises(TypeError, match="augment"):
        two_views(x, "crop", _gen())


def test_policy_names():
    assert policy("none") == dict(crop=False, color=False, flip=False, gray=False)
    assert policy("all") == dict(crop=True, color=True, flip=True, gray=True)
    assert policy("crop+color") == policy("color+crop") == dict(crop=True, color=True, flip=False, gray=False)
    assert policy("gray") == dict(crop=False, color=False, flip=False, gray=True)
    assert policy("crop") is not policy("crop")
    for bad in ["rotate", "crop+", "", "colour", "none+crop"]:
        with pytest.raises(ValueError, match="unknown augmentation"):
            policy(bad)
    with pytest.raises(TypeError):
        policy(["crop"])


def test_simclr_transform_and_two_views():
    torch.manual_seed(0)
    t = simclr_transform(12)
    img = shapes(1, 16, seed=3).images[0]
    out = t(img)
    assert out.shape == (3, 12, 12) and out.dtype == torch.float32 and 0 <= out.min() and out.max() <= 1
    a, b = TwoViews(t)(img)
    assert a.shape == b.shape == (3, 12, 12) and not torch.equal(a, b)
    with pytest.raises(TypeError):
        TwoViews(3)
    with pytest.raises(ValueError):
        simclr_transform(0)
    with pytest.raises(ValueError):
        simclr_transform(16, p_gray=1.5)
    with pytest.raises(ValueError):
        simclr_transform(16, scale=(0.9, 0.5))


# ----------------------------------------------------------------------------- shapes
def test_shapes_deterministic_and_seeds_differ():
    a, b, c = shapes(64, 16, seed=0), shapes(64, 16, seed=0), shapes(64, 16, seed=1)
    assert torch.equal(a.images, b.images) and all(torch.equal(p, q) for p, q in zip(a.factors, b.factors))
    assert not torch.equal(a.images, c.images)


def test_shapes_images_and_factors():
    d = shapes(2000, 16, seed=2)
    x, f = d.images, d.factors
    assert x.shape == (2000, 3, 16, 16) and x.dtype == torch.float32 and x.min() >= 0 and x.max() <= 1
    for t in (f.shape, f.colour):
        counts = torch.bincount(t, minlength=4)
        assert len(counts) == 4 and counts.min() > 400  # roughly balanced 4 classes
    assert len(SHAPE_NAMES) == len(COLOUR_NAMES) == 4
    assert ((f.saturation >= 0.6) & (f.saturation <= 1)).all() and ((f.value >= 0.6) & (f.value <= 1)).all()
    assert ((f.scale >= 0.4) & (f.scale <= 0.65)).all() and (f.position.abs() <= 1).all()
    # the brightest pixel has the factor's colour (hue, saturation and value)
    flat = x.flatten(2)  # (N, 3, 256)
    idx = flat.amax(dim=1).argmax(dim=1)
    rgb = flat[torch.arange(2000), :, idx]  # (N, 3)
    hsv = rgb_to_hsv(rgb[:, :, None, None])[:, :, 0, 0]
    dh = (hsv[:, 0] - f.hue + 0.5) % 1 - 0.5
    assert dh.abs().max() < 1e-3
    assert torch.allclose(hsv[:, 2], f.value, atol=1e-3)
    # the background is black, and every shape has some pixels
    assert (x[:, :, 0, 0] == 0).float().mean() > 0.9 and (x.amax(dim=(1, 2, 3)) > 0.5).all()


@pytest.mark.parametrize("kwargs,error", [
    (dict(n=0), ValueError), (dict(n=1.5), TypeError), (dict(size=4), ValueError),
    (dict(seed=-1), ValueError), (dict(scale=(0.5, 0.9)), ValueError), (dict(scale=(0.6, 0.4)), ValueError),
])
def test_shapes_argument_checks(kwargs, error):
    with pytest.raises(error):
        shapes(**kwargs)
