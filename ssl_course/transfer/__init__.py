"""Using a pretrained encoder on a labelled task.

- finetune.py: freeze (no gradient, BatchNorm pinned to eval mode), param_groups (the optimizer's
  learning rates and weight decay per part), finetune (one supervised loop for training from
  scratch, a linear probe and fine-tuning) and accuracy (chapter 08).
- features.py: features_at (pooled outputs of named layers, read with torchvision's
  create_feature_extractor, in eval mode) (chapter 15).
"""
