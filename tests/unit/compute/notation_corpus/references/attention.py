"""Attention: scaled dot-product, additive (Bahdanau) and multiplicative (Luong) scores, linear attention,
sinusoidal positions, cosine similarity."""

from __future__ import annotations

from typing import Any

import numpy as np


def _softmax_rows(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def scaled_dot_product(q: Any, k: Any, v: Any) -> dict[str, Any]:
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    return {"d_k": q.shape[1], "attention": _softmax_rows(q @ k.T / np.sqrt(q.shape[1])) @ v}


def sample_scaled_dot_product(rng: np.random.Generator) -> dict[str, Any]:
    n, m, dk, dv = (int(rng.integers(2, 6)) for _ in range(4))
    return {
        "q": rng.normal(size=(n, dk)).tolist(),
        "k": rng.normal(size=(m, dk)).tolist(),
        "v": rng.normal(size=(m, dv)).tolist(),
    }


def additive_alignment(e: Any, h: Any) -> dict[str, Any]:
    """Bahdanau et al.: energies e_ij (target i, source j) to weights alpha_ij, and the context vectors c_i."""
    e, h = np.asarray(e, dtype=float), np.asarray(h, dtype=float)
    alpha = _softmax_rows(e)
    return {"source_length": e.shape[1], "alpha": alpha, "context": alpha @ h}


def sample_additive_alignment(rng: np.random.Generator) -> dict[str, Any]:
    ty, tx, d = int(rng.integers(2, 5)), int(rng.integers(3, 6)), int(rng.integers(2, 4))
    return {"e": rng.normal(size=(ty, tx)).tolist(), "h": rng.normal(size=(tx, d)).tolist()}


def multiplicative_scores(h_t: Any, hbar: Any, w_a: Any) -> dict[str, Any]:
    """Luong et al.: the target state h_t against each source state hbar_s, by dot product and by a matrix W_a."""
    h_t, hbar, w_a = (np.asarray(a, dtype=float) for a in (h_t, hbar, w_a))
    return {"dot": hbar @ h_t, "general": hbar @ (w_a.T @ h_t)}


def sample_multiplicative_scores(rng: np.random.Generator) -> dict[str, Any]:
    d, s = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    return {
        "h_t": rng.normal(size=d).tolist(),
        "hbar": rng.normal(size=(s, d)).tolist(),
        "w_a": rng.normal(size=(d, d)).tolist(),
    }


def linear_attention(sim: Any, v: Any) -> dict[str, Any]:
    """Katharopoulos et al.'s generalised attention: each row i averages the V_j with weights sim(Q_i, K_j)."""
    sim, v = np.asarray(sim, dtype=float), np.asarray(v, dtype=float)
    return {"n": len(v), "output": (sim @ v) / sim.sum(axis=1, keepdims=True)}


def sample_linear_attention(rng: np.random.Generator) -> dict[str, Any]:
    n, d = int(rng.integers(2, 6)), int(rng.integers(2, 4))
    return {"sim": rng.uniform(0.1, 2, size=(n, n)).tolist(), "v": rng.normal(size=(n, d)).tolist()}


def exponential_similarity(q: Any, k: Any) -> dict[str, Any]:
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    return {"dims": len(q), "sim": float(np.exp(q @ k / np.sqrt(len(q))))}


def sample_exponential_similarity(rng: np.random.Generator) -> dict[str, Any]:
    d = int(rng.integers(2, 8))
    return {"q": rng.normal(size=d).tolist(), "k": rng.normal(size=d).tolist()}


def sinusoidal_positions(pos: Any, i: Any, d_model: int) -> dict[str, Any]:
    """Positions pos (a column) against dimension pairs i (a row): the even and the odd columns of the encoding."""
    angle = np.asarray(pos, dtype=float) / 10000 ** (2 * np.asarray(i, dtype=float) / d_model)
    return {"even": np.sin(angle), "odd": np.cos(angle)}


def sample_sinusoidal_positions(rng: np.random.Generator) -> dict[str, Any]:
    length, half = int(rng.integers(2, 7)), int(rng.integers(2, 5))
    return {
        "pos": [[float(p)] for p in range(length)],
        "i": [list(range(half))],
        "d_model": 2 * half,
    }


def cosine_similarity(a: Any, b: Any) -> dict[str, Any]:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return {"n": len(a), "cosine": float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))}


def sample_cosine_similarity(rng: np.random.Generator) -> dict[str, Any]:
    d = int(rng.integers(2, 8))
    return {"a": rng.normal(size=d).tolist(), "b": rng.normal(size=d).tolist()}
