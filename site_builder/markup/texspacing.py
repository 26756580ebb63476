"""TeX's spacing between atoms (TeXbook, chapter 18) written into MathML, so that browsers set formulas as TeX does.

latex2mathml leaves the spacing to the browser's operator dictionary, which knows nothing of TeX's
rules: Chromium put no space after ``log``, the spacing of a binary minus on a leading minus, full
relation spacing inside subscripts and wide gaps around ``max``. Here every atom of every row gets
its TeX class (Ord, Op, Bin, Rel, Open, Close, Punct, Inner), binary operators that TeX treats as
ordinary become ordinary (rules 5 and 6 of Appendix G), and the gap of TeX's spacing table between
each pair of neighbours is written out: as the ``lspace``/``rspace`` of an operator beside it, or as
an ``mspace``. Every other operator gets ``lspace`` and ``rspace`` of zero, so nothing is left to
the dictionary. The style (display, text, script, scriptscript) is followed through fractions and
scripts, since TeX drops the medium and thick spaces, and some thin ones, in script styles.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from enum import IntEnum


class Atom(IntEnum):
    """TeX's atom classes, in the order of its spacing table."""

    ORD = 0
    OP = 1
    BIN = 2
    REL = 3
    OPEN = 4
    CLOSE = 5
    PUNCT = 6
    INNER = 7


# tex.web's math_spacing, row = left atom, column = right atom: 0 no space, 1 thin space in display and text
# styles only, 2 thin space, 3 medium space in display and text styles, 4 thick space in display and text styles
# (* cannot happen: Bin next to these has become Ord).
_SPACING = ("02340001", "22*40001", "33**3**3", "44*04004", "00*00000", "02340001", "11*11111", "12341011")
_MU = {"0": 0, "1": 3, "2": 3, "3": 4, "4": 5}
"""Each entry's width in mu (1/18 em): \\thinmuskip 3mu, \\medmuskip 4mu, \\thickmuskip 5mu."""

DISPLAY, TEXT, SCRIPT, SCRIPTSCRIPT = range(4)

RELATIONS = frozenset("=≠<>≤≥≦≧≈≡≅~∼≃≍∝←→↔⇐⇒⇔↦⟵⟶⟷⟸⟹⟺↑↓⇑⇓∈∉∋∌⊂⊃⊆⊇⊏⊐⊑⊒⊥∣∥≪≫≺≻⪯⪰⊢⊣⊨≔:≜≐")
BINARY = frozenset("+−-±∓×·⋅∗∘∙÷∩∪∧∨⊕⊖⊗⊘⊙∖⋆⋄△▽†‡⊎⊓⊔≀⨿")
OPENING = frozenset("([{⟨⌊⌈⟦")
CLOSING = frozenset(")]}⟩⌋⌉⟧!")
PUNCTUATION = frozenset(",;")
LARGE_OPERATORS = frozenset("∑∏∐∫∬∭∮∯∰⋃⋂⨁⨂⨀⨄⋁⋀")
INNER_DOTS = frozenset("…⋯⋱")
"""\\ldots, \\cdots and \\ddots are \\mathinner."""
INVISIBLE = frozenset("\u2061\u2062\u2063\u2064")
_SPACES = frozenset(" \u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u205f")

_ROWS = frozenset(["math", "mrow", "mstyle", "msqrt", "mpadded", "mphantom", "menclose", "mtd", "merror", "semantics"])
_SCRIPTED = frozenset(["msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts"])


def space_like_tex(math: ET.Element) -> None:
    """Write TeX's spacing into a ``<math>`` tree in place (display style if ``display="block"``)."""
    for mo in (element for element in math.iter() if _tag(element) == "mo"):
        mo.set("lspace", "0em")
        mo.set("rspace", "0em")
    _visit(math, DISPLAY if math.get("display") == "block" else TEXT)


def _tag(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2]


def _text(element: ET.Element) -> str:
    """The characters of an element (latex2mathml keeps them as character references until it serializes)."""
    return html.unescape("".join(element.itertext()))


def _smaller(style: int) -> int:
    """The style of a script or a limit: script, or scriptscript below it."""
    return SCRIPT if style <= TEXT else SCRIPTSCRIPT


def _visit(element: ET.Element, style: int, kern_at_end: bool = True) -> None:
    """Space ``element``'s rows; ``kern_at_end``: a last italic letter keeps its italic correction (not in a base)."""
    tag, children = _tag(element), list(element)
    if tag == "mstyle":
        style = _mstyle(element, style)
    if tag in _ROWS:
        _space_row(element, style, kern_at_end)
        for child in children:
            _visit(child, style)
    elif tag == "mfrac":
        for index in range(len(children)):
            _visit(_kerned(element, index), min(style + 1, SCRIPTSCRIPT))
    elif tag in _SCRIPTED:
        accent = element.get("accent") == "true" or element.get("accentunder") == "true"
        # TeX puts a letter's italic correction between it and its superscript when there is no subscript.
        _visit(_kerned(element, 0) if tag == "msup" else children[0], style, kern_at_end=False)
        for index in range(1, len(children)):
            _visit(_kerned(element, index) if not accent else children[index], style if accent else _smaller(style))
    elif tag == "mroot" and len(children) == 2:
        _visit(children[0], style)
        _visit(children[1], SCRIPTSCRIPT)
    else:  # mtable, mtr: each cell a row in text style, as TeX's matrices
        for child in children:
            _visit(child, TEXT if tag in ("mtable", "mtr") and style == DISPLAY else style)


def _kerned(parent: ET.Element, index: int) -> ET.Element:
    """The child at ``index``; an italic letter alone there is followed by its italic correction, as TeX boxes it."""
    child = parent[index]
    delta = _italic_correction(child)
    if not delta:
        return child
    row = ET.Element(parent.tag.replace(_tag(parent), "mrow"))
    parent.remove(child)
    parent.insert(index, row)
    row.append(child)
    row.append(ET.Element(parent.tag.replace(_tag(parent), "mspace"), width=f"{delta:.4f}em"))
    return row


def _mstyle(element: ET.Element, style: int) -> int:
    if element.get("displaystyle") == "true":
        return DISPLAY
    level = element.get("scriptlevel")
    if level is not None and level.isdigit():
        return min(TEXT + int(level), SCRIPTSCRIPT)
    return TEXT if element.get("displaystyle") == "false" and style == DISPLAY else style


def atom_class(element: ET.Element) -> Atom | None:
    """The TeX class of a row's child, or None for what is no atom (a space, an invisible operator)."""
    tag, text = _tag(element), _text(element).strip()
    if tag == "mspace" or (tag == "mtext" and all(char in _SPACES for char in _text(element))):
        return None
    if tag == "mo":
        return _operator_class(element, text)
    if tag == "mi":
        if len(text) > 1 and element.get("mathvariant") is None:
            return Atom.OP  # \log, \exp: latex2mathml writes operator names as one identifier
        return Atom.REL if text in RELATIONS else Atom.ORD  # latex2mathml writes \sim and ":" as identifiers
    if tag == "mfrac":
        return Atom.ORD  # TeX spaces a bare fraction as Inner, but LaTeX's \frac is braced: {a \over b}, an Ord
    if tag in _SCRIPTED:
        if element.get("accent") == "true" or (tag == "mover" and _is_accent(element)):
            return Atom.ORD
        base = atom_class(element[0]) if len(element) else None
        return Atom.ORD if base is None else base
    if tag in ("mrow", "mstyle"):
        return _row_class(element)
    return Atom.ORD  # roots, tables, enclosures, numbers, text


def _is_accent(element: ET.Element) -> bool:
    return len(element) == 2 and _tag(element[1]) == "mo" and element[1].get("accent") == "true"


def _row_class(row: ET.Element) -> Atom | None:
    """``\\left( ... \\right)`` is Inner; a row of one atom is that atom (``\\mathrel{...}``); any other is Ord."""
    children = list(row)
    if len(children) >= 2 and all(_tag(c) == "mo" and c.get("fence") == "true" for c in (children[0], children[-1])):
        return Atom.INNER
    atoms = [atom for atom in (atom_class(child) for child in children) if atom is not None]
    if len(atoms) == 1:
        return atoms[0]
    return Atom.ORD if atoms else None


_CHARACTER_CLASSES: dict[str, Atom] = {
    **dict.fromkeys(RELATIONS, Atom.REL),
    **dict.fromkeys(BINARY, Atom.BIN),
    **dict.fromkeys(OPENING, Atom.OPEN),
    **dict.fromkeys(CLOSING, Atom.CLOSE),
    **dict.fromkeys(PUNCTUATION, Atom.PUNCT),
    **dict.fromkeys(LARGE_OPERATORS, Atom.OP),
    **dict.fromkeys(INNER_DOTS, Atom.INNER),
}


def _operator_class(mo: ET.Element, text: str) -> Atom | None:
    if not text or all(char in INVISIBLE for char in text):
        return None
    if mo.get("fence") == "true" and mo.get("form") in ("prefix", "postfix"):
        return Atom.OPEN if mo.get("form") == "prefix" else Atom.CLOSE  # \left( and \right)
    if len(text) > 1 and not all(char in RELATIONS for char in text):
        return Atom.OP  # \max, \operatorname{...}
    return _CHARACTER_CLASSES.get(text[0] if len(text) > 1 else text, Atom.ORD)


def tex_classes(atoms: list[Atom]) -> list[Atom]:
    """Appendix G's rules 5 and 6: a Bin that cannot be binary (first, after Bin, Op, Rel, Open or Punct; before
    Rel, Close or Punct; last) is an Ord, as the minus of ``= -a``."""
    classes = list(atoms)
    for index, atom in enumerate(classes):
        if atom != Atom.BIN:
            continue
        before = classes[index - 1] if index else None
        after = classes[index + 1] if index + 1 < len(classes) else None
        if before in (None, Atom.BIN, Atom.OP, Atom.REL, Atom.OPEN, Atom.PUNCT) or after in (
            None,
            Atom.REL,
            Atom.CLOSE,
            Atom.PUNCT,
        ):
            classes[index] = Atom.ORD
    return classes


def gap_mu(left: Atom, right: Atom, style: int) -> int:
    """TeX's space between two neighbouring atoms, in mu."""
    entry = _SPACING[left][right]
    if entry == "*" or (entry in "134" and style > TEXT):
        return 0
    return _MU[entry]


ITALIC_CORRECTIONS = {
    **dict(
        zip(
            "BCDEFHIJKMNOPRSTUVWXYZ",
            (
                0.05017,
                0.07153,
                0.02778,
                0.05764,
                0.13889,
                0.08125,
                0.07847,
                0.09618,
                0.07153,
                0.10903,
                0.10903,
                0.02778,
                0.13889,
                0.00773,
                0.05764,
                0.13889,
                0.10903,
                0.22222,
                0.13889,
                0.07847,
                0.22222,
                0.07153,
            ),
            strict=True,
        )
    ),
    **dict(
        zip(
            "fgjklqrvwyz",
            (0.10764, 0.03588, 0.05724, 0.03148, 0.01968, 0.03588, 0.02778, 0.03588, 0.02691, 0.03588, 0.04398),
            strict=True,
        )
    ),
    **dict(
        zip(
            "αβγδζηθνξπστυψωϖς",
            (
                0.0037,
                0.05278,
                0.05556,
                0.03785,
                0.07378,
                0.03588,
                0.02778,
                0.06366,
                0.04601,
                0.03588,
                0.03588,
                0.1132,
                0.03588,
                0.03588,
                0.03588,
                0.02778,
                0.07986,
            ),
            strict=True,
        )
    ),
}
"""The italic corrections of cmmi10, TeX's math italic, in em (read from cmmi10.tfm; the oracle's test reads them
again): TeX puts this kern after an italic letter that has no subscript (Appendix G, rule 17), so ``V)`` and
``T)`` do not touch; a browser adds it only before a superscript."""


def _italic_correction(element: ET.Element) -> float:
    if _tag(element) != "mi" or element.get("mathvariant") is not None:
        return 0.0
    return ITALIC_CORRECTIONS.get(_text(element), 0.0)


def _space_row(row: ET.Element, style: int, kern_at_end: bool) -> None:
    members = [(child, atom) for child in list(row) if (atom := atom_class(child)) is not None]
    classes = tex_classes([atom for _, atom in members])
    for index in range(1, len(members)):
        em = gap_mu(classes[index - 1], classes[index], style) / 18 + _italic_correction(members[index - 1][0])
        if em == 0:
            continue
        width = f"{em:.4f}em"
        left, right = members[index - 1][0], members[index][0]
        if _tag(left) == "mo":
            left.set("rspace", width)
        elif _tag(right) == "mo":
            right.set("lspace", width)
        else:
            position = list(row).index(right)
            row.insert(position, ET.Element(row.tag.replace(_tag(row), "mspace"), width=width))
    if kern_at_end and members and (delta := _italic_correction(members[-1][0])):
        last = list(row).index(members[-1][0])
        row.insert(last + 1, ET.Element(row.tag.replace(_tag(row), "mspace"), width=f"{delta:.4f}em"))
