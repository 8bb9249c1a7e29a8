# %% [markdown]
# # 00 · Welcome: how this course works
#
# > **问题：** 这门课怎么学？练习如何自动判分？
# >
# > **Question:** How do you study this course, and how are the exercises graded?
#
# Thirty chapters follow this one, each built around one interview question on
# self-supervised learning (SSL). Every chapter has the same parts:
#
# 1. **The question**, in Chinese and English, and a **short model answer** you could say
#    in an interview.
# 2. **Theory** with the equations that matter.
# 3. **The common wrong answer**: what a typical answer gets wrong, shown running.
# 4. **Exercises** that you write and that are **graded on the spot** by `check(...)`.
# 5. **A headline experiment** with a bar the chapter must meet (asserted in the notebook).
# 6. **An interview drill**: quizzes graded when you click, and follow-up questions with
#    folded answers.
# 7. **A summary and references.**
#
# Everything runs offline on a laptop CPU; each chapter is sized to run in about a minute (a
# few in two). If you have a GPU, the same code uses it: chapters ask `ssl_course.device()`
# and never call `.cuda()`.

# %% [markdown]
# ## Your environment
#
# Every chapter starts like this: seed everything, pick the device, report the versions.
# Same seed, same machine, same numbers: the cell checks it on a first draw.

# %%
import platform

import torch

import ssl_course
from ssl_course import check, device, quiz, run_check, seed_everything, use_reference_if_unsolved

seed_everything(0)
first_draw = torch.randn(3)
seed_everything(0)
assert torch.equal(torch.randn(3), first_draw)  # the same seed gives the same numbers
seed_everything(0)
print(f"python {platform.python_version()}, torch {torch.__version__}, ssl_course {ssl_course.__version__}")
print(f"device: {device()}, CPU threads used by torch: {torch.get_num_threads()}")

# %% [markdown]
# ## The data you will meet
#
# Nothing is downloaded: every dataset is generated on your machine or ships with an installed
# package. `digits` are scikit-learn's 8×8 handwritten digits; `shapes` are procedural coloured
# shapes whose factors (shape, colour, size, position, rotation) are known, so a chapter can
# ask which factor a representation kept; `mnist1d` (Greydanus, 2020) turns each digit into a
# 40-point signal, smaller than an 8×8 digit but much harder for a linear model, as the cell
# below measures (a logistic regression on the raw inputs of each).

# %%
import matplotlib.pyplot as plt

from ssl_course.data.digits import digits
from ssl_course.data.mnist1d import mnist1d
from ssl_course.data.shapes import shapes
from ssl_course.plot import image_grid

fig, axes = plt.subplots(1, 3, figsize=(12, 2.8))
image_grid(digits().x[:24], nrow=8, ax=axes[0], title="digits (8×8)")
image_grid(shapes(24, seed=0).images, nrow=8, ax=axes[1], title="shapes (16×16, RGB)")
signals = mnist1d().x[:4]
for k, s in enumerate(signals):
    axes[2].plot(s.numpy() + 4 * k, lw=1.2)
axes[2].set_title("mnist1d (40 points, 4 samples)")
axes[2].set_yticks([])
plt.tight_layout()
plt.show()

# %%
from ssl_course.evaluate.probes import linear_probe

linear = {name: linear_probe(d.x.flatten(1), d.y, d.x_test.flatten(1), d.y_test)
          for name, d in [("digits", digits()), ("mnist1d", mnist1d())]}
print("a linear classifier on raw inputs, test accuracy:", {k: f"{v:.1%}" for k, v in linear.items()})
assert linear["digits"] > 0.9 and linear["mnist1d"] < 0.5  # chance is 10% on both

# %% [markdown]
# ## How an exercise works
#
# An exercise is a function with its body missing. In your copy of the notebook the body is
# `raise NotImplementedError`; replace it with your code and run the cell: the `check(...)`
# call at the bottom of the same cell grades it. The check calls your function on fixed
# cases, on edge cases (a batch of one, a zero row, float64) and on up to 25 random cases
# drawn by [Hypothesis](https://hypothesis.readthedocs.io), and compares the result (and,
# where training needs it, as here, its **gradient**) with a reference implementation. It
# answers:
#
# - **PASSED**: every case matched;
# - **FAILED**: the first case that did not match, what was expected, what came, and a hint;
# - **NOT ATTEMPTED**: the function still raises `NotImplementedError`.
#
# Your results are saved in a small file under your home; `ssl-course progress` in a
# terminal shows them. Stuck? `ssl-course solution 00.hello` prints the solution.
#
# ### Exercise 00.hello: unit-length rows
#
# Contrastive learning compares embeddings by **cosine similarity**, the dot product of
# unit-length vectors. Write `normalize_rows(x)`: for `x` of shape `(N, D)`, return each row
# divided by its L2 norm,
#
# $$\hat x_i = \frac{x_i}{\max(\lVert x_i\rVert_2, \epsilon)},$$
#
# where the small $\epsilon$ keeps an all-zero row at zero instead of turning it into NaN.

# %%
def normalize_rows(x: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """x: (N, D) -> (N, D) with every row of unit L2 length (zero rows stay zero)."""
    ### BEGIN SOLUTION
    return x / x.norm(dim=1, keepdim=True).clamp_min(eps)
    ### END SOLUTION


check("00.hello", normalize_rows)

# %% [markdown]
# Later cells must work whether or not you solved the exercise, so chapters use
# `use_reference_if_unsolved`: your function if it passes, the reference otherwise.

# %%
normalize = use_reference_if_unsolved("00.hello", normalize_rows)
z = normalize(torch.randn(4, 3))
print("row lengths:", z.norm(dim=1))
print("cosine similarities:\n", z @ z.T)

# %% [markdown]
# ## The common wrong answer
#
# Normalising along the wrong dimension is the classic slip: `x.norm(dim=0)` makes every
# **column** unit length, and the "cosine similarities" that follow are not cosines at all.
# The check catches it on its first case:

# %%
def normalize_columns(x, eps=1e-12):
    return x / x.norm(dim=0, keepdim=True).clamp_min(eps)


# run_check grades without recording anything in your progress
print(run_check("00.hello", normalize_columns))

# %% [markdown]
# A subtler slip returns the right numbers and still breaks training: computing the norm
# through NumPy (which needs `.detach()`) cuts the gradient through the norm. The values
# match; the gradient check does not:

# %%
def normalize_rows_via_numpy(x, eps=1e-12):
    norms = torch.from_numpy(x.detach().numpy()).norm(dim=1, keepdim=True)  # no gradient flows here
    return x / norms.clamp_min(eps)


x = torch.randn(5, 3)
assert torch.allclose(normalize_rows_via_numpy(x), normalize(x))  # the values are right
result = run_check("00.hello", normalize_rows_via_numpy)
print(result)
assert result.status == "failed" and "gradient" in str(result)

# %% [markdown]
# ## Headline experiment: is this machine fast enough?
#
# The course is sized for a 2-core laptop CPU. A quick matrix-multiply benchmark tells you
# how your machine compares; every chapter is budgeted at about a minute on 2 cores.

# %%
from ssl_course import Timer, bar

a = torch.randn(512, 512)
with Timer() as t:
    for _ in range(20):
        a @ a
gflops = 20 * 2 * 512**3 / t.seconds / 1e9
print(f"{gflops:.1f} GFLOP/s in float32 matrix multiplication")
bar("00.matmul_gflops", gflops, ">=", 1.0, " GFLOP/s", timing=True)

# %% [markdown]
# ## Interview drill
#
# Quizzes are graded when you click a choice (in JupyterLab): the answer and the explanation of
# your choice appear then, not before; a wrong first click stays in your progress. In a terminal
# or a script, answer in code: `quiz("00.q1").answer(...)` with the letter of your choice.

# %%
quiz("00.q1")

# %%
quiz("00.q2")

# %%
quiz("00.q3")

# %% [markdown]
# **Follow-up questions** (think first, then unfold):
#
# <details><summary>Why clamp the norm instead of adding eps to it?</summary>
#
# Clamping leaves every row longer than eps with exactly unit length; adding eps shrinks
# every row a little. Both avoid dividing by zero; `torch.nn.functional.normalize` clamps.
# </details>
#
# <details><summary>Why check gradients and not only values?</summary>
#
# A function can return the right numbers and still break training: a `.detach()` or a
# detour through NumPy cuts the gradient. The NumPy version above passes every value and
# fails the gradient check.
# </details>
#
# ## Summary
#
# - Exercises are graded by `check(id, fn)`: passed, failed (with the first failing case and a
#   hint) or not attempted. `use_reference_if_unsolved` keeps the notebook running.
# - Quizzes grade on click, or with `quiz(ID).answer(...)` in code; `ssl-course progress` shows it all.
# - Checks compare gradients where training needs them: right values are not enough.
# - Chapters are seeded (same seed, same machine, same numbers) and sized for a laptop CPU.
#
# ## References
#
# - The Hypothesis documentation, <https://hypothesis.readthedocs.io>.
# - PyTorch, `torch.nn.functional.normalize`.
