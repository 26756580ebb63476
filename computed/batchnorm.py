"""Batch normalization, forward pass, following PyTorch's conventions.

For a mini-batch x of shape (m, d) (m examples, d features), each feature j
is normalized with the statistics of the batch:

    mu_j      = (1/m) * sum_i x_ij                          batch mean
    var_j     = (1/m) * sum_i (x_ij - mu_j)^2               batch variance (biased: divides by m)
    x_hat_ij  = (x_ij - mu_j) / sqrt(var_j + eps)           eps keeps the division finite
    y_ij      = gamma_j * x_hat_ij + beta_j                 learnable scale and shift

During training the layer also keeps running estimates for inference:

    running_mean <- (1 - momentum) * running_mean + momentum * mu
    running_var  <- (1 - momentum) * running_var  + momentum * var * m / (m - 1)

As in ``torch.nn.BatchNorm1d``: ``momentum`` weights the *new* batch statistic
(default 0.1), and the running variance is updated with the *unbiased* batch
variance (divided by m - 1), while the normalization itself uses the biased one.
In inference mode the running statistics replace the batch statistics and
nothing is updated.
"""

from __future__ import annotations

import numpy as np


def batch_norm_forward(x, gamma, beta, running_mean, running_var, eps=1e-5, momentum=0.1, training=True) -> dict:
    """One forward pass of batch normalization.

    x: (m, d) mini-batch; gamma, beta, running_mean, running_var: (d,).
    Returns the output ``y`` (m, d) and the running statistics after the pass.
    """
    x = np.asarray(x, dtype=float)
    gamma, beta = np.asarray(gamma, dtype=float), np.asarray(beta, dtype=float)
    running_mean = np.asarray(running_mean, dtype=float)
    running_var = np.asarray(running_var, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (m, d), got {x.shape}")
    m = x.shape[0]
    if training:
        if m < 2:
            raise ValueError("training mode needs at least 2 examples to estimate a variance")
        mean = x.mean(axis=0)
        var = x.var(axis=0)  # biased: divides by m
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var * m / (m - 1)
    else:
        mean, var = running_mean, running_var
    x_hat = (x - mean) / np.sqrt(var + eps)
    y = gamma * x_hat + beta
    return {"y": y, "running_mean": running_mean, "running_var": running_var}


def batch_norm_steps(x, gamma, beta, running_mean, running_var, eps=1e-5, momentum=0.1) -> dict:
    """Worked example: the intermediate values of one training-mode forward pass."""
    x = np.asarray(x, dtype=float)
    m = x.shape[0]
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    x_hat = (x - mean) / np.sqrt(var + eps)
    result = batch_norm_forward(x, gamma, beta, running_mean, running_var, eps, momentum, training=True)
    return {
        "batch_size": m,
        "mean": mean,
        "variance": var,
        "x_hat": x_hat,
        "y": result["y"],
        "unbiased_variance": var * m / (m - 1),
        "running_mean": result["running_mean"],
        "running_var": result["running_var"],
    }


def sample_batch_norm_steps(rng):
    """Random valid inputs for ``batch_norm_steps``: the build checks the formulas shown with it on these.

    Shapes, scales and offsets vary, and eps is large enough now and then that
    a formula which drops it, or moves it out of the square root, cannot pass.
    """
    m, d = int(rng.integers(2, 9)), int(rng.integers(1, 5))
    return {
        "x": rng.normal(rng.uniform(-5, 5, size=d), rng.uniform(0.1, 3, size=d), size=(m, d)),
        "gamma": rng.uniform(-2, 2, size=d),
        "beta": rng.uniform(-2, 2, size=d),
        "running_mean": rng.normal(size=d),
        "running_var": rng.uniform(0.1, 3, size=d),
        "eps": float(10 ** rng.uniform(-8, -1)),
        "momentum": float(rng.uniform(0.01, 1)),
    }
