"""Compiling a parsed formula into numpy: every symbol resolved against verify.symbols once, up front."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from . import functions
from .functions import FREE, Env, EvaluationError, Evaluator, Indexes, np
from .read import read_formula
from .readings import Readings
from .syntax import (
    Apply,
    Binary,
    Call,
    Cases,
    Compare,
    Expectation,
    FormulaError,
    Fraction,
    Index,
    Indicator,
    Negate,
    Node,
    Number,
    Otherwise,
    Power,
    Reduction,
    Symbol,
    Text,
    symbol_name,
    walk,
)


@dataclass(frozen=True)
class CompiledFormula:
    """A formula's right-hand side(s), ready to evaluate on bound values."""

    expression: str
    """The LaTeX that was read: everything right of the first relation."""
    evaluators: tuple[Evaluator, ...]
    """One per expression of a chain ``LEFT = A = B``; each must equal the output."""
    hint: str = ""
    """A likely cause if the formula disagrees, e.g. a variance bound to the symbol of its square root."""
    text_keys: frozenset[str] = frozenset()
    """Keys of verify.symbols compared with quoted text, which may be bound to text values."""

    def evaluate(self, env: Env) -> Any:
        """The value of the (first) expression."""
        return self.evaluators[0](env, {})

    def evaluate_all(self, env: Env) -> list[Any]:
        return [evaluator(env, {}) for evaluator in self.evaluators]


def compile_formula(latex: str, symbols: Mapping[str, str], inputs: Collection[str] | None = None) -> CompiledFormula:
    """Parse ``latex`` and resolve its symbols against ``symbols`` (symbol name -> value name).

    ``inputs`` names the reference's inputs, which tells a value computed at an input (``\\Phi(x)``) from a
    product; unknown, a bound value applied to bound symbols stands for its values.
    """
    compiler = _Compiler(symbols, latex, inputs)
    formula = read_formula(latex, compiler.words())
    evaluators = tuple(compiler.node(expression, frozenset()) for expression in formula.expressions)
    compiler.check_all_used()
    hint = ""
    if compiler.powered:
        powered = sorted(compiler.powered)[0]
        base = powered.partition("^")[0]
        value = symbols[compiler.bound[base]]
        hint = (
            f"{base} is bound to {value!r} and the formula uses {powered}; "
            f"if {value!r} is that power, bind {powered!r} instead"
        )
    start = formula.expressions[0].span[0]
    expression = latex[start : formula.expressions[-1].span[1]]
    return CompiledFormula(expression, evaluators, hint, frozenset(compiler.text_keys))


def bound_words(symbols: Collection[str]) -> set[str]:
    """Multi-letter names, and their parts before an underscore, that letters written together may form."""
    found = set()
    for name in map(symbol_name, symbols):
        pieces = name.partition("^")[0].split("_")
        found.update("_".join(pieces[:k]) for k in range(1, len(pieces) + 1))
    return {word for word in found if len(word) > 1}


class _Compiler(Readings):
    """Turns a formula's tree into nested closures."""

    def __init__(self, symbols: Mapping[str, str], latex: str = "", inputs: Collection[str] | None = None) -> None:
        self.symbols, self.latex, self.inputs = symbols, latex, inputs
        self.bound: dict[str, str] = {}
        """Normalised key -> key as written in YAML."""
        for key in symbols:
            name = symbol_name(key)
            if name in self.bound:
                raise FormulaError(f"binds {name!r} twice", ("verify", "symbols", key))
            self.bound[name] = key
        self.used: set[str] = set()
        self.powered: set[str] = set()
        """``NAME^K`` for bound names the formula raises to a power K, for the hint."""
        self.text_keys: set[str] = set()

    def words(self) -> set[str]:
        return bound_words(self.bound)

    def check_all_used(self) -> None:
        unused = [self.bound[k] for k in self.bound if k not in self.used]
        if unused:
            key = unused[0]
            raise FormulaError(
                f"binds {key!r}, but no symbol {symbol_name(key)!r} appears in the right-hand side",
                ("verify", "symbols", key),
            )

    def unbound(self, name: str, function: bool = False, node: Node | None = None) -> FormulaError:
        """``name`` is what binds it; the message quotes ``node`` as the author wrote it, and the name if it differs."""
        known = ", ".join(self.bound.values()) or "none"
        written = self.written(node) if node is not None and self.latex else name
        while len(written) > 2 and written[0] + written[-1] in ("()", "[]", "{}"):  # (c), {x}: the symbol itself
            written = written[1:-1].strip()
        if written != name and not function:
            written = f"{written} (its name in verify.symbols: {name})"
        what = f"the function {written}(...)" if function else f"the symbol {written}"
        return FormulaError(f"has {what}, which verify.symbols does not bind (bound: {known})", ("verify", "symbols"))

    def written(self, node: Node) -> str:
        """The author's LaTeX for ``node``, as written."""
        return self.latex[node.span[0] : node.span[1]].strip() if self.latex else type(node).__name__

    def is_output(self, key: str) -> bool:
        return self.inputs is not None and self.symbols[self.bound[key]] not in self.inputs

    # --- nodes

    def node(self, node: Node, scope: frozenset[str]) -> Evaluator:
        if isinstance(node, Number):
            value = node.value
            return lambda env, idx: value
        if isinstance(node, Symbol):
            return self.symbol(node, scope)
        if isinstance(node, Binary):
            left, right = self.node(node.left, scope), self.node(node.right, scope)
            op = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[node.op]
            if node.op == "*" and self.vector_product(node):
                op = functions.rows_dot if self.stacked(node.right, scope) else functions.matrix_product
            elif node.op == "*" and node.op_span[0] == node.op_span[1] and not self.entries(node):
                op = functions.juxtaposed
            return lambda env, idx: op(left(env, idx), right(env, idx))
        if isinstance(node, Negate):
            operand = self.node(node.operand, scope)
            return lambda env, idx: np.negative(operand(env, idx))
        if isinstance(node, Fraction):
            top, bottom = self.node(node.numerator, scope), self.node(node.denominator, scope)
            return lambda env, idx: np.divide(top(env, idx), bottom(env, idx))
        if isinstance(node, Power):
            return self.power(node, scope)
        if isinstance(node, Call):
            return self.call(node, scope)
        if isinstance(node, Apply):
            return self.apply(node, scope)
        if isinstance(node, Reduction):
            return self.reduction(node, scope)
        if isinstance(node, Cases):
            return self.cases(node, scope)
        if isinstance(node, Index):
            value = self.node(node.value, scope)
            indexers = self.subscripts(node.indexes, scope, node.sub, node.sub)
            written = self.written(node)
            return lambda env, idx: functions.at(value(env, idx), [(v, i(env, idx)) for v, i in indexers], written)
        if isinstance(node, Expectation):
            weights, body = self.node(node.distribution, scope), self.node(node.body, scope)
            return lambda env, idx: np.sum(np.multiply(weights(env, idx), body(env, idx)))
        if isinstance(node, Indicator):
            condition = self.condition(node.condition, scope)
            return lambda env, idx: np.where(condition(env, idx), 1.0, 0.0)
        if isinstance(node, Text):
            raise FormulaError(f"has the quoted text {node.value!r} outside a condition")
        raise FormulaError(f"has {type(node).__name__.lower()} where a value should be")

    def symbol(self, node: Symbol, scope: frozenset[str]) -> Evaluator:
        name, full = node.name, node.full
        if node.sub is None and name in scope:
            return lambda env, idx: idx[name]
        if full in self.bound:
            self.used.add(full)
            return lambda env, idx: env[full]
        powers = self.powers_of(full)
        if powers:
            raise FormulaError(f"has {full} on its own, but it is bound only as {powers[0]!r}: write it as {powers[0]}")
        if node.sub is not None and name in self.bound:
            return self.indexed(name, node.indexes, scope, full, full)
        if node.sub is None and name == "e":
            return lambda env, idx: math.e
        if node.sub is None and name == "pi":
            return lambda env, idx: math.pi
        raise self.unbound(full, node=node)

    def indexed(self, key: str, parts: tuple[Node, ...], scope: frozenset[str], written: str, full: str) -> Evaluator:
        """``x_i``, ``x_{n,c}``, ``w_{y_n}``: the bound array at those subscripts (counting from 1)."""
        indexers = self.subscripts(parts, scope, written, full)
        self.used.add(key)

        def evaluate(env: Env, idx: Indexes) -> Any:
            return functions.at(env[key], [(var, index(env, idx)) for var, index in indexers], written)

        return evaluate

    def subscripts(
        self, parts: tuple[Node, ...], scope: frozenset[str], written: str, full: str
    ) -> list[tuple[str, Evaluator]]:
        """Each subscript's evaluator: a sum's index, every entry (a free letter), or a value used as an index."""
        indexers = []
        for part in _letters(parts, scope):
            if isinstance(part, Symbol) and part.sub is None and part.name in scope:
                indexers.append((part.name, self.node(part, scope)))
            elif isinstance(part, Symbol) and part.sub is None and re.fullmatch(r"[a-z]", part.name):
                if part.name in self.bound:
                    raise self.unbound(full)
                indexers.append((part.name, lambda env, idx: FREE))
            else:
                try:
                    indexers.append((symbol_name(written.partition("_")[2]), self.node(part, scope)))
                except FormulaError:
                    raise self.unbound(full) from None
        return indexers

    def powers_of(self, full: str) -> list[str]:
        return [k for k in self.bound if k.partition("^")[0] == full and k.partition("^")[2].isdigit()]

    def power(self, node: Power, scope: frozenset[str]) -> Evaluator:
        if self.transposed(node):
            inner = self.node(node.base, scope)
            return lambda env, idx: functions.transpose(inner(env, idx))
        base = node.base
        if isinstance(base, Apply) and self.apply_reading(base, scope) == "product":  # \alpha(1 - p)^\gamma
            (paren,) = base.args
            raised = Power((paren.span[0], node.span[1]), paren, node.exponent, node.label)
            return self.node(Binary(node.span, "*", base.symbol, raised, (paren.span[0], paren.span[0])), scope)
        if isinstance(base, Symbol):
            unit = self.power_unit(base, node.label, scope)
            if unit is not None:
                return unit
            if base.full in self.bound and node.label.isdigit() and int(node.label) >= 2:
                self.powered.add(f"{base.full}^{node.label}")
        lower, upper = self.node(base, scope), self.node(node.exponent, scope)
        return lambda env, idx: np.power(lower(env, idx), upper(env, idx))

    def power_unit(self, base: Symbol, label: str, scope: frozenset[str]) -> Evaluator | None:
        """``sigma_B^2`` or ``v_t^max`` bound as a unit, or a power that is a multiple of a bound one."""
        for stem in (base.full, base.name):
            key = f"{stem}^{label}"
            if key in self.bound:
                self.used.add(key)
                if stem == base.full:
                    return lambda env, idx: env[key]
                return self.indexed(key, base.indexes, scope, base.full, base.full)
        written_first = f"{base.name}^{label}_{base.sub}"  # \sigma^2_{ML}, \eta^i_{min}: the same unit
        if base.sub is not None and written_first in self.bound:
            self.used.add(written_first)
            return lambda env, idx: env[written_first]
        powers = self.powers_of(base.full)
        if not powers:
            return None
        if len(powers) > 1:
            raise FormulaError(f"binds {base.full} as more than one power: {', '.join(powers)}", ("verify", "symbols"))
        unit_power = int(powers[0].partition("^")[2])
        if not label.isdigit() or int(label) % unit_power:
            raise FormulaError(f"has {base.full}^{label}, but {base.full} is bound only as {powers[0]!r}")
        key, times = powers[0], int(label) // unit_power
        self.used.add(key)
        return lambda env, idx: np.power(env[key], float(times))

    def call(self, node: Call, scope: frozenset[str]) -> Evaluator:
        args = [self.node(arg, scope) for arg in node.args]
        base = self.node(node.base, scope) if node.base is not None else None
        function = functions.lookup(node.function, len(args))
        if base is not None:
            return lambda env, idx: function(*(a(env, idx) for a in args), base=base(env, idx))
        return lambda env, idx: function(*(a(env, idx) for a in args))

    def reduction(self, node: Reduction, scope: frozenset[str]) -> Evaluator:
        inner = scope | {node.index}
        body = self.node(node.body, inner)
        lower: Evaluator = lambda env, idx: 1  # noqa: E731  (\sum_i^N and \sum_i count from 1, as subscripts do)
        if node.lower is not None:
            lower = self.node(node.lower, scope)
        if node.upper is None or self.unbound_count(node.upper, scope):  # \sum_{k=1}^{K}, K not bound: every k
            upper = self.length_of(node, scope)
        else:
            upper = self.node(node.upper, scope)
        return functions.reduce_over(node.kind, node.index, lower, upper, body)

    def unbound_count(self, node: Node, scope: frozenset[str]) -> bool:
        """An upper bound that is a capital letter no binding names: the number of the arrays' rows."""
        return (
            isinstance(node, Symbol)
            and node.sub is None
            and node.name.isupper()
            and node.name not in scope
            and node.name not in self.bound
            and not self.powers_of(node.name)
        )

    def length_of(self, node: Reduction, scope: frozenset[str]) -> Evaluator:
        """``\\sum_j``: j runs over every row of the bound arrays the body subscripts with j."""
        axes = []
        for child in walk(node.body):
            symbol = child.symbol if isinstance(child, Apply) and child.args else child
            parts = child.args[0].indexes if isinstance(child, Apply) and isinstance(child.args[0], Symbol) else ()
            if isinstance(symbol, Symbol) and not isinstance(child, Apply):
                parts = symbol.indexes
            key = symbol.name if isinstance(symbol, Symbol) else ""
            from_end = False  # a value applied to outcomes it has no axis for (p(X|Y) over Y): they lead
            if isinstance(child, Apply) and symbol_name(self.written(child)) in self.bound:
                key, parts, from_end = symbol_name(self.written(child)), child.args, True
            elif isinstance(child, Apply) and not any(isinstance(a, Symbol) and a.sub for a in child.args):
                key, from_end = child.symbol.full, True
                parts = tuple(a for a in child.args if not (isinstance(a, Symbol) and self.is_bound(a, scope)))
            for axis, part in enumerate(parts):
                if key in self.bound and isinstance(part, Symbol) and part.name == node.index and part.sub is None:
                    axes.append((key, axis - len(parts) if from_end else axis))
        if not axes:
            raise FormulaError(
                f"has \\{node.kind}_{node.index} without bounds, but no bound array is subscripted by {node.index}: "
                f"write \\{node.kind}_{{{node.index}=1}}^{{N}}"
            )
        return lambda env, idx: functions.common_length(env, axes, node.index)

    def cases(self, node: Cases, scope: frozenset[str]) -> Evaluator:
        rows = [(self.node(value, scope), self.condition(condition, scope)) for value, condition in node.rows]
        return lambda env, idx: functions.piecewise([(v(env, idx), c(env, idx)) for v, c in rows])

    def condition(self, node: Node, scope: frozenset[str]) -> Evaluator:
        if isinstance(node, Otherwise):
            return lambda env, idx: True
        if not isinstance(node, Compare):
            raise FormulaError("has a condition that is not a comparison")
        sides = []
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(side, Text):
                if not (isinstance(other, Symbol) and other.full in self.bound):
                    raise FormulaError(f"compares the quoted text {side.value!r} with something not bound to text")
                self.text_keys.add(self.bound[other.full])
                value = side.value
                sides.append(lambda env, idx, value=value: value)
            else:
                sides.append(self.node(side, scope))
        left, right = sides
        return lambda env, idx: functions.compare(node.op, left(env, idx), right(env, idx))


def _letters(parts: tuple[Node, ...], scope: frozenset[str]) -> tuple[Node, ...]:
    """``t_{nk}``, ``\\alpha_{ij}``: letters written together in a subscript, each a sum's index or free, index one axis
    each (as ``t_{n,k}``)."""
    found: list[Node] = []
    for part in parts:
        letters = _factors(part)
        if len(letters) > 1 and all(
            isinstance(f, Symbol) and f.sub is None and len(f.name) == 1 and f.name.islower() for f in letters
        ):
            found.extend(letters)
        else:
            found.append(part)
    return tuple(found)


def _factors(node: Node) -> list[Node]:
    if isinstance(node, Binary) and node.op == "*" and node.op_span[0] == node.op_span[1]:
        return [*_factors(node.left), *_factors(node.right)]
    return [node]


__all__ = ["CompiledFormula", "EvaluationError", "compile_formula"]
