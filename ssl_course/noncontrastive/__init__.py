"""Self-supervised losses without negatives, and how they avoid collapse.

- `barlow_twins.py`  cross-correlation pushed to the identity
- `vicreg.py`        variance, invariance and covariance terms
- `dino.py`          self-distillation with a centred, sharpened teacher
"""
