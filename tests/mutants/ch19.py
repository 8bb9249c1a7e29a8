"""Known-wrong implementations for chapter 19."""
from __future__ import annotations

import torch

from ssl_course.rl.dqn import ReplayBuffer

from . import mutant


# --------------------------------------------------------------------------- 19.replay_buffer
@mutant("19.replay_buffer", "common wrong answer: no replay (a sample is the newest batch_size transitions)")
class _NoReplay(ReplayBuffer):
    def sample(self, batch_size, generator=None):
        rows = (self.ptr - 1 - torch.arange(batch_size)) % self.size  # newest first, consecutive
        return self.obs[rows], self.actions[rows], self.rewards[rows], self.next_obs[rows], self.terminated[rows]


@mutant("19.replay_buffer", "samples the whole capacity, empty rows included")
class _WholeCapacity(ReplayBuffer):
    def sample(self, batch_size, generator=None):
        idx = torch.randint(self.capacity, (batch_size,), generator=generator, device="cpu")
        return self.obs[idx], self.actions[idx], self.rewards[idx], self.next_obs[idx], self.terminated[idx]


@mutant("19.replay_buffer", "stops writing when full (keeps the oldest transitions)")
class _KeepsOldest(ReplayBuffer):
    def add(self, obs, action, reward, next_obs, terminated):
        if self.size < self.capacity:
            super().add(obs, action, reward, next_obs, terminated)


@mutant("19.replay_buffer", "ignores the generator (draws from the global one)")
class _IgnoresGenerator(ReplayBuffer):
    def sample(self, batch_size, generator=None):
        return super().sample(batch_size)


@mutant("19.replay_buffer", "re-seeds a copy of the generator: every sample is the same")
class _CopiesGenerator(ReplayBuffer):
    def sample(self, batch_size, generator=None):
        if generator is not None:
            generator = torch.Generator().set_state(generator.get_state())
        return super().sample(batch_size, generator)


@mutant("19.replay_buffer", "grows with torch.cat instead of preallocating")
class _Grows:
    def __init__(self, capacity, obs_dim, device=None):
        self.capacity, self.ptr, self.size = capacity, 0, 0
        self.obs = torch.zeros(0, obs_dim)
        self.next_obs = torch.zeros(0, obs_dim)
        self.actions = torch.zeros(0, dtype=torch.int64)
        self.rewards = torch.zeros(0)
        self.terminated = torch.zeros(0, dtype=torch.bool)

    def __len__(self):
        return self.size

    def add(self, obs, action, reward, next_obs, terminated):
        row = lambda x, dt: torch.as_tensor(x, dtype=dt)[None]
        self.obs = torch.cat([self.obs, row(obs, torch.float32)])[-self.capacity:]
        self.next_obs = torch.cat([self.next_obs, row(next_obs, torch.float32)])[-self.capacity:]
        self.actions = torch.cat([self.actions, row(action, torch.int64)])[-self.capacity:]
        self.rewards = torch.cat([self.rewards, row(reward, torch.float32)])[-self.capacity:]
        self.terminated = torch.cat([self.terminated, row(terminated, torch.bool)])[-self.capacity:]
        self.size = len(self.obs)

    def sample(self, batch_size, generator=None):
        idx = torch.randint(self.size, (batch_size,), generator=generator, device="cpu")
        return self.obs[idx], self.actions[idx], self.rewards[idx], self.next_obs[idx], self.terminated[idx]


@mutant("19.replay_buffer", "terminated stored as a float (and rewards as float64)")
class _WrongDtypes(ReplayBuffer):
    def sample(self, batch_size, generator=None):
        obs, actions, rewards, next_obs, terminated = super().sample(batch_size, generator)
        return obs, actions, rewards.double(), next_obs, terminated.float()


@mutant("19.replay_buffer", "samples without replacement (randperm)")
class _NoReplacement(ReplayBuffer):
    def sample(self, batch_size, generator=None):
        idx = torch.randperm(self.size, generator=generator)[:batch_size]
        return self.obs[idx], self.actions[idx], self.rewards[idx], self.next_obs[idx], self.terminated[idx]


# --------------------------------------------------------------------------- 19.td_target
@mutant("19.td_target", "common wrong answer: target not detached (its gradient flows into next_q)")
def _td_not_detached(rewards, next_q, terminated, gamma):
    return rewards + gamma * (~terminated).to(rewards.dtype) * next_q.max(dim=1).values


@mutant("19.td_target", "bootstraps through termination (terminated ignored)")
def _td_ignores_terminated(rewards, next_q, terminated, gamma):
    return (rewards + gamma * next_q.max(dim=1).values).detach()


@mutant("19.td_target", "terminated mask inverted")
def _td_inverted(rewards, next_q, terminated, gamma):
    return (rewards + gamma * terminated.to(rewards.dtype) * next_q.max(dim=1).values).detach()


@mutant("19.td_target", "max over the batch (dim 0) instead of the actions")
def _td_max_batch(rewards, next_q, terminated, gamma):
    best = next_q.max(dim=0).values.max()
    return (rewards + gamma * (~terminated).to(rewards.dtype) * best).detach()


@mutant("19.td_target", "mean over actions instead of max")
def _td_mean(rewards, next_q, terminated, gamma):
    return (rewards + gamma * (~terminated).to(rewards.dtype) * next_q.mean(dim=1)).detach()


@mutant("19.td_target", "float32 arithmetic for float64 inputs")
def _td_float32(rewards, next_q, terminated, gamma):
    best = next_q.float().max(dim=1).values
    return (rewards.float() + gamma * (~terminated).float() * best).to(rewards.dtype).detach()


@mutant("19.td_target", "gamma built with torch.tensor on the default device")
def _td_default_device(rewards, next_q, terminated, gamma):
    g = torch.tensor(gamma, dtype=rewards.dtype)
    return (rewards + g * (~terminated).to(rewards.dtype) * next_q.max(dim=1).values).detach()


# --------------------------------------------------------------------------- 19.epsilon_greedy
@mutant("19.epsilon_greedy", "common wrong answer: no exploration (always the argmax)")
def _eg_greedy(q_values, epsilon, generator=None):
    return q_values.argmax(dim=1)


@mutant("19.epsilon_greedy", "one coin for the whole batch (every row explores together)")
def _eg_one_coin(q_values, epsilon, generator=None):
    b, a = q_values.shape
    u = torch.rand(b, generator=generator, device="cpu")
    random_actions = torch.randint(a, (b,), generator=generator, device="cpu")
    return random_actions if u[0] < epsilon else q_values.argmax(dim=1)


@mutant("19.epsilon_greedy", "a random action never equals the greedy one (drawn among the others)")
def _eg_excludes_greedy(q_values, epsilon, generator=None):
    b, a = q_values.shape
    u = torch.rand(b, generator=generator, device="cpu")
    greedy = q_values.argmax(dim=1)
    other = (greedy + 1 + torch.randint(max(a - 1, 1), (b,), generator=generator, device="cpu")) % a
    return torch.where(u < epsilon, other, greedy)


@mutant("19.epsilon_greedy", "random actions drawn in range(A - 1) (off by one)")
def _eg_off_by_one(q_values, epsilon, generator=None):
    b, a = q_values.shape
    u = torch.rand(b, generator=generator, device="cpu")
    random_actions = torch.randint(max(a - 1, 1), (b,), generator=generator, device="cpu")
    return torch.where(u < epsilon, random_actions, q_values.argmax(dim=1))


@mutant("19.epsilon_greedy", "explores where u > epsilon (the comparison reversed)")
def _eg_reversed(q_values, epsilon, generator=None):
    b, a = q_values.shape
    u = torch.rand(b, generator=generator, device="cpu")
    random_actions = torch.randint(a, (b,), generator=generator, device="cpu")
    return torch.where(u > epsilon, random_actions, q_values.argmax(dim=1))


@mutant("19.epsilon_greedy", "draws the random actions only when needed (the stream moves differently)")
def _eg_lazy(q_values, epsilon, generator=None):
    b, a = q_values.shape
    u = torch.rand(b, generator=generator, device="cpu")
    explore = u < epsilon
    actions = q_values.argmax(dim=1).clone()
    n = int(explore.sum())
    actions[explore] = torch.randint(a, (n,), generator=generator, device="cpu")
    return actions


@mutant("19.epsilon_greedy", "ignores the generator")
def _eg_no_generator(q_values, epsilon, generator=None):
    b, a = q_values.shape
    u = torch.rand(b, device="cpu")
    random_actions = torch.randint(a, (b,), device="cpu")
    return torch.where(u < epsilon, random_actions, q_values.argmax(dim=1))


@mutant("19.epsilon_greedy", "random numbers drawn on the default device")
def _eg_default_device(q_values, epsilon, generator=None):
    b, a = q_values.shape
    u = torch.rand(b, generator=generator)
    random_actions = torch.randint(a, (b,), generator=generator)
    return torch.where(u < epsilon, random_actions, q_values.argmax(dim=1))


@mutant("19.epsilon_greedy", "argmax of the absolute Q-values")
def _eg_abs(q_values, epsilon, generator=None):
    b, a = q_values.shape
    u = torch.rand(b, generator=generator, device="cpu")
    random_actions = torch.randint(a, (b,), generator=generator, device="cpu")
    return torch.where(u < epsilon, random_actions, q_values.abs().argmax(dim=1))
