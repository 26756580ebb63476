"""Plots: a function in ``computed/`` draws on a matplotlib Figure; we save it as SVG (web) and PNG (Markdown, email).

The contract: ``function(fig, **inputs)`` draws on ``fig`` (a ``matplotlib.figure.Figure``
with the Agg backend and constrained layout) and returns the alt text, generated from
the data it plotted. No pyplot, so no global state. It is called twice: on a figure
``FIGSIZE`` inches wide (a desktop column), then on one ``PHONE_WIDTH`` inches wide (a
phone), and may read ``fig.get_figwidth()`` to lay out less on the narrow one (fewer
ticks, shorter labels). It may change the wide figure's height; the phone figure is then
given the same shape, so that one image box fits both drawings.

The web gets one SVG that fits its reader (``adaptive_svg``): it holds both drawings and
shows the phone one when the image is drawn narrower than ``PHONE_BREAKPOINT`` CSS pixels,
and its backgrounds are transparent and its colours are CSS variables that a dark colour
scheme redefines (``dark_colour``), so it follows the page's scheme. Markdown and email
get the wide drawing as a PNG on white, as before.

Output is byte-identical across rebuilds: matplotlib's default style (a user's
matplotlibrc is ignored), a fixed ``svg.hashsalt`` for the ids in the SVG, text as
paths (no font lookup in the reader's browser), no date or software metadata,
and a fixed PNG resolution. matplotlib is imported only when a plot is drawn,
so a build whose plots all come from the cache never loads it.
"""

from __future__ import annotations

import colorsys
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

FIGSIZE = (6.4, 4.0)
"""Default figure size in inches (the wide drawing)."""
PHONE_WIDTH = 3.6
"""Width in inches of the phone drawing: shown about 1:1 in a phone's 340-390 px column."""
PHONE_BREAKPOINT = 480
"""Below this rendered width (CSS pixels) the SVG shows its phone drawing."""
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
DARK_INK = (0xE6, 0xE7, 0xEA)
"""What black becomes in a dark scheme: the page's text colour there."""
DARK_PAPER_LIGHTNESS = 0.12
"""What white becomes in a dark scheme: about the page's background."""
DARK_MIN_LIGHTNESS = 0.62
"""Colours are lightened to at least this (HLS) lightness in a dark scheme, to stand out on it."""

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
_COLOUR = re.compile(r"\b(fill|stroke): (#[0-9a-f]{6})\b")
_URL_REF = re.compile(r"url\(#([^)]+)\)")


class PlotError(Exception):
    """The plot function failed or broke the contract; the message says how."""


@dataclass(frozen=True)
class PlotImages:
    """One drawn figure in both formats, with what the page needs to show it."""

    svg: bytes
    """Both drawings, colours following the reader's scheme, for web pages."""
    png: bytes
    """The wide drawing on white, for Markdown and email."""
    alt: str
    """Alt text returned by the plot function."""
    width: int
    """Display width in CSS pixels."""
    height: int


def draw(function: Callable[..., Any], inputs: Mapping[str, Any]) -> PlotImages:
    """Call ``function(fig, **inputs)`` on a wide and on a phone figure and save them deterministically."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def drawn(size: tuple[float, float]) -> tuple[Figure, Any]:
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)
        return fig, function(fig, **inputs)

    with matplotlib.rc_context():
        matplotlib.rcdefaults()  # ignore any matplotlibrc on this machine
        matplotlib.rcParams.update(RC)
        wide, alt = drawn(FIGSIZE)
        if not isinstance(alt, str) or not alt.strip():
            raise PlotError(f"must return the alt text (a non-empty str), not {type(alt).__name__}")
        if len(alt) > MAX_ALT:
            raise PlotError(f"returned {len(alt)} characters of alt text; keep it under {MAX_ALT}")
        if not wide.axes:
            raise PlotError("drew nothing on the figure")
        width, height = wide.get_size_inches()
        phone, _ = drawn((PHONE_WIDTH, PHONE_WIDTH * height / width))
        phone.set_size_inches(PHONE_WIDTH, PHONE_WIDTH * height / width)  # the wide one's shape, whatever it asked
        png = io.BytesIO()
        wide.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
        svg = adaptive_svg(_svg(wide), _svg(phone))
    return PlotImages(svg, png.getvalue(), " ".join(alt.split()), round(width * CSS_DPI), round(height * CSS_DPI))


def _svg(fig: Any) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="svg", transparent=True, metadata={"Date": None, "Creator": None})
    return out.getvalue()


def adaptive_svg(wide: bytes, phone: bytes) -> bytes:
    """One SVG of two matplotlib drawings of the same shape: the phone one shown when the image is narrow,
    and colours as CSS variables (the drawn colour as fallback) that a dark colour scheme redefines."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    wide_root, phone_root = etree.fromstring(wide, parser), etree.fromstring(phone, parser)
    _prefix_ids(phone_root, "phone-")
    root = etree.Element(f"{{{SVG}}}svg", nsmap={None: SVG, "xlink": XLINK})
    for name in ("width", "height", "viewBox"):
        root.set(name, wide_root.get(name))
    root.set("version", "1.1")
    style = etree.SubElement(root, f"{{{SVG}}}style")
    wide_group = etree.SubElement(root, f"{{{SVG}}}g", {"class": "wide"})
    phone_view = etree.SubElement(
        root,
        f"{{{SVG}}}svg",
        {"class": "phone", "viewBox": phone_root.get("viewBox"), "width": "100%", "height": "100%"},
    )
    for source, target in ((wide_root, wide_group), (phone_root, phone_view)):
        for child in source:
            if etree.QName(child).localname != "metadata":
                target.append(child)
    colours = _theme_colours(root)
    style.text = _stylesheet(colours)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _prefix_ids(root: Any, prefix: str) -> None:
    """Rename every id in ``root`` and the references to it, so that two drawings can share one document."""
    href = f"{{{XLINK}}}href"
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        if element.get("id") is not None:
            element.set("id", prefix + element.get("id"))
        if (element.get(href) or "").startswith("#"):
            element.set(href, "#" + prefix + element.get(href)[1:])
        for name, value in list(element.attrib.items()):
            if "url(#" in value:
                element.set(name, _URL_REF.sub(lambda m: f"url(#{prefix}{m.group(1)})", value))


def _theme_colours(root: Any) -> list[str]:
    """Replace each ``fill``/``stroke`` colour in style attributes by a CSS variable; the colours found, sorted."""
    found: set[str] = set()

    def variable(match: re.Match[str]) -> str:
        found.add(match.group(2))
        return f"{match.group(1)}: var(--c{match.group(2)[1:]}, {match.group(2)})"

    for element in root.iter():
        style = element.get("style") if isinstance(element.tag, str) else None
        if style:
            element.set("style", _COLOUR.sub(variable, style))
    return sorted(found | {"#000000"})


def _stylesheet(colours: list[str]) -> str:
    dark = " ".join(f"--c{colour[1:]}: {dark_colour(colour)};" for colour in colours)
    return (
        # Unstyled shapes (text drawn as paths) are filled with black, which is a colour like the others.
        f" svg {{ fill: var(--c000000, #000000); }}"
        f" .phone {{ display: none; }}"
        f" @media (max-width: {PHONE_BREAKPOINT - 0.02}px) {{ .wide {{ display: none; }} .phone {{ display: inline; }} }}"
        f" @media (prefers-color-scheme: dark) {{ :root {{ {dark} }} }} "
    )


def dark_colour(colour: str) -> str:
    """The colour a dark scheme shows for ``colour`` (``#rrggbb``): greys turn over (black ink becomes the
    page's light text, white paper its dark background), other colours keep their hue and are lightened."""
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    if saturation < 0.15 or lightness in (0.0, 1.0):
        if lightness == 0.0:
            return "#{:02x}{:02x}{:02x}".format(*DARK_INK)
        ink = colorsys.rgb_to_hls(*(c / 255 for c in DARK_INK))[1]
        lightness = DARK_PAPER_LIGHTNESS + (1 - lightness) * (ink - DARK_PAPER_LIGHTNESS)
    else:
        lightness = max(lightness, DARK_MIN_LIGHTNESS)
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in colorsys.hls_to_rgb(hue, lightness, saturation)))
