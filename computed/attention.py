"""Scaled dot-product attention for a single head, with an optional causal mask.

Shapes (one head, no batch axis):

    q: (n_q, d_k)   one query per row
    k: (n_k, d_k)   one key per row
    v: (n_k, d_v)   one value per row, aligned with the keys

The attention output is

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V

where the softmax runs over each row, i.e. over the keys of one query:

    scores    S = Q K^T                      (n_q, n_k), S_ij = q_i . k_j
    scaled    S / sqrt(d_k)                  keeps the scores' variance near 1
    weights   A_ij = softmax_j(S_ij / sqrt(d_k))  every row sums to 1
    output    A V                            (n_q, d_v), a weighted average of the values

With a causal mask, query i may only attend to keys j <= i: the other scores
are set to -inf before the softmax, so their weights are exactly 0. As in a
decoder's self-attention, queries and keys then describe the same positions,
so the causal mask requires n_q == n_k. (PyTorch's ``is_causal`` also accepts
n_q != n_k and aligns the mask to the top-left corner; we reject that case
rather than guess.)

Conventions follow ``torch.nn.functional.scaled_dot_product_attention`` with
the default scale 1/sqrt(d_k) and no dropout.
"""

from __future__ import annotations

import numpy as np


def scaled_dot_product_attention(q, k, v, causal: bool = False) -> dict:
    """softmax(q k^T / sqrt(d_k)) v for one head.

    q: (n_q, d_k) queries, k: (n_k, d_k) keys, v: (n_k, d_v) values.
    causal: if True, query i attends only to keys 0..i (needs n_q == n_k).
    Returns ``output`` (n_q, d_v) and the attention ``weights`` (n_q, n_k),
    whose rows are probability distributions over the keys.
    """
    q, k, v = (np.asarray(a, dtype=float) for a in (q, k, v))
    if q.ndim != 2 or k.ndim != 2 or v.ndim != 2:
        raise ValueError("q, k and v must be 2-D arrays: (n_q, d_k), (n_k, d_k), (n_k, d_v)")
    if q.shape[1] != k.shape[1]:
        raise ValueError(f"queries and keys need the same size d_k, got {q.shape[1]} and {k.shape[1]}")
    if k.shape[0] != v.shape[0] or k.shape[0] == 0:
        raise ValueError(f"need at least one key and one value per key, got {k.shape[0]} keys, {v.shape[0]} values")
    n_q, d_k = q.shape
    n_k = k.shape[0]

    scores = q @ k.T / np.sqrt(d_k)  # (n_q, n_k)
    if causal:
        if n_q != n_k:
            raise ValueError(f"a causal mask needs as many queries as keys, got {n_q} and {n_k}")
        allowed = np.tril(np.ones((n_q, n_k), dtype=bool))  # key j <= query i
        scores = np.where(allowed, scores, -np.inf)

    # Row-wise softmax; subtracting each row's maximum keeps exp() from overflowing.
    # Every row keeps at least one finite score (the diagonal), so no row becomes NaN.
    scores = scores - scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / weights.sum(axis=1, keepdims=True)
    return {"output": weights @ v, "weights": weights}


def attention_steps(q, k, v, causal: bool = False) -> dict:
    """Worked example: every intermediate of one attention call."""
    q, k = np.asarray(q, dtype=float), np.asarray(k, dtype=float)
    d_k = q.shape[1]
    scores = q @ k.T
    allowed = np.ones(scores.shape, dtype=int)  # 1: query i may attend to key j
    if causal:
        allowed = np.tril(allowed)
    result = scaled_dot_product_attention(q, k, v, causal=causal)
    return {
        "d_k": int(d_k),
        "scores": scores,
        "scaled_scores": scores / np.sqrt(d_k),
        "allowed": allowed,
        "weights": result["weights"],
        "output": result["output"],
    }
