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
        "SimCLR (Chen et al. 2020) found a linear probe on h, the encoder's output, more than 10 points "
        "better than one on z = g(h), the projection head's output, on ImageNet; in this chapter's small "
        "experiments h leads by a few points at most. What explains the paper's gap, by the paper's own "
        "analysis?",
        {
            "a": ("z has far fewer dimensions than h (128 against 2048).",
                  "No: the paper finds the probe on z about the same for any output dimension of the head "
                  "(Figure 8), and its Table 3 compares h and g(h) of the same dimension, 2048."),
            "b": ("z is normalised to unit length, and a linear probe cannot use the length.",
                  "No: the probe is fitted on z itself; the normalisation happens only inside the loss."),
            "c": ("The loss asks z to be invariant to the augmentations, so the head can discard "
                  "information that h keeps and a downstream task may need.",
                  "Right: the paper's Table 3 reads the applied transformation (a rotation, added noise, a "
                  "Sobel filter) back from h far better than from g(h). That is why the head is discarded "
                  "and h is kept. How much the head discards depends on the data and the augmentations; "
                  "in this chapter's short runs on digits h leads by a few points at most."),
            "d": ("The head is trained only at the start and then frozen.",
                  "No: the head is trained with the encoder throughout; the gap is about what it is "
                  "trained to throw away."),
        },
        correct="c",
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
    Quiz(
        "05.q5",
        "What makes SimCLR self-supervised rather than supervised or (classically) unsupervised?",
        {
            "a": ("It trains on a small labelled subset and keeps the classifier.",
                  "No: that is supervised learning. NT-Xent never sees a label; in Part 2 the 50 labels "
                  "reach SimCLR only through the probe, after training."),
            "b": ("It has no targets at all: like PCA, it only asks the features to keep the data's variance.",
                  "No: NT-Xent has a right answer for every view (its partner) and is a cross-entropy over "
                  "the 2N - 1 candidates. PCA, the unsupervised baseline of Part 2, keeps variance with no "
                  "notion of what matters, and its features probe no better than raw pixels."),
            "c": ("Its targets are made from the data itself (which image a view came from), the loss is a "
                  "supervised-style loss on them, and what is kept is the encoder, for downstream tasks.",
                  "Right: no human label, as in unsupervised learning; a prediction loss on targets, as in "
                  "supervised learning; and the pretext task itself is thrown away with the head."),
            "d": ("It learns faster than supervised training from the same labels.",
                  "No: that is no definition, and in Part 2 a CNN trained supervised on the 50 labels ends "
                  "level with SimCLR, within the spread over the draws."),
        },
        correct="c",
    ),
    Quiz(
        "05.q6",
        "A per-pair sigmoid on cosine similarities / tau (no softmax, no bias) trains features below raw "
        "pixels on digits. Which change, measured in this chapter, brings it close to NT-Xent?",
        {
            "a": ("Counting each embedding paired with itself as a positive.",
                  "No: the interview answer has those self-pairs (and raw dot products) and probes below raw pixels."),
            "b": ("A learned scale and a bias started at -10, as in SigLIP.",
                  "Right: with b = -10 an easy negative costs almost nothing, so the positive and the few "
                  "hard negatives carry the gradient instead of 2N - 2 negatives pushing evenly."),
            "c": ("Using raw dot products instead of cosines, so the logits are not bounded by 1/tau.",
                  "No: that is mistake (1), which costs points on its own even inside NT-Xent's softmax."),
        },
        correct="b",
    ),
]
