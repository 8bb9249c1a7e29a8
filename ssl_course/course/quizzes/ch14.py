"""Chapter 14's quizzes (GAN fundamentals): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "14.q1",
        "Early in training D rejects every fake with logit -10. Which generator loss still gives G a gradient?",
        {
            "a": ("The non-saturating loss -log D(G(z))",
                  "Right: its slope in the logit is sigmoid(l) - 1, about -1 at l = -10; the chapter's gradient "
                  "plot measures it."),
            "b": ("The minimax loss log(1 - D(G(z)))",
                  "No: its slope in the logit is -sigmoid(l), about 4.5e-5 at l = -10: the gradient vanishes "
                  "exactly where G is worst (the chapter's gradient plot)."),
            "c": ("Both, equally: they have the same fixed point",
                  "No: the same fixed point does not mean the same gradients away from it; the plot shows the "
                  "two differ by four orders of magnitude at l = -10."),
        },
        correct="a",
    ),
    Quiz(
        "14.q2",
        "Why does the discriminator step use fake.detach()?",
        {
            "a": ("So D's loss does not send a gradient into G, whose step would otherwise include a push to "
                  "make its samples look fake",
                  "Right: test_gan.py shows G's update then equals its own loss gradient plus D's; the chapter "
                  "runs the undetached loop with the same recipe."),
            "b": ("To stop D's parameters from being updated by the fake batch",
                  "No: D still learns from the fake batch; detach cuts the graph between the fakes and G, "
                  "not between the fakes and D."),
            "c": ("Only to save memory; the numbers are the same",
                  "No: when G's gradients are zeroed once per iteration (a common layout) the undetached loop "
                  "adds D's gradient to G's, and the run changes."),
        },
        correct="a",
    ),
    Quiz(
        "14.q3",
        "Your D outputs probabilities and the loss is torch.log(torch.sigmoid(logit)). What happens when D becomes confident?",
        {
            "a": ("sigmoid rounds to 0 or 1 in float32, so the log gives -inf and the loss inf or nan",
                  "Right: sigmoid(-200) is 0 in float32; softplus (BCEWithLogits, F.logsigmoid) keeps it finite "
                  "(the exercises' large-logit cases)."),
            "b": ("Nothing: log and sigmoid are exact in float32",
                  "No: sigmoid(l) for l < -104 underflows to 0 in float32; the check case with logits of +-200 "
                  "shows the inf."),
            "c": ("The loss is finite but the gradient is slightly less accurate",
                  "No: the value itself is inf; clamping to 1e-7 keeps it finite but then the gradient is zero."),
        },
        correct="a",
    ),
]
