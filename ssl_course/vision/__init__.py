"""Vision transformers and masked image modelling.

- `patches.py`  patchify / unpatchify (images <-> sequences of flattened patches, the MAE paper's order),
                the fixed 2-D sine-cosine position embedding (chapter 26)
- `mae.py`      random_masking (argsort of noise, with ids_restore), masked_mse (the loss on masked patches
                only, optional per-patch target normalisation), TinyMAE, train_mae, mean_patch_baseline
                (chapter 26)
"""
