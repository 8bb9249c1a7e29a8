"""Chapter 12's quizzes (Collapse and non-contrastive losses): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "12.q1",
        "A loss pulls the embeddings of every pair of examples in a batch together (1 - cosine, "
        "averaged over all pairs). After training the loss is 0. What is the effective rank of "
        "the embeddings, and what does a linear probe on them get?",
        {
            "a": ("About D: the loss is 0, so the representation is as good as it gets.",
                  "No: a loss of 0 here means every embedding points the same way. In the chapter the "
                  "rank ended under 2 of 64 and a probe on z fell far below the untrained network's."),
            "b": ("About 1, and far worse than before training: every embedding points the same way.",
                  "Right: the only minimisers of that loss are embeddings along one direction, a total "
                  "collapse; the chapter measured a rank under 2 of 64 and a 5-label probe on z of about "
                  "31%, against 74% for the untrained network."),
            "c": ("About half of D: the pairs of one image agree, pairs of different images do not.",
                  "No: the loss pulls pairs of different images together too; nothing keeps them apart."),
            "d": ("It depends on the learning rate only.",
                  "No: the optimum itself is a constant; a learning rate changes how fast it is reached."),
        },
        correct="b",
    ),
    Quiz(
        "12.q2",
        "SimSiam is trained with and without the stop-gradient on the target branch, everything else "
        "equal. Which outcome did the chapter measure (as in the paper's Fig. 2)?",
        {
            "a": ("Both learn the same features; the stop-gradient only saves memory.",
                  "No: without it the loss went to about -1 with an embedding of rank under 6, and the "
                  "probe on z fell far below SimSiam's."),
            "b": ("Without the stop-gradient the loss reaches about -1 and the embedding collapses to a "
                  "few directions.",
                  "Right: with gradient through both branches the cheapest way to make the prediction "
                  "match the target is to make both constant."),
            "c": ("Without the stop-gradient training diverges to NaN.",
                  "No: it converges, to the trivial solution; nothing blows up."),
            "d": ("The stop-gradient run collapses and the other does not.",
                  "No: the stop-gradient is what prevents the collapse, in the paper and here."),
        },
        correct="b",
    ),
    Quiz(
        "12.q3",
        "In VICReg, why is the variance term max(0, 1 - sqrt(Var + eps)) and not max(0, 1 - Var)?",
        {
            "a": ("The gradient of Var is 2 sigma, which vanishes as sigma -> 0, exactly at collapse; the "
                  "square root's gradient does not.",
                  "Right: this is the paper's reason. eps keeps the square root's gradient finite at 0."),
            "b": ("The square root makes the loss convex.",
                  "No: neither form makes the loss convex in the network's weights."),
            "c": ("To match Barlow Twins, which also uses standard deviations.",
                  "No: Barlow Twins standardises features; the hinge is VICReg's own choice, for its gradient."),
            "d": ("They are the same: a hinge at 1 is met at Var = 1 and std = 1 alike.",
                  "No: they have the same zero set but different values and gradients below it; the "
                  "chapter's check rejects the variance form."),
        },
        correct="a",
    ),
    Quiz(
        "12.q4",
        "You compute RankMe's effective rank of collapsed embeddings (all nearly equal) after "
        "centring them first. What happens?",
        {
            "a": ("Nothing changes: the effective rank ignores the mean.",
                  "No: the mean of a collapsed embedding is the one direction it uses; subtracting it "
                  "leaves only the small residual spread."),
            "b": ("The rank goes up: the tiny residual spread over many directions counts as if it were "
                  "signal, because the entropy ignores scale.",
                  "Right: in the chapter the centred rank of the collapsed embedding was several times "
                  "the uncentred one. RankMe does not centre."),
            "c": ("The rank becomes exactly 0.",
                  "No: only an all-zero matrix has no direction; the residual is small, not zero."),
            "d": ("The rank becomes exactly 1.",
                  "No: it is the uncentred constant that scores about 1."),
        },
        correct="b",
    ),
]
