"""Deep Q-networks (Mnih et al. 2015) on gymnasium 1.x, in one file as CleanRL lays it out: the
replay buffer, the Q-network, the TD target, epsilon-greedy exploration, the greedy evaluation
and the training loop.

The gymnasium 1.x step returns five values, `obs, reward, terminated, truncated, info`:
`terminated` means the MDP reached a terminal state (the pole fell: no future reward, the
target is the reward alone), `truncated` means a time limit stopped the episode (CartPole-v1
stops at 500 steps: the process would have gone on, so the target still bootstraps from the
next state). The buffer stores `terminated` only; `terminated or truncated` only decides when
to reset the environment.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._validate import check_generator, check_int, check_probability, check_tensor


# ----------------------------------------------------------------------------- replay buffer
class ReplayBuffer:
    """A FIFO of the `capacity` newest transitions, held in tensors allocated once.

    Rows: obs (capacity, obs_dim) float32, actions (capacity,) int64, rewards (capacity,)
    float32, next_obs (capacity, obs_dim) float32, terminated (capacity,) bool, all zeros on
    `device` (default: the CPU) at the start. `ptr` is the row the next transition goes to,
    `size` how many rows hold a transition (len(buffer)). When full, a new transition
    overwrites the oldest one (row ptr) and ptr moves on, modulo capacity.
    """

    def __init__(self, capacity: int, obs_dim: int, device: torch.device | str | None = None):
        self.capacity = check_int("capacity", capacity)
        obs_dim = check_int("obs_dim", obs_dim)
        device = torch.device("cpu") if device is None else torch.device(device)
        self.obs = torch.zeros(capacity, obs_dim, dtype=torch.float32, device=device)
        self.actions = torch.zeros(capacity, dtype=torch.int64, device=device)
        self.rewards = torch.zeros(capacity, dtype=torch.float32, device=device)
        self.next_obs = torch.zeros(capacity, obs_dim, dtype=torch.float32, device=device)
        self.terminated = torch.zeros(capacity, dtype=torch.bool, device=device)
        self.ptr = 0
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def add(self, obs, action, reward, next_obs, terminated) -> None:
        """Store one transition: obs and next_obs (obs_dim,) arrays or tensors, action an int,
        reward a float, terminated a bool (the MDP ended; NOT `terminated or truncated`)."""
        i, dev = self.ptr, self.obs.device
        self.obs[i] = torch.as_tensor(obs, dtype=torch.float32, device=dev)
        self.actions[i] = int(action)
        self.rewards[i] = float(reward)
        self.next_obs[i] = torch.as_tensor(next_obs, dtype=torch.float32, device=dev)
        self.terminated[i] = bool(terminated)
        self.ptr = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def add_batch(self, obs, actions, rewards, next_obs, terminated) -> None:
        """Store n transitions at once, oldest first, as n calls of `add` would: obs and next_obs
        (n, obs_dim), actions, rewards and terminated (n,) (arrays or tensors)."""
        dev = self.obs.device
        n = len(actions)
        if n == 0:
            return
        rows = (self.ptr + torch.arange(n, device=dev)) % self.capacity
        keep = slice(max(n - self.capacity, 0), n)  # with n > capacity only the last rows survive
        rows = rows[keep]
        self.obs[rows] = torch.as_tensor(obs, dtype=torch.float32, device=dev)[keep]
        self.actions[rows] = torch.as_tensor(actions, dtype=torch.int64, device=dev)[keep]
        self.rewards[rows] = torch.as_tensor(rewards, dtype=torch.float32, device=dev)[keep]
        self.next_obs[rows] = torch.as_tensor(next_obs, dtype=torch.float32, device=dev)[keep]
        self.terminated[rows] = torch.as_tensor(terminated, dtype=torch.bool, device=dev)[keep]
        self.ptr = (self.ptr + n) % self.capacity
        self.size = min(self.size + n, self.capacity)

    def sample(self, batch_size: int, generator: torch.Generator | None = None):
        """batch_size rows drawn uniformly, with replacement, among the `size` filled ones:
        indices torch.randint(size, (batch_size,), generator=generator, device="cpu"), moved to
        the buffer's device. Returns (obs (B, obs_dim), actions (B,), rewards (B,),
        next_obs (B, obs_dim), terminated (B,)), copies of the rows."""
        batch_size = check_int("batch_size", batch_size)
        if generator is not None:
            check_generator(generator)
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer: add transitions first")
        idx = torch.randint(self.size, (batch_size,), generator=generator, device="cpu").to(self.obs.device)
        return self.obs[idx], self.actions[idx], self.rewards[idx], self.next_obs[idx], self.terminated[idx]


# ----------------------------------------------------------------------------- network, target, loss
class QNetwork(nn.Module):
    """An MLP from observations (B, obs_dim) to one Q-value per action (B, n_actions)."""

    def __init__(self, obs_dim: int, n_actions: int, hidden: tuple[int, ...] = (64, 64)):
        super().__init__()
        layers: list[nn.Module] = []
        d = check_int("obs_dim", obs_dim)
        for h in hidden:
            layers += [nn.Linear(d, check_int("hidden", h)), nn.ReLU()]
            d = h
        layers.append(nn.Linear(d, check_int("n_actions", n_actions)))
        self.net = nn.Sequential(*layers)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(obs)


def td_target(rewards: torch.Tensor, next_q: torch.Tensor, terminated: torch.Tensor, gamma: float) -> torch.Tensor:
    """The Q-learning target y = r + gamma * max_a' Q_target(s', a'), and y = r where terminated.

    rewards: (B,); next_q: (B, A) the target network's Q-values of the next observations;
    terminated: (B,) bool (a time-limit truncation is not a termination: it bootstraps).
    Returns (B,) in rewards' dtype, detached: the target is a label, no gradient flows into it.
    """
    check_tensor("rewards", rewards)
    check_tensor("next_q", next_q)
    check_tensor("terminated", terminated)
    if next_q.ndim != 2 or rewards.shape != next_q.shape[:1] or terminated.shape != rewards.shape:
        raise ValueError(f"rewards must be (B,), next_q (B, A) and terminated (B,), got {tuple(rewards.shape)}, "
                         f"{tuple(next_q.shape)} and {tuple(terminated.shape)}")
    if terminated.dtype != torch.bool:
        raise TypeError(f"terminated must be a bool tensor, got {terminated.dtype}")
    check_probability("gamma", gamma)
    best_next = next_q.detach().max(dim=1).values
    return (rewards + gamma * torch.where(terminated, 0.0, best_next)).detach()


def dqn_loss(q_values: torch.Tensor, actions: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The Huber loss (delta 1, Mnih et al. 2015's error clipping) between Q(s, a) and the targets.

    q_values: (B, A) the online network's; actions: (B,) int64; targets: (B,) -> a scalar."""
    taken = q_values.gather(1, actions[:, None]).squeeze(1)
    return F.smooth_l1_loss(taken, targets)


# ----------------------------------------------------------------------------- exploration
def epsilon_greedy(q_values: torch.Tensor, epsilon: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """One action per row of q_values (B, A): with probability epsilon a uniformly random action,
    else the greedy one (argmax; ties go to the lowest index). Draws, in this order and always:
    u = torch.rand(B) (row i explores where u[i] < epsilon), then torch.randint(A, (B,)), both
    from `generator` on the CPU (device="cpu"), then moved to q_values' device. Returns (B,) int64
    on q_values' device."""
    check_tensor("q_values", q_values)
    if q_values.ndim != 2:
        raise ValueError(f"q_values must be (B, A), got {tuple(q_values.shape)}")
    check_probability("epsilon", epsilon)
    if generator is not None:
        check_generator(generator)
    b, a = q_values.shape
    explore = (torch.rand(b, generator=generator, device="cpu") < epsilon).to(q_values.device)
    random_actions = torch.randint(a, (b,), generator=generator, device="cpu").to(q_values.device)
    return torch.where(explore, random_actions, q_values.argmax(dim=1))


def linear_epsilon(step: int, start: float, end: float, duration: int) -> float:
    """epsilon falls linearly from `start` at step 0 to `end` at step `duration`, then stays."""
    return end + (start - end) * max(0.0, 1.0 - step / max(duration, 1))


# ----------------------------------------------------------------------------- evaluation
def make_envs(env_id: str, n: int):
    """`n` copies of a gymnasium environment stepped side by side: its own vectorised version
    where it has one (CartPole's, one batched step), else copies in this process."""
    import gymnasium as gym  # only the chapters that play an environment need gymnasium

    mode = "vector_entry_point" if gym.spec(env_id).vector_entry_point else "sync"
    return gym.make_vec(env_id, num_envs=n, vectorization_mode=mode)


def evaluate_greedy(q_net: nn.Module, seed: int, episodes: int = 20, env_id: str = "CartPole-v1"):
    """Returns of `episodes` greedy episodes, played side by side in gymnasium's vectorised
    version of the environment, reset with `seed` (use a seed training never saw).

    Returns (returns (episodes,) float64 numpy array, mean max-Q of the first observations)."""
    envs = make_envs(env_id, episodes)
    obs, _ = envs.reset(seed=seed)
    returns = np.zeros(episodes)
    running = np.ones(episodes, dtype=bool)  # still in its first episode
    start_q = None
    with torch.inference_mode():
        while running.any():
            q = q_net(torch.from_numpy(obs))
            if start_q is None:
                start_q = float(q.max(dim=1).values.mean())
            obs, reward, terminated, truncated, _ = envs.step(q.argmax(dim=1).numpy())
            returns += reward * running
            running &= ~(terminated | truncated)
    envs.close()
    return returns, start_q


# ----------------------------------------------------------------------------- the loop
@dataclass(frozen=True)
class DQNConfig:
    """The recipe. The last four fields switch on one common wrong answer each."""

    total_steps: int = 50_000  # environment steps (transitions), at most
    num_envs: int = 8  # copies of the environment stepped side by side (one batched forward per step)
    hidden: tuple[int, ...] = (64, 64)
    lr: float = 2.5e-3
    batch_size: int = 128
    buffer_size: int = 50_000
    gamma: float = 0.99
    learning_starts: int = 1_000  # random-policy steps that fill the buffer before any update
    train_every: int = 4  # one gradient step every `train_every` environment steps
    target_every: int = 250  # copy the online network into the target network this often (steps)
    eps_start: float = 1.0
    eps_end: float = 0.05
    eps_duration: int = 5_000
    eval_every: int = 1_000  # a greedy evaluation on fresh seeds this often (steps)
    eval_episodes: int = 20
    solve_at: float = 475.0  # CartPole-v1's "solved": mean return >= 475
    early_stop: bool = True  # stop at the first evaluation that solves
    # the wrong answers
    bootstrap_truncated: bool = True  # False: store `terminated or truncated` (the mix-up)
    target_network: bool = True  # False: bootstrap from the online network (detached)
    detach_target: bool = True  # False (with target_network=False): gradients flow through the target too
    max_seconds: float | None = None  # stop after this much CPU time


@dataclass
class DQNResult:
    seed: int
    config: DQNConfig
    q_net: nn.Module
    steps: int = 0  # environment steps taken
    solved_at: int | None = None  # the step of the first solving evaluation
    evals: list = field(default_factory=list)  # (step, mean return, std, start-state max Q)
    episodes: list = field(default_factory=list)  # (step at its end, training return)
    updates: int = 0
    cpu_seconds: float = 0.0  # process CPU time of the whole run (one thread: its running time)
    update_seconds: float = 0.0  # of which in gradient steps
    wall_seconds: float = 0.0


def _eval_seed(seed: int, k: int) -> int:
    """The k-th evaluation of run `seed`: a seed far from any training seed, never reused."""
    return 1_000_000 + 10_000 * seed + k


def train_dqn(seed: int, config: DQNConfig = DQNConfig(), env_id: str = "CartPole-v1",
              device: torch.device | str = "cpu", progress=None) -> DQNResult:
    """Train a DQN (Huber loss, Adam, replay, a hard-copied target network, linearly decaying
    epsilon-greedy) on `config.num_envs` copies of a gymnasium environment, evaluating the greedy
    policy on fresh seeds every `config.eval_every` steps; with early_stop, stop at the first
    evaluation whose mean return reaches `solve_at`. Every schedule counts environment steps
    (stored transitions). Deterministic for a seed (one thread).

    gymnasium 1.x vector environments reset an environment on the step AFTER its episode ended
    (autoreset mode NEXT_STEP): the ending step returns the true last observation, the next one
    the new episode's first observation with reward 0. That second step links two episodes and is
    not stored."""
    c = config
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)  # every random draw of the run (CPU), after the weights' init
    envs = make_envs(env_id, c.num_envs)
    obs_dim, n_actions = envs.single_observation_space.shape[0], int(envs.single_action_space.n)
    q_net = QNetwork(obs_dim, n_actions, c.hidden).to(device)
    target_net = copy.deepcopy(q_net).requires_grad_(False)
    # fused: one kernel for all parameters, the fastest Adam for a network this small
    opt = torch.optim.Adam(q_net.parameters(), lr=c.lr, fused=torch.device(device).type in ("cpu", "cuda"))
    buffer = ReplayBuffer(c.buffer_size, obs_dim, device)
    result = DQNResult(seed, c, q_net)
    cpu0, wall0 = time.process_time(), time.perf_counter()

    obs, _ = envs.reset(seed=seed)
    resetting = np.zeros(c.num_envs, dtype=bool)  # this env's next step is an autoreset, not a transition
    returns = np.zeros(c.num_envs)
    step = n_evals = 0
    while step < c.total_steps:
        epsilon = linear_epsilon(step, c.eps_start, c.eps_end, c.eps_duration)
        with torch.inference_mode():
            actions = epsilon_greedy(q_net(torch.as_tensor(obs, device=device)), epsilon, gen).cpu().numpy()
        next_obs, rewards, terminated, truncated, _ = envs.step(actions)
        real = ~resetting
        done = terminated if c.bootstrap_truncated else terminated | truncated
        # next_obs is the true next observation even where an episode ended (the reset comes next step)
        buffer.add_batch(obs[real], actions[real], rewards[real], next_obs[real], done[real])
        before, step = step, step + int(real.sum())
        returns += rewards
        for i in np.flatnonzero(real & (terminated | truncated)):
            result.episodes.append((step, float(returns[i])))
            returns[i] = 0.0
        resetting = terminated | truncated
        obs = next_obs

        due = max(step - c.learning_starts, 0) // c.train_every - result.updates
        for _ in range(due):
            t0 = time.process_time()
            _gradient_step(q_net, target_net, opt, buffer, c, gen)
            result.updates += 1
            result.update_seconds += time.process_time() - t0
        if c.target_network and step // c.target_every > before // c.target_every:
            target_net.load_state_dict(q_net.state_dict())

        if step > c.learning_starts and step // c.eval_every > before // c.eval_every:
            ev_returns, start_q = evaluate_greedy(q_net, _eval_seed(seed, n_evals), c.eval_episodes, env_id)
            n_evals += 1
            result.evals.append((step, float(ev_returns.mean()), float(ev_returns.std()), start_q))
            if progress is not None:
                progress(result)
            if result.solved_at is None and ev_returns.mean() >= c.solve_at:
                result.solved_at = step
                if c.early_stop:
                    break
        if c.max_seconds is not None and time.process_time() - cpu0 > c.max_seconds:
            break
    envs.close()
    result.steps = step
    result.cpu_seconds = time.process_time() - cpu0
    result.wall_seconds = time.perf_counter() - wall0
    return result


def _gradient_step(q_net, target_net, opt, buffer, c: DQNConfig, gen) -> None:
    obs, actions, rewards, next_obs, terminated = buffer.sample(c.batch_size, gen)
    if not c.target_network and not c.detach_target:
        # the seed's target: the online network, gradients flowing through r + gamma max Q(s') too
        not_done = (~terminated).to(rewards.dtype)
        targets = rewards + c.gamma * not_done * q_net(next_obs).max(dim=1).values
    else:
        with torch.no_grad():
            next_q = (target_net if c.target_network else q_net)(next_obs)
        targets = td_target(rewards, next_q, terminated, c.gamma)
    loss = dqn_loss(q_net(obs), actions, targets)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
