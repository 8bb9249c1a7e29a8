"""Chapter 18's quizzes (Denoising autoencoders): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "18.q1",
        "A denoising autoencoder is trained on add_noise(x) as input. What is its target?",
        {
            "a": ("The clean image x",
                  "Right: the clean image is the free label. The network cannot copy its input, so it must "
                  "learn what digits look like to undo the corruption."),
            "b": ("The noisy image it was given",
                  "No: that is a plain autoencoder on noisy data; copying the input would be a perfect "
                  "solution and nothing about clean digits would be learnt."),
            "c": ("The noise that was added",
                  "No: predicting the noise is an equivalent reparametrisation for Gaussian noise (x = noisy "
                  "minus noise, used by diffusion models), but it is not what this chapter's DAE, or Vincent "
                  "et al.'s, is trained on; and for masking the 'noise' is not additive at all."),
            "d": ("The label of the digit",
                  "No: no label is used in training; labels appear only in the linear probe afterwards."),
        },
        correct="a",
    ),
    Quiz(
        "18.q2",
        "A batch of 100 images: 99 restored with MSE 0.01, one with MSE 1e-6. Which PSNR does this "
        "chapter's psnr report, compared with the PSNR of the pooled MSE?",
        {
            "a": ("Higher: the mean of per-image PSNRs counts the nearly perfect image's 60 dB once, while "
                  "the pooled MSE hardly moves",
                  "Right: per image, 99 x 20 dB and one 60 dB average to 20.4 dB; the pooled MSE is about "
                  "0.0099, 20.04 dB. The log is concave, so the per-image mean is never below the pooled value."),
            "b": ("The same: the PSNR is a mean either way",
                  "No: the log does not commute with the mean. The two agree only when every image has the "
                  "same MSE (the check's pooled-MSE mutant is caught on a batch whose images differ)."),
            "c": ("Lower: one image cannot move an average of 100",
                  "No: in dB a tiny MSE is a large number (10 log10(1 / 1e-6) = 60 dB), and it enters the mean "
                  "of per-image values directly."),
        },
        correct="a",
    ),
    Quiz(
        "18.q3",
        "On digits, the DAE's code and the plain AE's code tie in a linear probe on clean test digits, "
        "but the DAE's wins by a wide margin on noisy test digits. What is the fair conclusion?",
        {
            "a": ("The DAE's code is robust to the corruption it was trained on; this run does not show it "
                  "is a better representation in general",
                  "Right: the difference beyond the seeds' spread appears only where the test input carries "
                  "the training noise. On clean digits, and with 10 labels per class, it does not."),
            "b": ("Denoising pretraining gives better features",
                  "No: on clean digits the difference is within the spread of three seeds; a claim beyond "
                  "what was measured."),
            "c": ("The plain AE's code is broken",
                  "No: it probes clean digits as well as the DAE's, and it reconstructs clean digits better "
                  "(higher PSNR on clean input)."),
        },
        correct="a",
    ),
    Quiz(
        "18.q4",
        "After training, a colleague builds the decoder as the autoencoder's last layer applied to the code "
        "(seed 004's autoencoder.layers[-1](encoded_input)). What happens?",
        {
            "a": ("It fails: the last layer expects the previous decoder layer's channels, not the code",
                  "Right: a decoder is every layer after the bottleneck. In the notebook the last convolution "
                  "rejects the 32-number code outright; keep encoder and decoder as two modules."),
            "b": ("It works, with slightly blurrier images",
                  "No: the layer was built for the shape of its own input (16 channels of 8x8 here); a code "
                  "of another shape is not accepted at all."),
            "c": ("It works, because the decoder's layers share weights",
                  "No: each layer has its own weights and its own input shape; nothing is shared."),
        },
        correct="a",
    ),
]
