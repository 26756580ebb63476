"""Perplexity and cross-entropy of a language model on a sequence of tokens.

A language model assigns each token x_i of a text a probability
p(x_i) = p(x_i | x_1, ..., x_{i-1}) given the tokens before it. Over N tokens:

    cross-entropy   H  = -(1/N) * sum_i log_b p(x_i)      (bits for b = 2, nats for b = e)
    perplexity      PP = b ** H  = 2 ** H_bits = e ** H_nats

N counts *tokens*, not words: the same text split by a different tokenizer
has a different N and a different perplexity, so perplexities are only
comparable between models that share a tokenizer.
"""

from __future__ import annotations

import numpy as np


def cross_entropy(probabilities, base: float = 2.0) -> float:
    """Mean negative log-probability of the tokens, in units of log base ``base``.

    probabilities: shape (N,), the probability the model gave each actual token, each in (0, 1].
    """
    p = np.asarray(probabilities, dtype=float)
    if p.ndim != 1 or p.size == 0:
        raise ValueError("probabilities must be a non-empty 1-D array")
    if np.any(p <= 0) or np.any(p > 1):
        raise ValueError("every probability must lie in (0, 1]")
    return float(-np.mean(np.log(p)) / np.log(base))


def perplexity(probabilities, base: float = 2.0) -> float:
    """Perplexity: ``base`` raised to the cross-entropy in that base (the same number for any base)."""
    return float(base ** cross_entropy(probabilities, base))


def log_softmax(logits):
    """log(softmax(logits)) along the last axis, computed stably.

    Subtracting the row maximum before exponentiating keeps exp() from
    overflowing; it cancels out in the ratio, so the result is unchanged.
    """
    z = np.asarray(logits, dtype=float)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def cross_entropy_from_logits(logits, targets, base: float = np.e) -> float:
    """Cross-entropy of next-token predictions given as raw scores.

    logits: shape (N, V), one row of unnormalised scores over a vocabulary of V tokens per position.
    targets: shape (N,), the index (0 to V-1) of the token that actually came next at each position.
    The default base e gives nats, the unit of ``torch.nn.functional.cross_entropy``
    (with its default ``reduction="mean"``); base 2 gives bits.
    """
    z = np.asarray(logits, dtype=float)
    t = np.asarray(targets)
    if z.ndim != 2 or z.shape[0] == 0:
        raise ValueError(f"logits must have shape (N, V) with N >= 1, got {z.shape}")
    if t.shape != (z.shape[0],) or not np.all(t == np.round(t)) or np.any(t < 0) or np.any(t >= z.shape[1]):
        raise ValueError(f"targets must be N = {z.shape[0]} whole numbers from 0 to V - 1 = {z.shape[1] - 1}")
    log_p = log_softmax(z)
    token_log_p = log_p[np.arange(t.size), t.astype(int)]  # log-probability of each actual next token
    return float(-token_log_p.mean() / np.log(base))


def perplexity_from_logits(logits, targets) -> float:
    """Perplexity from logits: e raised to the cross-entropy in nats."""
    return float(np.exp(cross_entropy_from_logits(logits, targets)))


def perplexity_steps(probabilities) -> dict:
    """Worked example: every intermediate value from token probabilities to perplexity."""
    p = np.asarray(probabilities, dtype=float)
    log2_p = np.log2(p)
    h_bits = cross_entropy(p, base=2.0)
    h_nats = cross_entropy(p, base=np.e)
    return {
        "n_tokens": int(p.size),
        "log2_p": log2_p,
        "sum_log2_p": float(log2_p.sum()),
        "cross_entropy_bits": h_bits,
        "perplexity": perplexity(p, base=2.0),
        "cross_entropy_nats": h_nats,
        "perplexity_from_nats": float(np.exp(h_nats)),
    }


def sample_perplexity_steps(rng):
    """Random valid inputs for ``perplexity_steps``: the build checks the formulas shown with it on these.

    The number of tokens varies too, so a formula that hard-codes N cannot pass.
    """
    n = int(rng.integers(1, 40))
    return {"probabilities": rng.uniform(0.001, 1.0, size=n)}
