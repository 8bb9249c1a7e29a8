"""Self-supervised losses without negatives, and how they avoid collapse.

- `simsiam.py`       a predictor and a stop-gradient (chapter 12)
- `byol.py`          a predictor and a momentum (EMA) target (chapter 12)
- `barlow_twins.py`  cross-correlation pushed to the identity
- `vicreg.py`        variance, invariance and covariance terms
- `dino.py`          self-distillation with a centred, sharpened teacher
"""
