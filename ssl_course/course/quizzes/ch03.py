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
            "c": ("Removes them.", "No: only labels (SupCon) or debiasing remove them."),
        },
        correct="b",
    ),
    Quiz(
        "03.q3",
        "When does SupCon reduce exactly to NT-Xent?",
        {
            "a": ("When the temperature is 1.", "No: the temperature scales both losses the same way."),
            "b": ("When each image's only same-label sample is its own second view.",
                  "Right: then P(i) holds just the partner view, which is NT-Xent's positive."),
            "c": ("Never: they answer different questions.", "No: NT-Xent is SupCon with instance labels."),
        },
        correct="b",
    ),
]
