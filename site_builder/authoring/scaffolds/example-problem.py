"""Mean squared error: the reference solution of the problem of the day ``mean-squared-error``.

For N predictions y_hat_i of the targets y_i:

    MSE = (1/N) * sum_i (y_hat_i - y_i) ** 2

Everything numeric on the problem's page comes from this module at build time:
``mean_squared_error`` is shown as the solution and run on the test cases,
``mean_squared_error_steps`` fills the worked example (and the formula is checked
against it, on the example and on the random inputs ``sample_mean_squared_error_steps``
draws), and ``constant_prediction_curve`` draws the plot. Readers learn from this
code: keep it plain numpy, with the math and the conventions in the docstrings.
"""

from __future__ import annotations

import numpy as np


def mean_squared_error(predictions, targets) -> float:
    """The mean of the squared differences between predictions and targets.

    predictions, targets: shape (N,) with N >= 1, the model's outputs and the true values.
    """
    y_hat = np.asarray(predictions, dtype=float)
    y = np.asarray(targets, dtype=float)
    if y_hat.ndim != 1 or y_hat.size == 0 or y_hat.shape != y.shape:
        raise ValueError(
            f"predictions and targets must have the same shape (N,), N >= 1; got {y_hat.shape} and {y.shape}"
        )
    return float(np.mean((y_hat - y) ** 2))


def mean_squared_error_steps(predictions, targets) -> dict:
    """Worked example: the residuals, their squares and their mean."""
    y_hat = np.asarray(predictions, dtype=float)
    y = np.asarray(targets, dtype=float)
    residuals = y_hat - y
    return {
        "n": int(y.size),
        "residuals": residuals,
        "squared": residuals**2,
        "mse": mean_squared_error(y_hat, y),
    }


def sample_mean_squared_error_steps(rng) -> dict:
    """Random inputs the formula is checked on besides the worked example; N varies too."""
    n = int(rng.integers(1, 30))
    return {"predictions": rng.normal(0.0, 3.0, size=n), "targets": rng.normal(0.0, 3.0, size=n)}


def constant_prediction_curve(fig, targets) -> str:
    """The MSE of predicting one constant c for every target, against c: lowest where c is the targets' mean."""
    y = np.asarray(targets, dtype=float)
    mean = float(y.mean())
    lowest = float(np.mean((mean - y) ** 2))  # the targets' (biased) variance
    margin = float(y.max() - y.min()) / 2 or 1.0
    c = np.linspace(float(y.min()) - margin, float(y.max()) + margin, 201)
    mse = ((c[:, None] - y[None, :]) ** 2).mean(axis=1)

    ax = fig.add_subplot()
    ax.plot(c, mse, color="C0", linewidth=2, label="MSE of predicting c for every target")
    ax.plot(y, np.zeros_like(y), "|", color="0.3", markersize=16, label="the targets")
    ax.plot([mean], [lowest], "o", color="C1", markersize=8, label=f"lowest: c = mean = {mean:.3g}")
    ax.set_xlabel("constant prediction c")
    ax.set_ylabel("mean squared error")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper center")

    return (
        f"Line chart of the mean squared error of predicting one constant c for all {y.size} targets, "
        f"for c from {c[0]:.3g} to {c[-1]:.3g}: a parabola with its lowest point, MSE = {lowest:.3g}, "
        f"at c = {mean:.3g}, the mean of the targets, which are marked on the horizontal axis."
    )
