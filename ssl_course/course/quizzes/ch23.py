"""Chapter 23's quizzes (Multi-task learning): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "23.q1",
        "A multi-task model has two 10-class heads on one trunk and the loss "
        "criterion(out1, labels[:, 0]) + criterion(out2, labels[:, 1]). The dataset gives one class label per "
        "image, a tensor of shape (N,). What is wrong, and what does the obvious fix (both heads on `labels`) train?",
        {
            "a": ("labels[:, 0] raises an IndexError on a 1-D tensor; with both heads on the same labels it is one "
                  "task counted twice, with no new information for the trunk.",
                  "Right: each task needs its own targets (its own label vector, of its own number of classes). In "
                  "the notebook the two heads' gradients on the trunk agree far more than the digit and rotation "
                  "tasks' do, and the copy does not beat a single head beyond its spread over seeds."),
            "b": ("Nothing: PyTorch broadcasts the label vector over both columns.",
                  "No: indexing a 1-D tensor with [:, 0] is an IndexError (run in the notebook); nothing is "
                  "broadcast."),
            "c": ("It works, and two heads on one label vector regularise the trunk like a second task.",
                  "No: the second head asks the trunk for the same thing as the first. A second task helps when it "
                  "brings information the first lacks, such as rotation targets on unlabelled images."),
            "d": ("It needs a segmentation mask as the second label; any second label vector of 10 classes will do.",
                  "No: the second task's targets must exist and be of that task's kind; a segmentation head would "
                  "predict a class per pixel, not 10 logits per image."),
        },
        correct="a",
    ),
    Quiz(
        "23.q2",
        "Uncertainty weighting for two classification tasks minimises sum_i exp(-s_i) L_i + s_i / 2. The first "
        "task's loss has fallen to 0.05 and stays there; s_1 has settled. What is its weight exp(-s_1)?",
        {
            "a": ("10: at the optimum exp(-s) L = 1/2, so the weight is 1 / (2 L).",
                  "Right: d/ds [exp(-s) L + s/2] = 0 gives s = log(2L). The notebook learns s with Adam on fixed "
                  "losses and lands on log(2 c L): a small loss gets a large weight."),
            "b": ("0.05: the weight follows the loss.",
                  "No: the weight is inversely proportional to the loss; a task that is already solved is "
                  "scaled up, not down."),
            "c": ("1: the weights stay at their initial value because the s_i are not trained.",
                  "No: the s_i are parameters, trained with the network; they start at 0 (weight 1) and move."),
            "d": ("0: a solved task is switched off.",
                  "No: the s/2 term stops exp(-s) from going to 0 (s would have to grow without bound, which s/2 "
                  "penalises). Without that term the cheapest answer would indeed be a zero weight."),
        },
        correct="a",
    ),
    Quiz(
        "23.q3",
        "During training, the cosine between the digit loss's gradient and the rotation loss's gradient on the "
        "shared trunk is -0.2 at some step. What does that mean?",
        {
            "a": ("To first order, a small step along the rotation gradient increases the digit loss at this step.",
                  "Right: L_digit(theta - eta g_rot) ~ L_digit(theta) - eta g_digit . g_rot, and the dot product is "
                  "negative. It says nothing by itself about the end of training or about test accuracy."),
            "b": ("The rotation task makes the final digit accuracy worse.",
                  "No: a cosine is a local, one-step quantity; the notebook measures the cosines and the final "
                  "accuracy separately, and one does not determine the other."),
            "c": ("The two heads' weights point in opposite directions.",
                  "No: the cosine is taken between gradients on the shared trunk's parameters, not between the "
                  "heads' weights."),
            "d": ("The two losses have different scales, so one should be rescaled.",
                  "No: a cosine does not depend on the gradients' lengths; rescaling a loss leaves it unchanged "
                  "(the exercise's check tests loss_b = 3 * loss_a: cosine 1)."),
        },
        correct="a",
    ),
    Quiz(
        "23.q4",
        "The seed's model starts with nn.Linear(128, 256) and is fed batches of 8x8 greyscale digits "
        "(shape (N, 1, 8, 8)). What happens?",
        {
            "a": ("A RuntimeError (the shapes cannot be multiplied), flattened or not: a flattened 8x8 image has 64 "
                  "values, not 128.",
                  "Right: nn.Linear acts on the last dimension (8 here), and after flatten(1) the rows have 64 "
                  "entries. Both errors are run in the notebook. The input layer must match C*H*W, or, better for "
                  "images, the trunk is a CNN that takes (N, C, H, W)."),
            "b": ("PyTorch pads the 64 pixels with zeros up to 128.",
                  "No: nn.Linear never pads; mismatched sizes are an error."),
            "c": ("It trains, but on half of every image.",
                  "No: nothing is cropped or split; the matrix product fails before any training."),
            "d": ("It works because nn.Linear flattens its input automatically.",
                  "No: nn.Linear applies to the last dimension only and keeps the others, so (N, 1, 8, 8) meets a "
                  "(128, 256) weight on a dimension of 8."),
        },
        correct="a",
    ),
]
