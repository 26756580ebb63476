"""LaTeX formulas as one line of Unicode text, for the plain-text email.

``\\mathrm{PP}(M) = 2^{-\\frac{1}{N}\\sum_{i=1}^{N} \\log_2 p(x_i)}`` becomes
``PP(M) = 2^(−(1/N) Σᵢ₌₁ᴺ log₂ p(xᵢ))``.

The LaTeX is parsed once, by the same converter that makes the web pages'
MathML (latex2mathml), and the MathML tree is written out linearly:
sub- and superscripts use Unicode's small digits and letters where every
character has one (``x_i`` -> ``xᵢ``, ``\\sigma_B^2`` -> ``σ_B²``) and fall back
to ``_(...)`` / ``^(...)``; fractions become ``(a/b)``; the limits of sums,
products and integrals are kept the same way (``\\sum_{i=1}^{N}`` -> ``Σᵢ₌₁ᴺ``,
``\\sum_{c=1}^{C}`` -> ``Σ_(c=1..C)``: ``c`` has no subscript form, so the range is
written out); accents become combining marks (``\\hat{\\mu}`` -> ``μ̂``).
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from .latex import latex_to_mathml
from .texspacing import BINARY, CLOSING, OPENING, RELATIONS

_NS = "{http://www.w3.org/1998/Math/MathML}"

_SUBSCRIPTS = dict(zip("0123456789+-−=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ", strict=True))
_SUPERSCRIPTS = dict(
    zip(
        "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθφχ⊤⊺′″",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᵠᵡᵀᵀ′″",
        strict=True,
    )
)
_ACCENTS = {"^": "\u0302", "ˆ": "\u0302", "~": "\u0303", "˜": "\u0303", "¯": "\u0304", "‾": "\u0305", "→": "\u20d7"}
_ACCENTS |= {"˙": "\u0307", ".": "\u0307", "¨": "\u0308", "ˇ": "\u030c", "―": "\u0305"}
_RELATIONS, _BINARY, _OPENING = RELATIONS, BINARY, OPENING  # TeX's classes, as the web pages space them
_CLOSING = CLOSING - {"!"}  # n! is a factorial here, not a closing of something opened
_BIG_OPERATORS = {"∑": "Σ", "∏": "Π", "∫": "∫", "∮": "∮", "⋃": "⋃", "⋂": "⋂", "⨁": "⨁", "⨂": "⨂"}
# A minus sign stays one (U+2212), as in the web pages' prose and numbers; TeX's \epsilon (lunate ϵ in its math
# font) is the ε a text font and the rest of the text write.
_PLAIN = {"ϵ": "ε", "\u00a0": " ", "\u2061": "", "\u2062": "", "\u2063": ""}


@dataclass(frozen=True)
class _Atom:
    """A piece of a formula's row, with what it is, to decide the spacing around it."""

    text: str
    kind: str
    """``ident``, ``number``, ``scripted`` (with sub- or superscript), ``function``, ``bigop``, ``frac``,
    ``group`` (root, parenthesised fraction), ``rel``, ``bin``, ``slash``,
    ``open``, ``close``, ``punct``, ``space`` or ``text``."""


@functools.lru_cache(maxsize=4096)  # an archive repeats a few formulas thousands of times
def latex_to_unicode(latex: str) -> str:
    """One line of Unicode text for a LaTeX formula; raises ``MarkupError`` like the MathML conversion."""
    root = ET.fromstring(latex_to_mathml(latex, display=False, tex_spacing=False))
    return _row(list(root), compact=False).strip()


def _row(children: list[ET.Element], *, compact: bool) -> str:
    return _join(_row_atoms(children, compact=compact), compact=compact)


def _row_atoms(children: list[ET.Element], *, compact: bool) -> list[_Atom]:
    return [atom for child in children for atom in _atoms(child, compact=compact)]


def _operand(children: list[ET.Element], *, compact: bool) -> str:
    """A fraction's part or a root's radicand: in parentheses unless it is a single atom."""
    atoms = [a for a in _row_atoms(children, compact=compact) if a.kind != "space"]
    text = _join(atoms, compact=compact)
    if len(atoms) == 1 and atoms[0].kind not in ("frac", "rel", "bin"):
        return text
    applied = re.fullmatch(r"\w+(\(.*\))", text)  # exp(zᵢ/T) is one operand
    return (
        text
        if applied and _balanced(applied.group(1)) and _wrapped(applied.group(1)) == applied.group(1)
        else _wrapped(text)
    )


def _atoms(element: ET.Element, *, compact: bool) -> list[_Atom]:
    """The atoms of one MathML element; rows are flattened so spacing sees their insides."""
    tag = element.tag.removeprefix(_NS)
    if tag in ("mrow", "mstyle", "mpadded", "menclose", "semantics"):
        return [atom for child in element for atom in _atoms(child, compact=compact)]
    if tag in ("mphantom", "annotation", "annotation-xml"):
        return []
    if tag == "mspace":
        negative = "negative" in element.get("width", "") or element.get("width", "").startswith("-")
        return [] if negative else [_Atom(" ", "space")]
    text = _plain("".join(element.itertext()))
    if tag == "mi" and text in _RELATIONS | _BINARY:  # latex2mathml writes \iff, \sim and ":" as identifiers
        return [_operator(text)]
    if tag == "mi":
        return [_Atom(text, "function" if len(text) > 1 else "ident")]
    if tag == "mn":
        return [_Atom(text, "number")]
    if tag == "mtext":
        return [_Atom(text, "text")]
    if tag == "mo":
        return [_operator(text)]
    children = list(element)
    if tag == "mfrac":
        numerator, denominator = (_operand([c], compact=compact) for c in children[:2])
        return [_Atom(f"{numerator}/{denominator}", "frac")]
    if tag == "msqrt":
        return [_Atom("√" + _operand(children, compact=compact), "group")]
    if tag == "mroot":
        index = _row([children[1]], compact=compact)
        return [_Atom(_script(index, _SUPERSCRIPTS, "^") + "√" + _operand(children[:1], compact=compact), "group")]
    if tag in ("msub", "msup", "msubsup", "munder", "mover", "munderover"):
        return [_scripted(tag, children, compact=compact)]
    if tag == "mtable":
        rows = ("; ".join(", ".join(_row(list(cell), compact=compact) for cell in row) for row in children),)
        return [_Atom(rows[0], "group")]
    return [_Atom(_row(children, compact=compact) if children else text, "ident")]


def _operator(text: str) -> _Atom:
    if text in _BIG_OPERATORS:
        return _Atom(_BIG_OPERATORS[text], "bigop")
    if text in _RELATIONS or text in (":=", "≔"):
        return _Atom(text, "rel")
    if text in _BINARY:
        return _Atom(_PLAIN.get(text, text), "bin")
    if text in _OPENING:
        return _Atom(text, "open")
    if text in _CLOSING:
        return _Atom(text, "close")
    if text in (",", ";"):
        return _Atom(text, "punct")
    if text in ("/", "∕"):
        return _Atom("/", "slash")
    if text in ("|", "‖"):
        return _Atom(text, "fence")
    if len(text) > 1:  # \operatorname{...}, \max, \lim
        return _Atom(text, "function")
    return _Atom(text, "ident")


def _scripted(tag: str, children: list[ET.Element], *, compact: bool) -> _Atom:
    base_atoms = _atoms(children[0], compact=compact)
    base = _join(base_atoms, compact=compact)
    kind = base_atoms[0].kind if len(base_atoms) == 1 else "group"
    if kind == "frac":
        base, kind = f"({base})", "group"
    if tag == "mover" and len(children) == 2 and _accent(children[1]):
        mark = _accent(children[1])
        return _Atom(base + mark if len(base) == 1 else f"{base}{mark}", kind)
    under = over = ""
    if tag in ("msub", "munder", "msubsup", "munderover"):
        under = _row([children[1]], compact=True)
    if tag in ("msup", "mover"):
        over = _row([children[1]], compact=True)
    if tag in ("msubsup", "munderover"):
        over = _row([children[2]], compact=True)
    if kind == "bigop":
        return _Atom(base + _limits(under, over), "bigop")
    text = base
    if under:
        text += _script(under, _SUBSCRIPTS, "_")
    if over:
        text += _script(over, _SUPERSCRIPTS, "^")
    if kind in ("ident", "number"):
        return _Atom(text, "scripted")
    return _Atom(text, kind if kind in ("function", "close", "fence") else "group")


def _limits(under: str, over: str) -> str:
    r"""A sum's, product's or integral's limits: ``ᵢ₌₁ᴺ`` where every character has a small form, else a range.

    ``\sum_{c=1}^{C}``: ``c`` has no subscript form, so ``Σ_(c=1..C)``; limits that are
    not an index with its start (``\int_0^\infty``) keep ``_`` and ``^``: ``∫₀^∞``.
    """
    if all(char in _SUBSCRIPTS for char in under) and all(char in _SUPERSCRIPTS for char in over):
        return "".join(_SUBSCRIPTS[char] for char in under) + "".join(_SUPERSCRIPTS[char] for char in over)
    if over and re.fullmatch(r"[^\W\d_]\w*=[^=]+", under):
        return f"_({under}..{over})"
    return (_script(under, _SUBSCRIPTS, "_") if under else "") + (_script(over, _SUPERSCRIPTS, "^") if over else "")


def _accent(element: ET.Element) -> str:
    if element.tag.removeprefix(_NS) != "mo":
        return ""
    return _ACCENTS.get("".join(element.itertext()).strip(), "")


def _script(text: str, table: dict[str, str], marker: str) -> str:
    """``2`` -> ``²``; text without a small form for every character -> ``^2x`` or ``^(2 x)``."""
    if text and all(char in table for char in text):
        return "".join(table[char] for char in text)
    return marker + _wrapped(text)


def _wrapped(text: str) -> str:
    """``text`` in parentheses unless it is one word or character, or already in them."""
    if len(text) == 1 or re.fullmatch(r"\w+|\|[^|]*\||‖[^‖]*‖", text):
        return text
    if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        return text
    return f"({text})"


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if depth < 0:
            return False
    return depth == 0


def _plain(text: str) -> str:
    return "".join(_PLAIN.get(char, char) for char in text)


def _join(atoms: list[_Atom], *, compact: bool) -> str:
    """Concatenate atoms with the spaces a reader expects: ``a = b + c``, ``−(1/N) Σᵢ₌₁ᴺ log₂ p(xᵢ)``."""
    out = ""
    previous: _Atom | None = None
    fences = 0  # open | ... | pairs
    for index, atom in enumerate(atoms):
        kind = atom.kind
        if kind == "frac":
            atom = _Atom(atom.text if _stands_alone(atoms, index) else f"({atom.text})", "group")
            kind = "group"
        if kind == "fence":
            kind = "open" if fences % 2 == 0 else "close"
            fences += 1
        if (
            kind == "bin"
            and atom.text in ("−", "-", "+", "±")
            and (previous is None or previous.kind in ("rel", "bin", "open", "punct"))
        ):
            kind = "unary"
        if kind == "space":
            out = out.rstrip(" ") + " " if out else out
            previous = atom
            continue
        out += _space(previous, kind, atom.text, compact=compact) + atom.text
        previous = _Atom(atom.text, kind)
    return re.sub(r" {2,}", " ", out)


def _stands_alone(atoms: list[_Atom], index: int) -> bool:
    """A fraction needs no parentheses between the start, a relation, a comma or a bracket on both sides."""
    neighbours = [a for a in atoms if a.kind != "space"]
    position = next(i for i, a in enumerate(neighbours) if a is atoms[index])
    before = neighbours[position - 1].kind if position > 0 else "rel"
    after = neighbours[position + 1].kind if position + 1 < len(neighbours) else "rel"
    return before in ("rel", "open", "punct") and after in ("rel", "close", "punct")


def _space(previous: _Atom | None, kind: str, text: str, *, compact: bool) -> str:
    if previous is None or previous.kind == "space" or "slash" in (kind, previous.kind):
        return ""
    before = previous.kind
    if kind in ("rel", "bin") or before in ("rel", "bin"):
        return "" if compact else " "
    if kind in ("close", "punct") or before in ("open", "unary"):
        return ""
    if before == "punct":
        return " "
    if kind == "open":
        # p(x), exp(...): application; but (1/N) (…) and Σᵢ (…) keep their distance.
        return " " if before in ("bigop", "group") else ""
    if before in ("function", "bigop", "group"):
        return " "
    if before == "scripted" and kind in ("ident", "scripted", "number"):
        return " "  # β₁ mₜ₋₁: scripts run into the next symbol otherwise
    if kind in ("function", "bigop", "group", "text") or before == "text":
        return " "
    return ""
