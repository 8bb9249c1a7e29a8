"""Chapter 09's quizzes (Pretext tasks): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "09.q1",
        "An 'unsupervised pre-training' loop reads `for images, _ in loader:` and then computes "
        "`loss = criterion(model(images), labels)`. What does it train on?",
        {
            "a": ("Nothing: without labels the loss is zero.",
                  "No: `labels` is whatever that name holds when the loop runs. In a fresh script it is a "
                  "NameError; in a notebook it is a leftover from an earlier cell, and training goes on."),
            "b": ("Whatever `labels` was bound to before the loop: in a notebook, often one stale batch of "
                  "class labels reused for every batch, so the targets have nothing to do with the images.",
                  "Right: the loop discards the batch's labels (`_`) and the loss uses a name from outside it. "
                  "This chapter runs exactly that: the network learns targets unrelated to its inputs, and its "
                  "features probe no better than the untrained network's."),
            "c": ("A self-supervised pretext task, since the labels were thrown away.",
                  "No: throwing the labels away makes no new target. A pretext task must make its targets from "
                  "the images themselves (the rotation applied, the permutation of the tiles)."),
            "d": ("The real class labels of each batch, so it is supervised pre-training.",
                  "No: the batch's labels went to `_`. Had the loop used them, it would be supervised "
                  "pre-training on every label, which is not what 'unsupervised' promises (the chapter runs "
                  "that too, and counts the labels it used)."),
        },
        correct="b",
    ),
    Quiz(
        "09.q2",
        "A RotNet trained on 8x8 digits solves its pretext task well. Which layer's features should you "
        "take for a downstream digit classifier, by this chapter's measurements?",
        {
            "a": ("The last layer before the rotation classifier: it has seen the most processing.",
                  "No: it is the layer most specialised to the pretext. Here its probe falls below the same "
                  "layer of the untrained network: it keeps what tells rotations apart and drops the rest."),
            "b": ("A middle convolutional layer.",
                  "Right: the middle layer beats the untrained network on every seed, while the last one loses "
                  "to it. Gidaris et al. found the same on CIFAR-10: the second block beat the later ones."),
            "c": ("The 4-way rotation logits.",
                  "No: four numbers that say which way is up cannot separate ten digits."),
            "d": ("It makes no difference: all layers of a trained network carry the same information.",
                  "No: the chapter measures a difference of many points between the middle and the last layer."),
        },
        correct="b",
    ),
    Quiz(
        "09.q3",
        "RotNet on digits tells 0 degrees from 180 degrees worst for digits such as 0 and 8. Why?",
        {
            "a": ("They are the rarest digits in the dataset.",
                  "No: the classes of `digits` are almost balanced (about 180 images each)."),
            "b": ("They look almost the same after a half turn, so the pretext task has no answer from the "
                  "image: its label is ambiguous there.",
                  "Right: a half turn maps 0 and 8 (and the S-like 5) nearly onto themselves, so no network can "
                  "tell the two rotations apart. A pretext task is only as good as the question it asks of "
                  "each image."),
            "c": ("The network has too few parameters to learn them.",
                  "No: the same network tells 90 degrees from 0 degrees on these digits easily; the half turn is "
                  "ambiguous in the image itself."),
            "d": ("torch.rot90 rotates them by a different angle.",
                  "No: a rotation by rot90 is exact and the same for every image."),
        },
        correct="b",
    ),
    Quiz(
        "09.q4",
        "The digits of scikit-learn's `digits` have blank left and right columns but ink in the top and "
        "bottom rows. What does this do to the rotation task?",
        {
            "a": ("Nothing: a CNN cannot see where the blank border is.",
                  "No: a padded convolution sees the border; the chapter tells upright from quarter-turned "
                  "images with one number, the ink in the border columns against the border rows."),
            "b": ("It gives quarter turns away: a turn moves the blank columns to the top and bottom, so 0/180 "
                  "against 90/270 is solved from the border alone, a shortcut that needs no digit shape.",
                  "Right: this is a shortcut, as chromatic aberration was for context prediction (Doersch et al.); "
                  "the rest of the task (0 against 180) still needs the shape."),
            "c": ("It makes the task impossible.",
                  "No: the opposite: it makes half of the task easy."),
        },
        correct="b",
    ),
    Quiz(
        "09.q5",
        "A jigsaw task cuts an image into 9 tiles and shuffles them. Why do Noroozi & Favaro use a fixed set "
        "of permutations chosen far apart in Hamming distance instead of all 9! = 362,880?",
        {
            "a": ("So the task is a classification over a manageable number of classes, each well distinguishable "
                  "from the others: two permutations that differ in only two tiles are nearly the same puzzle.",
                  "Right: the label is the index in the set; permutations far apart make every class a "
                  "clearly different arrangement. They report that sets with larger Hamming distances between "
                  "permutations learn features that transfer better."),
            "b": ("Because torch cannot shuffle more than 1,000 permutations.",
                  "No: any permutation can be applied; the set bounds the number of classes."),
            "c": ("Because permutations close together give the network more information.",
                  "No: near-identical permutations make classes that differ in one swapped pair of tiles: "
                  "hard and uninformative for learning shapes."),
        },
        correct="a",
    ),
]
