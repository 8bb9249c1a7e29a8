"""Chapter 01's quizzes (The contrastive loss: InfoNCE): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "01.q1",
        "A batch holds N = 256 pairs. The true mutual information between the views is 20 nats. "
        "What can the InfoNCE bound report at best?",
        {
            "a": ("20 nats, with a good enough critic.", "No: the bound is log N - L and L >= 0."),
            "b": ("About 5.5 nats (log 256).", "Right: the bound saturates at log N, whatever the truth."),
            "c": ("256 nats.", "No: the bound grows with log N, not N."),
        },
        correct="b",
    ),
    Quiz(
        "01.q2",
        "What makes InfoNCE different from applying an independent sigmoid to every entry of the similarity matrix?",
        {
            "a": ("Nothing: both are cross-entropies.", "No: one is an N-way softmax, the other N^2 independent yes/no questions."),
            "b": ("The positive competes with every negative inside one softmax.",
                  "Right: that competition is what yields the log N - L bound on mutual information. A sigmoid "
                  "loss can still train good embeddings (SigLIP, with a learned scale and bias, in the chapter), "
                  "but its value gives no such bound."),
            "c": ("InfoNCE needs labels.", "No: the positive is another view of the same input; no label is used."),
        },
        correct="b",
    ),
    Quiz(
        "01.q3",
        "You lower the temperature from 0.5 to 0.05. What happens to the gradient of InfoNCE?",
        {
            "a": ("It concentrates on the hardest negatives.",
                  "Right: a sharper softmax gives most of the probability, and of the gradient, to the closest negatives."),
            "b": ("It spreads evenly over all negatives.", "No: that is what a high temperature does."),
            "c": ("It is unchanged: the temperature only rescales the loss.",
                  "No: it rescales the logits inside the softmax, which changes the weighting, not just the scale."),
        },
        correct="a",
    ),
]
