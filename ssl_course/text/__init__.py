"""Text for chapter 16 (masked language models).

- `tokenizer`: `Tokenizer`, a word-level vocabulary built from a corpus, special tokens first.
- `mlm`: `mask_tokens` (BERT's 15% with the 80/10/10 rule) and `mlm_loss` (cross-entropy on masked positions).
"""
from .mlm import IGNORE, mask_tokens, mlm_loss
from .tokenizer import SPECIALS, Tokenizer

__all__ = ["IGNORE", "SPECIALS", "Tokenizer", "mask_tokens", "mlm_loss"]
