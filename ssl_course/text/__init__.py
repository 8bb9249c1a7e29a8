"""Text for chapters 16 (masked language models), 25 (autoregressive LMs) and 27 (GPT).

- `tokenizer`: `Tokenizer`, a vocabulary built from a corpus (words or characters), special tokens first.
- `mlm`: `mask_tokens` (BERT's 15% with the 80/10/10 rule) and `mlm_loss` (cross-entropy on masked positions).
- `lstm`: chapter 25's character language model and the data 25 and 27 share: `lm_data`, `windows`,
  `shift_targets`, `perplexity`, `bigram_log_probs`, `CharLSTM`, `train_lm`, `heldout_perplexity`.
- `sampling`: `sample_next` (temperature) and `generate` (chapter 25) with `top_k_filter` and
  `top_p_filter` (chapter 27).
- `gpt`: `prefix_nll`, each position scored from its prefix alone (chapter 27).
"""
from .mlm import IGNORE, mask_tokens, mlm_loss
from .tokenizer import SPECIALS, Tokenizer

__all__ = ["IGNORE", "SPECIALS", "Tokenizer", "mask_tokens", "mlm_loss"]
