"""Reinforcement learning: agents that learn from a reward by acting in an environment (gymnasium 1.x).

- `dqn.py`  the deep Q-network, CleanRL-style in one file: ReplayBuffer (preallocated tensors),
            QNetwork, td_target (terminated vs truncated), dqn_loss (Huber), epsilon_greedy,
            evaluate_greedy (fresh seeds) and train_dqn (chapter 19)
"""
