"""Real TeX as the oracle of formula spacing: each formula of a corpus set by LaTeX, its glyphs read from the DVI.

``corpus()`` is every formula of the bundled content (the ``latex`` of its formulas, displayed, and every
``$...$`` and ``$$...$$`` of its text, as the site's Markdown reader finds them) and, for each class of
spacing that TeX and the browser once disagreed on, a few cases (``CLASSES``). ``tex_glyphs`` runs
``latex`` once over all of them, one formula a page, displayed (``\\[...\\]``, display style) or inline (``$...$``,
text style) as the site shows them,
and reads every glyph's position and width from the DVI file with matplotlib's DVI reader, in em
(TeX's 10 pt); ``TEX_CHARACTERS`` says which Unicode character each glyph of Computer Modern draws, so
that the browser's glyphs can be matched with TeX's.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from site_builder.markup.reading import Math, Section

REPO = Path(__file__).resolve().parents[3]

CLASSES: dict[str, list[tuple[str, bool]]] = {
    "operator names": [
        (r"\ln p", False),
        (r"H = -\sum_{i=1}^{K} p_i \log_2 p_i", True),
        (r"\log\frac{a}{b} = \log a - \log b", True),
        (r"\exp(z_i) + \ln x", False),
    ],
    "unary minus": [
        (r"\Delta\theta_t = -\alpha\, g_t", True),
        (r"H = -\sum_{i=1}^{K} p_i", True),
        (r"-x + (-y) = a - b", False),
        (r"\theta \leftarrow \theta - \alpha\, g", False),
    ],
    "scripts": [
        (r"\sum_{j=1}^{K} \exp(z_j)", True),
        (r"m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t", True),
        (r"x^{a+b} y_{i=1}", False),
        (r"2^{-\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i)}", True),
    ],
    "max, min and slash": [
        (r"w = \max\left(0,\ \min(x_2^A, x_2^B) - \max(x_1^A, x_1^B)\right)", True),
        (r"\exp(z_i / T)", True),
        (r"\max(a, b) / \min(c, d)", False),
    ],
    "limits in delimiters": [
        (r"\exp\left(-\frac{1}{N}\sum_{i=1}^{N} \ln p(x_i)\right)", True),
        (r"\left(\sum_{i=1}^{N} x_i\right)^2", True),
    ],
    "upright Greek and accents": [
        (r"\Delta\theta_t = \Gamma(x)", True),
        (r"\tilde{S} = \frac{S}{\sqrt{d_k}}", True),
        (r"\hat{m}_t + \tilde{x}", False),
    ],
}
"""The classes of the issue, each with cases that exercise it; every one must agree with TeX."""


@dataclass(frozen=True)
class Formula:
    latex: str
    display: bool
    where: str
    """``content/...yaml`` or the class of spacing it is a case of."""


def corpus() -> list[Formula]:
    """The classes' cases, then every distinct formula of the bundled content."""
    found = [Formula(latex, display, name) for name, cases in CLASSES.items() for latex, display in cases]
    seen = {(f.latex, f.display) for f in found}
    for path in sorted((REPO / "content").rglob("*.yaml")):
        for formula in _formulas(yaml.safe_load(path.read_text()), path.relative_to(REPO).as_posix()):
            if (formula.latex, formula.display) not in seen:
                seen.add((formula.latex, formula.display))
                found.append(formula)
    return found


def _formulas(value: object, where: str, key: str = "") -> list[Formula]:
    if isinstance(value, dict):
        return [f for k, v in value.items() for f in _formulas(v, where, str(k))]
    if isinstance(value, list):
        return [f for v in value for f in _formulas(v, where, key)]
    if not isinstance(value, str):
        return []
    if key == "latex":
        return [Formula(value.strip(), True, where)]
    section = Section(value, allow_html=False)
    maths = [m for _, _, m in section.spans if isinstance(m, Math)] + list(section.math_blocks)
    return [Formula(m.latex.strip(), m.display, where) for m in maths]


@dataclass(frozen=True)
class Glyph:
    char: str
    left: float
    """In em, from the formula's left edge."""
    right: float
    upright: bool | None
    """Whether TeX drew it from an upright font (None for symbols, which have no style)."""
    base: float = 0.0
    """Where it stands, in em: glyphs of one size with the same ``base`` are on one line (a baseline in TeX, the
    bottom of the glyph's box in the browser)."""
    size: float = 1.0
    """Its font size, in the formula's em."""


_DOCUMENT = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{exscale}
\pagestyle{empty}
\begin{document}
%s
\end{document}
"""


def tex_glyphs(formulas: list[Formula], folder: Path) -> list[list[Glyph]]:
    """Each formula set by ``latex`` (a displayed one in a display, in display style), as its glyphs in the order TeX set them."""
    from matplotlib.dviread import Dvi

    # A displayed formula as a display (\[...\]: display style, and never broken across lines as inline math
    # may be at a relation), an inline one as inline math (text style), as the site shows each.
    pages = "\n".join((f"\\[{f.latex}\\]" if f.display else f"\\noindent${f.latex}$") + "\\newpage" for f in formulas)
    (folder / "corpus.tex").write_text(_DOCUMENT % pages)
    subprocess.run(
        [shutil.which("latex") or "latex", "-interaction=nonstopmode", "-halt-on-error", "corpus.tex"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    found = []
    with Dvi(str(folder / "corpus.dvi"), 72.27) as dvi:  # 72.27 dpi: positions in TeX points
        for page in dvi:
            glyphs = [_glyph(text) for text in page.text]
            found.append(_merged([g for g in glyphs if g is not None]))
    assert len(found) == len(formulas), f"{len(found)} pages for {len(formulas)} formulas"
    return found


EM = 10.0
"""TeX's em in these formulas: the quad of cmsy10, 10 pt."""


def _glyph(text: object) -> Glyph | None:
    family = text.font.texname.decode().rstrip("0123456789")  # type: ignore[attr-defined]
    char = TEX_CHARACTERS.get(family, {}).get(text.glyph)  # type: ignore[attr-defined]
    if char is None:
        return None
    upright = {"cmr": True, "cmmi": False}.get(family) if char.isalpha() else None
    left, size = text.x / EM, text.font.size / EM  # type: ignore[attr-defined]
    return Glyph(char, left, left + text.width / EM, upright, text.y / EM, size)  # type: ignore[attr-defined]


def _merged(glyphs: list[Glyph]) -> list[Glyph]:
    """An extensible delimiter is built of pieces at the same place: one glyph, as the browser has it."""
    merged: list[Glyph] = []
    for glyph in glyphs:
        last = merged[-1] if merged else None
        if last and glyph.char == last.char and glyph.char in "()[]{}|‖" and abs(glyph.left - last.left) < 0.01:
            continue
        merged.append(glyph)
    return merged


_GREEK_CAPITALS = "ΓΔΘΛΞΠΣΥΦΨΩ"
_GREEK_SMALL = "αβγδϵζηθικλμνξπρστυϕχψωεϑϖϱςφ"
TEX_CHARACTERS: dict[str, dict[int, str]] = {
    "cmr": {
        **dict(enumerate(_GREEK_CAPITALS)),
        **{code: chr(code) for code in range(33, 127) if chr(code).isalnum() or chr(code) in "!()+,.:;=?[]"},
        94: "ˆ",
        126: "˜",
    },
    "cmmi": {
        **dict(enumerate(_GREEK_CAPITALS)),
        **dict(enumerate(_GREEK_SMALL, start=11)),
        **{code: chr(code) for code in range(65, 91)},
        **{code: chr(code) for code in range(97, 123)},
        58: ".",
        59: ",",
        60: "<",
        61: "/",
        62: ">",
        64: "∂",
        96: "ℓ",
    },
    "cmsy": {
        0: "−",
        1: "·",
        2: "×",
        3: "∗",
        6: "±",
        17: "≡",
        20: "≤",
        21: "≥",
        24: "∼",
        25: "≈",
        32: "←",
        33: "→",
        47: "∝",
        48: "′",
        49: "∞",
        50: "∈",
        62: "⊤",
        63: "⊥",
        **{code: chr(code) for code in range(65, 91)},  # calligraphic capitals
        106: "|",
        107: "‖",
    },
    "cmex": {
        **dict.fromkeys((0, 16, 18, 32, 48, 64, 66), "("),
        **dict.fromkeys((1, 17, 19, 33, 49, 65, 67), ")"),
        **dict.fromkeys((2, 20, 34, 50, 52, 54), "["),
        **dict.fromkeys((3, 21, 35, 51, 53, 55), "]"),
        **dict.fromkeys((80, 88), "∑"),
        **dict.fromkeys((81, 89), "∏"),
        **dict.fromkeys((82, 90), "∫"),
    },
}
"""Computer Modern's glyphs as Unicode characters (the radical sign is left out: the browser draws it unnamed)."""


def tfm_italic_corrections(font: str) -> dict[int, float]:
    """The italic correction of every character of a TeX font that has one, in em, read from its TFM file."""
    import struct

    path = subprocess.run(["kpsewhich", f"{font}.tfm"], capture_output=True, text=True, check=True).stdout.strip()
    data = Path(path).read_bytes()
    lh, bc, ec, nw, nh, nd, ni = struct.unpack(">7H", data[2:16])
    info = 24 + 4 * lh
    italics = 24 + 4 * (lh + (ec - bc + 1) + nw + nh + nd)
    italic = [struct.unpack(">i", data[italics + 4 * i : italics + 4 * i + 4])[0] / 2**20 for i in range(ni)]
    found = {}
    for code in range(bc, ec + 1):
        index = data[info + 4 * (code - bc) + 2] >> 2
        if italic[index]:
            found[code] = italic[index]
    return found
