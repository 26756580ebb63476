"""Learning-rate schedules: the Transformer's warm-up, SGDR's cosine annealing, step, exponential, time-based decay."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def transformer_rate(d_model: int, step_num: Any, warmup_steps: int) -> dict[str, Any]:
    steps = np.asarray(step_num, dtype=float)
    return {"lrate": d_model**-0.5 * np.minimum(steps**-0.5, steps * warmup_steps**-1.5)}


def sample_transformer_rate(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "d_model": int(rng.choice([64, 128, 512])),
        "step_num": sorted(rng.integers(1, 20000, size=6).tolist()),
        "warmup_steps": int(rng.integers(100, 8000)),
    }


def cosine_annealing(eta_min: float, eta_max: float, t_cur: Any, t_i: int) -> dict[str, Any]:
    t = np.asarray(t_cur, dtype=float)
    return {"eta": eta_min + 0.5 * (eta_max - eta_min) * (1 + np.cos(t / t_i * math.pi))}


def sample_cosine_annealing(rng: np.random.Generator) -> dict[str, Any]:
    t_i = int(rng.integers(5, 50))
    return {
        "eta_min": float(rng.uniform(0, 1e-3)),
        "eta_max": float(rng.uniform(0.01, 0.5)),
        "t_cur": rng.uniform(0, t_i, size=5).tolist(),
        "t_i": t_i,
    }


def decay(eta0: float, d: float, n: Any, r: int) -> dict[str, Any]:
    """Step decay (by d every r steps), exponential decay and time-based decay at the steps n."""
    n = np.asarray(n, dtype=float)
    return {
        "step": eta0 * d ** np.floor((1 + n) / r),
        "exponential": eta0 * np.exp(-d * n),
    }


def sample_decay(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "eta0": float(rng.uniform(0.01, 1)),
        "d": float(rng.uniform(0.1, 0.9)),
        "n": rng.integers(0, 40, size=6).tolist(),
        "r": int(rng.integers(2, 10)),
    }


def time_based_decay(eta_n: Any, d: float, n: Any) -> dict[str, Any]:
    eta_n, n = np.asarray(eta_n, dtype=float), np.asarray(n, dtype=float)
    return {"eta_next": eta_n / (1 + d * n)}


def sample_time_based_decay(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "eta_n": rng.uniform(0.01, 1, size=5).tolist(),
        "d": float(rng.uniform(0.001, 0.5)),
        "n": rng.integers(0, 40, size=5).tolist(),
    }
