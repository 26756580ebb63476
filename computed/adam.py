"""The Adam optimizer (Kingma & Ba, 2015) and AdamW's decoupled weight decay.

At step t = 1, 2, ... with gradient g_t, Adam keeps two exponential moving
averages per parameter, both starting at 0:

    m_t = beta1 * m_{t-1} + (1 - beta1) * g_t        first moment: mean of the gradient
    v_t = beta2 * v_{t-1} + (1 - beta2) * g_t**2     second moment: mean of the squared gradient

Because they start at 0, both are biased towards 0 early on; dividing by
1 - beta**t removes the bias (for a constant gradient g it gives back exactly
g and g**2):

    m_hat_t = m_t / (1 - beta1**t)
    v_hat_t = v_t / (1 - beta2**t)

The parameter then moves by

    delta_t = -lr * m_hat_t / (sqrt(v_hat_t) + eps)
    theta_t = theta_{t-1} + delta_t

Conventions are PyTorch's (``torch.optim.Adam`` / ``torch.optim.AdamW``):
eps is added *after* the square root, the defaults are lr = 1e-3,
beta1 = 0.9, beta2 = 0.999, eps = 1e-8, and AdamW's weight decay is decoupled
from the gradient and scaled by the learning rate:

    theta <- theta * (1 - lr * weight_decay)        before the Adam step above

(Adam with ``weight_decay`` in PyTorch instead adds weight_decay * theta to the
gradient, the classic L2 penalty, which then gets rescaled by 1/sqrt(v_hat).)
"""

from __future__ import annotations

import numpy as np


def adamw_step(theta, grad, m, v, t: int, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """One AdamW step (plain Adam when weight_decay = 0) for parameters of any shape.

    theta, grad, m, v: arrays of the same shape; t: the number of this step, starting at 1.
    Returns the new (theta, m, v).
    """
    if t < 1:
        raise ValueError(f"the step number t starts at 1, got {t}")
    if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
        raise ValueError("beta1 and beta2 must lie in [0, 1)")
    theta = np.asarray(theta, dtype=float) * (1 - lr * weight_decay)  # decoupled decay: not part of the gradient
    m = beta1 * np.asarray(m, dtype=float) + (1 - beta1) * grad
    v = beta2 * np.asarray(v, dtype=float) + (1 - beta2) * np.square(grad)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta, m, v


def adam_steps(gradients, theta0: float, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8) -> dict:
    """Worked example: Adam on one scalar parameter for a given sequence of gradients.

    gradients: shape (T,), the gradient g_t seen at steps t = 1..T.
    Every returned array has one entry per step.
    """
    g = np.asarray(gradients, dtype=float)
    if g.ndim != 1 or g.size == 0:
        raise ValueError("gradients must be a non-empty 1-D array, one gradient per step")
    steps = np.arange(1, g.size + 1)
    m = np.zeros(g.size)
    v = np.zeros(g.size)
    theta = np.zeros(g.size)
    m_prev, v_prev, theta_prev = 0.0, 0.0, float(theta0)
    for index, t in enumerate(steps):
        theta_prev, m_prev, v_prev = adamw_step(theta_prev, g[index], m_prev, v_prev, int(t), lr, beta1, beta2, eps)
        theta[index], m[index], v[index] = theta_prev, m_prev, v_prev
    m_hat = m / (1 - beta1**steps)
    v_hat = v / (1 - beta2**steps)
    return {
        "t": steps,
        "m": m,
        "v": v,
        "m_hat": m_hat,
        "v_hat": v_hat,
        "update": -lr * m_hat / (np.sqrt(v_hat) + eps),
        "theta": theta,
    }


def sample_adam_steps(rng) -> dict:
    """Random valid inputs for ``adam_steps``, used to check the formulas beyond the worked example.

    Betas are drawn in [0.5, 0.999) and eps up to 1e-3, so the bias corrections
    and the epsilon term both matter; the number of steps varies too.
    """
    steps = int(rng.integers(1, 12))
    return {
        "gradients": rng.normal(0.0, 2.0, size=steps),
        "theta0": float(rng.normal()),
        "lr": float(rng.uniform(1e-4, 0.5)),
        "beta1": float(rng.uniform(0.5, 0.99)),
        "beta2": float(rng.uniform(0.9, 0.999)),
        "eps": float(10.0 ** rng.uniform(-8, -3)),
    }
