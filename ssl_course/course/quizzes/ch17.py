"""Chapter 17's quizzes (Speech and CPC): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "17.q1",
        "In this chapter's cpc_loss a batch holds B = 16 utterances of T = 48 frames. For step k = 1, "
        "how many candidates does each prediction choose among, and what is the loss of predictions "
        "that carry no information (all zero)?",
        {
            "a": ("16 candidates; log 16.",
                  "No: that is the variant with negatives only at the same time in other utterances; here "
                  "every target of the step is a candidate."),
            "b": ("16 * 47 = 752 candidates; log 752 = 6.62.",
                  "Right: the targets z[:, 1:] flattened, B * (T - k) of them; equal scores give a uniform "
                  "softmax (tests/test_cpc.py checks the log of the number of candidates)."),
            "c": ("16 * 48 = 768 candidates; log 768.",
                  "No: the first frame is never a target for k = 1, so there are T - 1 per utterance."),
            "d": ("One candidate; loss 0.",
                  "No: with one candidate there is nothing to contrast; InfoNCE needs negatives."),
        },
        correct="b",
    ),
    Quiz(
        "17.q2",
        "The interview answer trains `nn.Sequential(nn.Conv1d(...), nn.Tanh())` with MSELoss against "
        "labels and calls it a pretrained WaveNet. What is it?",
        {
            "a": ("Self-supervised speech pretraining.",
                  "No: it uses labels as targets; self-supervision makes its targets from the audio."),
            "b": ("Supervised training of a one-layer model, linear in the samples before the Tanh.",
                  "Right: nothing is pretrained and WaveNet is a deep stack of dilated causal convolutions; "
                  "this chapter runs the model and prints its held-out frame accuracy."),
            "c": ("WaveNet, because WaveNet is a convolutional network for audio.",
                  "No: WaveNet (Oord et al. 2016) is an autoregressive generative model with dozens of "
                  "dilated causal, gated layers; one convolution with Tanh is not it."),
            "d": ("CPC, because it has a convolutional encoder.",
                  "No: CPC's loss contrasts predicted future latents with negatives; this loss is MSE on labels."),
        },
        correct="b",
    ),
    Quiz(
        "17.q3",
        "This chapter's CPC encoder gives each z_t exactly its own 80 samples (kernel = stride). "
        "Suppose instead each z_t saw 240 samples centred on its frame, with the same hop of 80. "
        "What could lower the k = 1 loss without any phoneme content?",
        {
            "a": ("Nothing: without the phoneme the true future looks like any other frame.",
                  "No: z_t and z_{t+1} would then share 160 samples, noise and phases included, and "
                  "matching those shared samples singles out the true future."),
            "b": ("Matching the samples that z_t's and z_{t+1}'s windows share.",
                  "Right: an encoding of the shared samples (down to the noise) identifies the "
                  "neighbouring frame; that is why here neighbouring encodings share no samples."),
            "c": ("Nothing: GroupNorm removes all information shared between frames.",
                  "No: GroupNorm rescales the features of an utterance; it removes no sample content."),
        },
        correct="b",
    ),
]
