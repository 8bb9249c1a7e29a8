"""Chapter 03's quizzes (Positive and negative pairs): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "03.q1",
        "In SimCLR with a batch of N images, how many negatives does each view have?",
        {
            "a": ("N - 1", "No: that counts images, but each image contributes two views."),
            "b": ("2N - 2", "Right: 2N views minus the anchor itself and its positive partner."),
            "c": ("2N - 1", "No: that counts the positive too."),
        },
        correct="b",
    ),
    Quiz(
        "03.q2",
        "Doubling the batch size on a balanced 10-class dataset does what to false negatives?",
        {
            "a": ("Halves their share.", "No: the share stays about 1/C whatever the batch size."),
            "b": ("Keeps their share near 1/10 and doubles their number per anchor.",
                  "Right: each extra sample is a false negative with probability about 1/C."),
            "c": ("Removes them.",
                  "No: more samples bring more same-class views into the batch, never fewer. Labels can turn "
                  "them into positives (SupCon); without labels, debiased contrastive learning (Chuang et al. "
                  "2020) corrects the loss's negative term for their expected share, but they stay in the batch."),
        },
        correct="b",
    ),
    Quiz(
        "03.q3",
        "When does SupCon reduce exactly to NT-Xent?",
        {
            "a": ("When the temperature is 1.",
                  "No: the temperature does not decide who is a positive. At any temperature, another image "
                  "with the anchor's label is an extra positive for SupCon and a negative for NT-Xent."),
            "b": ("When each image's only same-label sample is its own second view.",
                  "Right: then P(i) holds just the partner view, which is NT-Xent's positive."),
            "c": ("Never: they answer different questions.",
                  "No: give every image its own label (both views share it) and SupCon is NT-Xent; the "
                  "chapter checks it to 1e-5."),
        },
        correct="b",
    ),
    Quiz(
        "03.q4",
        "A loss adds -log(cos) for each same-label pair. What happens to a same-label pair at cos = -0.3?",
        {
            "a": ("The loss is large, so the pair is pulled together.",
                  "No: log of a negative number is undefined, so the loss is NaN; and the gradient of -log(s) "
                  "is -1/s = +3.3 there, so a gradient step lowers the cosine further."),
            "b": ("The loss is NaN and a gradient step pushes the pair further apart.",
                  "Right: -log(s) is NaN for s < 0, but its gradient -1/s is finite and positive there, so "
                  "descent lowers s: the pair moves apart. The chapter runs it: NaN from the first step where "
                  "such a pair is in the batch, with training going on."),
            "c": ("Training stops with an error.",
                  "No: torch raises nothing. The loss prints NaN, the gradient stays finite, and the "
                  "parameters keep changing."),
        },
        correct="b",
    ),
]
