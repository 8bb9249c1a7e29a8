"""Chapter 06's quizzes (Negative sampling): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "06.q1",
        "word2vec draws its negatives from the word counts raised to the power 3/4, not from the counts "
        "themselves. Compared with the unigram distribution, what does the power do?",
        {
            "a": ("It samples frequent words less often and rare words more often than their frequency.",
                  "Right: c^(3/4) grows slower than c, so after normalising, the most frequent words lose "
                  "share and the rare ones gain (on this chapter's corpus: P('the') falls, the share of the "
                  "words seen at most 10 times rises). Mikolov et al. found 3/4 better than 1 and than 0."),
            "b": ("It makes the distribution uniform over the vocabulary.",
                  "No: that is the power 0. With 3/4 frequent words are still sampled more often than rare "
                  "ones, only less so."),
            "c": ("It samples frequent words even more often, to push hardest on stop words.",
                  "No: that would be a power above 1. With 3/4 the most frequent words lose share."),
            "d": ("It gives unseen words (count 0) a small probability, for smoothing.",
                  "No: 0^(3/4) = 0; a word never seen is never a negative."),
        },
        correct="a",
    ),
    Quiz(
        "06.q2",
        "A candidate implements negative sampling as in the seed answer: the negatives n_k are drawn with "
        "torch.randn, standard Gaussian vectors, and the SGNS loss is otherwise right. On this chapter's "
        "planted-partition graph (random batches of pairs), what happens?",
        {
            "a": ("Nothing much: random negatives are as good as any, the positives carry the signal.",
                  "No: with the identical recipe the communities are recovered with data negatives (NMI at "
                  "least 0.9) and not with Gaussian ones (NMI below 0.5 on every seed)."),
            "b": ("The embeddings no longer separate the communities: Gaussian vectors are no data point, so "
                  "no two nodes are pushed apart.",
                  "Right: a Gaussian 'negative' only penalises the length of u and sends no gradient to any "
                  "output vector. Only data negatives make unrelated nodes repel. (With full-batch steps the "
                  "noise averages out and the clean communities come back: the chapter measures that too.)"),
            "c": ("Training diverges: the loss becomes NaN.",
                  "No: the loss is finite and falls; the failure shows only in the embeddings."),
            "d": ("It works better, because Gaussian negatives are never false negatives.",
                  "No: they are never negatives of anything at all; the chapter measures the opposite."),
        },
        correct="b",
    ),
    Quiz(
        "06.q3",
        "A MoCo queue holds K = 10 keys, the pointer is at 8, and a batch of B = 4 keys arrives. With the "
        "ring buffer of this chapter, which rows receive the keys and where does the pointer end?",
        {
            "a": ("Rows 8, 9, 0, 1; the pointer ends at 2.",
                  "Right: key i goes to row (ptr + i) mod K, and the pointer advances by B modulo K. Rows "
                  "8 and 9 held the two oldest keys, rows 0 and 1 the next oldest."),
            "b": ("Rows 8 and 9 only (the other two keys are dropped); the pointer ends at 0.",
                  "No: that is queue[ptr:ptr + B] = keys without the wrap-around; MoCo's code avoids it by "
                  "asserting K % B == 0, which this K and B break."),
            "c": ("Rows 6, 7, 8, 9; the pointer stays at 8.",
                  "No: the keys go where the oldest keys are, starting at the pointer, not before it."),
            "d": ("The queue shifts up by 4 rows and the keys go to rows 6..9; the pointer is not needed.",
                  "No: that is a shift register. It holds the same set of keys but moves all K rows every "
                  "step; a ring buffer writes only B rows."),
        },
        correct="a",
    ),
    Quiz(
        "06.q4",
        "In this chapter's small MoCo on digits, the 5-label probe was measured with queues of 16, 256 and "
        "1,024 keys, three seeds each. What does the measurement support?",
        {
            "a": ("Larger queues are clearly better, as in the MoCo paper.",
                  "No: the differences between sizes are within the spread over seeds here; the paper's "
                  "gains were measured on ImageNet with far more images and a ResNet."),
            "b": ("No queue-size effect beyond the seeds' noise in this small setting; it cannot confirm or "
                  "refute the paper's ImageNet result.",
                  "Right: the largest difference between the sizes' means is smaller than the largest "
                  "standard deviation over seeds; the chapter says so instead of claiming an effect."),
            "c": ("Small queues are better, because stale keys hurt.",
                  "No: no size beats another beyond the noise in either direction."),
            "d": ("The queue does nothing, since MoCo without a queue is the same method.",
                  "No: without negatives the InfoNCE loss has nothing to contrast with; the measurement only "
                  "says that 16 keys were already enough here."),
        },
        correct="b",
    ),
]
