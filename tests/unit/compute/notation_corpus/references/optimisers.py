"""Optimisers: one step of SGD, momentum, AdaGrad, RMSProp, Adam, AdamW; Polyak averaging; clipping by norm."""

from __future__ import annotations

from typing import Any

import numpy as np


def _arrays(*values: Any) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


def sgd_momentum(theta: Any, g: Any, v: Any, lr: float, alpha: float) -> dict[str, Any]:
    theta, g, v = _arrays(theta, g, v)
    velocity = alpha * v - lr * g
    return {"theta_sgd": theta - lr * g, "velocity": velocity, "theta_momentum": theta + velocity}


def sample_sgd_momentum(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(2, 7))
    return {
        "theta": rng.normal(size=size).tolist(),
        "g": rng.normal(size=size).tolist(),
        "v": rng.normal(size=size).tolist(),
        "lr": float(rng.uniform(0.001, 0.5)),
        "alpha": float(rng.uniform(0.5, 0.99)),
    }


def adaptive(g: Any, r: Any, lr: float, delta: float, rho: float) -> dict[str, Any]:
    """Goodfellow et al.'s Algorithms 8.4 (AdaGrad) and 8.5 (RMSProp): the accumulation and the update."""
    g, r = _arrays(g, r)
    r_adagrad = r + g * g
    r_rmsprop = rho * r + (1 - rho) * g * g
    return {
        "r_adagrad": r_adagrad,
        "step_adagrad": -lr / (delta + np.sqrt(r)) * g,
        "r_rmsprop": r_rmsprop,
        "step_rmsprop": -lr / np.sqrt(delta + r) * g,
    }


def sample_adaptive(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(2, 7))
    return {
        "g": rng.normal(size=size).tolist(),
        "r": rng.uniform(0, 2, size=size).tolist(),
        "lr": float(rng.uniform(0.001, 0.1)),
        "delta": float(rng.uniform(1e-7, 1e-3)),
        "rho": float(rng.uniform(0.8, 0.99)),
    }


def adam(
    theta: Any, g: Any, m: Any, v: Any, t: int, alpha: float, beta1: float, beta2: float, eps: float
) -> dict[str, Any]:
    """One step of Kingma & Ba's Algorithm 1 from the moments after step t - 1."""
    theta, g, m, v = _arrays(theta, g, m, v)
    m_t = beta1 * m + (1 - beta1) * g
    v_t = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m_t / (1 - beta1**t), v_t / (1 - beta2**t)
    return {
        "m_t": m_t,
        "v_t": v_t,
        "m_hat": m_hat,
        "v_hat": v_hat,
        "theta_t": theta - alpha * m_hat / (np.sqrt(v_hat) + eps),
    }


def sample_adam(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(2, 7))
    return {
        "theta": rng.normal(size=size).tolist(),
        "g": rng.normal(size=size).tolist(),
        "m": rng.normal(0, 0.1, size=size).tolist(),
        "v": rng.uniform(0, 0.1, size=size).tolist(),
        "t": int(rng.integers(1, 50)),
        "alpha": float(rng.uniform(1e-4, 1e-2)),
        "beta1": float(rng.uniform(0.8, 0.95)),
        "beta2": float(rng.uniform(0.99, 0.9999)),
        "eps": float(rng.uniform(1e-9, 1e-6)),
    }


def adamw(theta: Any, m_hat: Any, v_hat: Any, eta: float, alpha: float, eps: float, lam: float) -> dict[str, Any]:
    """Line 12 of Loshchilov & Hutter's Algorithm 2: the step with the weight decay decoupled."""
    theta, m_hat, v_hat = _arrays(theta, m_hat, v_hat)
    return {"theta_t": theta - eta * (alpha * m_hat / (np.sqrt(v_hat) + eps) + lam * theta)}


def sample_adamw(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(2, 7))
    return {
        "theta": rng.normal(size=size).tolist(),
        "m_hat": rng.normal(0, 0.1, size=size).tolist(),
        "v_hat": rng.uniform(0.001, 0.1, size=size).tolist(),
        "eta": float(rng.uniform(0.1, 1)),
        "alpha": float(rng.uniform(1e-4, 1e-2)),
        "eps": float(rng.uniform(1e-9, 1e-6)),
        "lam": float(rng.uniform(1e-3, 1e-1)),
    }


def polyak_average(average: Any, theta: Any, alpha: float) -> dict[str, Any]:
    average, theta = _arrays(average, theta)
    return {"average_t": alpha * average + (1 - alpha) * theta}


def sample_polyak_average(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(2, 7))
    return {
        "average": rng.normal(size=size).tolist(),
        "theta": rng.normal(size=size).tolist(),
        "alpha": float(rng.uniform(0.5, 0.999)),
    }


def clip_by_norm(g: Any, threshold: float) -> dict[str, Any]:
    """Pascanu et al.'s Algorithm 1, for a gradient whose norm is over the threshold."""
    (g,) = _arrays(g)
    return {"clipped": threshold / np.linalg.norm(g) * g}


def sample_clip_by_norm(rng: np.random.Generator) -> dict[str, Any]:
    return {"g": rng.normal(0, 5, size=int(rng.integers(2, 7))).tolist(), "threshold": float(rng.uniform(0.5, 2))}


def nesterov(theta: Any, v: Any, g_lookahead: Any, mu: float, lr: float) -> dict[str, Any]:
    """Sutskever et al.'s Nesterov momentum, with the gradient at the look-ahead point given."""
    theta, v, g = _arrays(theta, v, g_lookahead)
    return {"velocity": mu * v - lr * g}


def sample_nesterov(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(2, 7))
    return {
        "theta": rng.normal(size=size).tolist(),
        "v": rng.normal(size=size).tolist(),
        "g_lookahead": rng.normal(size=size).tolist(),
        "mu": float(rng.uniform(0.5, 0.99)),
        "lr": float(rng.uniform(0.001, 0.1)),
    }
