"""Reading a formula: what is right of its relation, each expression parsed completely, or why it has no value."""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass

from .notation import PSEUDO_CODE, RELATIONS
from .parse import Parser
from .syntax import OPEN, FormulaError, Node, Token, Unverifiable, tokenize


@dataclass(frozen=True)
class Formula:
    """A formula read completely: the expressions every one of which must equal the output."""

    latex: str
    expressions: tuple[Node, ...]
    relation: str
    """``=``, ``\\leftarrow``, or empty when the formula is an expression as a whole."""


def read_formula(latex: str, words: Collection[str] = ()) -> Formula:
    """Parse every expression right of the relation in ``latex``; ``words`` are bound multi-letter names."""
    tokens = tokenize(latex)
    reason = unverifiable_reason(tokens)
    if reason:
        raise Unverifiable(reason)
    if any(t.kind == "kw" and t.text == "where" for t in tokens):
        raise FormulaError("has a where clause: give the definition after 'where' a formula of its own")
    while tokens and tokens[-1].text in (",", ".", ";"):
        tokens.pop()
    segments, relation = _split_relations(tokens)
    expressions = []
    for segment in segments:
        if not segment:
            raise FormulaError("has nothing to the right of its =")
        _check_balanced(latex, segment)
        expressions.append(Parser(latex, segment, frozenset(words)).whole())
    return Formula(latex, tuple(expressions), relation)


def right_hand_side(latex: str) -> str:
    """The text the checker reads: what follows the first top-level ``=`` or ``\\leftarrow``."""
    segments, _ = _split_relations(tokenize(latex))
    return latex[segments[0][0].start : segments[-1][-1].end] if segments and segments[0] else ""


def unverifiable_reason(tokens: list[Token]) -> str:
    """Why the formula has no numeric meaning to check (pseudo-code, a shape, words), or empty."""
    texts = [t.text for t in tokens]
    for token in tokens:
        if token.kind == "kw" and token.font in ("textbf", "bf") and token.text in PSEUDO_CODE:
            return f"an algorithm's pseudo-code line ({PSEUDO_CODE[token.text]})"
    if "\\rule" in texts:
        return "layout (a horizontal rule), not a formula"
    if "\\nabla" in texts:
        return "a gradient of an objective the formula does not define"
    depth = 0
    for text in texts:
        depth += {"{": 1, "}": -1}.get(text, 0)
        if text == "\\sim" and depth == 0:  # inside braces it is an expectation's subscript: E_{x \sim p}
            return "states a probability distribution, not a value"
    elided = [i for i, t in enumerate(texts) if t in ("\\dots", "\\ldots", "\\cdots")]
    if elided and "\\{" in texts[: elided[0]] and "\\}" in texts[elided[0] :]:
        return "defines a vector by listing its entries"
    if elided and "\\times" in texts:
        return "states a tensor shape, not a value"
    prose = [t.text for t in tokens if t.kind == "prose"]
    if prose:
        return f"words, not a formula: {prose[0]!r}"
    return ""


def _split_relations(tokens: list[Token]) -> tuple[list[list[Token]], str]:
    depth, cuts, kinds = 0, [], set()
    named = next((i for i, t in enumerate(tokens) if t.text == "\\equiv" and i > 0), None)
    if named is not None and any(t.text == "=" or t.text[1:] in RELATIONS for t in tokens[:named]):
        tokens = tokens[:named]  # y_i \gets \gamma x_i + \beta \equiv \mathrm{BN}(x_i): what follows names it
    for index, token in enumerate(tokens):
        if token.text in OPEN or token.text == "\\begin":
            depth += 1
        elif token.text in OPEN.values() or token.text == "\\end":
            depth -= 1
        elif depth == 0 and (token.text == "=" or token.text[1:] in RELATIONS):
            cuts.append(index)
            kinds.add(RELATIONS[token.text if token.text == "=" else token.text[1:]])
    if not cuts:
        return [tokens], ""
    if len(kinds) > 1:
        raise FormulaError(
            "mixes = and \\leftarrow; a verified formula is LEFT = EXPRESSION or LEFT \\leftarrow EXPRESSION"
        )
    bounds = [*cuts, len(tokens)]
    return [tokens[a + 1 : b] for a, b in itertools.pairwise(bounds)], kinds.pop()


def _check_balanced(latex: str, segment: list[Token]) -> None:
    depth = 0
    for token in segment:
        depth += {"{": 1, "}": -1}.get(token.text, 0)
        if depth < 0:
            break
    if depth != 0:
        raise FormulaError("has unbalanced braces on the right-hand side")
