"""Softmax, temperature, and the entropy of the resulting distribution.

A model produces one unnormalised score (a *logit*) z_i per class or token,
i = 1..K. Softmax turns the logits into a probability distribution:

    p_i = exp(z_i) / sum_j exp(z_j)

Adding the same constant c to every logit multiplies numerator and denominator
by exp(c), so the probabilities do not change. Implementations use this to stay
finite: they subtract m = max_j z_j first, so the largest exponent is exp(0) = 1
and nothing can overflow (float64 overflows beyond exp(709.78)).

A temperature T > 0 divides the logits before the softmax:

    p_i(T) = exp(z_i / T) / sum_j exp(z_j / T)

T < 1 sharpens the distribution towards the arg max, T > 1 flattens it towards
uniform, and T = 1 leaves it unchanged. The ordering of the probabilities, and
so the arg max, never depends on T.

The entropy of the distribution, in bits, measures how spread out it is:

    H = -sum_i p_i log2 p_i        (0 for a one-hot distribution, log2 K for a uniform one)

with the usual convention 0 * log2 0 = 0.
"""

from __future__ import annotations

import numpy as np


def _as_logits(logits) -> np.ndarray:
    z = np.asarray(logits, dtype=float)
    if z.ndim != 1 or z.size == 0:
        raise ValueError(f"logits must be a non-empty 1-D array, got shape {z.shape}")
    if not np.all(np.isfinite(z)):
        raise ValueError("logits must be finite")
    return z


def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """Probabilities softmax(z / T) over the last axis, computed stably.

    logits: shape (..., K). temperature: T > 0.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    z = np.asarray(logits, dtype=float) / temperature
    shifted = z - z.max(axis=-1, keepdims=True)  # the largest exponent is now exp(0) = 1
    exp_shifted = np.exp(shifted)
    return exp_shifted / exp_shifted.sum(axis=-1, keepdims=True)


def entropy_bits(probabilities) -> float:
    """Entropy -sum_i p_i log2 p_i of a distribution, in bits (0 * log2 0 counts as 0)."""
    p = np.asarray(probabilities, dtype=float)
    if p.ndim != 1 or p.size == 0:
        raise ValueError("probabilities must be a non-empty 1-D array")
    if np.any(p < 0) or not np.isclose(p.sum(), 1.0):
        raise ValueError("probabilities must be non-negative and sum to 1")
    nonzero = p[p > 0]
    return float(-(nonzero * np.log2(nonzero)).sum())


def softmax_steps(logits) -> dict:
    """Worked example: the stable softmax at T = 1, step by step, and the entropy of the result."""
    z = _as_logits(logits)
    max_logit = float(z.max())
    shifted = z - max_logit
    exp_shifted = np.exp(shifted)
    sum_exp = float(exp_shifted.sum())
    probabilities = exp_shifted / sum_exp
    return {
        "n_classes": int(z.size),
        "max_logit": max_logit,
        "shifted": shifted,
        "exp_shifted": exp_shifted,
        "sum_exp": sum_exp,
        "probabilities": probabilities,
        "entropy_bits": entropy_bits(probabilities),
    }


def temperature_sweep(logits, temperatures) -> dict:
    """Worked example: the same logits at several temperatures.

    Returns one row of probabilities per temperature, and per temperature the
    probability of the most likely class, the entropy in bits and the
    "effective number of choices" 2**H.
    """
    z = _as_logits(logits)
    t = np.asarray(temperatures, dtype=float)
    if t.ndim != 1 or t.size == 0 or np.any(t <= 0):
        raise ValueError("temperatures must be a non-empty 1-D array of positive numbers")
    probabilities = np.stack([softmax(z, temperature) for temperature in t])
    entropies = np.array([entropy_bits(row) for row in probabilities])
    return {
        "probabilities": probabilities,
        "top_probability": probabilities.max(axis=1),
        "entropy_bits": entropies,
        "effective_choices": 2.0**entropies,
        "max_entropy_bits": float(np.log2(z.size)),
    }
