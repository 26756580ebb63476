"""LaTeX formulas as PNG images, for email clients (which drop MathML and SVG).

Formulas are drawn at build time by matplotlib's mathtext, which understands a
large subset of LaTeX math but not all of it: environments (``\\begin{cases}``,
matrices, ``aligned``), ``\\underbrace``/``\\overbrace``, ``\\pmod`` and ``\\substack``
are beyond it. A few common commands it lacks are rewritten to equivalents it
has (``\\le`` -> ``\\leq``, ``\\lVert`` -> ``\\Vert``, ``\\big(`` -> ``(``...);
anything else it cannot draw is a ``MarkupError``, reported with the entry's
file and line.

Images are drawn at twice their display size (sharp on high-density screens)
with the same bytes on every run: no timestamp or software version is stored.
They are kept in the build cache, so a rebuild does not even import matplotlib.

Each formula has two images. The light one is dark ink on opaque white: readable in every
client, also in those that darken an email's colours but leave its images as they are
(Gmail's and Outlook's apps), where a transparent image of dark ink would vanish. The dark
one is light ink on a transparent background, for the clients that honour the email's
``prefers-color-scheme: dark`` rules and show it instead (see ``edition``).
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import re
from dataclasses import dataclass

from ...incremental.builder import module_digests
from ...incremental.cache import Cache, Key, digest, versions
from ...markup import MarkupError

FONT_SIZE_PT = 13.0
"""Size of the formula's text: 13 pt (17 CSS pixels) matches the 16 px email body text, as math fonts run small."""
SCALE = 2
"""Pixels per CSS pixel in the PNG, for high-density screens."""
PAD_PT = 1.0
"""Blank margin around the formula, so nothing touching the edge is clipped."""
CSS_PX_PER_PT = 96 / 72
LIGHT_INK = "#1a1a1a"
DARK_INK = "#e6e7ea"
"""The ink of the dark image: the text colour of the email's dark scheme (``email.css``)."""

_ALIASES = {
    r"\le": r"\leq",
    r"\ge": r"\geq",
    r"\gets": r"\leftarrow",
    r"\implies": r"\Longrightarrow",
    r"\iff": r"\Longleftrightarrow",
    r"\lvert": r"\vert",
    r"\rvert": r"\vert",
    r"\lVert": r"\Vert",
    r"\rVert": r"\Vert",
    r"\tfrac": r"\frac",
    r"\textbf": r"\mathbf",
    r"\bmod": r"\mathrm{mod}",
    r"\coloneqq": r":=",
    r"\lt": r"<",
    r"\gt": r">",
    r"\textrm": r"\text",
    r"\textit": r"\mathit",
}
_DROPPED = re.compile(r"\\(?:displaystyle|textstyle|limits|nolimits|[bB]igg?[lrm]?)(?![A-Za-z])")
_TAG = re.compile(
    r"\\(?:tag\*?\{[^{}]*\}|nonumber|notag)"
)  # mathtext cannot number equations: the image leaves the number out
_ALIAS = re.compile(r"(\\(?:" + "|".join(re.escape(k[1:]) for k in _ALIASES) + r"))(?![A-Za-z])")


@dataclass(frozen=True)
class FormulaImage:
    """A formula drawn as a PNG."""

    png: bytes
    width: int
    """Display width in CSS pixels (the PNG is ``SCALE`` times larger)."""
    height: int
    """Display height in CSS pixels."""
    depth: int
    """How far the formula reaches below the text baseline, in CSS pixels: aligns inline formulas with the text."""

    @property
    def key(self) -> str:
        """A name derived from the image's bytes: same formula, same file name, on every build."""
        return hashlib.sha256(self.png).hexdigest()[:16]


def to_mathtext(latex: str, *, display: bool) -> str:
    """LaTeX as mathtext understands it: aliases replaced, and display fractions set full size."""
    text = re.sub(r"\s+", " ", _DROPPED.sub("", _TAG.sub("", latex.strip())))  # mathtext stops at a line break
    text = re.sub(r"\\operatorname\*", r"\\operatorname", text)
    text = _ALIAS.sub(lambda m: _ALIASES[m.group(1)], text)
    return _display_fractions(text) if display else text


def _display_fractions(text: str) -> str:
    r"""``\frac`` -> ``\dfrac`` outside sub- and superscripts, as LaTeX sets fractions in displayed formulas."""
    out: list[str] = []
    scripts: list[bool] = []  # one per open brace: does it open a sub- or superscript?
    index = 0
    while index < len(text):
        char = text[index]
        if text.startswith(r"\frac", index) and not text[index + 5 : index + 6].isalpha():
            out.append(r"\frac" if any(scripts) else r"\dfrac")
            index += 5
            continue
        if char == "\\":
            out.append(text[index : index + 2])
            index += 2
            continue
        if char == "{":
            scripts.append(bool(out) and out[-1] in ("^", "_"))
        elif char == "}" and scripts:
            scripts.pop()
        out.append(char)
        index += 1
    return "".join(out)


def formula_image(latex: str, *, display: bool, cache: Cache | None = None, dark: bool = False) -> FormulaImage:
    """``latex`` (without ``$``) as a PNG, from ``cache`` when it was drawn before; ``MarkupError`` if it cannot be.

    ``dark``: light ink on a transparent background, for a dark colour scheme.
    """
    cache = cache or Cache(None)
    slot = math_slot(latex, display=display, dark=dark)
    key = Key(
        {
            "latex": latex,
            "display": display,
            "dark": dark,
            "versions": versions("matplotlib"),
            "builder": module_digests(__name__),
        }
    )
    hit, _ = cache.lookup(slot, key, files=("png",))
    if hit is not None:
        return FormulaImage(hit.files["png"], **hit.data)
    image = _draw(latex, display=display, dark=dark)
    cache.store(slot, key, {"width": image.width, "height": image.height, "depth": image.depth}, {"png": image.png})
    return image


MATH_SLOTS = "math"
"""Cache folder of formula images (see ``Cache``)."""


def math_slot(latex: str, *, display: bool, dark: bool) -> str:
    """The cache slot (see ``Cache``) of a formula's image."""
    scheme = "dark:" if dark else ""
    return f"{MATH_SLOTS}/{digest(f'{display}:{scheme}{latex}'.encode())[:32]}"


@functools.lru_cache(maxsize=512)
def _draw(latex: str, *, display: bool, dark: bool = False) -> FormulaImage:
    import matplotlib  # imported only when a formula is not in the cache: a slow import
    from matplotlib import mathtext
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    source = f"${to_mathtext(latex, display=display)}$"
    with matplotlib.rc_context({"mathtext.fontset": "cm", "text.color": DARK_INK if dark else LIGHT_INK}):
        prop = FontProperties(size=FONT_SIZE_PT)
        try:
            width, height, depth, *_ = mathtext.MathTextParser("path").parse(source, dpi=72, prop=prop)
        except ValueError as exc:
            # pyparsing's last line, without where it stopped in the rewritten text: the LaTeX is quoted anyway.
            reason = re.sub(r", found .*$", "", str(exc).strip().splitlines()[-1])
            raise MarkupError(
                f"the email edition cannot draw the formula {latex.strip()!r}: matplotlib mathtext says {reason}"
            ) from exc
        # Whole CSS pixels, so the PNG is exactly SCALE times the size the HTML gives it.
        css_width = math.ceil((width + 2 * PAD_PT) * CSS_PX_PER_PT)
        css_height = math.ceil((height + 2 * PAD_PT) * CSS_PX_PER_PT)
        css_depth = round((depth + PAD_PT) * CSS_PX_PER_PT)
        figure = Figure(figsize=(css_width / 96, css_height / 96))
        figure.text(PAD_PT * CSS_PX_PER_PT / css_width, css_depth / css_height, source, fontproperties=prop)
        buffer = io.BytesIO()
        paper = "none" if dark else "white"
        figure.savefig(buffer, format="png", dpi=96 * SCALE, facecolor=paper, metadata={"Software": None})
    return FormulaImage(buffer.getvalue(), width=css_width, height=css_height, depth=css_depth)
