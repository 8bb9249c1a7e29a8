"""Using a pretrained encoder on a labelled task.

- finetune.py: freeze (no gradient, BatchNorm pinned to eval mode), param_groups (the optimizer's
  learning rates and weight decay per part), finetune (one supervised loop for training from
  scratch, a linear probe and fine-tuning) and accuracy (chapter 08).
- features.py: features_at (pooled outputs of named layers, read with torchvision's
  create_feature_extractor, in eval mode) (chapter 15).
- multitask.py: MultiHead (a shared trunk, one head per task), uncertainty_weighting and
  UncertaintyWeighting (learned log-variances, Kendall et al. 2018), grad_cosine (the cosine of two
  tasks' gradients on the shared parameters) (chapter 23).
"""
