"""Chapter 30's quizzes (Evaluating representations): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "30.q1",
        "You have 50 labelled digits (5 per class) and 1,257 unlabelled ones. A colleague proposes the biggest "
        "network available, trained with cross-entropy on the 50 labels, and reports 100% accuracy. What does "
        "this chapter measure about that plan?",
        {
            "a": ("It is the best plan: the bigger network, the better the features, and 100% proves it.",
                  "No: 100% is the training accuracy on the 50 images it memorised. On the 540 held-out digits it "
                  "scored below the chapter's small SimCLR encoder with a linear probe on the same 50 labels, on "
                  "every seed."),
            "b": ("Its 100% is training accuracy; on held-out digits it is below a small encoder pre-trained with "
                  "SimCLR on all 1,257 images and probed with the same 50 labels, on each of 3 seeds.",
                  "Right: the number that matters is held out, next to a baseline, with the same labels for both; "
                  "the unlabelled images are what the small encoder had and the big one did not use."),
            "c": ("Nothing can be said: a network trained on labels cannot be compared with a self-supervised one.",
                  "No: both are encoders, and both were measured the same way (a linear probe on the same 50 "
                  "labelled images, accuracy on the same test digits). That common protocol is the point."),
            "d": ("It is worse than raw pixels on every seed.",
                  "No: the chapter prints it next to a probe on raw pixels and does not find it worse on every seed; "
                  "it is below the SimCLR encoder + probe, which is what the bar asserts."),
        },
        correct="b",
    ),
    Quiz(
        "30.q2",
        "What does linear CKA between two representations X (N, D1) and Y (N, D2) of the same inputs NOT change "
        "under?",
        {
            "a": ("Replacing Y by 3 * Y @ Q with Q orthogonal, or adding a constant to every row.",
                  "Right: CKA centres the columns (a shift disappears) and is invariant to orthogonal maps and "
                  "isotropic scale; the notebook checks CKA(h, 3 h Q) = 1 to 1e-9 on SimCLR's features."),
            "b": ("Any invertible linear map of Y, such as scaling one feature by 10.",
                  "No: linear CKA is not invariant to anisotropic scaling (tests/test_cka.py checks it drops below "
                  "0.95). Invariance to every invertible map would make any two wide representations identical."),
            "c": ("Dropping the centring: CKA on raw features is the same number.",
                  "No: without centring, a large shared offset dominates Y^T X and pushes the score towards 1 for "
                  "unrelated features; the check's 'features far from the origin' case catches exactly that."),
            "d": ("Comparing Y with only the first 512 rows of X.",
                  "No: CKA needs the same inputs on both sides, row for row; using a subset of rows changes both "
                  "the means and the products."),
        },
        correct="a",
    ),
    Quiz(
        "30.q3",
        "On the leaderboard, several SSL methods' 5-shot intervals overlap. Which conclusion does the chapter's "
        "evidence support?",
        {
            "a": ("The method with the highest mean is the best SSL method on digits.",
                  "No: with 3 seeds the 95% t-interval is about 2.5 standard deviations wide on each side, and "
                  "overlapping intervals do not separate the methods; the highest mean can change with the seeds."),
            "b": ("SimCLR beats the untrained encoder at 5 shots, and the supervised encoder beats every SSL "
                  "method, both beyond the intervals; a ranking among the SSL methods is not supported.",
                  "Right: those are the two bars, and the notebook counts how many pairs of SSL methods overlap "
                  "(most of them)."),
            "c": ("Self-supervised pre-training does not help on digits at all.",
                  "No: SimCLR's lower interval end is above the untrained encoder's upper end at 5 shots (the bar "
                  "30.simclr_beats_untrained_5shot_beyond_ci)."),
            "d": ("The linear probe is the protocol that separates the methods best.",
                  "No: with all 1,257 labels the linear probe puts raw pixels among the methods and most pairs "
                  "of methods overlap; the differences appear at 5 shots."),
        },
        correct="b",
    ),
    Quiz(
        "30.q4",
        "Two different methods have CKA 0.95 between their features, and two seeds of one method have CKA "
        "0.75. What should you conclude?",
        {
            "a": ("The two methods learned equally good features.",
                  "No: CKA measures similarity, not quality; a difference in the few directions that separate two "
                  "classes can change accuracy while CKA barely moves."),
            "b": ("The second method is broken, since its seeds disagree.",
                  "No: different seeds of a working method can reach representations that differ by more than a "
                  "rotation; the chapter finds the seed-to-seed CKA of some methods below the CKA between "
                  "different methods."),
            "c": ("A single CKA map cannot separate 'method' from 'seed': read cross-method CKA against the "
                  "seed-to-seed CKA, and pair it with accuracy.",
                  "Right: the notebook prints the seed-to-seed CKA next to the map for exactly this reason."),
            "d": ("CKA is computed wrongly: it should be 1 for the same method.",
                  "No: CKA is 1 only for copies up to an orthogonal map and a scale; two trainings from different "
                  "initial weights are not such copies."),
        },
        correct="c",
    ),
]
