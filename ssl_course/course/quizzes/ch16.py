"""Chapter 16's quizzes (Masked language models): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "16.q1",
        "A model trained with the loss on every token and nothing masked reaches almost zero training loss. "
        "What does it score when you then mask words and ask it to fill them in (this chapter's wrong answer)?",
        {
            "a": ("About as well as the masked model: it has seen the same text",
                  "No: with nothing hidden, the token itself is in the input, so copying it is a perfect solution. "
                  "The notebook's run of exactly this model lands near (or below) the unigram baseline on [MASK] "
                  "positions: it never had to use the context."),
            "b": ("At or below the unigram baseline: copying the input needs no context, and [MASK] gives it "
                  "nothing to copy",
                  "Right: the loss was zero for a trivial reason (the identity), and the notebook measures its "
                  "masked-token accuracy next to the unigram baseline."),
            "c": ("Better than the masked model, because it was trained on 100% of the tokens instead of 15%",
                  "No: more labels do not help when every label is also an input; the task it was trained on is "
                  "copying, not prediction."),
        },
        correct="b",
    ),
    Quiz(
        "16.q2",
        "Why does BERT replace only 80% of the chosen tokens by [MASK], 10% by a random token and leave 10% unchanged?",
        {
            "a": ("[MASK] never appears when the model is fine-tuned or used, so the model must also produce a "
                  "good prediction for every real token it sees, not only for [MASK]",
                  "Right: with 100% [MASK] the model could learn that only [MASK] positions matter; the random and "
                  "unchanged 10%s make every position a possible question (Devlin et al. 2019, section 3.1)."),
            "b": ("To make the loss smaller",
                  "No: random replacements make the task harder, not easier; the loss is computed on all chosen "
                  "positions, whatever they became."),
            "c": ("Because the loss is computed only on the 80% that became [MASK]",
                  "No: the labels hold the original token at every chosen position (all three kinds), and -100 "
                  "elsewhere; the exercise 16.mask_tokens checks exactly that."),
        },
        correct="a",
    ),
    Quiz(
        "16.q3",
        "In this chapter's mask_tokens, which positions can never be chosen, and what is their label?",
        {
            "a": ("Only [PAD]; its label is 0",
                  "No: every special token (ids below n_special: [PAD], [UNK], [CLS], [SEP], [MASK]) is excluded, "
                  "and an unchosen position's label is -100, not 0 (0 is [PAD]'s id, a real class to "
                  "cross_entropy)."),
            "b": ("The special tokens (ids below n_special, padding included); their label is -100, which "
                  "cross_entropy's ignore_index skips",
                  "Right: padding is not text, so predicting it would reward the model for counting sequence "
                  "lengths; the check's statistical test fails any implementation that chooses one."),
            "c": ("None: every position is chosen with probability 15%",
                  "No: that is the mutant 'padding and [CLS] can be chosen', which the check rejects."),
        },
        correct="b",
    ),
    Quiz(
        "16.q4",
        "An 'MLP on 768-d token vectors' is trained with the same masking and loss. Why can it not beat "
        "predicting the most frequent word at [MASK] positions?",
        {
            "a": ("768 dimensions are too few for a vocabulary of hundreds of words",
                  "No: width is not the problem; a 768-d embedding can tell hundreds of words apart."),
            "b": ("Each position sees only its own token, and at a [MASK] position that token is always [MASK]: "
                  "the best it can do is one fixed guess, the most frequent word",
                  "Right: without attention (or any mixing across positions) there is no context; the notebook "
                  "measures it at the unigram baseline on [MASK] positions."),
            "c": ("Because it has no position embeddings",
                  "No: positions alone carry almost nothing about which word is hidden; the missing piece is "
                  "the other tokens."),
        },
        correct="b",
    ),
]
