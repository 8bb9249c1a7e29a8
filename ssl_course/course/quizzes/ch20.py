"""Chapter 20's quizzes (DCGAN and its evaluation): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "20.q1",
        "D ends in nn.Sigmoid and the losses are nn.BCELoss. D rejects a fake with logit -40. What gradient "
        "(d loss / d logit) does G's non-saturating loss -log D(G(z)) get from that sample?",
        {
            "a": ("About -4e-6: BCELoss divides by max(p(1 - p), 1e-12), and the sigmoid's derivative p(1 - p) "
                  "is far below 1e-12",
                  "Right: the chapter's gradient table measures -4.25e-06 at logit -40 and -8.8e-15 at -60, where "
                  "the loss on logits gives -1 at both."),
            "b": ("-1, the same as BCEWithLogitsLoss: the two compute the same loss",
                  "No: the same loss in exact arithmetic, not in float32. On logits the gradient is sigmoid(l) - 1 "
                  "= -1; through a sigmoid and BCELoss's clamp it nearly vanishes (the chapter's table)."),
            "c": ("inf or NaN: log(0) overflows",
                  "No: BCELoss clamps each log at -100, so the value stays finite. What is lost is silent: the "
                  "gradient, not the value."),
        },
        correct="a",
    ),
    Quiz(
        "20.q2",
        "540 real training digits against the 540 real test digits give a Fréchet distance above 0. What does "
        "that mean?",
        {
            "a": ("The implementation is wrong: two samples of one distribution must give exactly 0",
                  "No: the reference agrees with scipy.linalg.sqrtm to 1e-13 in the chapter; two finite samples "
                  "of one distribution have different means and covariances, so their distance is not 0."),
            "b": ("Nothing is wrong: means and covariances estimated from 540 samples differ by chance, and the "
                  "estimate is biased upwards; it is the floor any generator is compared with",
                  "Right: the distance is 0 only for identical statistics. The chapter prints this floor next to "
                  "the GAN's curve; FID is compared only at one fixed N for this reason."),
            "c": ("The training and test digits come from different distributions",
                  "No: the split is stratified and random. A floor appears between any two finite samples; the "
                  "chapter's closed-form check shows the estimate reaching the true value only at large N."),
        },
        correct="b",
    ),
    Quiz(
        "20.q3",
        "Why is the trace term tr((S1^(1/2) S2 S1^(1/2))^(1/2)) and not tr(S1^(1/2) S2^(1/2))?",
        {
            "a": ("They are equal, because the trace is cyclic; the first is only more stable",
                  "No: the trace is cyclic, but the square root of a product is not the product of square roots "
                  "unless the matrices commute."),
            "b": ("The second one is what FID code uses; the first is a variant",
                  "No: FID code computes sqrtm(S1 @ S2), whose trace equals the first form (S1 S2 is similar to "
                  "S1^(1/2) S2 S1^(1/2)); the chapter checks that the two agree."),
            "c": ("They are equal only when S1 and S2 commute (for instance both diagonal); for general "
                  "covariances the second is a different number",
                  "Right: the exercise's known-wrong version with tr(S1^(1/2) S2^(1/2)) fails on covariances "
                  "that do not commute, and would pass on diagonal ones."),
        },
        correct="c",
    ),
    Quiz(
        "20.q4",
        "A generator outputs perfect images of the digit 1 only. What does the Fréchet distance see that judging "
        "images one at a time does not?",
        {
            "a": ("It compares the whole set's mean and covariance with the real set's, so missing classes raise it "
                  "although every image is realistic",
                  "Right: in the chapter, real digits of class 1 alone, each one a real image, score about 150 "
                  "times the real-vs-real floor."),
            "b": ("Nothing: each image looks real, so the distance is at the floor",
                  "No: the chapter measures it; the single-class set is far from the test digits in the features' "
                  "mean and covariance."),
            "c": ("It penalises the 1s because the classifier was not trained on them",
                  "No: the classifier was trained on all ten classes, 1s included; the distance is large because "
                  "the other nine are missing."),
        },
        correct="a",
    ),
    Quiz(
        "20.q5",
        "Over the chapter's runs the Fréchet distance falls by more than 90% while G's loss changes by less "
        "than 20%, up on one seed and down on another. What do you conclude?",
        {
            "a": ("The generator's loss is the quality measure; the Fréchet distance must be miscalibrated",
                  "No: G's loss is measured against a discriminator that improves at the same time; it reports the "
                  "balance of the game, not how close the samples are to the data."),
            "b": ("The losses of a GAN say little about sample quality, so training is judged with a separate "
                  "evaluation on held-out data",
                  "Right: both players improve together and the losses stay near their equilibrium values; the "
                  "chapter's curve of the distance, next to the loss curves, shows the difference."),
            "c": ("Training has not converged, because converged GANs have a G loss near 0",
                  "No: G's loss near 0 means D is fooled completely, which in a balanced game does not happen; "
                  "the loss is not expected to go to 0."),
        },
        correct="b",
    ),
]
