"""Chapter 02's quizzes (Data augmentation: making the positive pair): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "02.q1",
        "A SimCLR training loop applies one random augmentation to each image and uses that view "
        "as both halves of the positive pair. What happens?",
        {
            "a": ("It trains as well as SimCLR, only with less compute.",
                  "No: each positive is identical to its anchor, so the task is solved by any injective encoder."),
            "b": ("The task is trivial: even a random encoder finds every positive, so no invariance is learned.",
                  "Right: the views must differ, by the nuisances the encoder should learn to ignore."),
            "c": ("The loss diverges.",
                  "No: it is perfectly well defined, and small; it just teaches nothing about what stays the same."),
        },
        correct="b",
    ),
    Quiz(
        "02.q2",
        "You pre-train on 16x16 images with torchvision's RandomResizedCrop(224) (scale 0.08-1). "
        "What is the main problem?",
        {
            "a": ("None: it is the standard SimCLR setting.",
                  "No: the standard setting is for ImageNet photos; sizes and scales belong to the data."),
            "b": ("The crops are too large to learn anything.",
                  "No: the risk is the opposite; the smallest crops lose the object."),
            "c": ("The output is 196 times larger with no extra information, and an 8% crop is a "
                  "20-pixel patch (about 4.5 x 4.5) that often loses most of the object.",
                  "Right: pick the output size of your data and a minimum scale whose crops still show the object."),
        },
        correct="c",
    ),
    Quiz(
        "02.q3",
        "Why is the aspect ratio of a random resized crop drawn log-uniformly?",
        {
            "a": ("So that w/h = 2 and w/h = 1/2 are equally likely.",
                  "Right: log r is uniform on [log r_min, log r_max], symmetric around 1 for a symmetric range."),
            "b": ("Because log is cheaper to compute than a uniform draw.",
                  "No: it costs one extra exp and is chosen for symmetry, not speed."),
            "c": ("To keep the area fraction inside scale.",
                  "No: the area is set by s; the ratio only shapes the box, w = sqrt(s H W r), h = sqrt(s H W / r)."),
        },
        correct="a",
    ),
    Quiz(
        "02.q4",
        "Per-image PIL augmentation is slow on tiny images. Where does the time go?",
        {
            "a": ("Into the bilinear resampling arithmetic.",
                  "No: a 16x16 resample is a few thousand multiply-adds, nanoseconds per pixel."),
            "b": ("Into reading images from disk.",
                  "No: here the images are already in memory as a tensor."),
            "c": ("Into per-image Python and conversion overhead: tensor to PIL, one call per op, PIL back to tensor.",
                  "Right: batching pays that overhead once per batch instead of once per image."),
        },
        correct="c",
    ),
    Quiz(
        "02.q5",
        "Two random resized crops of one image each keep at least half of its area (scale (0.5, 1)). "
        "How often do they share no pixel at all?",
        {
            "a": ("Never, up to two exact halves: two boxes that are apart fit side by side in the image, "
                  "so their areas add up to at most the whole image.",
                  "Right: the chapter's 2,048 pairs at scale (0.5, 1) had a smallest IoU of 0.34."),
            "b": ("About as often as with ImageNet's scale (0.08, 1), since the positions are uniform.",
                  "No: a box's position is uniform over the room it leaves, and a large box leaves little. "
                  "About 1% of the pairs were apart at (0.08, 1), none at (0.5, 1)."),
            "c": ("About a quarter of the time, when the boxes land in opposite corners.",
                  "No: boxes covering half the image each are too large to fit in opposite corners "
                  "without overlapping."),
        },
        correct="a",
    ),
]
