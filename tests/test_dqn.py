"""Chapter 19's reference code against independent formulations: the replay buffer against a
deque of the newest transitions, the TD target against a per-transition loop, the loss against
torch's huber_loss and the Huber formula, epsilon-greedy against its exploration rate, the
evaluation's vectorised CartPole against gymnasium's CartPole-v1, and the training loop's
handling of terminated vs truncated."""
from __future__ import annotations

import collections

import gymnasium as gym
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ssl_course.course.exercises.ch19 import transitions
from ssl_course.rl.dqn import (
    DQNConfig,
    QNetwork,
    ReplayBuffer,
    dqn_loss,
    epsilon_greedy,
    linear_epsilon,
    td_target,
    train_dqn,
)


@pytest.mark.parametrize("capacity,n", [(1, 5), (4, 3), (4, 4), (7, 30), (600, 1500)])
def test_buffer_holds_what_a_deque_holds(capacity, n):
    """The ring of preallocated rows holds exactly the transitions a deque(maxlen=capacity) holds."""
    buf, peer = ReplayBuffer(capacity, 3), collections.deque(maxlen=capacity)
    for item in transitions(n, 3, seed=capacity):
        buf.add(*item)
        peer.append(item)
        assert len(buf) == len(peer)
    held = sorted(buf.obs[: len(buf), 0].tolist())
    assert held == sorted(float(t[0][0]) for t in peer)
    # row r of the ring is deque item (r - ptr) mod size once full, r before
    for r in range(len(buf)):
        k = (r - buf.ptr) % len(buf) if len(buf) == capacity else r
        obs, action, reward, next_obs, term = peer[k]
        assert torch.equal(buf.obs[r], torch.from_numpy(obs)) and torch.equal(buf.next_obs[r], torch.from_numpy(next_obs))
        assert int(buf.actions[r]) == action and float(buf.rewards[r]) == reward and bool(buf.terminated[r]) == term


def test_buffer_samples_uniformly_among_filled_rows():
    buf = ReplayBuffer(100, 2)
    for item in transitions(10, 2):
        buf.add(*item)
    obs = buf.sample(50_000, torch.Generator().manual_seed(0))[0]
    counts = torch.bincount(obs[:, 0].long(), minlength=10)
    assert counts.numel() == 10  # never an empty row
    expected = 5_000
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 27.9  # chi-square, 9 degrees of freedom, p = 0.001


def test_buffer_errors():
    with pytest.raises(ValueError):
        ReplayBuffer(0, 3)
    with pytest.raises(TypeError):
        ReplayBuffer(4.0, 3)
    with pytest.raises(ValueError, match="empty"):
        ReplayBuffer(4, 3).sample(2)


def _td_loop(rewards, next_q, terminated, gamma):
    """The target one transition at a time, in Python floats (float64)."""
    out = []
    for r, q, t in zip(rewards.tolist(), next_q.tolist(), terminated.tolist()):
        out.append(r if t else r + gamma * max(q))
    return torch.tensor(out, dtype=torch.float64)


@pytest.mark.parametrize("b,a,gamma", [(1, 1, 0.99), (7, 2, 0.9), (600, 12, 1.0), (33, 4, 0.0)])
def test_td_target_equals_a_per_transition_loop(b, a, gamma):
    g = torch.Generator().manual_seed(b * 31 + a)
    rewards = torch.randn(b, generator=g, dtype=torch.float64)
    next_q = torch.randn(b, a, generator=g, dtype=torch.float64) * 20
    terminated = torch.rand(b, generator=g) < 0.3
    torch.testing.assert_close(td_target(rewards, next_q, terminated, gamma), _td_loop(rewards, next_q, terminated, gamma),
                               rtol=1e-12, atol=1e-12)


def test_td_target_is_detached_and_validated():
    next_q = torch.randn(4, 2, requires_grad=True)
    assert not td_target(torch.zeros(4), next_q, torch.zeros(4, dtype=torch.bool), 0.9).requires_grad
    with pytest.raises(TypeError, match="bool"):
        td_target(torch.zeros(4), next_q, torch.zeros(4), 0.9)
    with pytest.raises(ValueError):
        td_target(torch.zeros(4), next_q, torch.zeros(4, dtype=torch.bool), 1.5)


def test_dqn_loss_is_huber():
    g = torch.Generator().manual_seed(0)
    q = torch.randn(50, 3, generator=g, dtype=torch.float64) * 3
    actions = torch.randint(3, (50,), generator=g)
    targets = torch.randn(50, generator=g, dtype=torch.float64) * 3
    taken = q[torch.arange(50), actions]
    torch.testing.assert_close(dqn_loss(q, actions, targets), F.huber_loss(taken, targets, delta=1.0), rtol=1e-12, atol=0)
    err = (taken - targets).abs()
    by_hand = torch.where(err < 1, 0.5 * err**2, err - 0.5).mean()  # quadratic inside |e| < 1, linear outside
    torch.testing.assert_close(dqn_loss(q, actions, targets), by_hand, rtol=1e-12, atol=0)


def test_epsilon_greedy_rate_and_greedy_limit():
    q = torch.randn(40_000, 5, generator=torch.Generator().manual_seed(1))
    greedy = q.argmax(dim=1)
    assert torch.equal(epsilon_greedy(q, 0.0, torch.Generator().manual_seed(2)), greedy)
    actions = epsilon_greedy(q, 1.0, torch.Generator().manual_seed(3))
    counts = torch.bincount(actions, minlength=5).double() / len(actions)
    assert (counts - 0.2).abs().max() < 0.01  # uniform over all 5 actions
    share = float((epsilon_greedy(q, 0.3, torch.Generator().manual_seed(4)) != greedy).double().mean())
    assert abs(share - 0.3 * 4 / 5) < 0.01


def test_linear_epsilon():
    assert linear_epsilon(0, 1.0, 0.05, 100) == 1.0
    assert abs(linear_epsilon(50, 1.0, 0.05, 100) - 0.525) < 1e-12
    assert linear_epsilon(100, 1.0, 0.05, 100) == 0.05 and linear_epsilon(10**6, 1.0, 0.05, 100) == 0.05


def test_vectorised_cartpole_matches_cartpole_v1():
    """The evaluation plays gymnasium's vectorised CartPole: from the same state, under the same
    actions, it gives CartPole-v1's observations, rewards and terminations."""
    single = gym.make("CartPole-v1")
    vec = gym.make_vec("CartPole-v1", num_envs=1, vectorization_mode="vector_entry_point")
    single.reset(seed=0)
    vec.reset(seed=0)
    start = np.array([0.01, -0.02, 0.03, 0.04])
    single.unwrapped.state = start.copy()
    vec.unwrapped.state = start.copy()[:, None]
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = int(rng.integers(2))
        o1, r1, term1, trunc1, _ = single.step(a)
        o2, r2, term2, trunc2, _ = vec.step(np.array([a]))
        np.testing.assert_allclose(o1, o2[0], rtol=1e-6, atol=1e-6)
        assert r1 == r2[0] and term1 == term2[0]
        if term1:
            break
    assert term1  # random actions drop the pole well within 200 steps


def test_qnetwork_shapes():
    net = QNetwork(4, 3, (8, 8))
    assert net(torch.zeros(5, 4)).shape == (5, 3)


class _Corridor(gym.Env):
    """A 1-D observation that never ends by itself: every episode is truncated by TimeLimit."""

    observation_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(1, np.float32), {}

    def step(self, action):
        return np.full(1, 0.5, np.float32), 1.0, False, False, {}


@pytest.mark.parametrize("bootstrap_truncated", [True, False])
@pytest.mark.parametrize("num_envs", [1, 3])
def test_truncation_is_not_termination(bootstrap_truncated, num_envs, monkeypatch):
    """Every episode of the corridor is cut by a time limit of 5 steps: the buffer stores
    terminated=False for all of them (unless the mix-up switch is on), and the autoreset step
    that follows each episode's end is not stored."""
    if "Corridor-v0" not in gym.registry:
        gym.register("Corridor-v0", entry_point=_Corridor, max_episode_steps=5)
    stored = []
    original = ReplayBuffer.add_batch

    def spy(self, obs, actions, rewards, next_obs, terminated):
        stored.extend(zip(np.asarray(obs)[:, 0].tolist(), np.asarray(next_obs)[:, 0].tolist(),
                          np.asarray(terminated).tolist()))
        return original(self, obs, actions, rewards, next_obs, terminated)

    monkeypatch.setattr(ReplayBuffer, "add_batch", spy)
    cfg = DQNConfig(total_steps=30, num_envs=num_envs, learning_starts=10, eval_every=10**9,
                    bootstrap_truncated=bootstrap_truncated)
    result = train_dqn(0, cfg, env_id="Corridor-v0")
    assert len(stored) == 30 and result.steps == 30
    assert len(result.episodes) == 6 and all(r == 5.0 for _, r in result.episodes)
    assert all(nxt == 0.5 for _, nxt, _ in stored)  # never a reset observation as next_obs
    assert sum(obs == 0.0 for obs, _, _ in stored) == 6  # each episode's first step, once
    assert sum(t for _, _, t in stored) == (0 if bootstrap_truncated else 6)
    assert result.updates == (30 - 10) // cfg.train_every


def test_train_dqn_is_deterministic():
    cfg = DQNConfig(total_steps=3_000, learning_starts=500, eval_every=1_000, eps_duration=2_000)
    a, b = train_dqn(3, cfg), train_dqn(3, cfg)
    assert a.evals == b.evals and a.episodes == b.episodes
    assert 3_000 <= a.steps < 3_000 + cfg.num_envs
    assert a.updates == (a.steps - 500) // cfg.train_every
    assert [e[0] // 1000 for e in a.evals] == [1, 2, 3][-len(a.evals):] and len(a.evals) >= 2


@pytest.mark.parametrize("target_network,detach_target", [(True, True), (False, True), (False, False)])
def test_gradient_step_against_a_per_transition_loss(target_network, detach_target):
    """The gradient of one update equals that of the loss written transition by transition: Huber by
    its formula, the target from the target network (or the online one), detached unless the
    seed's bug is switched on."""
    import copy

    from ssl_course.rl.dqn import _gradient_step

    torch.manual_seed(0)
    q_net, buf = QNetwork(3, 2, (8,)), ReplayBuffer(50, 3)
    target_net = QNetwork(3, 2, (8,)).requires_grad_(False)  # different weights from q_net
    for item in transitions(40, 3, seed=5):
        buf.add(*item)
    cfg = DQNConfig(batch_size=16, gamma=0.9, target_network=target_network, detach_target=detach_target)
    gen = torch.Generator().manual_seed(7)
    obs, actions, rewards, next_obs, terminated = buf.sample(16, torch.Generator().manual_seed(7))
    # the independent formulation, on a copy of the network
    q_copy = copy.deepcopy(q_net)
    losses = []
    for i in range(16):
        q = q_copy(obs[i])[actions[i]]
        bootstrap_net = target_net if target_network else q_copy
        nq = bootstrap_net(next_obs[i]).max()
        if detach_target:
            nq = nq.detach()
        y = rewards[i] + (0.0 if terminated[i] else 0.9 * nq)
        e = q - y
        losses.append(0.5 * e**2 if abs(e.item()) < 1 else e.abs() - 0.5)
    torch.stack(losses).mean().backward()
    opt = torch.optim.SGD(q_net.parameters(), lr=0.0)  # lr 0: the step keeps the weights, .grad stays
    _gradient_step(q_net, target_net, opt, buf, cfg, gen)
    for p, p_copy in zip(q_net.parameters(), q_copy.parameters()):
        torch.testing.assert_close(p.grad, p_copy.grad, rtol=1e-5, atol=1e-6)
    assert all(p.grad is None for p in target_net.parameters())


@pytest.mark.parametrize("capacity,sizes", [(5, [3, 4, 0, 2]), (4, [9]), (7, [7, 1, 13]), (600, [550, 530])])
def test_add_batch_equals_one_add_at_a_time(capacity, sizes):
    items = transitions(sum(sizes), 3, seed=capacity)
    one, many = ReplayBuffer(capacity, 3), ReplayBuffer(capacity, 3)
    for item in items:
        one.add(*item)
    start = 0
    for n in sizes:
        chunk = items[start:start + n]
        start += n
        cols = [np.array([c[k] for c in chunk]).reshape(n, 3) if k in (0, 3) else np.array([c[k] for c in chunk])
                for k in range(5)]
        many.add_batch(*cols)
    assert (one.ptr, one.size) == (many.ptr, many.size)
    for name in ("obs", "actions", "rewards", "next_obs", "terminated"):
        assert torch.equal(getattr(one, name), getattr(many, name)), name
