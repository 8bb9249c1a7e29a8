"""Chapter 15's quizzes (visual pretraining: the ResNet stem, features per stage, what pretraining is): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "15.q1",
        "torchvision's ResNet-18, unchanged, gets an 8x8 digit. What spatial size reaches layer1?",
        {
            "a": ("8x8.", "No: conv1 has stride 2 and the max-pool stride 2, so the image is divided by 4 first."),
            "b": ("2x2.", "Right: 8 / 2 (7x7 conv, stride 2) / 2 (max-pool) = 2; layer2 then gets 1x1. The "
                          "notebook's stem (3x3, stride 1, no max-pool) keeps 8x8 at layer1, as its assert shows."),
            "c": ("4x4.", "No: that counts only one of the two stride-2 operations (conv1 and the max-pool)."),
            "d": ("It raises an error: ResNet needs 224x224 inputs.",
                  "No: the adaptive average pool accepts any size; the network runs, on almost no spatial detail."),
        },
        correct="b",
    ),
    Quiz(
        "15.q2",
        "You load a ResNet and train it with a cross-entropy on your labelled images. Is that visual "
        "self-supervised pretraining?",
        {
            "a": ("Yes: any training before the final task is pretraining.",
                  "No: it uses labels; self-supervised pretraining takes its targets from the images "
                  "(two views of one image in SimCLR)."),
            "b": ("No: it is supervised fine-tuning; it uses labels the pretraining is meant to spare.",
                  "Right: the notebook runs it on the 50 labelled digits with the same recipe; the 1,207 "
                  "unlabelled digits play no part in it, while SimCLR uses all of them without a label."),
            "c": ("Yes, if the loaded weights came from ImageNet.",
                  "No: ImageNet weights from a classifier are supervised pretraining, and training on your "
                  "labels after that is fine-tuning; neither step is self-supervised."),
        },
        correct="b",
    ),
    Quiz(
        "15.q3",
        "You read a stage's features for a linear probe. Which way is right?",
        {
            "a": ("model.train(), a forward hook, and the features of the whole dataset in one batch.",
                  "No: in train mode BatchNorm uses the batch's statistics, so a feature depends on the "
                  "other images (and the running statistics move); the exercise's check rejects it."),
            "b": ("model.eval(), torch.no_grad(), a hook removed afterwards, the stage's map averaged over positions.",
                  "Right: eval mode makes each image's feature its own; no_grad keeps no graph for frozen "
                  "features; averaging gives one vector of C_s numbers per image at every stage."),
            "c": ("model.eval() and flatten the (C, H, W) map.",
                  "Not what the probe here uses: flattening gives C*H*W numbers (8*8*8 = 512 at layer1 "
                  "against 64 at layer4), so the stages would be compared with probes of very different sizes."),
        },
        correct="b",
    ),
]
