# %% [markdown]
# # 22 · Meta-learning (MAML)
#
# > **问题：** 请解释自监督学习中的元学习是什么？它如何应用于强化学习？
# >
# > **Question:** What is meta-learning in self-supervised learning, and how is it applied to
# > reinforcement learning?
#
# > **Questions around it (seed interview 003):** what is meta-learning ("learning to learn") and
# > what is it for? Write a meta-learning algorithm that trains on several tasks and then adapts
# > quickly to a new one.
#
# **Model answer.** Meta-learning learns from a **distribution of tasks** so that a *new* task
# from the same distribution is learnt from a handful of examples. Its training examples are
# tasks, each split into a small **support set** (what the learner adapts on) and a **query set**
# (new points of the same task, which score the adaptation). MAML (Finn et al. 2017) learns an
# **initialisation** $\theta$: an **inner loop** adapts $\theta$ to each task with a few gradient
# steps on its support set, $\theta'_i = \theta - \alpha\nabla_\theta\mathcal L^{S}_i(\theta)$, and an **outer
# loop** moves $\theta$ to lower the query loss *of the adapted parameters*,
# $\sum_i\mathcal L^{Q}_i(\theta'_i)$, differentiating through the inner step (second order; first-order
# MAML and Reptile drop that term). Training one network on every task's data at once, or on
# one dataset after another, is **not** meta-learning: with no inner loop it learns the *average*
# task, and here that average adapts badly (measured below). Meta-learning is not self-supervised
# by itself (the support and query targets here are ordinary regression labels); the two meet
# when tasks are built from unlabelled data (clusters or augmentations as pseudo-classes: CACTUs,
# UMTRA). **In RL** a task is an environment (a robot asked to run at a new speed or in a new
# direction): MAML's inner loop is a policy-gradient step on a few episodes of the new task and
# its outer loop a TRPO step (Finn et al. 2017); RL² (Duan et al. 2016) instead learns the
# adaptation itself with a recurrent policy that reads its own rewards, and PEARL (Rakelly et al.
# 2019) infers a task variable from experience. This chapter measures the supervised case only.

# %%
import math
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch.func import functional_call, grad

from ssl_course import bar, check, device, quick_mode, quiz, scaled, seed_everything, use_reference_if_unsolved
from ssl_course.data.sinusoids import AMPLITUDE, PHASE, X_RANGE, sinusoid, sinusoid_tasks
from ssl_course.meta.maml import finetune_curve, maml_objective, params_of, pooled_objective, sine_net, train_on_tasks
from ssl_course.meta.reptile import reptile_objective

seed_everything(0)
torch.set_num_threads(1)  # 40-unit layers: one thread is faster than two handing work to each other
DEVICE = torch.device("cpu")  # these tiny networks run faster on the CPU than a GPU's kernel launches
print("device:", device(), "| this chapter trains on:", DEVICE)
CPU_START = time.process_time()

# %% [markdown]
# ## Theory
#
# **Tasks.** The benchmark of Finn et al. (2017): a task is the function $y = A\sin(x - \varphi)$
# with amplitude $A \sim U[0.1, 5]$, phase $\varphi \sim U[0, \pi]$ and inputs $x \sim U[-5, 5]$. A
# learner is given $K = 5$ points of a new task (the support set) and must predict the whole
# curve (scored by the MSE on 100 other points, the query set). The model is the paper's: a
# ReLU network with two hidden layers of 40 units.
#
# **MAML.** With the support loss $\mathcal L^S_i$ and query loss $\mathcal L^Q_i$ of task $i$ (MSEs),
#
# $$\theta'_i = \theta - \alpha\,\nabla_\theta \mathcal L^S_i(\theta) \quad\text{(inner loop, one step; repeat for more)},
# \qquad \min_\theta\ \frac1T\sum_{i=1}^T \mathcal L^Q_i(\theta'_i) \quad\text{(outer loop, Adam)}.$$
#
# By the chain rule the meta-gradient of one task is
#
# $$\nabla_\theta\,\mathcal L^Q_i(\theta'_i) = \big(I - \alpha\,\nabla^2_\theta \mathcal L^S_i(\theta)\big)\,
#   \nabla_{\theta'}\mathcal L^Q_i(\theta'_i),$$
#
# a Hessian-vector product that autograd computes without forming the Hessian, provided the
# inner gradient keeps its graph. With `torch.func` the parameters are a dict passed to
# `functional_call(model, params, (x,))`, and `grad(loss)(params)` returns the inner gradient
# as tensors that still depend on `params`: the update $\theta - \alpha g$ is then an ordinary
# differentiable expression. **First-order MAML** detaches $g$, which drops the Hessian term: the
# meta-gradient becomes $\nabla_{\theta'}\mathcal L^Q_i(\theta'_i)$, the query gradient at the adapted
# parameters. **Reptile** (Nichol et al. 2018) needs no query gradient at all: it runs $k$ steps of
# SGD from $\theta$ on each task to $\varphi_i$ and moves $\theta$ towards them,
# $\theta \leftarrow \theta + \varepsilon\,\tfrac1T\sum_i(\varphi_i - \theta)$; to first order in the inner
# step size its update is the pooled gradient plus a term that aligns the gradients of different
# points of the same task.
#
# **The average task.** Training one network on every task's points pooled minimises
# $\mathbb E_{T}\mathbb E_x\,(f_\theta(x) - y_T(x))^2$, whose minimiser is the mean function
# $f^*(x) = \mathbb E[A]\,\mathbb E_\varphi[\sin(x-\varphi)] = -\tfrac{2\,\mathbb E[A]}{\pi}\cos x$ (the phases cover
# only half a turn, so the sines do not cancel). Its error on a new task, before any adaptation,
# has a closed form, since $\mathbb E_\varphi\sin^2(x-\varphi) = \tfrac12$ for every $x$:
#
# $$\mathrm{MSE}(f^*) = \tfrac12\,\mathbb E[A^2] - \Big(\tfrac{2\,\mathbb E[A]}{\pi}\Big)^2\,\mathbb E_x\cos^2 x,\qquad
#   \mathbb E[A^2] = \tfrac{b^3 - a^3}{3(b-a)},\quad \mathbb E_x\cos^2 x = \tfrac12 + \tfrac{\sin 10}{20}.$$

# %%
a, b = AMPLITUDE
mean_a, mean_a2 = (a + b) / 2, (b**3 - a**3) / (3 * (b - a))
mean_cos2 = 0.5 + math.sin(2 * X_RANGE[1]) / (4 * X_RANGE[1])  # E cos^2 x for x ~ U[-5, 5]
MEAN_FN_MSE = 0.5 * mean_a2 - (2 * mean_a / math.pi) ** 2 * mean_cos2
assert PHASE == (0.0, math.pi)
print(f"E[A] = {mean_a:.3f}, E[A^2] = {mean_a2:.3f}; the mean function is {-2 * mean_a / math.pi:.3f} cos x")
print(f"closed form: MSE of the mean function on a new task = {MEAN_FN_MSE:.3f}")

# %% [markdown]
# ## The common wrong answer
#
# The seed's "meta-learning algorithm" (paraphrased) builds one classifier, loops over two
# datasets one after the other with the ordinary loss and optimiser, and then evaluates it on a
# third dataset, calling the result meta-learnt. There is no task structure in training: no
# support set, no query set, no inner loop, nothing that rewards *adapting*. On sinusoids the
# kindest version of it mixes a fresh batch of tasks into every step (so nothing is forgotten,
# unlike training one task after another): `pooled_objective`, the MSE of one network on every
# point of every task in the batch. This is also Finn et al.'s "pretrained on all tasks"
# baseline. We train it with the meta-learners' recipe (the same network, tasks, points per
# task, Adam and seeds), for 1,000 outer steps instead of their 3,000: what its objective asks
# for, the mean function below, is reached well within them (asserted), and the time budget goes
# to the meta-learners. Then we fine-tune it on a new task exactly as MAML will be: plain SGD,
# learning rate 0.01, on the 5 support points.
#
# Before any fine-tuning it should have learnt the mean function $f^*$: its curve should sit on
# $f^*$ and its test MSE on $f^*$'s (close to the closed form above, up to the sampling of the
# 1,000 test tasks). A known truth the run must hit.

# %%
SEEDS = (0, 1, 2)
ITERATIONS = scaled(3000, 30)  # outer steps, fixed (not a time budget): the runs repeat exactly
PRETRAIN_ITERATIONS = scaled(1000, 30)  # the pretrained baseline: its optimum (the mean function) is reached earlier
OUTER_LR = 0.01  # Adam, cosine-decayed to 0 over the ITERATIONS steps
RECIPE = dict(meta_batch=50, k_support=5, k_query=20, outer_lr=OUTER_LR, device=DEVICE)
TEST = sinusoid_tasks(1000, 5, 100, generator=torch.Generator().manual_seed(2017), device=DEVICE)  # new tasks
INNER_LR, TEST_STEPS = 0.01, 10


def run(objective, seeds, iterations=ITERATIONS):
    """Train one model per seed with the shared recipe; return (curves (S, TEST_STEPS + 1), models,
    training CPU seconds per seed)."""
    models, cpu = [], []
    for s in seeds:
        start = time.process_time()
        models.append(train_on_tasks(objective, s, iterations, **RECIPE))
        cpu.append(time.process_time() - start)
    curves = torch.stack([finetune_curve(m, TEST, INNER_LR, TEST_STEPS) for m in models])
    return curves, models, cpu


pre_curves, pre_models, pre_cpu = run(pooled_objective, SEEDS, PRETRAIN_ITERATIONS)
print(f"pretrained on all tasks, {len(SEEDS)} seeds ({sum(pre_cpu):.1f} s CPU):")
for label, i in (("before fine-tuning", 0), ("after 1 step", 1), (f"after {TEST_STEPS} steps", TEST_STEPS)):
    col = pre_curves[:, i]
    print(f"  test MSE {label:>20}: {col.mean():.3f} ± {col.std():.3f}   (seeds: {col.numpy().round(3)})")


def mean_function(x):
    """f*(x) = E[A] E[sin(x - phi)] = -(2 E[A] / pi) cos x, the best prediction with no data from the task."""
    return -(2 * mean_a / math.pi) * torch.cos(x)


mean_fn_test = (TEST.y_query - mean_function(TEST.x_query)).pow(2).mean().item()
grid = torch.linspace(*X_RANGE, 1001, device=DEVICE)[:, None]
with torch.no_grad():
    distance = torch.tensor([(m(grid) - mean_function(grid)).pow(2).mean().item() for m in pre_models])
print(f"the mean function f* on the same test tasks: MSE {mean_fn_test:.3f} (closed form {MEAN_FN_MSE:.3f}; "
      "the 1,000 tasks are a sample)")
print(f"mean squared distance between the pretrained network and f* on [-5, 5]: {distance.numpy().round(4)}")
if not quick_mode():
    assert distance.max() < 0.05 * MEAN_FN_MSE  # it learnt the average task, to a few % of the task variance
    assert (pre_curves[:, 0] - mean_fn_test).abs().max() < 0.05 * MEAN_FN_MSE

# %% [markdown]
# The pretrained network has learnt what its objective asks for, the average task: its curve
# sits on $f^*$ and its test error on $f^*$'s. Five support points and plain SGD at the learning
# rate MAML uses then move it little (the rows above): the step that would bend the mean curve
# towards *this* task's sine is not one its training ever rewarded.
#
# The seed's loop, taken literally, is worse still: it trains on one dataset, *then* the next.
# Below, the same network, optimiser and number of steps, but the tasks come one after another,
# 30 steps on each task's 25 points before moving on. The network ends up fitting the last tasks
# it saw (catastrophic forgetting), so even before fine-tuning it is further from a new task
# than the average is.

# %%
STEPS_PER_TASK = 30


def train_one_task_after_another(seed, lr=OUTER_LR):
    """The seed's loop: for each task in turn, STEPS_PER_TASK Adam steps on its own points; no inner loop."""
    torch.manual_seed(seed)
    model = sine_net().to(DEVICE)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    for _ in range(ITERATIONS // STEPS_PER_TASK):
        t = sinusoid_tasks(1, RECIPE["k_support"] + RECIPE["k_query"], 0, generator=g, device=DEVICE)
        for _ in range(STEPS_PER_TASK):
            opt.zero_grad()
            F.mse_loss(model(t.x_support[0]), t.y_support[0]).backward()
            opt.step()
    return model


start = time.process_time()
seq_curves = finetune_curve(train_one_task_after_another(SEEDS[0]), TEST, INNER_LR, TEST_STEPS)[None]  # (1, steps + 1)
seq_cpu = [time.process_time() - start]
print(f"one task after another (seed {SEEDS[0]}, one run): test MSE before fine-tuning {seq_curves[0, 0]:.3f}, "
      f"after 1 step {seq_curves[0, 1]:.3f}, after {TEST_STEPS} steps {seq_curves[0, TEST_STEPS]:.3f}")
if not quick_mode():
    assert seq_curves[0, 0] > pre_curves[:, 0].max() + 0.5  # forgetting: far from the average task

# %% [markdown]
# ## Exercise 22.adapt
#
# Write MAML's inner loop for one task. `params` is a dict `{name: tensor}` (the keys of
# `model.named_parameters()`, but **not** necessarily the model's own weights) and the network
# at `params` is `functional_call(model, params, (x,))`. Take `steps` steps of gradient descent
# on `F.mse_loss` (the mean over every entry of the `(K, d_out)` error) with learning rate
# `inner_lr`, each gradient taken at the current parameters, and return a **new** dict with the
# same keys in the same order. Leave `params` and the model unchanged. `params` may or may not
# require grad. By default each step's gradient keeps its graph (second order:
# `torch.func.grad` does this); with `first_order=True` detach each step's gradient.
# Shapes: `x` `(K, d_in)`, `y` `(K, d_out)`.

# %%
def adapt(model, params: dict, x: torch.Tensor, y: torch.Tensor, inner_lr: float = 0.01, steps: int = 1,
          first_order: bool = False) -> dict:
    """theta_{i+1} = theta_i - inner_lr * grad MSE(f(x; theta_i), y), `steps` times: a new dict of params' keys."""
    ### BEGIN SOLUTION
    def support_loss(p):
        return F.mse_loss(functional_call(model, p, (x,)), y)

    for _ in range(steps):
        g = grad(support_loss)(params)
        params = {k: p - inner_lr * (g[k].detach() if first_order else g[k]) for k, p in params.items()}
    return params
    ### END SOLUTION


check("22.adapt", adapt)

# %%
adapt = use_reference_if_unsolved("22.adapt", adapt)

# %% [markdown]
# ## Exercise 22.maml_loss
#
# Write the MAML meta-objective for a batch of $T$ tasks: for each task $t$, adapt `params` on
# its support set (`x_support[t]`, `y_support[t]`) with your `adapt` (passing `inner_lr`,
# `steps`, `first_order` on), score the adapted parameters by `F.mse_loss` on its query set
# (`x_query[t]`, `y_query[t]`), and return the **mean over tasks** (a scalar). Its gradient with
# respect to `params` is the meta-gradient. Shapes: `x_support` `(T, K, d_in)`, `y_support`
# `(T, K, d_out)`, `x_query` `(T, Q, d_in)`, `y_query` `(T, Q, d_out)`.

# %%
def maml_loss(model, params: dict, x_support: torch.Tensor, y_support: torch.Tensor, x_query: torch.Tensor,
              y_query: torch.Tensor, inner_lr: float = 0.01, steps: int = 1, first_order: bool = False) -> torch.Tensor:
    """Mean over tasks of the query MSE after adapting on the support set: a scalar."""
    ### BEGIN SOLUTION
    losses = []
    for xs, ys, xq, yq in zip(x_support, y_support, x_query, y_query):
        adapted = adapt(model, params, xs, ys, inner_lr, steps, first_order)
        losses.append(F.mse_loss(functional_call(model, adapted, (xq,)), yq))
    return torch.stack(losses).mean()
    ### END SOLUTION


check("22.maml_loss", maml_loss)

# %%
maml_loss = use_reference_if_unsolved("22.maml_loss", maml_loss)

# %% [markdown]
# Your `maml_loss` loops over the tasks; the package's (`ssl_course.meta.maml.maml_loss`) runs
# the same function under `torch.func.vmap`, which batches the tasks of a meta-batch into one
# set of matrix products. The check above holds the two to the same values and meta-gradients.
# The training below goes one step further for speed on a CPU: `mlp_maml_loss` writes the
# 40-40 network's layers as batched matrix products (`torch.baddbmm`) with one copy of the
# weights per task, and `tests/test_maml.py` holds it to `maml_loss`'s values and meta-gradients,
# second and first order.
#
# ## The headline experiment
#
# Finn et al. (2017)'s sinusoids, their network (40-40 ReLU) and their inner learning rate
# ($\alpha = 0.01$, one inner step in training), with $K = 5$ support points per task. Our outer
# loop departs from the paper's to fit a CPU budget: meta-batches of 50 tasks (the paper: 25),
# 20 query points per training task (the paper: $K$), and a fixed 3,000 steps of Adam at a
# learning rate of 0.01 decayed to 0 by a cosine (the paper: 70,000 steps at 0.001). Every model
# is then scored on the same 1,000 new tasks: 5 support points, plain SGD at 0.01 for 1 and for
# 10 steps, MSE on 100 query points per task.
#
# - **MAML** (second order, the default), 3 seeds;
# - the **pretrained** network of the wrong-answer section, 3 seeds;
# - **first-order MAML** and **Reptile** (3 SGD steps of 0.03 per task, Adam on the Reptile
#   direction), one run each beside it, with half of MAML's outer steps (1,500; the time budget):
#   they show the two variants at work, and no difference with MAML is claimed for them.
#
# The bars (the syllabus's; Finn et al. report 0.67 after one step and 0.35 after ten): MAML's
# 5-shot test MSE, mean of the 3 seeds, at most 0.70 after 1 step and at most 0.40 after 10;
# the pretrained network at least 3 times worse at both step counts, comparing its **best**
# seed with MAML's **worst**; and MAML's training within 120 s of CPU time on every seed (the
# syllabus's budget for reaching those errors; the whole notebook, every method included, has a
# budget of its own, also 120 s).

# %%
maml_curves, maml_models, maml_cpu = run(maml_objective(INNER_LR), SEEDS)
print(f"MAML, {len(SEEDS)} seeds: training CPU seconds per seed {[round(c, 1) for c in maml_cpu]}")

# %%
VARIANT_ITERATIONS = ITERATIONS // 2  # single runs beside MAML, for the time budget
fo_curves, _, fo_cpu = run(maml_objective(INNER_LR, first_order=True), SEEDS[:1], VARIANT_ITERATIONS)
rep_curves, _, rep_cpu = run(reptile_objective(inner_lr=0.03, steps=3), SEEDS[:1], VARIANT_ITERATIONS)
results = {"MAML (second order)": (maml_curves, maml_cpu),
           f"first-order MAML, {VARIANT_ITERATIONS} steps": (fo_curves, fo_cpu),
           f"Reptile, {VARIANT_ITERATIONS} steps": (rep_curves, rep_cpu),
           f"pretrained, {PRETRAIN_ITERATIONS} steps": (pre_curves, pre_cpu),
           "one task after another": (seq_curves, seq_cpu)}


def cell(col):
    if len(col) == 1:
        return f"{col.item():.3f} (one run)"
    return f"{col.mean():.3f} ± {col.std():.3f} (worst {col.max():.3f})"


print(f"{'5-shot test MSE':<32}{'0 steps':>30}{'1 step':>30}{f'{TEST_STEPS} steps':>30}{'CPU s':>8}")
for name, (curves, cpu) in results.items():
    print(f"{name:<32}" + "".join(f"{cell(curves[:, i]):>30}" for i in (0, 1, TEST_STEPS)) + f"{sum(cpu):>8.1f}")

# %%
bar("22.maml_5shot_mse_1_step", maml_curves[:, 1].mean(), "<=", 0.70)
bar("22.maml_5shot_mse_10_steps", maml_curves[:, TEST_STEPS].mean(), "<=", 0.40)
bar("22.pretrained_over_maml_1_step", pre_curves[:, 1].min() / maml_curves[:, 1].max(), ">=", 3.0, unit="x")
bar("22.pretrained_over_maml_10_steps", pre_curves[:, TEST_STEPS].min() / maml_curves[:, TEST_STEPS].max(), ">=", 3.0,
    unit="x")
bar("22.maml_train_cpu_seconds_worst_seed", max(maml_cpu), "<=", 120, unit=" s", timing=True)

# %% [markdown]
# **What adaptation looks like.** One new task (seed 0's models), its 5 support points, and the
# predictions after 0, 1 and 10 SGD steps (the layout of Finn et al.'s Figure 2); right, the test
# MSE against the number of steps, mean over seeds.

# %%
task = 3
xs, ys = TEST.x_support[task], TEST.y_support[task]
grid = torch.linspace(*X_RANGE, 200, device=DEVICE)[:, None]
truth = sinusoid(grid[None], TEST.amplitude[task:task + 1], TEST.phase[task:task + 1])[0]
fig, axes = plt.subplots(1, 3, figsize=(14, 3.4))
for ax, (name, model) in zip(axes, (("MAML", maml_models[0]), ("pretrained", pre_models[0]))):
    ax.plot(grid, truth, "k", lw=2, label="true task")
    ax.scatter(xs, ys, c="k", marker="^", zorder=3, label="5 support points")
    p = {k: v.detach() for k, v in params_of(model).items()}
    for n_steps, style in ((0, ":"), (1, "--"), (TEST_STEPS, "-")):
        with torch.no_grad():
            fit = adapt(model, p, xs, ys, INNER_LR, n_steps, first_order=True)
            ax.plot(grid, functional_call(model, fit, (grid,)), style, label=f"after {n_steps} steps")
    ax.set(title=name, xlabel="x", ylim=(-6, 6))
    ax.legend(fontsize=7)
for name, (curves, _) in results.items():
    axes[2].plot(curves.mean(0), marker="o", ms=3, label=name)
axes[2].set(xlabel="SGD steps on the 5 support points", ylabel="test MSE (1,000 tasks)", yscale="log")
axes[2].legend(fontsize=7)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Reading the results honestly
#
# The numbers for these points are printed by the cells above and the next one.
#
# 1. **The 1-step bar is on the mean of 3 seeds.** The next cell prints how many seeds are over
#    0.70 on their own (in the run recorded here, the worst seed was); after 10 steps every seed is
#    under 0.40 (asserted). The paper's 0.67 / 0.35 come from 70,000 outer steps; at 3,000 steps
#    the one-step error is still falling, so this recipe is at the edge of the bar, not past it.
# 2. **First-order MAML and Reptile are single runs, with half of MAML's outer steps.** Both
#    adapt far better than the pretrained network after 10 steps (asserted), so both learn an
#    initialisation that adapts; how they compare with MAML at equal cost, one short run each
#    cannot say (Finn et al. found the first-order version nearly as good as the full one).
#    Reptile was not tuned either (its inner step count and learning rate are one guess).
# 3. **The pretrained baseline is fine-tuned the MAML way**, at MAML's learning rate. Finn et al.
#    tuned its step size instead. The next cell tries 0.003, 0.01 and 0.03 on seed 0's pretrained
#    network: the smaller step is slower, and at 0.03 fine-tuning on 5 points already diverges on
#    some tasks (the mean test MSE after 10 steps is NaN or far above 0.01's), so no step size tried
#    brings it near MAML (asserted: at least twice MAML's worst seed at 1 and at 10 steps).
# 4. **Sinusoids are a toy.** Every task is a two-parameter curve; least squares on the
#    features $\sin x, \cos x$ would solve a task exactly from 2 points, since
#    $A\sin(x-\varphi) = A\cos\varphi\,\sin x - A\sin\varphi\,\cos x$. What MAML shows here is that a
#    generic network can be *initialised* so that 1 gradient step does much of that fit. On image
#    benchmarks (Omniglot, MiniImagenet) Raghu et al. (2020) found that most of MAML's gain comes
#    from reusing features, not from rapid change of the whole network; nothing here tests that.
# 5. **Time.** The training's CPU time is printed with the table (per method, summed over its
#    seeds); the timing bar is MAML's slowest seed. CPU time is one thread's on the machine that
#    ran this notebook: a machine busy with other work, or a slower one, makes the same run cost
#    more, the errors do not change.

# %%
base = pre_models[0]
tuned = {}
for lr in (0.003, 0.01, 0.03):
    tuned[lr] = finetune_curve(base, TEST, lr, TEST_STEPS)
    print(f"pretrained (seed 0) fine-tuned at lr {lr:<5}: test MSE after 1 step {tuned[lr][1]:.3f}, "
          f"after {TEST_STEPS} steps {tuned[lr][TEST_STEPS]:.3f}")
print(f"MAML at lr 0.01, mean of {len(SEEDS)} seeds:        after 1 step {maml_curves[:, 1].mean():.3f}, "
      f"after {TEST_STEPS} steps {maml_curves[:, TEST_STEPS].mean():.3f}")
print(f"MAML seeds over 0.70 after 1 step: {int((maml_curves[:, 1] > 0.70).sum())} of {len(SEEDS)}; "
      f"over 0.40 after {TEST_STEPS} steps: {int((maml_curves[:, TEST_STEPS] > 0.40).sum())}")
print(f"first-order MAML ({VARIANT_ITERATIONS} steps) minus MAML's mean: after 1 step "
      f"{fo_curves[0, 1] - maml_curves[:, 1].mean():+.3f}, "
      f"after {TEST_STEPS} steps {fo_curves[0, TEST_STEPS] - maml_curves[:, TEST_STEPS].mean():+.3f} "
      f"(MAML's std over seeds: {maml_curves[:, 1].std():.3f}, {maml_curves[:, TEST_STEPS].std():.3f})")
if not quick_mode():
    finite = [c for c in tuned.values() if torch.isfinite(c).all()]
    assert min(c[1] for c in finite) > 2 * maml_curves[:, 1].max()
    assert min(c[TEST_STEPS] for c in finite) > 2 * maml_curves[:, TEST_STEPS].max()
    assert not tuned[0.03][TEST_STEPS] <= tuned[0.01][TEST_STEPS]  # NaN or worse: the larger step diverges
    assert maml_curves[:, TEST_STEPS].max() <= 0.40
    for variant in (fo_curves, rep_curves):  # both variants adapt far better than the pretrained network
        assert variant[0, TEST_STEPS] < 0.5 * pre_curves[:, TEST_STEPS].min()
print(f"whole notebook so far: {time.process_time() - CPU_START:.1f} s of CPU time")

# %% [markdown]
# ## Interview drill

# %%
quiz("22.q1")

# %%
quiz("22.q2")

# %%
quiz("22.q3")

# %%
quiz("22.q4")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>How would you apply MAML to reinforcement learning?</summary>
#
# A task is an MDP from a family (a locomotion goal, a maze). The inner loop collects a few
# episodes with the current policy and takes a policy-gradient step (REINFORCE) on them; the
# outer loop collects new episodes with the adapted policy and improves $\theta$ on them (Finn et
# al. used TRPO there). The meta-gradient must go through the sampling of episodes, which makes
# its estimate noisy. Alternatives learn the adaptation itself: RL² (a recurrent policy that reads
# past rewards) and PEARL (a probabilistic task variable inferred from experience).
# </details>
#
# <details><summary>Ten inner steps make second-order MAML run out of memory. What are the
# options?</summary>
#
# First-order MAML or Reptile (no graph through the inner loop: memory constant in the number of
# steps); implicit MAML (Rajeswaran et al. 2019: the meta-gradient from the implicit function
# theorem at the inner solution, with a conjugate-gradient solve); gradient checkpointing of the
# inner loop; or adapting only the last layer (ANIL, Raghu et al. 2020).
# </details>
#
# <details><summary>Why does meta-training use a query set, rather than scoring the adaptation on
# the support points it was computed on?</summary>
#
# The outer loss must reward generalising within a task. Scored on its own support set, the best
# initialisation is one whose inner step memorises the $K$ points (a large effective step), with no
# pressure to predict the rest of the curve; the query set is what makes the objective "error on
# new points after adapting", the quantity measured at test time.
# </details>
#
# ## Summary
#
# - Meta-learning trains on tasks: adapt on a support set (inner loop), score on a query set,
#   and improve the starting point for that score (outer loop).
# - MAML's meta-gradient goes through the inner step: $(I - \alpha\nabla^2\mathcal L^S)\nabla\mathcal L^Q(\theta')$;
#   with `torch.func` the inner gradient is an ordinary differentiable tensor, and first-order
#   MAML detaches it.
# - Measured on Finn et al.'s sinusoids: MAML's 5-shot error, mean of 3 seeds, meets the
#   syllabus bars (0.70 after one step, 0.40 after ten; the worst seed misses the first), while a
#   network pretrained on all the tasks (the common wrong answer) learns the average task (it
#   sits on the closed-form mean function) and, fine-tuned the same way, is several times worse.
#
# ## References
#
# - C. Finn, P. Abbeel, S. Levine. *Model-Agnostic Meta-Learning for Fast Adaptation of Deep
#   Networks*. ICML 2017.
# - A. Nichol, J. Achiam, J. Schulman. *On First-Order Meta-Learning Algorithms* (Reptile). 2018.
# - A. Antoniou, H. Edwards, A. Storkey. *How to train your MAML* (MAML++). ICLR 2019.
# - A. Raghu, M. Raghu, S. Bengio, O. Vinyals. *Rapid Learning or Feature Reuse? Towards
#   Understanding the Effectiveness of MAML* (ANIL). ICLR 2020.
# - A. Rajeswaran, C. Finn, S. Kakade, S. Levine. *Meta-Learning with Implicit Gradients*. NeurIPS 2019.
# - Y. Duan et al. *RL²: Fast Reinforcement Learning via Slow Reinforcement Learning*. 2016.
# - K. Rakelly et al. *Efficient Off-Policy Meta-Reinforcement Learning via Probabilistic Context
#   Variables* (PEARL). ICML 2019.
# - K. Hsu, S. Levine, C. Finn. *Unsupervised Learning via Meta-Learning* (CACTUs). ICLR 2019.
# - S. Khodadadeh, L. Bölöni, M. Shah. *Unsupervised Meta-Learning for Few-Shot Image
#   Classification* (UMTRA). NeurIPS 2019.
# - PyTorch, `torch.func` (functional_call, grad, vmap) documentation.
