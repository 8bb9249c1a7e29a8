"""Chapter 19: the DQN's replay buffer (a class: preallocated tensors, a ring that overwrites the
oldest transition, uniform sampling among the filled rows only, one generator shared by
successive samples), its TD target (terminated rows do not bootstrap, the target is detached,
max over actions, float64) and epsilon-greedy exploration (the order of the random draws, ties,
epsilon 0 and 1, ten or more actions).

The buffer receives NumPy observations, as gymnasium returns them: `torch.as_tensor(obs)` under a
`meta` default device cannot be told apart from correct code, so the buffer has no meta-device
case; its tensors are tested for their shape, dtype and identity instead.
"""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from ...rl.dqn import ReplayBuffer, epsilon_greedy, td_target
from ..checks import (
    Case,
    Exercise,
    against_reference,
    compare,
    custom,
    default_device_test,
    generator_test,
    property_test,
    reference_exercise,
    register,
)
from ._common import randn

# ----------------------------------------------------------------------------- 19.replay_buffer
FIELDS = ("obs", "actions", "rewards", "next_obs", "terminated")
_DTYPES = {"obs": torch.float32, "actions": torch.int64, "rewards": torch.float32, "next_obs": torch.float32,
           "terminated": torch.bool}

_FILLED = ("Sample among the `size` filled rows only: torch.randint(size, (batch_size,), generator=generator, "
           "device='cpu'); before the buffer is full the other rows are still zeros.")
_RING = ("A full buffer overwrites its OLDEST transition: write at row ptr, then ptr = (ptr + 1) % capacity "
         "and size = min(size + 1, capacity).")
_GEN = ("Draw the indices from the generator you are given, every call (do not copy or re-seed it); with "
        "generator=None, from torch's global generator.")


def transitions(n: int, obs_dim: int, seed: int = 0, n_actions: int = 2, as_numpy: bool = True):
    """n transitions as gymnasium hands them over: obs and next_obs float32 arrays (obs_dim,), an
    int action, a float reward, a bool terminated. Transition t is recognisable: obs[0] = t."""
    rng = np.random.default_rng(seed)
    out = []
    for t in range(n):
        obs = np.concatenate([[t], rng.normal(size=obs_dim - 1)]).astype(np.float32)
        nxt = (obs + 1000.0).astype(np.float32)
        action, reward = int(rng.integers(n_actions)), float(rng.choice([1.0, 0.0, -0.5, 2.25]))
        term = bool(rng.random() < 0.2)
        if not as_numpy:
            obs, nxt = torch.from_numpy(obs), torch.from_numpy(nxt)
        out.append((obs, action, reward, nxt, term))
    return out


class _Scenario:
    """Fill a buffer with transitions, then sample batches; every result is compared with the
    reference buffer's, which sees the same calls."""

    def __init__(self, name, capacity, obs_dim, n, batches, seed=0, generator_seed=0, n_actions=2,
                 as_numpy=True, hint=""):
        self.name, self.capacity, self.obs_dim, self.batches = name, capacity, obs_dim, batches
        self.items = transitions(n, obs_dim, seed, n_actions, as_numpy)
        self.generator_seed, self.hint = generator_seed, hint

    def run(self, cls):
        """len() after each add, then the samples (with one generator, or the global one)."""
        buf = cls(self.capacity, self.obs_dim)
        lengths = []
        for item in self.items:
            buf.add(*item)
            lengths.append(len(buf))
        if self.generator_seed is None:
            torch.manual_seed(4321)
            samples = [buf.sample(b) for b in self.batches]
        else:
            g = torch.Generator().manual_seed(self.generator_seed)
            samples = [buf.sample(b, generator=g) for b in self.batches]
        return lengths, samples

    def test(self):
        def fn_test(cls) -> str | None:
            with torch.random.fork_rng():
                want_len, want = self.run(ReplayBuffer)
                got_len, got = self.run(cls)
            for k, (w, g) in enumerate(zip(want_len, got_len)):
                if w != g:
                    return f"len(buffer) after {k + 1} adds: expected {w}, got {g}"
            for k, (w, g) in enumerate(zip(want, got)):
                if not isinstance(g, (tuple, list)) or len(g) != 5:
                    return f"sample {k + 1} must return 5 tensors {FIELDS}, got {type(g).__name__}"
                for name, wt, gt in zip(FIELDS, w, g):
                    reason = compare(wt, gt)
                    if reason:
                        return f"sample {k + 1} (batch {self.batches[k]}), {name}: {reason}"
            return None

        return _with_hint(custom(self.name, fn_test), self.hint)


def _with_hint(test, hint: str):
    def run(fn):
        failure = test(fn)
        if failure and hint:
            failure.hint = hint
        return failure
    return run


def _scenarios():
    yield _Scenario("capacity 8, 5 transitions, a batch of 6: only the 5 filled rows", 8, 3, 5, [6], hint=_FILLED)
    yield _Scenario("capacity 4, 10 transitions: the ring keeps the 4 newest", 4, 3, 10, [16], seed=1, hint=_RING)
    yield _Scenario("capacity 3, exactly 3 transitions, then one more (ptr wraps to 0, then 1)", 3, 2, 4, [9],
                    seed=2, hint=_RING)
    yield _Scenario("a batch larger than the buffer (10 from 3): drawn with replacement", 16, 2, 3, [10], seed=3,
                    hint="Sampling is with replacement (torch.randint), so a batch may be larger than the buffer.")
    yield _Scenario("three samples in a row with one generator", 12, 3, 20, [5, 5, 7], seed=4, hint=_GEN)
    yield _Scenario("generator=None after torch.manual_seed(4321)", 12, 3, 9, [6, 6], seed=5, generator_seed=None,
                    hint=_GEN)
    yield _Scenario("one-dimensional observations (obs_dim 1)", 5, 1, 7, [8], seed=6, hint=_RING)
    yield _Scenario("12 actions: actions up to 11, stored as int64", 9, 2, 30, [20], seed=7, n_actions=12,
                    hint="Actions are int64 indices (they index Q-values with gather), whatever their size.")
    yield _Scenario("observations given as tensors instead of arrays", 6, 4, 8, [6], seed=8, as_numpy=False,
                    hint="Accept arrays and tensors alike: torch.as_tensor(obs, dtype=torch.float32, device=...).")
    yield _Scenario("capacity 1000, 1300 transitions, a batch of 600 (past a 512-row chunk)", 1000, 3, 1300, [600],
                    seed=9, hint=_RING)
    rng = np.random.default_rng(19)
    for k in range(6):  # random sizes, some past 512 rows
        cap = int(rng.choice([1, 2, 7, 33, 600]))
        n = int(rng.integers(1, 2 * cap + 5))
        b = int(rng.choice([1, 13, 520]))
        d = int(rng.integers(1, 6))
        yield _Scenario(f"random: capacity {cap}, {n} transitions, obs_dim {d}, batch {b}", cap, d, n, [b, b],
                        seed=100 + k, generator_seed=k, hint=_RING)


def _preallocated(cls) -> str | None:
    """The five tensors exist from the start, with their full shape, and stay the same objects."""
    buf = cls(7, 3)
    shapes = {"obs": (7, 3), "actions": (7,), "rewards": (7,), "next_obs": (7, 3), "terminated": (7,)}
    before = {}
    for name, shape in shapes.items():
        t = getattr(buf, name, None)
        if not isinstance(t, torch.Tensor):
            return f"buffer.{name} must be a tensor allocated in __init__, got {type(t).__name__}"
        if tuple(t.shape) != shape or t.dtype != _DTYPES[name]:
            return (f"buffer.{name} must be preallocated with shape {shape} and dtype {_DTYPES[name]}, got "
                    f"{tuple(t.shape)} {t.dtype}")
        before[name] = t
    for item in transitions(10, 3, seed=11):
        buf.add(*item)
    for name, t in before.items():
        if getattr(buf, name) is not t:
            return f"buffer.{name} was replaced by a new tensor: write into the preallocated rows instead"
    if len(buf) != 7:
        return f"after 10 adds to a buffer of capacity 7, len(buffer) must be 7, got {len(buf)}"
    return None


register(Exercise(
    "19.replay_buffer",
    "ReplayBuffer(capacity, obs_dim): add(obs, action, reward, next_obs, terminated), sample(batch_size, generator)",
    ReplayBuffer,
    [_with_hint(custom("preallocated tensors", _preallocated),
                "Allocate obs, actions, rewards, next_obs and terminated once, in __init__, with their full "
                "capacity and dtype (torch.zeros); add writes one row of each."),
     *[s.test() for s in _scenarios()]],
    hint="Draw the buffer as five arrays of `capacity` rows and a pointer going round them: which row does a "
         "new transition go to, and which rows may a sample come from?",
))


# ----------------------------------------------------------------------------- 19.td_target
_TERM = ("A terminated transition has no future: its target is its reward alone. The others bootstrap: "
         "r + gamma * max over actions of next_q.")
_MAX = "The max is over the actions (dim 1) of each row, not over the batch."
_DTYPE = "Compute in the inputs' dtype: float64 in, float64 arithmetic and result out."


def _bools(n: int, seed: int, p: float = 0.3) -> torch.Tensor:
    return torch.rand(n, generator=torch.Generator().manual_seed(seed)) < p


def _td_cases():
    r, q = randn(6, seed=1), randn(6, 2, seed=2, scale=5)
    term = torch.tensor([False, True, False, False, True, False])
    yield Case("6 transitions, 2 actions, 2 of them terminated", (r, q, term, 0.99), hint=_TERM)
    yield Case("every transition terminated: the rewards", (r, q, torch.ones(6, dtype=torch.bool), 0.99), hint=_TERM)
    yield Case("no transition terminated", (r, q, torch.zeros(6, dtype=torch.bool), 0.99), hint=_TERM)
    yield Case("gamma 0.5", (r, q, term, 0.5), hint="gamma multiplies the bootstrapped value, not the reward.")
    yield Case("gamma 0: the rewards", (r, q, term, 0.0), hint="gamma multiplies the bootstrapped value.")
    yield Case("gamma 1 (no discount)", (r, q, term, 1.0), hint=_TERM)
    yield Case("every Q-value negative: the max is still the max", (r, -q.abs() - 1, term, 0.9), hint=_MAX)
    yield Case("rows whose best action differs: max per row", (torch.zeros(3), torch.tensor([[1.0, 9.0], [5.0, 2.0],
               [-3.0, -4.0]]), torch.zeros(3, dtype=torch.bool), 0.9), hint=_MAX)
    yield Case("one action", (r, randn(6, 1, seed=3), term, 0.9), hint=_MAX)
    yield Case("12 actions", (randn(9, seed=4), randn(9, 12, seed=5), _bools(9, 6), 0.95), hint=_MAX)
    huge = randn(5, 3, seed=7)
    huge[[0, 3]] = 1e6
    yield Case("terminated rows with huge next Q-values (ignored)",
               (randn(5, seed=8), huge, torch.tensor([True, False, False, True, False]), 0.99), hint=_TERM)
    yield Case("float64", (randn(7, seed=9, dtype=torch.float64), randn(7, 3, seed=10, dtype=torch.float64, scale=50),
                           _bools(7, 11), 0.99), hint=_DTYPE)
    yield Case("700 transitions (more than a 512-row chunk)", (randn(700, seed=12), randn(700, 4, seed=13),
                                                               _bools(700, 14), 0.99),
               hint="Every row gets its own target, however large the batch.")


@st.composite
def _random_td(draw):
    b = draw(st.one_of(st.integers(1, 40), st.integers(513, 700)))
    a, seed = draw(st.integers(1, 12)), draw(st.integers(0, 9999))
    gamma = draw(st.sampled_from([0.0, 0.5, 0.9, 0.99, 1.0]))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    return Case(f"random: B={b}, A={a}, gamma={gamma}, {str(dtype)[6:]}, seed={seed}",
                (randn(b, seed=seed, dtype=dtype), randn(b, a, seed=seed + 1, dtype=dtype, scale=10),
                 _bools(b, seed + 2), gamma))


def _detached(fn) -> str | None:
    """next_q comes from a network: the target must not carry its gradient."""
    next_q = randn(6, 3, seed=20).requires_grad_()
    out = fn(randn(6, seed=21), next_q, _bools(6, 22), 0.99)
    if isinstance(out, torch.Tensor) and out.requires_grad:
        return ("the target carries a gradient back into next_q: a target is a label, detach it (or compute it "
                "under torch.no_grad()), or the loss also moves the network that produced it")
    return None


reference_exercise(
    "19.td_target",
    "td_target(rewards, next_q, terminated, gamma): r + gamma * max_a' next_q, the reward alone where terminated",
    td_target, _td_cases, _random_td(),
    hint="Write the target of one transition first (two cases: terminated or not), then do it for the batch "
         "with a mask, in the inputs' dtype, without a gradient.",
    extra_tests=[_with_hint(custom("next_q requires grad: the target must be detached", _detached),
                            "A target is a label: compute it under torch.no_grad() or .detach() it.")],
)


# ----------------------------------------------------------------------------- 19.epsilon_greedy
_ORDER = ("Draw u = torch.rand(B, generator=generator, device='cpu') first, then torch.randint(A, (B,), "
          "generator=generator, device='cpu'), always both, and move them to q_values' device; row i "
          "explores where u[i] < epsilon.")


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _eg_cases():
    q = randn(10, 2, seed=1)
    yield Case("10 states, 2 actions, epsilon 0.3", (q, 0.3, _gen(0)), hint=_ORDER)
    yield Case("epsilon 0: greedy everywhere", (q, 0.0, _gen(1)),
               hint="With epsilon 0 no row explores: every action is the argmax.")
    yield Case("epsilon 1: every action random (it may still equal the greedy one)", (q, 1.0, _gen(2)),
               hint="With epsilon 1 every row takes its random action, drawn from all A actions (the greedy "
                    "one included).")
    yield Case("ties: rows whose actions share the max (the lowest index wins)",
               (torch.tensor([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [3.0, 3.0, 3.0]] * 4), 0.25, _gen(3)),
               hint="Ties go to the lowest index, as torch.argmax breaks them.")
    yield Case("12 actions, epsilon 0.5", (randn(40, 12, seed=4), 0.5, _gen(4)), hint=_ORDER)
    yield Case("one state", (randn(1, 3, seed=5), 0.5, _gen(5)), hint=_ORDER)
    yield Case("negative Q-values: the greedy action is the largest, not the largest in size",
               (-randn(8, 4, seed=6).abs(), 0.1, _gen(6)), hint="argmax, not argmax of the absolute value.")
    yield Case("float64 Q-values", (randn(9, 3, seed=7, dtype=torch.float64), 0.4, _gen(7)),
               hint="Actions are int64 indices whatever the Q-values' dtype.")
    yield Case("700 states (more than a 512-row chunk)", (randn(700, 5, seed=8), 0.2, _gen(8)), hint=_ORDER)


@st.composite
def _random_eg(draw):
    b = draw(st.one_of(st.integers(1, 40), st.integers(513, 700)))
    a, seed = draw(st.integers(1, 12)), draw(st.integers(0, 9999))
    eps = draw(st.sampled_from([0.0, 0.05, 0.3, 0.5, 0.9, 1.0]))
    return Case(f"random: B={b}, A={a}, epsilon={eps}, seed={seed}", (randn(b, a, seed=seed), eps, _gen(seed)))


def _eg_twice(generator):
    return Case("16 states, 3 actions, epsilon 0.5", (randn(16, 3, seed=30), 0.5), {"generator": generator})


def _explore_rate(fn) -> str | None:
    """Over 20,000 states, the share of non-greedy actions is epsilon (A - 1) / A."""
    q = torch.zeros(20_000, 4)
    q[:, 2] = 1.0  # the greedy action is 2 everywhere
    actions = fn(q, 0.4, generator=_gen(40))
    share = float((actions != 2).double().mean())
    if abs(share - 0.3) > 0.02:  # 0.4 * 3/4, binomial std 0.003
        return (f"with epsilon 0.4 and 4 actions, {0.4 * 3 / 4:.2f} of the actions should differ from the greedy "
                f"one (a random action is the greedy one a quarter of the time); got {share:.3f}")
    return None


register(Exercise(
    "19.epsilon_greedy",
    "epsilon_greedy(q_values, epsilon, generator): a random action with probability epsilon, else the argmax",
    epsilon_greedy,
    [against_reference(epsilon_greedy, _eg_cases),
     property_test(epsilon_greedy, _random_eg()),
     generator_test(epsilon_greedy, _eg_twice),
     _with_hint(custom("the share of exploring rows", _explore_rate), _ORDER),
     default_device_test(epsilon_greedy, _eg_cases)],
    hint="Draw a coin per row and a random action per row, then pick between the random and the greedy "
         "action with the coin (torch.where).",
))
