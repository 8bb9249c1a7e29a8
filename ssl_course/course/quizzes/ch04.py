"""Chapter 04's quizzes (Why augmentation matters: shortcuts, measured): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "04.q1",
        "On `shapes`, SimCLR with random crops only gives a worse shape probe than an untrained "
        "encoder. Why?",
        {
            "a": ("Colour alone identifies each image's views, so the encoder can meet the loss with colour, and "
                  "nothing in the loss asks for the shape.",
                  "Right: with crops only, three colour numbers find every partner view among 256, and the same "
                  "feature predicts the shape at chance."),
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
        "For the MLP, colour alone beat crop+colour by about 12 points. The chapter's first explanation: an "
        "MLP has no translation equivariance, so shifted crops are hard for it. A small CNN (convolutions and "
        "a global average pool) is then trained the same way, for half the epochs. What does its result tell you?",
        {
            "a": ("Colour alone still beats crop+colour for the CNN (by more than the spread over seeds), so "
                  "the missing equivariance does not explain the ordering.",
                  "Right: the prediction of the explanation (crop+colour catches up once shifts are free) failed; "
                  "the gap shrank, but because the CNN's colour-only score is lower, not its crop+colour higher."),
            "b": ("The gap shrank from about 12 points to a few, which confirms the explanation.",
                  "No: the CNN's crop+colour score is no higher than the MLP's; the gap shrank because its "
                  "colour-only score is lower, which is not the effect the explanation predicted."),
            "c": ("Crops are useless for contrastive learning.",
                  "No: here crop+colour beats crop alone by about 20 points, and SimCLR's ablation, which always "
                  "crops, finds crop + colour the strongest pair on ImageNet; one data set of 16x16 images "
                  "says nothing general."),
        },
        correct="a",
    ),
]
