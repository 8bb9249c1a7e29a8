"""Chapter 29's quizzes (Sentence embeddings: mean pooling and SimCSE): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "29.q1",
        "A batch pads every sentence to L = 32 tokens and you take hidden.mean(dim=1) as the sentence "
        "vector of a bag-of-embeddings encoder. What goes wrong?",
        {
            "a": ("Nothing: the [PAD] vectors are the same for every sentence, so they cancel in cosine "
                  "similarity.",
                  "No: they enter with weight (L - k) / L for a sentence of k words, different for every "
                  "length, so they do not cancel; this chapter measures nearest neighbours of the same length "
                  "far more often with the plain mean."),
            "b": ("Short sentences are pulled towards the [PAD] vector, so sentences look alike because they "
                  "are short, and a sentence's vector depends on the batch's padded length.",
                  "Right: the plain mean is (k / L) times the real mean plus the pads' share; the chapter "
                  "measures lower topic retrieval and more same-length neighbours with it, on every seed."),
            "c": ("Only the gradient is wrong; the vectors are the same up to a scale.",
                  "No: the pads add a vector, not just a scale, so the directions change too."),
            "d": ("It only matters with left padding.",
                  "No: where the pads sit does not change a mean over all positions; they are averaged in "
                  "either way."),
        },
        correct="b",
    ),
    Quiz(
        "29.q2",
        "In unsupervised SimCSE, what is the positive for sentence i, and what are its negatives?",
        {
            "a": ("A sentence with a word deleted; the negatives are random sentences from the corpus.",
                  "No: SimCSE makes no edit to the text; the paper found word deletion worse than dropout "
                  "(on STS)."),
            "b": ("The same sentence through the same encoder a second time, with a new dropout mask; the "
                  "negatives are the second passes of the other sentences in the batch.",
                  "Right: two forward passes in train mode give two views; the loss is InfoNCE, row i of the "
                  "first pass against all N rows of the second."),
            "c": ("The next sentence in the document; the negatives are the sentences of other documents.",
                  "No: that is a next-sentence objective (as in BERT's NSP or Skip-Thought), not SimCSE."),
            "d": ("The same sentence with dropout off; the negatives are the same sentence with dropout on.",
                  "No: the positive and anchor both have dropout on; the negatives are other sentences."),
        },
        correct="b",
    ),
    Quiz(
        "29.q3",
        "In this chapter, SimCSE gained most on nearest-neighbour retrieval and least on a linear probe "
        "trained on all the labels. Which explanation fits what the notebook measures?",
        {
            "a": ("SimCSE learns topic labels, and the probe cannot read them.",
                  "No: SimCSE never sees a topic label; and the probe reads the same vectors the retrieval "
                  "uses."),
            "b": ("Retrieval uses the geometry as it is, while a probe with hundreds of labels can reweight "
                  "the words of even a random embedding; SimCSE mostly fixes the geometry (pushing all "
                  "sentences apart shrinks what every sentence shares).",
                  "Right: this is what the theory predicted before the run, and the numbers follow it: "
                  "the mean gain is largest on retrieval, then the 5-label probe, then the full probe, "
                  "whose gain is within the spread over seeds."),
            "c": ("The probe overfits the SimCSE vectors because they are normalised.",
                  "No: the probe standardises its features and the vectors are not normalised before it."),
            "d": ("Retrieval is easier than classification, so every method gains more on it.",
                  "No: nothing in the chapter measures such a rule; the untrained encoder's retrieval is "
                  "lower than its probe accuracy here."),
        },
        correct="b",
    ),
    Quiz(
        "29.q4",
        "A classifier trained on 60 labelled sentences pseudo-labels 400 unlabelled ones, and is "
        "retrained on all of them with no confidence filter. What does this chapter measure?",
        {
            "a": ("The pseudo-labels are mostly right, so the filter only saves time.",
                  "No: the chapter prints the share of kept pseudo-labels that are right, and without a "
                  "filter most are wrong."),
            "b": ("Most of the unfiltered pseudo-labels are wrong; with a 0.9 filter far fewer are kept and "
                  "those are right much more often, on every draw.",
                  "Right: that is asserted in the notebook. The held-out accuracy, read with its spread, "
                  "shows no reliable gain from either version on word counts."),
            "c": ("Filtering always improves the final accuracy.",
                  "No: on word counts the chapter finds no reliable gain from the filter in held-out "
                  "accuracy; a confident classifier can be confidently wrong."),
            "d": ("Pseudo-labels cannot be used for text at all.",
                  "No: self-training works for text with good features and calibrated filters (e.g. "
                  "Noisy Student-style training); this chapter's small setting shows its limits, not a ban."),
        },
        correct="b",
    ),
]
