"""Regularisation: L2 and L1 penalties, weight decay's objective, dropout, mixup."""

from __future__ import annotations

from typing import Any

import numpy as np


def penalties(w: Any, alpha: float, data_loss: float) -> dict[str, Any]:
    w = np.asarray(w, dtype=float)
    return {
        "l2": float(0.5 * np.sum(w**2)),
        "l1": float(np.sum(np.abs(w))),
        "objective": float(alpha / 2 * w @ w + data_loss),
    }


def sample_penalties(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "w": rng.normal(size=int(rng.integers(2, 8))).tolist(),
        "alpha": float(rng.uniform(0.01, 1)),
        "data_loss": float(rng.uniform(0, 3)),
    }


def dropout(y: Any, r: Any, w: Any, b: Any) -> dict[str, Any]:
    """Srivastava et al.: a layer's outputs y thinned by the mask r, then the next layer's inputs (W's rows w_i)."""
    y, r, w, b = (np.asarray(a, dtype=float) for a in (y, r, w, b))
    thinned = r * y
    return {"thinned": thinned, "z": w @ thinned + b}


def sample_dropout(rng: np.random.Generator) -> dict[str, Any]:
    units, next_units = int(rng.integers(3, 8)), int(rng.integers(2, 5))
    return {
        "y": rng.normal(size=units).tolist(),
        "r": rng.integers(0, 2, size=units).tolist(),
        "w": rng.normal(size=(next_units, units)).tolist(),
        "b": rng.normal(size=next_units).tolist(),
    }


def mixup(xa: Any, xb: Any, ya: Any, yb: Any, lam: float) -> dict[str, Any]:
    xa, xb, ya, yb = (np.asarray(a, dtype=float) for a in (xa, xb, ya, yb))
    return {"x_mixed": lam * xa + (1 - lam) * xb, "y_mixed": lam * ya + (1 - lam) * yb}


def sample_mixup(rng: np.random.Generator) -> dict[str, Any]:
    size, classes = int(rng.integers(2, 7)), int(rng.integers(2, 5))
    return {
        "xa": rng.normal(size=size).tolist(),
        "xb": rng.normal(size=size).tolist(),
        "ya": np.eye(classes)[rng.integers(0, classes)].tolist(),
        "yb": np.eye(classes)[rng.integers(0, classes)].tolist(),
        "lam": float(rng.beta(0.4, 0.4)),
    }
