"""Chapter 11's quizzes (Metric learning): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "11.q1",
        "A batch-hard triplet loss picks, for each anchor, its hardest positive and its hardest negative. "
        "An implementation takes the 'hardest negative' as the nearest other item of the batch, without "
        "looking at the labels. What happens when it trains?",
        {
            "a": ("Nothing much: with 10 classes only a tenth of the other items share the anchor's class.",
                  "No: a tenth of a RANDOM pick would share the class, but the nearest other item is not random. "
                  "Once the embedding has learned anything it is a classmate for most anchors (measured in the "
                  "chapter), so most 'negatives' are false."),
            "b": ("It pushes each item's nearest classmate away, fighting its own positive term; on digits its "
                  "Recall@1 ends far below raw pixels.",
                  "Right: the label-free 'negative' is exactly the neighbour Recall@1 counts. Trained with the "
                  "identical recipe, it ended several points below the raw pixels on every seed, while the "
                  "correct loss ended above them."),
            "c": ("It trains faster, because the nearest item is always the hardest possible negative.",
                  "No: the hardest TRUE negative is the nearest item of another class. The nearest item of any "
                  "class is usually a classmate, which should be pulled, not pushed."),
            "d": ("It raises an error, because the anchor itself is the nearest item.",
                  "No: the anchor is left out by index in both versions; the error is silent, which is what "
                  "makes it dangerous."),
        },
        correct="b",
    ),
    Quiz(
        "11.q2",
        "Your pairwise-distance function computes sqrt(|a|^2 + |b|^2 - 2 a.b) and masks the diagonal out "
        "afterwards. Which problems can it have?",
        {
            "a": ("None: it is the standard formula and mathematically exact.",
                  "No: exact in real numbers, not in floating point. Far from the origin it subtracts numbers "
                  "of order |a|^2 and loses every digit of a small distance (whole units of error at norm 1e4 "
                  "in float32, measured in the chapter)."),
            "b": ("Only speed: it is slower than a loop.",
                  "No: it is one matrix product, fast; its problems are precision and the gradient at zero."),
            "c": ("Cancellation far from the origin, and a NaN gradient where a distance is 0 (the diagonal, "
                  "duplicates) when the square root of 0 stays in the graph.",
                  "Right: sqrt'(0) is infinite and the mask's backward multiplies it by 0, giving NaN (measured "
                  "in the chapter for a mask applied after the sqrt). Compute from the differences, and take "
                  "the root of a harmless value where the squared distance is 0."),
            "d": ("It returns negative distances for identical rows.",
                  "No: rounding can make the squared distance slightly negative, which is why people clamp it "
                  "at 0; the square root itself never returns a negative number (it returns NaN for a negative "
                  "input)."),
        },
        correct="c",
    ),
    Quiz(
        "11.q3",
        "The seed answer's loss takes embeddings and labels, and loops over every pair i != j with the inner "
        "product as the positive similarity and an element-wise minimum of two rows as the negative one. "
        "What does the chapter show about it?",
        {
            "a": ("It is a slow but correct triplet loss.",
                  "No: it has no triplets, no distance, and it never reads the labels."),
            "b": ("Its value is identical for the true labels, shuffled labels and a single class for all: it "
                  "cannot learn classes, and it changes when the embeddings only get longer.",
                  "Right: both are asserted in the chapter. Every pair is treated as a positive, the "
                  "'negatives' are chosen without labels, and inner products reward length."),
            "c": ("It is the contrastive loss of Hadsell et al. written with inner products.",
                  "No: that loss uses labels to decide which pairs are pulled and which are pushed to the "
                  "margin, and it is written on distances."),
            "d": ("It is wrong only because of the Python loop; vectorised, it would be fine.",
                  "No: the vectorised version in the chapter gives the same value, and the same problems."),
        },
        correct="b",
    ),
    Quiz(
        "11.q4",
        "On digits, raw pixels retrieve a same-class digit for about 97% of the test queries (Recall@1), and "
        "the learned embedding does better by a point or two on every seed, about two standard errors of "
        "the 540-query test set. What is the right reading?",
        {
            "a": ("Metric learning is useless; pixels are as good.",
                  "No: every seed beat the pixels; the gain is small because pixel distance is already good for "
                  "small, centred, clean digits, and the test set is too small to pin a gain this size down."),
            "b": ("A modest gain on an easy dataset, at the edge of the test set's sampling error, on classes "
                  "seen in training; the field's benchmarks retrieve unseen classes, which this chapter does "
                  "not measure.",
                  "Right: the chapter's bar (a gain beyond two standard errors) is declared out of reach for "
                  "that reason, and its 'reading the results honestly' section says what the experiment cannot "
                  "show."),
            "c": ("The learned embedding is about twice as good, since its error rate is about half.",
                  "No: 'twice as good' reads too much into an error rate of one or two percent on 540 queries, "
                  "a handful of queries either way."),
            "d": ("Recall@1 is the wrong metric: the learned embedding should be judged by its loss.",
                  "No: losses of different objectives cannot be compared, and a low loss says nothing about "
                  "retrieval; Recall@k measures what the embedding is for."),
        },
        correct="b",
    ),
]
