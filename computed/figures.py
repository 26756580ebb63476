"""Figures: each function draws on a matplotlib Figure ``fig`` and returns alt text describing what it drew.

The build calls ``function(fig, **inputs)`` with the inputs from the entry's
YAML, once on a desktop-wide figure and once on a phone-wide one (narrower
than ``PHONE_WIDTH``: fewer and shorter labels), and saves them as SVG and PNG.
The alt text is generated from the same numbers that were plotted, so it can
never describe a different picture.
"""

from __future__ import annotations

import matplotlib.ticker
import numpy as np

from .batchnorm import batch_norm_forward
from .perplexity import cross_entropy

PHONE_WIDTH = 5.0
"""A figure narrower than this many inches is the phone drawing: fewer and shorter labels."""


def perplexity_vs_cross_entropy(fig, probabilities, vocab_size) -> str:
    """PP = 2ᴴ against H, with the worked example and a uniform model over V tokens marked."""
    h_example = cross_entropy(probabilities, base=2.0)
    pp_example = 2.0**h_example
    h_uniform = float(np.log2(vocab_size))
    h = np.linspace(0.0, h_uniform + 1.0, 200)
    phone = fig.get_figwidth() < PHONE_WIDTH

    ax = fig.add_subplot()
    ax.plot(h, 2.0**h, color="C0", linewidth=2, label=r"$\mathrm{PP} = 2^{H}$")
    uniform = f"uniform, V = {vocab_size}" if phone else f"uniform over V = {vocab_size} tokens: PP = V"
    ax.axhline(vocab_size, color="0.45", linestyle="--", linewidth=1.2, label=uniform)
    ax.plot([h_uniform], [vocab_size], "o", color="0.45")
    ax.plot([h_example], [pp_example], "o", color="C1", markersize=8, label="worked example")
    ax.annotate(
        f"H = {h_example:.2f} bits\nPP = {pp_example:.2f}"
        if phone
        else f"H = {h_example:.2f} bits, PP = {pp_example:.2f}",
        (h_example, pp_example),
        xytext=(10, -4),
        textcoords="offset points",
        va="top",
    )
    ax.set_yscale("log", base=2)
    ticks = [2**k for k in range(int(np.ceil(h_uniform + 1.0)) + 1)]
    ax.set_yticks(ticks, labels=[str(t) for t in ticks])
    ax.set_xlim(0.0, h_uniform + 1.0)
    ax.set_xlabel("cross-entropy H (bits per token)")
    ax.set_ylabel("perplexity PP (log scale)" if not phone else "perplexity PP")
    nats = ax.secondary_xaxis("top", functions=(lambda b: b * np.log(2.0), lambda n: n / np.log(2.0)))
    nats.set_xlabel("H in nats" if phone else r"cross-entropy H (nats per token), where $\mathrm{PP} = e^{H}$")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize="small" if phone else "medium")

    return (
        f"Line chart of perplexity against cross-entropy: PP = 2ᴴ rises from 1 at H = 0 bits to "
        f"{2.0 ** (h_uniform + 1.0):g} at H = {h_uniform + 1.0:g} bits per token, a straight line on the logarithmic "
        f"perplexity axis; a second axis gives H in nats, where PP = eᴴ. The worked example sits at "
        f"H = {h_example:.2f} bits, PP = {pp_example:.2f}. A dashed line marks a model that is uniform over "
        f"V = {vocab_size} tokens: H = {h_uniform:.2f} bits and PP = V = {vocab_size}."
    )


def batch_norm_distributions(fig, means, stds, gamma, beta, batch_size=256, seed=0) -> str:
    """Per-feature histograms of a random mini-batch before (top row) and after (bottom row) batch norm."""
    means, stds = np.asarray(means, dtype=float), np.asarray(stds, dtype=float)
    d = means.size
    rng = np.random.default_rng(seed)
    x = rng.normal(means, stds, size=(batch_size, d))
    y = batch_norm_forward(x, gamma, beta, np.zeros(d), np.ones(d))["y"]
    phone = fig.get_figwidth() < PHONE_WIDTH

    fig.set_figheight(fig.get_figwidth() * 0.75)
    axes = fig.subplots(2, d, squeeze=False, sharey="row")
    for j in range(d):
        axes[0, j].set_title(f"feature {j + 1}", fontsize="medium")
        for row, data in enumerate((x, y)):
            ax = axes[row, j]
            column = data[:, j]
            ax.hist(column, bins=20, color=f"C{j}", alpha=0.75)
            ax.axvline(column.mean(), color="black", linewidth=1)
            # The statistics sit in the empty upper corner rather than in a title above each panel.
            mean, std = column.mean(), column.std()
            stats = f"μ {_1f(mean)}\nσ {_1f(std)}" if phone else f"mean {_2f(mean)}\nstd {_2f(std)}"
            box = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5}
            ax.text(0.04, 0.96, stats, transform=ax.transAxes, va="top", bbox=box)
            ax.set_ylim(0, ax.get_ylim()[1] * 1.35)  # headroom for the statistics
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(3))  # few ticks: neighbours never touch
    axes[0, 0].set_ylabel("before: x" if phone else "before: count of x")
    axes[1, 0].set_ylabel("after: y" if phone else "after: count of y")

    def describe(data):
        return "; ".join(
            f"feature {j + 1} mean {_2f(data[:, j].mean())}, standard deviation {_2f(data[:, j].std())}"
            for j in range(d)
        )

    return (
        f"Histograms of a random mini-batch of {batch_size} examples with {d} features, one column per feature, "
        f"before batch normalization (top row) and after it (bottom row). Input: {describe(x)}. "
        f"Output: {describe(y)}. Each feature is standardised with its own batch mean and variance, then scaled by "
        f"gamma = {_listed(gamma)} and shifted by beta = {_listed(beta)}, so it comes out with mean beta and "
        f"standard deviation gamma."
    )


def _listed(values) -> str:
    return "[" + ", ".join(_minus(f"{v:g}") for v in np.asarray(values, dtype=float)) + "]"


def _1f(value) -> str:
    """One decimal, without "−0.0"."""
    return _minus(f"{value:.1f}")


def _2f(value) -> str:
    """Two decimals, without the "−0.00" that rounding a tiny negative number gives."""
    return _minus(f"{value:.2f}")


def _minus(text: str) -> str:
    """A number as a textbook prints it: a minus sign (U+2212), and no negative zero."""
    return text.removeprefix("-") if float(text) == 0 else text.replace("-", "−")
