"""Chapter 28's quizzes (Self-distillation (DINO)): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "28.q1",
        "You remove centring from DINO (the centre stays 0) and keep the teacher temperature at 0.04. "
        "What happens to the teacher's outputs on the test images in this notebook?",
        {
            "a": ("Every image gets nearly the same one-hot output: the per-image entropy and the entropy of "
                  "the average both go to about 0",
                  "Right: the notebook measures both entropies near 0. A shared bias in one logit, sharpened by "
                  "a low temperature, becomes one target for all images, which the student matches trivially."),
            "b": ("The outputs become uniform: entropy about log K",
                  "No: that is the other collapse, measured in the run without sharpening. Without centring "
                  "the low temperature pushes towards one-hot, not uniform."),
            "c": ("Nothing: the EMA teacher alone prevents collapse",
                  "No: the no-centring run uses the same EMA teacher and collapses (entropy about 0 in the table)."),
        },
        correct="a",
    ),
    Quiz(
        "28.q2",
        "Which description of DINO's teacher is correct?",
        {
            "a": ("A network pretrained with labels (e.g. an ImageNet ResNet) whose outputs the student imitates",
                  "No: that is the seed's answer, supervised learning again. DINO's teacher starts as a copy of "
                  "the random student, and the training loop reads no labels."),
            "b": ("An exponential moving average of the student's weights, updated after each step, with no "
                  "gradient of its own",
                  "Right: theta_t <- m theta_t + (1 - m) theta_s; the optimiser holds the student's parameters "
                  "only, and the loss detaches the teacher's outputs (the checks reject a teacher that gets a "
                  "gradient)."),
            "c": ("A second network trained by backprop on the same loss, with its own optimiser",
                  "No: then both networks would chase each other; the teacher is a fixed target within a step and "
                  "moves only by the average."),
        },
        correct="b",
    ),
    Quiz(
        "28.q3",
        "A colleague sets the teacher temperature equal to the student's (0.1), keeping centring. "
        "What does this notebook measure for the teacher's per-image entropy?",
        {
            "a": ("About 0: the teacher becomes one-hot",
                  "No: centring removes the shared bias that would make it one-hot; the run shows the opposite."),
            "b": ("About log K: the teacher's outputs are close to uniform, a target any student matches",
                  "Right: without sharpening the centred logits flatten out and the per-image entropy is near "
                  "log K (the bar asks for at least 0.95 log K on every seed)."),
            "c": ("It stays where DINO's is: the temperature only changes the loss scale",
                  "No: the temperature changes the target's shape, not only its scale; the table shows DINO's "
                  "per-image entropy far below the no-sharpening run's."),
        },
        correct="b",
    ),
]
