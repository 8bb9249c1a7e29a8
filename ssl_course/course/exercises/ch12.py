"""Chapter 12: collapse and non-contrastive losses. The effective rank that detects collapse
(RankMe), and the two losses that prevent it without negatives: Barlow Twins and VICReg."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from ...evaluate.rank import effective_rank
from ...noncontrastive.barlow_twins import barlow_twins
from ...noncontrastive.vicreg import vicreg
from ..checks import (
    Case,
    Exercise,
    against_reference,
    custom,
    default_device_test,
    property_test,
    reference_exercise,
    register,
)
from ._common import randn, view_pair

_BIG = "Every row counts, however many there are: no chunks, no sub-sample of the rows."
_F64 = "Compute in the input's dtype: float64 in, float64 arithmetic and result out."


# ----------------------------------------------------------------------------- 12.effective_rank
def _rank_one(n: int, d: int, seed: int) -> torch.Tensor:
    return randn(n, 1, seed=seed) @ randn(1, d, seed=seed + 1)


def _rank_cases():
    yield Case("a random 6x4 matrix", (randn(6, 4, seed=1),),
               hint="Singular values (torch.linalg.svdvals), normalised to sum 1, plus eps; then exp of their entropy.")
    yield Case("a rank-1 matrix (every row a multiple of one vector): about 1", (_rank_one(20, 8, seed=2),),
               hint="One singular value carries everything: p = (1 + eps, eps, ...), so the result is just above 1.")
    yield Case("the 5x5 identity: about 5", (torch.eye(5),),
               hint="Five equal singular values: p_k = 1/5 + eps each.")
    yield Case("an all-zero matrix: 0 by definition", (torch.zeros(7, 3),),
               hint="Every singular value is 0, so sigma / sum(sigma) is 0 / 0: return 0 (a tensor of z's dtype "
                    "and device), not NaN.")
    yield Case("rows with a large common mean: do NOT centre (RankMe does not)", (randn(30, 6, seed=3) + 5.0,),
               hint="Take the singular values of z itself: a shared offset is a direction the embedding uses.")
    yield Case("float64 input", (randn(12, 5, seed=4, dtype=torch.float64),), hint=_F64)
    yield Case("eps=0.01", (randn(6, 4, seed=1),), {"eps": 1e-2},
               hint="eps is added to every normalised singular value p_k before the entropy.")
    yield Case("fewer rows than columns (N=3, D=10, eps=1e-3): min(N, D) singular values",
               (randn(3, 10, seed=5),), {"eps": 1e-3},
               hint="There are min(N, D) singular values; padding with zeros adds eps log eps terms.")
    yield Case("singular values of very different sizes (columns scaled 1, 10, 100)",
               (randn(40, 3, seed=6) * torch.tensor([1.0, 10.0, 100.0]),),
               hint="Normalise the singular values themselves (sigma_k / sum sigma), not their squares "
                    "(the eigenvalues of z^T z).")
    zero_row = randn(9, 4, seed=7)
    zero_row[2] = 0.0
    yield Case("one all-zero row (a dead example)", (zero_row,))
    yield Case("a single 1x1 entry", (torch.tensor([[3.0]]),))
    yield Case("600 rows (more than a 512-row chunk)", (randn(600, 8, seed=8) * torch.linspace(0.1, 2, 8),),
               hint=_BIG)


@st.composite
def _random_embeddings(draw):
    n = draw(st.one_of(st.integers(1, 40), st.integers(513, 560)))
    d, seed = draw(st.integers(1, 12)), draw(st.integers(0, 9999))
    rank = draw(st.integers(1, d))
    noise = draw(st.sampled_from([0.0, 1e-3, 0.1]))
    z = randn(n, rank, seed=seed) @ randn(rank, d, seed=seed + 1) + noise * randn(n, d, seed=seed + 2)
    return Case(f"random ({n}, {d}) embeddings of rank {rank} plus noise {noise}, seed={seed}", (z,))


reference_exercise(
    "12.effective_rank",
    "effective_rank(z, eps): exp of the entropy of z's normalised singular values (RankMe)",
    effective_rank, _rank_cases, _random_embeddings(),
    hint="Compare your singular values, your p and your entropy with the definition on the failing case.",
)


# ----------------------------------------------------------------------------- shared cases
_STANDARDISE = ("Standardise every feature (column) over the batch: subtract its batch mean and divide by its "
                "batch standard deviation, not every embedding (row).")


def _tiny_variance(n: int, d: int, seed: int):
    """Two views whose feature 0 varies by about 1e-3 only: the eps inside the square root matters."""
    z1, z2 = view_pair(n, d, seed=seed, dtype=torch.float64)
    z1[:, 0] *= 1e-3
    z2[:, 0] *= 1e-3
    return z1, z2


def _dead_feature(n: int, d: int, seed: int):
    """Two views whose feature 1 is 0 for every example (a dead ReLU): its variance is 0."""
    z1, z2 = view_pair(n, d, seed=seed)
    z1[:, 1] = 0.0
    z2[:, 1] = 0.0
    return z1, z2


def _batch_of_one_raises(loss_name: str):
    def test(fn) -> str | None:
        z1, z2 = view_pair(1, 4, seed=0)
        try:
            value = fn(z1, z2)
        except ValueError:
            return None
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - any other error is the wrong kind
            return f"a batch of one row should raise ValueError, got {type(exc).__name__}: {exc}"
        return (f"a batch of one row has no variance: {loss_name} should raise ValueError, "
                f"but returned {value!r}")
    return custom("a batch of one row (no batch statistics): ValueError", test)


@st.composite
def _random_views(draw):
    n = draw(st.one_of(st.integers(2, 40), st.integers(513, 560)))
    d, seed = draw(st.integers(1, 8)), draw(st.integers(0, 9999))
    scale = draw(st.sampled_from([0.2, 1.0, 3.0]))
    z1, z2 = view_pair(n, d, seed=seed)
    return Case(f"random views N={n}, D={d}, scale {scale}, seed={seed}", (scale * z1, scale * z2))


# ----------------------------------------------------------------------------- 12.barlow_twins
def _bt_cases():
    z1, z2 = view_pair(8, 4, seed=11)
    yield Case("8 pairs, D=4", (z1, z2), hint="C = z1n^T z2n / N from the standardised views, then the two sums.")
    yield Case("lambda_=0.5", (z1, z2), {"lambda_": 0.5},
               hint="lambda_ weighs the sum of the squared off-diagonal entries of C.")
    yield Case("feature 0 varies by about 1e-3 (float64): the eps", _tiny_variance(10, 3, seed=13),
               hint="Standardise with sqrt(var + 1e-5), eps inside the square root, as BatchNorm does.")
    yield Case("feature 1 is zero for every example (a dead unit)", _dead_feature(10, 4, seed=14),
               hint="A feature of variance 0 standardises to 0 with the eps (C_11 = 0), not NaN.")
    yield Case("views on very different scales (x100 and x0.01)", (100 * z1, 0.01 * z2), hint=_STANDARDISE)
    yield Case("features with different means and scales", (z1 * torch.tensor([1.0, 5.0, 0.2, 2.0]) + 3.0, z2),
               hint=_STANDARDISE)
    t1, t2 = view_pair(2, 3, seed=12)
    yield Case("a batch of two (the smallest allowed)", (t1, t2),
               hint="The batch standard deviation is the biased one (divide by N, as BatchNorm does), and C "
                    "divides by N.")
    d1, d2 = view_pair(6, 3, seed=15, dtype=torch.float64)
    yield Case("float64 views", (d1, d2), {"lambda_": 0.1}, hint=_F64)
    yield Case("one feature (D=1: no off-diagonal entries)", view_pair(9, 1, seed=16))
    yield Case("the views swapped", (z2, z1))
    yield Case("600 pairs (more than a 512-row chunk)", view_pair(600, 5, seed=17), hint=_BIG)


def _loss_exercise(exercise_id, title, reference, cases, name, hint):
    """The fixed cases, Hypothesis cases and the meta device, then the batch of one (last, so a
    wrong loss is reported by the case that shows its real difference)."""
    register(Exercise(exercise_id, title, reference, [
        against_reference(reference, cases, grad=True),
        property_test(reference, _random_views(), grad=True),
        default_device_test(reference, cases),
        _batch_of_one_raises(name)], hint))


_loss_exercise(
    "12.barlow_twins",
    "barlow_twins(z1, z2, lambda_): the views' cross-correlation matrix pushed to the identity",
    barlow_twins, _bt_cases, "barlow_twins",
    hint="Print the (D, D) matrix C on the failing case: its diagonal should be the per-feature "
         "correlations of the two views, each in [-1, 1].",
)


# ----------------------------------------------------------------------------- 12.vicreg
def _vicreg_cases():
    z1, z2 = view_pair(8, 4, seed=21)
    yield Case("8 pairs, D=4, the paper's weights", (z1, z2),
               hint="sim_weight * invariance + var_weight * variance + cov_weight * covariance.")
    yield Case("eps=0.01", (0.3 * z1, 0.3 * z2), {"eps": 1e-2}, hint="eps goes inside the square root: sqrt(Var + eps).")
    yield Case("feature 0 varies by about 1e-3 (float64): the eps", _tiny_variance(10, 3, seed=23),
               hint="sqrt(Var + eps), eps inside the square root.")
    yield Case("small embeddings (scale 0.3): the variance hinge is active", (0.3 * z1, 0.3 * z2),
               hint="The hinge is on the standard deviation: relu(1 - sqrt(Var + eps)), unbiased Var.")
    yield Case("large embeddings (scale 3): the hinge is 0", (3 * z1, 3 * z2),
               hint="With every standard deviation above 1 only invariance and covariance remain.")
    yield Case("weights 1, 2, 3", (0.5 * z1, 0.5 * z2), {"sim_weight": 1.0, "var_weight": 2.0, "cov_weight": 3.0},
               hint="Use the three weights you are given.")
    t1, t2 = view_pair(2, 3, seed=22)
    yield Case("a batch of two (the smallest allowed)", (t1, t2),
               hint="Variance and covariance are the unbiased ones: divide by N - 1.")
    yield Case("feature 1 is zero for every example (a dead unit)", _dead_feature(10, 4, seed=24),
               hint="A feature of variance 0 costs relu(1 - sqrt(eps)) in the variance term, not NaN.")
    yield Case("features with a large common mean", (z1 + 4.0, z2 + 4.0),
               hint="Covariance: centre every feature on its batch mean first.")
    d1, d2 = view_pair(6, 3, seed=25, dtype=torch.float64)
    yield Case("float64 views", (0.5 * d1, 0.5 * d2), hint=_F64)
    yield Case("one feature (D=1: no covariance term)", view_pair(9, 1, seed=26))
    yield Case("views of different spreads (x0.2 and x2)", (0.2 * z1, 2 * z2),
               hint="Each view has its own variance and covariance terms: the variance term averages the two "
                    "views' hinges, the covariance term adds the two views' sums.")
    yield Case("600 pairs (more than a 512-row chunk)", view_pair(600, 5, seed=27), hint=_BIG)


_loss_exercise(
    "12.vicreg",
    "vicreg(z1, z2, sim_weight, var_weight, cov_weight, eps): invariance, variance and covariance",
    vicreg, _vicreg_cases, "vicreg",
    hint="Compute the three terms separately on the failing case and compare each with its definition.",
)
