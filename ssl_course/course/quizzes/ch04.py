"""Chapter 04's quizzes (Why augmentation matters: shortcuts, measured): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "04.q1",
        "On `shapes`, SimCLR with random crops only gives a worse shape probe than an untrained "
        "encoder. Why?",
        {
            "a": ("Colour alone identifies each image's views, so the encoder learns colour and is made "
                  "invariant to the silhouette's position and size.",
                  "Right: the shortcut solves the contrastive task, and nothing asks for the shape."),
            "b": ("The crops are too small to show the shape.",
                  "No: the crops keep 50-100% of the area, and crop+colour, with the same crops, learns the shape."),
            "c": ("The learning rate is too high for cropped inputs.",
                  "No: every setting uses the same optimiser; only the augmentation differs."),
        },
        correct="a",
    ),
    Quiz(
        "04.q2",
        "What does adding an augmentation to a contrastive method do to the learned representation?",
        {
            "a": ("It adds training data, like in supervised learning, and nothing else.",
                  "No: it also changes the task: the encoder must become invariant to it."),
            "b": ("It makes the representation (approximately) invariant to that transformation.",
                  "Right: the views differ by it and must still match, so features that track it are useless to the loss."),
            "c": ("It always improves downstream accuracy.",
                  "No: an invariance that destroys task information, or that the encoder cannot learn, costs accuracy."),
        },
        correct="b",
    ),
    Quiz(
        "04.q3",
        "Your downstream task is to classify flower species, where colour matters. What do you do "
        "with SimCLR's strong colour jitter?",
        {
            "a": ("Keep it at full strength: more augmentation is always better.",
                  "No: full invariance to colour throws away information the task needs."),
            "b": ("Replace it with ImageNet normalisation.",
                  "No: normalisation is a fixed rescaling, not an augmentation; it removes no shortcut."),
            "c": ("Weaken it or drop it, and check with an ablation on a validation set.",
                  "Right: the augmentation encodes what the task may ignore; measure the trade-off."),
        },
        correct="c",
    ),
    Quiz(
        "04.q4",
        "In the ablation, 'all' (crop, flip, colour, grayscale) scored below 'crop+color'. "
        "Which conclusion is justified?",
        {
            "a": ("For this MLP and budget, extra operations beyond removing the shortcut did not help, so "
                  "'more diversity' must be tested, not assumed.",
                  "Right: three seeds agree on the ordering here; that supports a claim about this setup only."),
            "b": ("Flip and grayscale are harmful in general.",
                  "No: one encoder, one data set, one budget; the result is about this setting."),
            "c": ("The difference is noise, so all policies are equivalent.",
                  "No: the gaps repeated over three seeds, and crop alone is 20 points behind crop+colour."),
        },
        correct="a",
    ),
]
