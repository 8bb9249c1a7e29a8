"""Chapter 25's quizzes (Autoregressive language models): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "25.q1",
        "An LSTM language model reads windows of 65 characters. Which targets does the right training loss use?",
        {
            "a": ("Only the character after the window, predicted from the last output (outputs[-1])",
                  "No: that is this chapter's common wrong answer. It learns from one prediction per window instead "
                  "of 64; the notebook trains it with the same recipe and prints its higher perplexity."),
            "b": ("The inputs shifted left by one: position t predicts token t + 1, at every position that has a "
                  "next token",
                  "Right: the LSTM's output at t has seen tokens up to t only, so every position is a valid "
                  "next-token prediction; the last one has no target (-100)."),
            "c": ("The inputs themselves: each position reconstructs its own token",
                  "No: the input already contains the answer, so copying solves it and nothing about the next "
                  "token is learned (a mutant of 25.shift_targets)."),
        },
        correct="b",
    ),
    Quiz(
        "25.q2",
        "You evaluate a model on held-out text in batches; the last batch is smaller. How do you get the perplexity?",
        {
            "a": ("Average the batches' perplexities",
                  "No: each batch then counts equally whatever its number of tokens, and the mean of exp's is not "
                  "the exp of the mean; the notebook prints both numbers for the same model."),
            "b": ("Add up the summed NLL and the token counts over all batches, then exp(total NLL / total tokens)",
                  "Right: every token counts once, and the result does not depend on how the text was batched "
                  "(tests/test_lstm.py checks a ragged batching against one batch)."),
            "c": ("Average the batches' mean losses, then exponentiate",
                  "No: closer, but a small batch still weighs as much as a full one; only the pooled sum over "
                  "tokens is independent of the batching."),
        },
        correct="b",
    ),
    Quiz(
        "25.q3",
        "Why does the bigram baseline need smoothing (alpha > 0) to be scored on held-out text?",
        {
            "a": ("A character pair never seen in training would get probability 0, and one such pair makes the "
                  "perplexity infinite",
                  "Right: log 0 = -inf; add-alpha gives every pair some mass, and each row still sums to 1. The "
                  "unsmoothed mutant of 25.bigram returns -inf entries."),
            "b": ("Without smoothing the bigram's rows do not sum to one",
                  "No: unsmoothed counts divided by their row sums are normalised (for every row that occurs); the "
                  "problem is the zeros, not the normalisation."),
            "c": ("Smoothing makes the bigram a better model of the training text",
                  "No: on the training text the unsmoothed counts (the maximum-likelihood estimate) fit best; "
                  "smoothing trades training fit for finite probabilities on new text, and alpha is chosen on "
                  "the validation text."),
        },
        correct="a",
    ),
]
