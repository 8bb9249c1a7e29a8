"""Chapter 26's quizzes (Vision transformers and MAE): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "26.q1",
        "An MAE masks 75% of the patches. Which patches does its loss average over?",
        {
            "a": ("The masked patches only",
                  "Right: the visible patches were given to the encoder; predicting them back is copying. "
                  "masked_mse weights each patch's error by the mask and divides by the number masked."),
            "b": ("Every patch, visible ones included",
                  "No: that is the common wrong answer the check rejects; it spends part of the loss on "
                  "patches the model has already seen."),
            "c": ("The visible patches only",
                  "No: the model is given those; the task is to predict what it was not given."),
        },
        correct="a",
    ),
    Quiz(
        "26.q2",
        "random_masking returns ids_restore = argsort(ids_shuffle). What is it for?",
        {
            "a": ("It puts the decoder's sequence (kept tokens, then mask tokens) back in image order",
                  "Right: gathering with ids_restore sends each token to its patch's position, so the "
                  "decoder's position embedding matches it. The notebook measures the trained model "
                  "decoding without it: its masked-patch error rises."),
            "b": ("It lists the indices of the kept patches",
                  "No: those are ids_shuffle[:, :K]; ids_restore is the inverse permutation of ids_shuffle."),
            "c": ("Nothing: the decoder can use the shuffled order",
                  "No: mask tokens are all the same vector; only their position tells the decoder which "
                  "patch to predict, and in shuffled order that position is wrong."),
        },
        correct="a",
    ),
    Quiz(
        "26.q3",
        "The seed answers 'what is a self-supervised visual model' with a ResNet-50 trained with "
        "cross-entropy on labels. What is wrong?",
        {
            "a": ("It is supervised learning: the training signal is human labels, not the images",
                  "Right: its loop cannot run without labels (the notebook shows the NameError). A "
                  "self-supervised model builds its target from the image, as MAE's hidden patches."),
            "b": ("ResNets cannot be used for self-supervised learning",
                  "No: SimCLR, BYOL and chapter 15 pretrain ResNets without labels; the architecture is "
                  "not the problem, the labels are."),
            "c": ("Nothing, pretrained=True makes it self-supervised",
                  "No: those ImageNet weights were trained with labels (and need a download, chapter 8)."),
        },
        correct="a",
    ),
]
