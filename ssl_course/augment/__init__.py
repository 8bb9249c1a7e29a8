"""Data augmentation: the random views that self-supervised learning learns to match.

- `pil.py`      per image, the usual way: `simclr_transform`, `TwoViews`, `two_views`
- `batch.py`    per batch, as tensors: `batch_augment`, and named `policy`s for ablations
- `crop.py`     random resized crops for a batch: `crop_box`
- `color.py`    colour jitter and grayscale: `color_jitter`, `color_distortion`, HSV conversions
- `signals.py`  1-D signals such as MNIST-1D: `signal_augment`
"""
