"""Chapter 10's quizzes (Clustering and pseudo-labels): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "10.q1",
        "k-means on digits returns cluster ids 0..9. You compute (cluster_ids == labels).mean() and get 0.12. "
        "What can you conclude about the clustering?",
        {
            "a": ("It is nearly random: 0.12 is about chance for 10 classes.",
                  "No: the ids are arbitrary names. In this chapter the true classes under other names score "
                  "near 0 this way, and three k-means runs of similar quality score far apart."),
            "b": ("Nothing yet: match clusters to classes first (Hungarian algorithm on the contingency "
                  "matrix), or use NMI or ARI, which ignore the names.",
                  "Right: the matched accuracy gives the renamed perfect clustering 1 and k-means on pixels "
                  "about 0.8 here, whatever the raw score said."),
            "c": ("It is poor, but more clusters would fix the score.",
                  "No: more clusters do not fix the naming problem, and with one-to-one matching the extra "
                  "clusters' points count as wrong."),
            "d": ("The labels must be shuffled.",
                  "No: the labels are fine; the cluster ids are names k-means chose at random."),
        },
        correct="b",
    ),
    Quiz(
        "10.q2",
        "An interview answer says clustering is a form of data augmentation: X_aug = X[clusters == 0]. "
        "What does X_aug contain?",
        {
            "a": ("New images, similar to cluster 0's.",
                  "No: indexing selects rows; the chapter checks that every row of X_aug is an exact copy "
                  "of an image already in X."),
            "b": ("A subset of X: the images k-means put in cluster 0, mostly of one or two digits.",
                  "Right: fewer images than X, none new, and skewed towards cluster 0's digits. Clustering can "
                  "give pseudo-labels or an evaluation, not new examples; augmentation makes new views of "
                  "each example."),
            "c": ("The centre of cluster 0.",
                  "No: that would be kmeans.cluster_centers_[0], one vector, not a set of images."),
        },
        correct="b",
    ),
    Quiz(
        "10.q3",
        "Your torch k-means (k-means++ seeding, Lloyd iterations, 10 restarts) and scikit-learn's KMeans "
        "(the same) end with inertias a few hundredths of a percent apart on digits. Why not exactly equal?",
        {
            "a": ("One of them has a bug: the same algorithm on the same data must give the same inertia.",
                  "No: the seeding is random, and the two libraries draw different random numbers. Lloyd's "
                  "algorithm stops in a local minimum that depends on the start."),
            "b": ("Different random seedings lead Lloyd's algorithm to different local minima of the inertia; "
                  "with 10 restarts both find minima of nearly the same quality.",
                  "Right: the chapter's bar asks for agreement within 1%, not equality; three seeds land "
                  "within a few hundredths of a percent on either side."),
            "c": ("float32 rounding.",
                  "No: both run in float64 here; rounding is many orders of magnitude smaller than the gap."),
        },
        correct="b",
    ),
    Quiz(
        "10.q4",
        "Self-training from 10 labels per class: what does the confidence threshold (keep a pseudo-label when "
        "its probability is at least 0.9) change, as measured in this chapter?",
        {
            "a": ("Nothing: the classifier's predictions are the same with or without it.",
                  "No: the first round's predictions are the same, but what is kept differs, and so does every "
                  "later model."),
            "b": ("Fewer unlabelled digits are kept, and a much larger share of the kept pseudo-labels is right.",
                  "Right: the chapter measures both over three seeds. Without the threshold every mistake of "
                  "the first model becomes a training target (confirmation bias)."),
            "c": ("It makes the pseudo-labels exactly correct.",
                  "No: confident mistakes stay; the share right rises, it does not reach 100%."),
            "d": ("It raises the final test accuracy well above self-training without a threshold.",
                  "No: on these features the two self-trained classifiers end within the spread of each "
                  "other; the threshold's clear effect is on the quality of what is kept."),
        },
        correct="b",
    ),
]
