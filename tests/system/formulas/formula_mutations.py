"""Mutants of a formula: small edits of its LaTeX that change what it computes, made on the parsed tree's spans.

Kinds: ``sign`` (+ <-> -, a unary minus dropped), ``drop`` (the right operand of + - * / removed),
``swap`` (the operands of - / \\frac or of a comparison exchanged; never of a commutative operation),
``constant`` (a number changed), ``log-base`` (natural <-> base 2), ``comparison`` (< <-> >, \\leq <-> \\geq,
= <-> \\neq). Numbers inside a symbol's subscript are part of its name and are left alone.

``equivalent`` is a screen independent of any reference: it evaluates the original and the mutant on
wide random values of their symbols; a mutant that agrees everywhere is excluded as equivalent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from site_builder.compute import formulas as verify
from site_builder.compute.formulas.compile import bound_words
from site_builder.compute.formulas.syntax import Binary, Call, Compare, Fraction, Negate, Node, Number, Power, Symbol

_FLIPPED = {"<": ">", ">": "<", "\\leq": "\\geq", "\\geq": "\\leq", "\\le": "\\ge", "\\ge": "\\le", "=": "\\neq"}
_FLIPPED |= {"\\neq": "=", "\\ne": "=", "\\not=": "="}


@dataclass(frozen=True)
class Mutant:
    kind: str
    latex: str
    edit: str
    """What changed, for the report: ``'+' -> '-' at 12``."""


def _replace(latex: str, start: int, end: int, text: str) -> str:
    return latex[:start] + text + latex[end:]


def _nodes(node: Node, units: set[str]) -> Iterator[Node]:
    """The tree's nodes, without descending into names: a symbol's subscripts, a bound unit's superscript."""
    yield node
    if isinstance(node, Symbol):
        return
    base = node.base if isinstance(node, Power) else None
    if isinstance(base, Symbol) and {f"{base.full}^{node.label}", f"{base.name}^{node.label}"} & units:  # type: ignore[attr-defined]
        return
    for value in vars(node).values():
        for child in value if isinstance(value, tuple) else (value,):
            for part in child if isinstance(child, tuple) else (child,):
                if isinstance(part, Node):
                    yield from _nodes(part, units)


def mutants(latex: str, symbols: Mapping[str, str]) -> list[Mutant]:
    """Every mutant of the expressions right of the formula's relation."""
    formula = verify.read_formula(latex, bound_words(symbols))
    found: list[Mutant] = []
    units = {verify.symbol_name(key) for key in symbols if "^" in key}
    for expression in formula.expressions:
        for node in _nodes(expression, units):
            found.extend(_mutate(latex, node))
    unique: dict[str, Mutant] = {}
    for mutant in found:
        if mutant.latex != latex:
            unique.setdefault(mutant.latex, mutant)
    return list(unique.values())


def _mutate(latex: str, node: Node) -> Iterator[Mutant]:
    if isinstance(node, Binary):
        (start, end), (left, right) = node.op_span, (node.left.span, node.right.span)
        written = latex[start:end]
        if node.op in "+-" and written in "+-":
            flipped = "-" if written == "+" else "+"
            yield Mutant("sign", _replace(latex, start, end, flipped), f"{written!r} -> {flipped!r} at {start + 1}")
        yield Mutant("drop", _replace(latex, start, right[1], ""), f"dropped {latex[start : right[1]]!r}")
        if node.op in "-/" and written:
            yield Mutant(
                "swap", _swap(latex, left, right), f"swapped {latex[slice(*left)]!r}, {latex[slice(*right)]!r}"
            )
    elif isinstance(node, Negate):
        yield Mutant("sign", _replace(latex, node.span[0], node.span[0] + 1, ""), f"dropped '-' at {node.span[0] + 1}")
    elif isinstance(node, Fraction):
        top, bottom = node.numerator.span, node.denominator.span
        yield Mutant("swap", _swap(latex, top, bottom), f"swapped \\frac{{{latex[slice(*top)]}}}{{...}}")
    elif isinstance(node, Number):
        value = node.value + (1.0 if node.value != 1.0 else 0.5)
        text = f"{value:g}" if value.is_integer() else f"{{{value:g}}}"
        digits = re.search(r"\d+(?:\.\d+)?|\.\d+", latex[slice(*node.span)])
        assert digits is not None
        start, end = node.span[0] + digits.start(), node.span[0] + digits.end()
        yield Mutant("constant", _replace(latex, start, end, text), f"{digits.group()} -> {value:g}")
    elif isinstance(node, Call) and node.function in ("log", "ln"):
        name_end = node.name_span[1]
        if node.base is None:
            yield Mutant("log-base", _replace(latex, node.name_span[0], name_end, "\\log_2"), "natural log -> log_2")
        else:
            yield Mutant("log-base", _replace(latex, name_end, node.base.span[1], ""), "log_b -> natural log")
    elif isinstance(node, Compare):
        written = latex[slice(*node.op_span)].replace(" ", "")
        if written in _FLIPPED:
            flipped = _FLIPPED[written]
            yield Mutant("comparison", _replace(latex, *node.op_span, f" {flipped} "), f"{written} -> {flipped}")
        if node.op not in ("==", "!="):  # = and \\neq are symmetric
            yield Mutant("swap", _swap(latex, node.left.span, node.right.span), "swapped the sides of a comparison")


def _swap(latex: str, first: tuple[int, int], second: tuple[int, int]) -> str:
    a, b = latex[slice(*first)], latex[slice(*second)]
    return latex[: first[0]] + b + latex[first[1] : second[0]] + a + latex[second[1] :]


def symbols_used(latex: str, symbols: Mapping[str, str]) -> dict[str, str]:
    """``symbols`` less those the mutant no longer mentions (a dropped term's), so its check is numeric."""
    kept = dict(symbols)
    while True:
        try:
            verify.compile_formula(latex, kept)
            return kept
        except verify.FormulaError as exc:
            unused = exc.field[2] if len(exc.field) == 3 and "but no symbol" in str(exc) else None
            if unused is None or unused not in kept:
                return kept
            del kept[unused]


def equivalent(original: str, mutant: str, symbols: Mapping[str, str], example: Mapping[str, Any]) -> bool:
    """Whether ``mutant`` agrees with ``original`` on 50 wide random draws of every float symbol."""
    try:
        first = verify.compile_formula(original, symbols)
        second = verify.compile_formula(mutant, symbols_used(mutant, symbols))
    except verify.FormulaError:
        return False
    rng = np.random.default_rng(11)
    texts = re.findall(r"\\text\{[`'](\w+)'", original)
    compared = 0
    for _ in range(50):
        env = {verify.symbol_name(k): _wide(example[v], rng, texts) for k, v in symbols.items()}
        try:
            with np.errstate(all="ignore"):
                pairs = list(zip(first.evaluate_all(env), second.evaluate_all(env), strict=True))
        except Exception:  # a mutant may index out of range or compare text with numbers
            return False
        for x, y in pairs:
            try:
                a, b = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
            except ValueError:  # a mutant of a matrix product may change the shape
                return False
            finite = np.isfinite(a) & np.isfinite(b)
            if (np.isfinite(a) != np.isfinite(b)).any() or not np.allclose(a[finite], b[finite], rtol=1e-9, atol=1e-12):
                return False
            compared += int(finite.sum())
    return compared > 0


def _wide(value: Any, rng: np.random.Generator, texts: list[str]) -> Any:
    """A random value shaped like ``value``: floats in [-5, 5], text among the formula's quoted texts, integers kept."""
    if isinstance(value, str):
        return str(rng.choice([value, *texts]))
    if isinstance(value, int | bool):
        return value
    array = np.asarray(value)
    if array.dtype.kind in "iub":
        return array
    return rng.uniform(-5, 5, size=array.shape) if array.ndim else float(rng.uniform(-5, 5))
