"""Plots: a function in ``computed/`` draws on a matplotlib Figure; we save it as SVG (web) and PNG (Markdown, email).

The contract: ``function(fig, **inputs)`` draws on ``fig`` (a ``matplotlib.figure.Figure``
with the Agg backend, ``FIGSIZE`` inches unless the function resizes it) and returns
the alt text, generated from the data it plotted. No pyplot, so no global state.

Output is byte-identical across rebuilds: matplotlib's default style (a user's
matplotlibrc is ignored), a fixed ``svg.hashsalt`` for the ids in the SVG, text as
paths (no font lookup in the reader's browser), no date or software metadata,
and a fixed PNG resolution. matplotlib is imported only when a plot is drawn,
so a build whose plots all come from the cache never loads it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

FIGSIZE = (6.4, 4.0)
"""Default figure size in inches."""
PNG_DPI = 150
"""PNG resolution: 960 x 600 pixels at the default size, sharp on high-density screens."""
CSS_DPI = 100
"""CSS pixels per inch for the <img> width and height: 640 x 400 at the default size."""
MAX_ALT = 1000
RC = {
    "svg.hashsalt": "build-site",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.titlesize": "medium",
}


class PlotError(Exception):
    """The plot function failed or broke the contract; the message says how."""


@dataclass(frozen=True)
class PlotImages:
    """One drawn figure in both formats, with what the page needs to show it."""

    svg: bytes
    png: bytes
    alt: str
    """Alt text returned by the plot function."""
    width: int
    """Display width in CSS pixels."""
    height: int


def draw(function: Callable[..., Any], inputs: Mapping[str, Any]) -> PlotImages:
    """Call ``function(fig, **inputs)`` on a fresh figure and save it deterministically."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context():
        matplotlib.rcdefaults()  # ignore any matplotlibrc on this machine
        matplotlib.rcParams.update(RC)
        fig = Figure(figsize=FIGSIZE, layout="constrained")
        FigureCanvasAgg(fig)
        alt = function(fig, **inputs)
        if not isinstance(alt, str) or not alt.strip():
            raise PlotError(f"must return the alt text (a non-empty str), not {type(alt).__name__}")
        if len(alt) > MAX_ALT:
            raise PlotError(f"returned {len(alt)} characters of alt text; keep it under {MAX_ALT}")
        if not fig.axes:
            raise PlotError("drew nothing on the figure")
        svg, png = io.BytesIO(), io.BytesIO()
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
        width, height = fig.get_size_inches()
    return PlotImages(
        svg.getvalue(),
        png.getvalue(),
        " ".join(alt.split()),
        round(width * CSS_DPI),
        round(height * CSS_DPI),
    )
