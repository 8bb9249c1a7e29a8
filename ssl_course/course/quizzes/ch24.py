"""Chapter 24's quizzes (conditional GANs): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "24.q1",
        "In the discriminator's step of a conditional GAN, which class goes with each generated image?",
        {
            "a": ("The class G was asked for when it drew that image",
                  "Right: fake pairs are (G(z, y), y), so D can punish a 3 drawn when a 7 was asked for; the "
                  "exercise's case 'the fake batch asked for other classes' checks exactly this."),
            "b": ("The label of a real image from the same batch",
                  "No: that label has nothing to do with what G was asked for, so D would judge fakes against "
                  "unrelated classes (a mutant the exercise's check rejects)."),
            "c": ("The class D's own class term finds most likely (the best-scoring row of embed)",
                  "No: then D never asks whether the image matches the request, only whether it matches some "
                  "class; the 'max over classes' mutant is rejected by the check."),
            "d": ("None: only real images carry labels",
                  "No: without a class on the fake side D's class term cannot tell a right-class fake from a "
                  "wrong-class one; that is the unconditional discriminator."),
        },
        correct="a",
    ),
    Quiz(
        "24.q2",
        "Asked for 100 images of each digit, an unconditional GAN's agreement with the requested class is "
        "about 0.10. What does that tell you?",
        {
            "a": ("Nothing about its image quality: a generator that ignores the request scores 1/10 with "
                  "balanced requests, whatever it draws",
                  "Right: E[A] = sum over c of (1/C) P(judge says c) = 1/C. The chapter prints the judge's "
                  "labels of the same images: they spread over all ten digits."),
            "b": ("The generator has collapsed onto one digit",
                  "No: the judge's label counts printed in the chapter cover all ten classes; and a collapsed "
                  "generator that ignores the request would also score 1/10."),
            "c": ("The judge cannot read the generated images",
                  "No: the same judge agrees with the conditional GAN's requests far above chance, and reads "
                  "real test digits with the accuracy printed (asserted >= 0.95)."),
        },
        correct="a",
    ),
    Quiz(
        "24.q3",
        "Why does the conditional generator get the class as a one-hot code next to z, not the number y "
        "as one extra input?",
        {
            "a": ("A linear layer on one-hot codes learns a free vector per class; on the number y it can "
                  "only add y times one vector, so class 3 sits halfway between 2 and 4",
                  "Right: W[z; onehot(y)] = W_z z + column y of W (checked in the chapter and against "
                  "nn.Embedding in the tests); W[z; y] = W_z z + y w, an order that digits do not have."),
            "b": ("Integer labels cannot be concatenated with float noise",
                  "No: a cast does it (one of the exercise's rejected mutants does exactly that); the problem "
                  "is what a linear layer can do with a single number, not the dtype."),
            "c": ("The one-hot code is needed only to make G's input wider",
                  "No: the width is a side effect; what matters is one independent direction per class."),
        },
        correct="a",
    ),
    Quiz(
        "24.q4",
        "Read as a classifier, the projection discriminator's class term argmax_c <e_c, phi(x)> labels real test "
        "digits far worse than the separately trained judge (both printed in the chapter). Why?",
        {
            "a": ("e_y = v^p_y - v^q_y scores where real pairs of class y outnumber generated ones: a ratio "
                  "between real and generated data, not p(y | x)",
                  "Right: the theory section derives it; were G to draw every class perfectly, v^p = v^q and the "
                  "class term would vanish, however clearly x shows its digit."),
            "b": ("The discriminator was trained too briefly to classify",
                  "No: nothing in its loss asks it to classify; the chapter measures the same gap on every seed, "
                  "and the theory says the class term is a density ratio even at the optimum."),
            "c": ("It is a good judge; the separately trained classifier is the one that is off",
                  "No: the judge reads real test digits with the accuracy printed (asserted >= 0.95), and a "
                  "second judge fitted the same way also finds the requested class on at least 85% of G's images."),
        },
        correct="a",
    ),
]
