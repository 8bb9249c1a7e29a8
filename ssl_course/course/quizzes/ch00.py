"""Chapter 00's quizzes (Welcome: how this course works): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "00.q1",
        "You normalise embeddings with x / x.norm(dim=0, keepdim=True). What happened?",
        {
            "a": ("Every row now has unit length.", "No: dim=0 runs down the columns, so the columns are unit length."),
            "b": ("Every column now has unit length, so x @ x.T is not a cosine similarity.",
                  "Right: the norm was taken over the batch, mixing examples together."),
            "c": ("Nothing: dim=0 and dim=1 give the same result for square matrices.",
                  "No: being square changes nothing. Entry (i, j) is divided by the length of column j instead "
                  "of row i, so the two agree only in special cases, such as every row and every column "
                  "having the same length (a scaled orthogonal matrix); a random square matrix gives different "
                  "results."),
        },
        correct="b",
    ),
    Quiz(
        "00.q2",
        "Your check says NOT ATTEMPTED. Why?",
        {
            "a": ("Your function still raises NotImplementedError.",
                  "Right: the check calls it, sees NotImplementedError and marks the exercise as not attempted."),
            "b": ("Your function returned the wrong shape.", "No: that is a FAILED check, with the case and the shapes."),
            "c": ("The reference implementation is missing.", "No: every exercise has a reference, and `ssl-course solution ID` prints its solution."),
        },
        correct="a",
    ),
    Quiz(
        "00.q3",
        "Why does the course seed every random number generator at the top of each chapter?",
        {
            "a": ("To make training faster.", "No: seeding changes which numbers come out, not how fast."),
            "b": ("So the same notebook gives the same numbers on the same machine.",
                  "Right: results can be compared, bugs reproduced and bars asserted."),
            "c": ("Because PyTorch refuses to train without a seed.", "No: torch draws a seed by itself if you give none."),
        },
        correct="b",
    ),
]
