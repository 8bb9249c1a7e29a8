"""Chapter 05's quizzes (SimCLR: NT-Xent, the projection head and the linear probe): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "05.q1",
        "A SimCLR batch holds N = 256 images. For one view, how many negatives does NT-Xent use, "
        "and what is the loss when the network has not learned anything yet?",
        {
            "a": ("255 negatives; loss about log 256.",
                  "No: each image gives two views, so the other views number 2N - 1 = 511, not 256."),
            "b": ("510 negatives; loss about log 511 = 6.24.",
                  "Right: 2N - 1 candidates (the anchor excluded), one of them the positive; with all "
                  "similarities equal the softmax is uniform over 511."),
            "c": ("511 negatives; loss about log 512.",
                  "No: the anchor itself is never a candidate, and one of the 511 others is the positive."),
            "d": ("N - 1 negatives; loss 0 at initialisation.",
                  "No: that would be one-directional InfoNCE, and a random network gets no pair right."),
        },
        correct="b",
    ),
    Quiz(
        "05.q2",
        "After SimCLR pre-training, which vector do you hand to the linear probe?",
        {
            "a": ("The projection head's output z, the one the loss was computed on.",
                  "No: z is made invariant to the augmentations and loses information; the probe on z "
                  "was worse above, and more than 10 points worse in SimCLR's ImageNet experiments."),
            "b": ("The encoder's output h, before the projection head.",
                  "Right: the head absorbs the invariance the loss demands; h keeps more of the input, "
                  "and the head is thrown away after pre-training."),
            "c": ("The concatenation of both views' embeddings.",
                  "No: at evaluation there are no views; the un-augmented input is encoded once."),
            "d": ("The logits of the NT-Xent softmax.",
                  "No: they are similarities to other images of a batch, not features of one image."),
        },
        correct="b",
    ),
    Quiz(
        "05.q3",
        "A colleague replaces NT-Xent by a sigmoid binary cross-entropy on every entry of Z Z^T, "
        "with 1 on the diagonal. Training loss drops from 3.1 to 0.694 and stays there. What happened?",
        {
            "a": ("Training converged to a good representation: the loss went down.",
                  "No: 0.693 = log 2 is the loss of all-zero logits; the embeddings shrank to the "
                  "origin, and the probe is below raw pixels."),
            "b": ("It found the degenerate optimum: vectors near zero length, every logit near 0.",
                  "Right: 2N vectors in few dimensions cannot all have negative dot products, so the "
                  "cheapest answer is to make every dot product about 0."),
            "c": ("The learning rate is too small.",
                  "No: the loss plateaus exactly at a value a constant output reaches; no learning rate "
                  "fixes an objective whose optimum ignores the data."),
            "d": ("The temperature is too high.",
                  "No: the temperature only rescales the logits; the constant zero output still gives log 2."),
        },
        correct="b",
    ),
    Quiz(
        "05.q4",
        "Why does NT-Xent leave the anchor itself out of the softmax's denominator?",
        {
            "a": ("To save computation.", "No: it costs the same to compute; it is masked on purpose."),
            "b": ("Its cosine similarity is always 1, the largest possible, so it would be an "
                  "uninformative rival that caps the positive's probability near 1/2.",
                  "Right: with the self term the loss cannot go below about log 2 however well views "
                  "are matched."),
            "c": ("Because the anchor is a negative.",
                  "No: it is neither: comparing a view with itself says nothing about the data."),
        },
        correct="b",
    ),
]
