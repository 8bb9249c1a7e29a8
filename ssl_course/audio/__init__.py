"""Audio (chapter 17): spectrogram.py frames signals and computes log spectrograms; cpc.py holds
Contrastive Predictive Coding (the model and its InfoNCE loss over future steps)."""
