"""Chapter 27's quizzes (GPT from scratch): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "27.q1",
        "A TinyGPT trained without the causal mask reaches a much lower training loss than the same model "
        "with it. What does that lower loss mean?",
        {
            "a": ("The model reads the token it must predict: scored from prefixes only, as when it writes text, "
                  "it is worse than the causal model.",
                  "Right: this notebook trains both with one recipe; the no-mask model's loss with the future "
                  "visible is far below the causal model's, and its prefix-only loss is above it."),
            "b": ("Bidirectional context makes a better language model, as BERT shows.",
                  "No: BERT predicts HIDDEN tokens; here nothing is hidden, so the input contains the answer. "
                  "The notebook's prefix-only score shows the model is no good at predicting what comes next."),
            "c": ("The mask only matters at generation time, so training without it is a harmless speed-up.",
                  "No: the mask costs nothing to apply, and a model trained without it learns to copy the "
                  "next token from its input, which is not there at generation time."),
        },
        correct="a",
    ),
    Quiz(
        "27.q2",
        "Probabilities, sorted: 0.5, 0.25, 0.15, 0.10. Which tokens does top-p with p = 0.6 keep "
        "(HuggingFace's rule, the one written in this chapter)?",
        {
            "a": ("Only 0.5: the tokens whose cumulative probability stays within 0.6.",
                  "No: that is the off-by-one the checks reject. The kept set must REACH p: 0.5 alone is below "
                  "0.6, so the token that crosses it (0.25) is kept too."),
            "b": ("0.5 and 0.25: the smallest most-likely set whose probability reaches 0.6.",
                  "Right: the probability ranked above 0.25 is 0.5 < 0.6, so it is kept; above 0.15 it is "
                  "0.75 >= 0.6, so it is dropped."),
            "c": ("0.5, 0.25 and 0.15: every token until the total passes 0.6, and one more.",
                  "No: 0.5 + 0.25 = 0.75 already reaches 0.6; 0.15 is outside the nucleus."),
            "d": ("Every token with probability at least 1 - 0.6 = 0.4, i.e. only 0.5.",
                  "No: top-p is a cumulative rule over the sorted distribution, not a threshold on each "
                  "token's own probability (that mutant is rejected too)."),
        },
        correct="b",
    ),
    Quiz(
        "27.q3",
        "Why does one forward pass of a causal Transformer over a window of 65 characters give 64 training "
        "targets, while the interview answer's LSTM (reading out outputs[-1]) gives one?",
        {
            "a": ("Because the causal mask makes output t depend on tokens 0..t only, so every position is a "
                  "legitimate next-token prediction, and all of them are scored at once.",
                  "Right: the mask is what lets all positions be trained in parallel without leaking; the "
                  "attention check in this chapter rejects an implementation that returns one output per "
                  "sequence."),
            "b": ("Because the Transformer sees the whole window, including the future, at every position.",
                  "No: that is the no-mask model; it scores 0 nats with the future visible and far worse than "
                  "the causal model from prefixes, as this notebook prints."),
            "c": ("It does not: both give one prediction per window; the Transformer is just faster.",
                  "No: the shifted cross-entropy in chapter 25's train_lm scores every position of the window, "
                  "for both models; only the interview answer's read-out of outputs[-1] throws them away."),
        },
        correct="a",
    ),
]
