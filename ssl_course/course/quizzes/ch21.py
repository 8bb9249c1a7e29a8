"""Chapter 21's quizzes (Zero-shot learning): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "21.q1",
        "An image encoder with a linear head over the 12 seen shape-colour pairs classifies the training pairs "
        "well. At test time it gets 'a red circle', a pair it never saw. What lets a model name such a class?",
        {
            "a": ("More training steps on the 12 seen pairs.",
                  "No: the head has 12 outputs, one per seen pair; no amount of training adds a 13th. In this "
                  "chapter the fixed head names none of the unseen pairs (it cannot), though its wrong answers "
                  "mostly share the colour or the shape."),
            "b": ("A class embedding computed from a description shared with the seen classes, such as a text "
                  "encoder over the caption's words, compared with the image embedding.",
                  "Right: 'red' and 'circle' were each seen in other pairs, so the text encoder can embed "
                  "'a red circle' though the pair was never trained. Measured here: above chance (25%) and above "
                  "the class table on every seed, with the colour right almost always; the shape is what is "
                  "hard to transfer."),
            "c": ("Four extra outputs (or four extra free class vectors) reserved for the unseen pairs.",
                  "No: a row that never appears in a batch never gets a gradient. The class table of this "
                  "chapter keeps its 4 unseen rows exactly at their random start and is no better than chance."),
            "d": ("Adding a few images of the unseen pairs to training.",
                  "No: that is few-shot learning, or, with the test images themselves, training on the test set; "
                  "either way the number is no longer zero-shot."),
        },
        correct="b",
    ),
    Quiz(
        "21.q2",
        "A colleague trains the free-vector class table with the unseen pairs' test images added to training, "
        "then reports its accuracy on those images as 'zero-shot accuracy'. The number is high. What does it "
        "measure?",
        {
            "a": ("Zero-shot transfer, only estimated optimistically.",
                  "No: nothing was transferred. Without the leak, the same model is at chance on the unseen pairs "
                  "(their rows are untrained); the leak alone makes the difference here."),
            "b": ("How well the model remembers images it was trained on; it says nothing about unseen classes.",
                  "Right: the classes were seen, with these very images. A zero-shot experiment asserts that no "
                  "training example carries an unseen class (assert_never_seen in this chapter) and, for a "
                  "pre-trained encoder, checks what it was pre-trained on."),
            "c": ("Generalised zero-shot accuracy, because the seen and unseen pairs were both in training.",
                  "No: generalised ZSL is about the candidate set at test time (seen and unseen classes), not "
                  "about putting test classes into training."),
            "d": ("A lower bound on the zero-shot accuracy, since the model also had to fit the seen pairs.",
                  "No: it is no bound at all. The same model without the leak scores far lower here."),
        },
        correct="b",
    ),
    Quiz(
        "21.q3",
        "Training CLIP's loss on batches of 128 images drawn from 12 captions, the loss stops falling well above 0 "
        "even though zero-shot accuracy is high. Why?",
        {
            "a": ("The model underfits: train longer and the loss goes to 0.",
                  "No: the loss cannot go below a floor. Images with the same caption have identical caption "
                  "embeddings in the batch, so each softmax must share its mass among the copies."),
            "b": ("Identical captions in one batch tie: an image whose caption appears k times can at best give "
                  "each copy 1/k, so the loss is at least the mean of log k over the batch.",
                  "Right: that floor is computed in the headline from the batches' caption counts, and the "
                  "training loss settles within 0.1 nat of it. The copies are false negatives, but the pull to "
                  "one's own caption and the push from its copies cancel, so they do no harm here."),
            "c": ("The temperature of 0.1 is too high; any loss floor would vanish at 0.01.",
                  "No: the floor comes from the ties between identical copies, and copies tie at any "
                  "temperature."),
            "d": ("The symmetric loss double-counts, so its minimum is log 2.",
                  "No: the two directions are averaged, not added; with all captions distinct the loss can "
                  "approach 0."),
        },
        correct="b",
    ),
    Quiz(
        "21.q4",
        "Choosing among the 4 unseen captions, the model names many unseen images correctly. Choosing among all 16 "
        "captions (generalised zero-shot), it names fewer of them. Where do the lost ones go?",
        {
            "a": ("The text encoder cannot embed the unseen captions once the seen ones are in the candidate set.",
                  "No: each caption's embedding is computed on its own, from its words; the candidate set does "
                  "not change it."),
            "b": ("They are given the caption of a seen pair: the model leans towards the pairs it was trained on.",
                  "Right: an image named right among the 4 unseen captions and wrong among 16 can only have "
                  "picked a seen pair. Measured in 'Reading the results honestly': on every seed some unseen "
                  "images go that way, while the seen test images stay almost all right. Calibrated stacking "
                  "(Chao et al. 2016) subtracts a constant from the seen classes' scores to trade some seen "
                  "accuracy for unseen accuracy."),
            "c": ("Nothing is wrong: chance falls from 25% to 6.25%, and the drop is just that.",
                  "No: the model is not guessing. Its errors are not spread over 16 captions at random; they "
                  "go to seen pairs."),
            "d": ("They are split evenly between the 4 unseen captions.",
                  "No: the only candidates added are the 12 seen captions, so an image that was right among the 4 "
                  "and is now wrong went to one of them."),
        },
        correct="b",
    ),
]
