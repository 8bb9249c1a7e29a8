"""Chapter 07's quizzes (Preprocessing: statistics, whitening and leakage): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "07.q1",
        "You stream a dataset in batches and keep, per feature, the running count n, sum S = sum(x) and sum of "
        "squares Q = sum(x^2); the variance is (Q - S^2/n) / (n - 1). The values are around 1e8 with a spread of "
        "about 1, in float64. What do you get?",
        {
            "a": ("The right variance: float64 has 16 digits, plenty for values of 1e8.",
                  "No: Q is about n * 1e16 and Q - S^2/n subtracts two numbers equal in their first 16 digits; "
                  "the variance (about n) lives beyond float64's precision. This chapter measured a relative "
                  "error above 50% at an offset of 1e8."),
            "b": ("Garbage: the subtraction cancels catastrophically; keep (n, mean, M2) and merge batches with "
                  "Chan's formula instead.",
                  "Right: the merge squares only deviations (from the batch mean, and the difference of the two "
                  "means), so the offset never enters a square. It matched torch.var_mean to better than 1e-6 "
                  "relative here, at the same offset."),
            "c": ("The right variance if the batches are large enough.",
                  "No: the cancellation is in the totals Q and S^2/n, whatever the batch size: batching changes how "
                  "the totals are accumulated, not how large they are. The chapter's batches ranged from 1 to 200 "
                  "rows, and the naive formula lost every digit."),
            "d": ("A variance that is too small by a factor (n - 1) / n.",
                  "No: that is the biased/unbiased convention, a tiny and exact factor; the problem here is the "
                  "loss of every significant digit."),
        },
        correct="b",
    ),
    Quiz(
        "07.q2",
        "Which of these steps may be fitted on the training set and the test set together without corrupting "
        "the reported test accuracy?",
        {
            "a": ("Selecting the features most correlated with the label.",
                  "No: this uses the test labels. On pure noise, this chapter's leaky selection reported over 80% "
                  "'test accuracy' where the truth is 50%."),
            "b": ("The mean and std of a standardisation: they do not use labels, so it is always safe.",
                  "No: no labels makes the leak small, not zero, and its size is unknown until measured. Here it "
                  "was within the noise on digits, yet the rule stays: every fitted statistic is part of the "
                  "model and is fitted on the training set."),
            "c": ("A PCA or ZCA whitening fitted on all the images.",
                  "No: the components are fitted statistics, like the mean; fitted on test images they are "
                  "part of a model that has seen the test set."),
            "d": ("None of them: every fitted step uses the training set only, then is applied unchanged to the "
                  "test set.",
                  "Right: preprocessing is part of the model. Fitting it on the training set only is what makes "
                  "the test accuracy an estimate of accuracy on new data."),
        },
        correct="d",
    ),
    Quiz(
        "07.q3",
        "A colleague evaluates a SimCLR encoder with a linear probe and computes the test features with the "
        "training augmentation (random resized crops). What happens to the reported number?",
        {
            "a": ("Nothing: the encoder was trained to be invariant to those crops.",
                  "No: invariance is approximate. In this chapter a network trained with random crops still lost "
                  "several points when evaluated on randomly cropped test images."),
            "b": ("It rises, because augmentation is a regulariser.",
                  "No: augmentation regularises training; at evaluation it only degrades the inputs. The measured "
                  "accuracy fell."),
            "c": ("It falls, and it changes from run to run of the same evaluation.",
                  "Right: both were measured here (five evaluation seeds, five different accuracies, all below "
                  "the deterministic evaluation's single number). Use the deterministic evaluation transform."),
            "d": ("It is unchanged on average, only noisier.",
                  "No: the mean fell by several times the spread between evaluation seeds."),
        },
        correct="c",
    ),
    Quiz(
        "07.q4",
        "ZCA and PCA whitening both give data with identity covariance. What distinguishes ZCA?",
        {
            "a": ("W = U diag(1/sqrt(lambda + eps)) U^T is symmetric: it rotates back into the original "
                  "coordinates, so it is the whitening that moves the data least.",
                  "Right: every whitening is W Q for an orthogonal Q; ZCA is the one closest to the input (Kessy "
                  "et al. 2018), and whitened images still look like the images. The chapter measured ZCA moving "
                  "digits less than PCA whitening."),
            "b": ("ZCA keeps only the leading principal components.",
                  "No: that is PCA dimensionality reduction; ZCA keeps all D dimensions."),
            "c": ("ZCA divides each feature by its own standard deviation.",
                  "No: that is standardisation, which leaves the correlations in place; ZCA uses the full "
                  "covariance."),
            "d": ("ZCA needs no eps, because the rotation back cancels small eigenvalues.",
                  "No: the rotation does not change the eigenvalues; a constant feature has eigenvalue 0 and "
                  "1/sqrt(0) is infinite without eps."),
        },
        correct="a",
    ),
]
