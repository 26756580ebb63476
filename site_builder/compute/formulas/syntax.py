"""The LaTeX of a formula as tokens, and the tree the parser builds from them; every piece keeps its place in the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .notation import FONTS, KEYWORDS, SIZING, SPACING, SWITCHES, TEXT_COMMANDS

OPEN = {"(": ")", "[": "]", "{": "}", "\\{": "\\}"}
"""Opening brackets and what closes each."""
Span = tuple[int, int]
"""Start and end offsets in the formula's LaTeX."""


class FormulaError(Exception):
    """A formula that cannot be read, or that disagrees with the reference implementation.

    ``field`` is the part of the formula's YAML at fault, e.g. ``("latex",)`` or ``("verify", "symbols", "N")``.
    """

    def __init__(self, message: str, field: tuple[str, ...] = ("latex",), hint: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.hint = hint


class Unverifiable(FormulaError):
    """A formula with no numeric meaning to check: pseudo-code, a shape, a definition in words."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot be verified: {reason}; remove its verify block")
        self.reason = reason


@dataclass(frozen=True)
class Token:
    kind: str
    """``cmd`` (``\\name``), ``letter``, ``number``, ``char`` (punctuation), ``name`` (a word in ``\\text{}``),
    ``kw`` (keyword), ``str`` (quoted text), ``prose`` (several words)."""
    text: str
    start: int
    end: int
    font: str = ""
    """For ``name``: the command it came from (``text``, ``mathrm``, ``mathbb``...)."""


_LEXEME = re.compile(
    r"(?P<cmd>\\[A-Za-z]+\*?)|(?P<escape>\\.)|(?P<number>\d+(?:\.\d+)?|\.\d+)|(?P<letter>[A-Za-z])"
    r"|(?P<space>\s+)|(?P<char>[^\s])"
)
_QUOTED = re.compile(r"[`'\"](.*?)['\"]")


def tokenize(latex: str) -> list[Token]:
    """The formula's tokens; spacing, sizing and alignment marks are dropped, ``\\text{...}`` becomes words."""
    tokens: list[Token] = []
    position = 0
    sized = -1
    """Where a skipped ``\\left``/``\\big`` began: the delimiter after it starts there."""
    while position < len(latex):
        match = _LEXEME.match(latex, position)
        assert match is not None  # the last alternative matches any character
        kind, text, end = match.lastgroup or "char", match.group(), match.end()
        position = end
        if kind == "space" or text == "&" or text == "~":
            continue
        if latex.startswith("...", match.start()):
            tokens.append(Token("cmd", "\\ldots", match.start(), match.start() + 3))
            position = match.start() + 3
            continue
        if kind == "escape":
            if text in ("\\{", "\\}", "\\|", "\\\\", "\\_"):
                tokens.append(Token("char", text, match.start(), end))
            elif text not in ("\\,", "\\;", "\\:", "\\!", "\\ ", "\\>"):
                raise FormulaError(f"uses {text}, which the formula checker cannot read")
            continue
        if kind == "number" and re.match(r"[eE][+-]?\d", latex[end:]):
            raise FormulaError("writes a number as 1e-5, which the parser reads as 1*e - 5; write 10^{-5}")
        if kind == "cmd":
            name = text[1:].rstrip("*")
            if name in SIZING:
                sized = match.start() if sized < 0 else sized
                continue
            if name in SPACING:
                if name in ("hspace", "mkern"):
                    position = _group_end(latex, position)
                continue
            if name in SWITCHES:  # {\rm KL}: the letters that follow; \bf{return}: the group
                word = re.match(r"\s*[A-Za-z]+", latex[end:])
                position = end + word.end() if word else _group_end(latex, end)
                tokens.extend(_words(latex, match.start(), end, position, name))
                continue
            if name in TEXT_COMMANDS or name == "mathbb" or (name == "textbf" and _keyword_follows(latex, end)):
                position = _group_end(latex, end)
                tokens.extend(_words(latex, match.start(), end, position, name))
                continue
        tokens.append(Token(kind, text, sized if sized >= 0 else match.start(), end))
        sized = -1
    return tokens


def _keyword_follows(latex: str, end: int) -> bool:
    """``\\textbf{if}`` is pseudo-code; ``\\textbf{b}`` is a bold symbol."""
    word = re.match(r"\s*\{\s*([A-Za-z]+)\s*\}", latex[end:])
    return bool(word) and word.group(1).lower() in KEYWORDS


def _group_end(text: str, start: int) -> int:
    """Index just past the group starting at ``start``: ``{...}``, a command, or one character."""
    while start < len(text) and text[start].isspace():
        start += 1
    if start >= len(text):
        raise FormulaError("ends where an argument in braces should follow")
    if text[start] != "{":
        match = re.match(r"\\[A-Za-z]+|\\.|.", text[start:])
        return start + (match.end() if match else 1)
    depth, index = 0, start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
        index += 1
    raise FormulaError("has unbalanced braces on the right-hand side")


def _words(latex: str, start: int, name_end: int, end: int, font: str) -> list[Token]:
    r"""``\text{if reduction}`` -> keyword ``if`` and name ``reduction``; ``\text{`mean'}`` -> text ``mean``."""
    raw = latex[name_end:end].strip()
    raw = raw[1:-1] if raw.startswith("{") else raw
    content = raw.replace("\\_", "_").replace("\\ ", " ").replace("\\,", " ").strip()
    quoted = _QUOTED.fullmatch(content.rstrip(";.,:"))
    if quoted:
        return [Token("str", quoted.group(1), start, end, font)]
    words = content.rstrip(";.,:").split()
    tokens = []
    while words and words[0].lower() in KEYWORDS:
        tokens.append(Token("kw", words.pop(0).lower(), start, end, font))
    if len(words) == 1 and re.fullmatch(r"[A-Za-z0-9_]+", words[0]):
        tokens.append(Token("name", words[0], start, end, font))
    elif words:
        tokens.append(Token("prose", content, start, end, font))
    return tokens


_FONT_COMMAND = re.compile(rf"\\(?:{'|'.join(sorted(TEXT_COMMANDS | FONTS | SWITCHES))})(?![A-Za-z])")


def symbol_name(text: str) -> str:
    r"""The name a symbol is bound by: ``\mu_{B}`` -> ``mu_B``, ``\hat{\mu}`` -> ``hatmu``, ``\text{lr}`` -> ``lr``,
    ``\mathbf{x}`` -> ``x`` (fonts are not part of a name), ``p(x, y)`` -> ``p(x,y)``."""
    text = _FONT_COMMAND.sub("", text).replace("\\_", "_")
    return re.sub(r"[\\{}\s*]", "", text)


# --- the tree ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    span: Span


@dataclass(frozen=True)
class Number(Node):
    value: float


@dataclass(frozen=True)
class Text(Node):
    """Quoted text in a condition: ``\\text{`mean'}``."""

    value: str


@dataclass(frozen=True)
class Symbol(Node):
    name: str
    """Base name as bound: ``mu``, ``hatm``, ``negative_slope``."""
    sub: str | None
    """Subscript as bound (``B``, ``t-1``, ``n,c``), or none."""
    indexes: tuple[Node, ...]
    """The subscript read as comma-separated expressions, for indexing."""
    multi_letter: bool = False
    """Written as a word (``\\text{lr}``, ``\\mathrm{RMS}``) rather than one letter or Greek letter."""
    bold: bool = False
    """Written in bold or another alphabet (``\\mathbf{x}``): a vector, for ``\\cdot``."""

    @property
    def full(self) -> str:
        return self.name if self.sub is None else f"{self.name}_{self.sub}"


@dataclass(frozen=True)
class Power(Node):
    base: Node
    exponent: Node
    label: str
    """The superscript as written, for bindings such as ``sigma_B^2`` or ``v_t^max``."""


@dataclass(frozen=True)
class Binary(Node):
    op: str
    """``+``, ``-``, ``*`` or ``/``."""
    left: Node
    right: Node
    op_span: Span
    """Where the operator is written (empty for an implied product)."""


@dataclass(frozen=True)
class Negate(Node):
    operand: Node


@dataclass(frozen=True)
class Fraction(Node):
    numerator: Node
    denominator: Node


@dataclass(frozen=True)
class Call(Node):
    function: str
    """Lower-case name: ``exp``, ``log``, ``max``, ``sigmoid``, ``E``, ``Var``, ``norm``..."""
    args: tuple[Node, ...]
    base: Node | None = None
    """A logarithm's base or a norm's p, as written; none for the default."""
    name_span: Span = (0, 0)


@dataclass(frozen=True)
class Apply(Node):
    """A symbol before parentheses: a bound function's entry, a product, or an unbound σ / Φ."""

    symbol: Symbol
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Index(Node):
    """A function's value at subscripts: ``\\mathrm{softmax}(z)_i``."""

    value: Node
    indexes: tuple[Node, ...]
    sub: str


@dataclass(frozen=True)
class Reduction(Node):
    kind: str
    """``sum`` or ``prod``."""
    index: str
    lower: Node | None
    upper: Node | None
    body: Node


@dataclass(frozen=True)
class Expectation(Node):
    """``\\mathbb{E}_{x \\sim P}[body]``: the sum of the body's values weighted by the distribution's."""

    variable: str
    """The outcome's name, or empty for ``\\mathbb{E}_p[...]``."""
    distribution: Node
    body: Node


@dataclass(frozen=True)
class Compare(Node):
    op: str
    """``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``."""
    left: Node
    right: Node
    op_span: Span


@dataclass(frozen=True)
class Otherwise(Node):
    pass


@dataclass(frozen=True)
class Cases(Node):
    rows: tuple[tuple[Node, Node], ...]
    """(value, condition) pairs; the first whose condition holds gives the value."""


@dataclass(frozen=True)
class Indicator(Node):
    condition: Node


def walk(node: Node):  # type: ignore[no-untyped-def]
    """Every node of the tree, parents before children."""
    yield node
    for value in vars(node).values():
        children = value if isinstance(value, tuple) else (value,)
        for child in children:
            if isinstance(child, tuple):
                for part in child:
                    if isinstance(part, Node):
                        yield from walk(part)
            elif isinstance(child, Node):
                yield from walk(child)
