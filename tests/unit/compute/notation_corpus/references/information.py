"""Information theory: entropy, divergences and mutual information of discrete distributions."""

from __future__ import annotations

from typing import Any

import numpy as np


def _kl(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sum(a * np.log(a / b)))


def distributions(p: Any, q: Any) -> dict[str, Any]:
    """Two distributions over the same outcomes: entropies in nats and bits, divergences, perplexity."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    m = (p + q) / 2
    entropy = float(-np.sum(p * np.log(p)))
    return {
        "p": p,
        "q": q,
        "entropy": entropy,
        "entropy_bits": entropy / np.log(2),
        "self_information": -np.log(p),
        "cross_entropy": float(-np.sum(p * np.log(q))),
        "kl": _kl(p, q),
        "m": m,
        "kl_pm": _kl(p, m),
        "kl_qm": _kl(q, m),
        "jsd": (_kl(p, m) + _kl(q, m)) / 2,
        "perplexity": float(np.prod(p ** (-p))),
        "gini": float(np.sum(p * (1 - p))),
        "outcomes": len(p),
    }


def sample_distributions(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(3, 8))
    return {"p": rng.dirichlet(np.ones(size)).tolist(), "q": rng.dirichlet(np.ones(size)).tolist()}


def joint(pxy: Any) -> dict[str, Any]:
    """A joint distribution p(x, y) (rows x, columns y): marginals, conditionals, entropies, mutual information.

    A conditional is laid out as it is written: ``p_y_given_x[y, x]`` is p(y|x).
    """
    table = np.asarray(pxy, dtype=float)
    px, py = table.sum(axis=1), table.sum(axis=0)
    hxy = float(-np.sum(table * np.log(table)))
    hx, hy = float(-np.sum(px * np.log(px))), float(-np.sum(py * np.log(py)))
    return {
        "joint": table,
        "px": px,
        "py": py,
        "p_y_given_x": (table / px[:, None]).T,
        "joint_entropy": hxy,
        "hx": hx,
        "hy": hy,
        "hy_given_x": hxy - hx,
        "hx_given_y": hxy - hy,
        "mutual_information": float(np.sum(table * np.log(table / np.outer(px, py)))),
    }


def sample_joint(rng: np.random.Generator) -> dict[str, Any]:
    rows, columns = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    return {"pxy": rng.dirichlet(np.ones(rows * columns)).reshape(rows, columns).tolist()}


def binary_entropy(p: Any) -> dict[str, Any]:
    """The entropy in bits of a coin that lands heads with probability p, for each p."""
    p = np.asarray(p, dtype=float)
    return {"p": p, "h_bits": -p * np.log2(p) - (1 - p) * np.log2(1 - p)}


def sample_binary_entropy(rng: np.random.Generator) -> dict[str, Any]:
    return {"p": rng.uniform(0.02, 0.98, size=int(rng.integers(3, 9))).tolist()}
