"""One notation for the labels of the bundled content and its plots: Unicode, as a textbook prints them.

A label (a worked example's caption and step labels, a formula's caption, a plot's caption, a test case's
name) and a plot's own text (axis labels, legend, annotations, alt text) write a subscript or superscript
in Unicode (``gₜ``, ``2ᴴ``, ``dₖ``) and a minus as U+2212, never TeX's ASCII notation (``S_A``, ``2^H``,
``D_KL``) beside them; a symbol Unicode cannot write (a capital subscript, such as the formulas' ``S_A`` or
``\\mu_B``) is named in words, as the formula's caption names it. Math a plot sets itself (matplotlib's
``$...$``) is math, not a label's text.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml

from site_builder.compute.project_code import load_computed

from ..conftest import REPO

_MATH = re.compile(r"\$[^$]*\$")
_TEX_SCRIPT = re.compile(r"[_^]")
_ASCII_MINUS = re.compile(r"(?:^|(?<=[\s(\[=,/]))-(?=[\s\d(\w.])")


def mixed(text: str) -> str | None:
    """Why ``text`` does not read as the labels' one notation, or None."""
    prose = _MATH.sub("", text)
    if _TEX_SCRIPT.search(prose):
        return "TeX's _ or ^: write the subscript or superscript in Unicode (gₜ, 2ᴴ), or name the symbol in words"
    if _ASCII_MINUS.search(prose):
        return "an ASCII hyphen-minus as a minus sign: write U+2212 (−)"
    return None


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("S_A, area of A", True),
        ("PP = 2^H", True),
        ("D_KL(p ‖ q)", True),
        ("θ ← θ - α g", True),
        ("suppressed by (-1: kept)", True),
        ("gₜ for t = 1, 2, 3, 4", False),
        ("PP = 2ᴴ", False),
        ("Δθₜ = −α m̂ₜ / (√v̂ₜ + ε)", False),
        ("boxes 0–4, bias-corrected, top-k", False),
        (r"$\mathrm{PP} = 2^{H}$", False),
    ],
)
def test_mixed_finds_tex_notation_and_ascii_minus(text: str, wrong: bool) -> None:
    assert (mixed(text) is not None) == wrong


def _labels() -> list[tuple[str, str]]:
    """(where, text) of every label of the bundled content."""
    found = []
    for path in sorted((REPO / "content").rglob("*.yaml")):
        entry = yaml.safe_load(path.read_text())
        where = path.relative_to(REPO).as_posix()
        for kind, fields in (("formulas", ("label",)), ("examples", ("caption",)), ("plots", ("caption",))):
            for item in entry.get(kind) or []:
                found += [(f"{where}: {kind} {item['id']} {name}", item[name]) for name in fields if item.get(name)]
                found += [
                    (f"{where}: {kind} {item['id']} labels.{key}", label)
                    for key, label in (item.get("labels") or {}).items()
                ]
        found += [(f"{where}: test_cases name", case["name"]) for case in entry.get("test_cases") or []]
    return found


def test_every_label_of_the_bundled_content_has_one_notation() -> None:
    labels = _labels()
    assert len(labels) >= 100
    wrong = [f"{where}: {text!r}: {why}" for where, text in labels if (why := mixed(text))]
    assert not wrong, "\n".join(wrong)


def _plot_texts() -> list[tuple[str, str]]:
    """(where, text) of every text a bundled plot draws, on the desktop and the phone figure, and its alt text."""
    from matplotlib.figure import Figure

    computed = load_computed(REPO)  # as a build imports it: a package private to this folder
    found = []
    for path in sorted((REPO / "content").rglob("*.yaml")):
        for plot in yaml.safe_load(path.read_text()).get("plots") or []:
            module, function = plot["function"].rsplit(".", 1)
            draw = getattr(importlib.import_module(f"{computed.package}.{module}"), function)
            for width in (8.0, 3.5):
                fig = Figure(figsize=(width, 4.5))
                alt = draw(fig, **plot.get("inputs", {}))
                fig.canvas.draw()  # tick labels are made when drawn
                where = f"{Path(path).name}: plot {plot['id']} at {width} in"
                found.append((f"{where}: alt text", alt))
                found += [(where, t.get_text()) for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]
    return found


def test_every_text_of_the_bundled_plots_has_one_notation() -> None:
    texts = _plot_texts()
    assert any("alt text" in where for where, _ in texts) and len(texts) > 20
    wrong = [f"{where}: {text!r}: {why}" for where, text in texts if (why := mixed(text))]
    assert not wrong, "\n".join(wrong)
