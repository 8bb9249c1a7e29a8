"""Chapter 22's quizzes (Meta-learning (MAML)): graded on click, every choice explained."""
from ..quiz import Quiz

QUIZZES = [
    Quiz(
        "22.q1",
        "A colleague trains one network on thousands of sinusoid tasks, mixing their points in every batch "
        "with the ordinary MSE, then fine-tunes it on 5 points of a new sinusoid and calls it meta-learning. "
        "What has the network learnt before fine-tuning?",
        {
            "a": ("How to adapt: seeing many tasks is what meta-learning means.",
                  "No: nothing in its loss depends on how well it adapts. There is no support set, no query "
                  "set and no inner step, so many tasks are just more data for one regression."),
            "b": ("The average task, E[y | x] over the task distribution; here -(2 E[A] / pi) cos x.",
                  "Right: the MSE over all tasks is minimised by the mean function. The chapter's pretrained "
                  "network matches the closed-form error of that function on new tasks, and one SGD step at "
                  "MAML's learning rate barely moves it."),
            "c": ("Zero everywhere, because the sines of different tasks cancel out.",
                  "No: the phases cover only [0, pi], half a turn, so the mean of sin(x - phi) is "
                  "-(2 / pi) cos x, not 0. The closed form in the chapter uses exactly this."),
            "d": ("The task with the largest amplitude, because it dominates the loss.",
                  "No: the minimiser of a summed squared error is the mean of the targets at each x, not one "
                  "task; large amplitudes weigh more only through that mean."),
        },
        correct="b",
    ),
    Quiz(
        "22.q2",
        "MAML adapts theta' = theta - alpha * grad L_support(theta) and minimises L_query(theta'). What is the "
        "meta-gradient d L_query(theta') / d theta, and what does first-order MAML keep of it?",
        {
            "a": ("(I - alpha * Hessian of L_support at theta) times grad L_query at theta'; first-order MAML "
                  "keeps only grad L_query at theta'.",
                  "Right: the chain rule through the inner step gives the Hessian-vector product; detaching the "
                  "inner gradient (first_order=True) makes d theta' / d theta the identity. The chapter's tests "
                  "check both against an independent autograd implementation and finite differences."),
            "b": ("grad L_query at theta, the same as training on the query sets directly.",
                  "No: the query loss is evaluated at the adapted parameters theta', not at theta; evaluating "
                  "it at theta is the no-inner-loop wrong answer."),
            "c": ("grad L_support at theta plus grad L_query at theta'.",
                  "No: the support loss enters only through theta'; it is not added to the objective."),
            "d": ("It cannot be computed with autograd, which is why MAML needs a special library.",
                  "No: it is an ordinary composition of differentiable steps; autograd (torch.func.grad, or "
                  "torch.autograd.grad with create_graph=True) computes the Hessian-vector product without "
                  "forming the Hessian."),
        },
        correct="a",
    ),
    Quiz(
        "22.q3",
        "In your MAML code the inner gradient comes from torch.autograd.grad(loss, params) without "
        "create_graph=True, inside a loop that otherwise looks right. What are you training?",
        {
            "a": ("Second-order MAML: autograd always keeps the graph.",
                  "No: without create_graph=True the returned gradient has no graph, so theta' depends on theta "
                  "only through the identity term."),
            "b": ("First-order MAML, whether you meant it or not: the Hessian term is silently dropped.",
                  "Right: the values are identical, only the meta-gradient changes. A check that compares "
                  "values alone cannot see it, which is why this chapter's checks compare meta-gradients too."),
            "c": ("Nothing: the outer loss has no gradient at all.",
                  "No: theta' = theta - alpha * g still contains theta, so the query loss has the first-order "
                  "gradient."),
            "d": ("Reptile.",
                  "No: Reptile takes several plain SGD steps and moves theta towards the result; it never "
                  "computes a query-loss gradient at theta'."),
        },
        correct="b",
    ),
    Quiz(
        "22.q4",
        "Reptile updates theta <- theta + epsilon * mean_t (phi_t - theta), with phi_t the result of k SGD "
        "steps on task t. Which statement is right?",
        {
            "a": ("With k = 1 it is the same as MAML.",
                  "No: with one step, phi_t - theta = -alpha * grad L_t(theta), so Reptile with k = 1 is plain "
                  "gradient descent on the pooled loss, the pretraining baseline, up to the step size."),
            "b": ("It needs second derivatives, like MAML.",
                  "No: it only runs SGD and averages the results: no gradient flows through the inner loop, "
                  "and memory does not grow with k."),
            "c": ("With k >= 2 its expected update contains, besides the pooled gradient, a term that aligns "
                  "the gradients of different points of a task; it needs no second derivatives.",
                  "Right: Nichol et al. (2018) show this by a Taylor expansion in the inner step size; the "
                  "chapter's Reptile is trained with k = 3 steps and no graph through them."),
            "d": ("It requires a separate query set for every task.",
                  "No: Reptile trains on all of a task's points with SGD; the chapter's Reptile uses the "
                  "support and query points together."),
        },
        correct="c",
    ),
]
