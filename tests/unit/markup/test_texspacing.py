"""TeX's spacing written into MathML: the TeXbook's table (chapter 18, p. 170) and Appendix G's rules 5 and 6.

The browser's side (that Chromium sets these gaps as TeX does) is tests/system/formulas/test_tex_spacing.py,
against real TeX; here, the gaps each formula's MathML asks for, in mu, atom by atom.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from site_builder.markup import latex_to_mathml
from site_builder.markup.texspacing import DISPLAY, SCRIPT, TEXT, Atom, gap_mu, tex_classes

_NS = "{http://www.w3.org/1998/Math/MathML}"


def _gaps(latex: str, display: bool = False) -> list[tuple[str, int]]:
    """Each explicit gap of the formula's top row, in mu, with the text of the atom it follows."""
    root = ET.fromstring(latex_to_mathml(latex, display=display))
    row = root[0] if len(root) == 1 and root[0].tag == f"{_NS}mrow" else root
    found, last = [], ""
    for child in row:
        tag = child.tag.removeprefix(_NS)
        if tag == "mspace":
            found.append((last, round(float(child.get("width").removesuffix("em")) * 18)))
            continue
        text = "".join(child.itertext())
        lspace = child.get("lspace") if tag == "mo" else None
        if lspace and lspace != "0em":
            found.append((last, round(float(lspace.removesuffix("em")) * 18)))
        last = text
        rspace = child.get("rspace") if tag == "mo" else None
        if rspace and rspace != "0em":
            found.append((last, round(float(rspace.removesuffix("em")) * 18)))
    return found


def test_the_table_of_the_texbook() -> None:
    # Ord Op Bin Rel Open Close Punct Inner, p. 170: "0 1 (2) (3) 0 0 0 (1)" for Ord, and so on.
    assert [gap_mu(Atom.ORD, right, TEXT) for right in Atom] == [0, 3, 4, 5, 0, 0, 0, 3]
    assert [gap_mu(Atom.INNER, right, TEXT) for right in Atom] == [3, 3, 4, 5, 3, 0, 3, 3]
    assert [gap_mu(Atom.PUNCT, right, DISPLAY) for right in Atom] == [3, 3, 0, 3, 3, 3, 3, 3]
    # In script styles only the unconditional thin spaces remain: Op next to Ord or Op, Ord or Close before Op.
    assert [gap_mu(Atom.ORD, right, SCRIPT) for right in Atom] == [0, 3, 0, 0, 0, 0, 0, 0]
    assert [gap_mu(Atom.OP, right, SCRIPT) for right in Atom] == [3, 3, 0, 0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("atoms", "classes"),
    [
        ([Atom.BIN, Atom.ORD], [Atom.ORD, Atom.ORD]),  # -x
        ([Atom.REL, Atom.BIN, Atom.ORD], [Atom.REL, Atom.ORD, Atom.ORD]),  # = -x
        ([Atom.OPEN, Atom.BIN, Atom.ORD], [Atom.OPEN, Atom.ORD, Atom.ORD]),  # (-x
        ([Atom.ORD, Atom.BIN, Atom.ORD], [Atom.ORD, Atom.BIN, Atom.ORD]),  # x - y
        ([Atom.ORD, Atom.BIN, Atom.REL], [Atom.ORD, Atom.ORD, Atom.REL]),  # x+ =
        ([Atom.ORD, Atom.BIN], [Atom.ORD, Atom.ORD]),  # x+
    ],
)
def test_a_binary_operator_without_two_operands_is_ordinary(atoms: list[Atom], classes: list[Atom]) -> None:
    assert tex_classes(atoms) == classes


@pytest.mark.parametrize(
    ("latex", "display", "gaps"),
    [
        (r"\ln p", False, [("ln", 3)]),  # Op-Ord: a thin space
        (r"\log\frac{a}{b}", True, [("log", 3)]),  # Op-Inner
        (r"x = -\sum_{i=1}^{K} p_i", True, [("x", 5), ("=", 5), ("−", 3), ("∑i=1K", 3)]),  # leading minus: no med space
        (r"a - b", False, [("a", 4), ("−", 4)]),
        (r"w = \max(0, x)", False, [("w", 5), ("=", 5), (",", 3)]),  # max( touches; a thin space after ","
        (r"z_i / t", False, []),  # the slash is ordinary
        (r"h(a, b)", False, [(",", 3)]),
        (r"(V)", False, [("V", 4)]),  # V's italic correction, 0.22222 em, before the parenthesis
        (r"H = x", False, [("H", 6), ("=", 5)]),  # 5 mu and H's italic correction (0.08125 em)
        (r"a \leftarrow b", False, [("a", 5), ("←", 5)]),
    ],
)
def test_each_row_has_the_gaps_of_tex(latex: str, display: bool, gaps: list[tuple[str, int]]) -> None:
    assert _gaps(latex, display) == gaps


def test_nothing_is_left_to_the_operator_dictionary() -> None:
    mathml = latex_to_mathml(r"\sum_{j=1}^{K} \exp(z_j - m) \le \max_x f", display=True)
    operators = re.findall(r"<mo[ >][^>]*>", mathml)
    assert operators and all("lspace=" in mo and "rspace=" in mo for mo in operators)


def test_scripts_have_no_relation_or_binary_spacing() -> None:
    mathml = latex_to_mathml(r"\sum_{i=1}^{K} m_{t-1}", display=True)
    assert '<mo lspace="0em" rspace="0em">&#x0003D;</mo>' in mathml
    assert '<mo lspace="0em" rspace="0em">&#x02212;</mo>' in mathml


def test_display_limits_stay_above_and_below_inside_delimiters() -> None:
    mathml = latex_to_mathml(r"\exp\left(-\sum_{i=1}^{N} \ln p\right)", display=True)
    assert "<munderover>" in mathml and "<msubsup>" not in mathml
    inline = latex_to_mathml(r"\exp\left(-\sum_{i=1}^{N} \ln p\right)", display=False)
    assert "<msubsup>" in inline, "in text style TeX sets limits as scripts"
    assert "<msubsup>" in latex_to_mathml(r"\sum\nolimits_{i=1}^{N} x", display=True), "an author's \\nolimits stays"
    assert "<munder>" in latex_to_mathml(r"\max_x f(x)", display=True)


def test_capital_greek_is_upright_and_a_tilde_is_an_accent() -> None:
    assert '<mi mathvariant="normal">&#x00394;</mi>' in latex_to_mathml(r"\Delta\theta", display=False)
    assert '<mover accent="true"><mrow><mi>S</mi></mrow><mo' in latex_to_mathml(r"\tilde{S}", display=False)
    assert "&#x002DC;" in latex_to_mathml(r"\tilde{S}", display=False)


def test_the_text_edition_reads_the_tree_without_the_spacing() -> None:
    assert "mspace" not in latex_to_mathml(r"\ln p", display=False, tex_spacing=False)
    assert "lspace" not in latex_to_mathml(r"a = b", display=False, tex_spacing=False)
