"""Chapter 13's quizzes (Variational autoencoders): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "13.q1",
        "An encoder maps x to a code z, a decoder with a sigmoid maps z back, and the loss is the binary "
        "cross-entropy between the reconstruction and x. Someone calls it a VAE. What is missing?",
        {
            "a": ("Nothing: a sigmoid decoder with a BCE loss is the Bernoulli likelihood, so it is a VAE.",
                  "No: the BCE is only the reconstruction term. Without a distribution q(z|x), a sampled z and "
                  "the KL to the prior, there is no ELBO and nothing ties the codes to N(0, I)."),
            "b": ("A mean and a variance per input, a sampled z = mu + sigma * eps, and the KL term to the prior.",
                  "Right: those three make the loss a bound on -log p(x) and make decoding z ~ N(0, I) meaningful. "
                  "In this chapter the plain autoencoder reconstructs better but, decoded from the prior, explains "
                  "the test digits several nats worse than the VAE, and no better than independent pixels."),
            "c": ("Only more latent dimensions: a VAE needs a wider code than an autoencoder.",
                  "No: the width of the code has nothing to do with it; a VAE here uses 8 latent dimensions."),
            "d": ("Only a KL term on the codes z themselves, with no sampling.",
                  "No: the KL is between distributions, q(z|x) and p(z); a point code has no variance, and without "
                  "sampling the reconstruction term is not an expectation under q."),
        },
        correct="b",
    ),
    Quiz(
        "13.q2",
        "You compute the reconstruction term with F.binary_cross_entropy(recon, x) (its default reduction) "
        "and add the KL summed over the 8 latent dimensions, on 64-pixel images. What have you trained?",
        {
            "a": ("The ELBO, only scaled: the optimum is the same.",
                  "No: only the reconstruction is divided (by 64 pixels and the batch); the KL is not, so the "
                  "balance between the two terms changes and so does the optimum."),
            "b": ("In effect a beta-VAE with beta = 64 per example: the KL weighs 64 times too much, and the "
                  "loss is no longer a bound in nats per example.",
                  "Right: dividing the reconstruction by 64 is the same as multiplying the KL by 64, which pushes "
                  "q towards the prior (towards posterior collapse). Sum over pixels, then average over the batch."),
            "c": ("A VAE with a weaker KL, which reconstructs better.",
                  "No: the reconstruction is the term made smaller, so the KL dominates, not the other way round."),
            "d": ("Nothing different, because Adam is invariant to the scale of the loss.",
                  "No: Adam is (roughly) invariant to scaling the whole loss, not to reweighting one of its terms."),
        },
        correct="b",
    ),
    Quiz(
        "13.q3",
        "On the same trained VAE and test set, which ordering of the per-digit bounds (in nats, "
        "-log p(x) and its upper bounds) holds on average?",
        {
            "a": ("-log p(x) <= -IWAE(k=100) <= -ELBO.",
                  "Right: Burda et al. show L_1 = ELBO <= L_k <= L_{k+1} <= log p(x); negated, the IWAE bound "
                  "sits between the ELBO and the true negative log-likelihood. Measured here on every seed."),
            "b": ("-log p(x) <= -ELBO <= -IWAE(k=100).",
                  "No: more importance samples give a tighter bound, never a looser one (on average)."),
            "c": ("-ELBO <= -log p(x): the ELBO can overshoot the likelihood.",
                  "No: the gap log p(x) - ELBO is KL(q(z|x) || p(z|x)) >= 0."),
            "d": ("They are all equal when k = 100 because the KL is computed in closed form.",
                  "No: the closed-form KL removes noise from the ELBO's estimate, not the gap between q and the "
                  "true posterior."),
        },
        correct="a",
    ),
]
