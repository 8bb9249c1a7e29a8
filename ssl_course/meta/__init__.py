"""Meta-learning: learning an initialisation that adapts to a new task in a few gradient steps.

- `maml.py`     MAML on torch.func: the inner loop `adapt`, the meta-objective `maml_loss` (second order,
                or first order), the sinusoid network, a training loop and the fine-tuning curve (chapter 22)
- `reptile.py`  Reptile: the direction theta - mean phi_t from plain SGD on each task, used as a gradient
                (chapter 22)

The tasks themselves are in `data/sinusoids.py`.
"""
