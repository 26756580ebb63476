"""How the notation is read where it could mean two things: a symbol before parentheses, and products of vectors.

The rule is the package's (``__init__.py``): call, values, entry or product; a transposed factor or ``\\cdot``
between bold vectors makes a matrix product. ``Readings`` is the compiler's half that decides.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from . import functions
from .functions import FREE_AXIS, Env, Evaluator, Indexes, np
from .notation import INDICATOR_LETTERS, NAMED_FUNCTIONS, TRANSPOSES, UNBOUND_FUNCTIONS
from .syntax import Apply, Binary, Call, Compare, FormulaError, Node, Power, Symbol, symbol_name


class Readings:
    """The compiler's readings of applications and products; the compiler (``compile._Compiler``) is the rest."""

    symbols: Mapping[str, str]
    latex: str
    inputs: Collection[str] | None
    bound: dict[str, str]
    used: set[str]

    def transposed(self, node: Node) -> bool:
        """``x^\\top``, ``x^T``, ``x^{\\mathrm{T}}``: a transpose, unless T is a bound symbol."""
        return isinstance(node, Power) and (node.label in TRANSPOSES or (node.label == "T" and "T" not in self.bound))

    def vector_product(self, node: Binary) -> bool:
        """A product of vectors or matrices: a transposed factor (``w^\\top x``, ``QK^T``) or ``\\cdot`` between bold vectors."""
        if self.transposed(node.right) or self.row(node.left):
            return True
        written = self.latex[node.op_span[0] : node.op_span[1]] if self.latex else ""
        bold = [isinstance(n, Symbol) and n.bold and n.sub is None for n in (node.left, node.right)]
        return written.strip() == "\\cdot" and all(bold)

    def entries(self, node: Binary) -> bool:
        """A product of subscripted symbols (``x_{n,c} y_{n,c}``): entry by entry, whatever the shapes."""
        return any(
            isinstance(side, Symbol) and side.indexes and side.full not in self.bound
            for side in (node.left, node.right)
        )

    def stacked(self, node: Node, scope: frozenset[str]) -> bool:
        """``\\bar{h}_s`` with s free: a vector for each s, stacked as rows."""
        return (
            isinstance(node, Symbol)
            and bool(node.indexes)
            and node.full not in self.bound
            and all(isinstance(p, Symbol) and p.sub is None and p.name not in scope for p in node.indexes)
        )

    def row(self, node: Node) -> bool:
        """A transposed vector, or a product that starts with one (``h^\\top W``): what follows it is a matrix product."""
        if self.transposed(node):
            return True
        return isinstance(node, Binary) and node.op == "*" and (self.row(node.left) or self.transposed(node.right))

    def apply(self, node: Apply, scope: frozenset[str]) -> Evaluator:
        """A symbol before parentheses, by the rule in this package's docstring (call, values or product)."""
        symbol, args = node.symbol, node.args
        written, full = self.written(node), symbol.full
        reading = self.apply_reading(node, scope)
        if reading == "bound as written":  # 'H(X)': hx, 'p(y|x)': p_y_given_x
            return self.values_at(symbol_name(written), args, scope, written)
        if reading == "call":
            return self.builtin(node, scope)
        if reading == "values":
            return self.values_at(full, args, scope, written)
        if reading == "entry":  # p(x_i): entry i; y_k(\phi): entry k of y, at the φ it was computed at
            parts = args[0].indexes if isinstance(args[0], Symbol) and args[0].sub is not None else symbol.indexes
            return self.indexed(symbol.name if symbol.sub else full, parts, scope, written, full)
        if reading == "either":
            return self.either(node, scope)
        if len(args) != 1:
            raise FormulaError(
                f"reads {written} as {full} applied to {len(args)} arguments, but {full} is bound to "
                f"values: bind {written!r} itself, or write the product with \\cdot"
            )
        value, factor = self.symbol(symbol, scope), self.node(args[0], scope)
        return lambda env, idx: np.multiply(value(env, idx), factor(env, idx))

    def apply_reading(self, node: Apply, scope: frozenset[str]) -> str:
        """How a symbol before parentheses is read: ``call``, ``bound as written``, ``values``, ``entry``,
        ``either`` (two readings the bindings cannot tell apart) or ``product``."""
        symbol, args = node.symbol, node.args
        full = symbol.full
        if symbol_name(self.written(node)) in self.bound:
            return "bound as written"
        if full not in self.bound and (symbol.sub is None or symbol.name not in self.bound):
            return "call"
        lone = all(isinstance(a, Symbol) for a in args)
        if symbol.multi_letter and full in self.bound:  # \mathrm{RMS}(x): the arguments name what it is of
            return "values"
        if len(args) == 1 and isinstance(args[0], Symbol) and args[0].sub is not None:
            return "entry"
        if full not in self.bound:  # p_k(...) with p bound
            unbound = lone and not any(self.is_bound(a, scope) or a.name in scope for a in args)  # type: ignore[union-attr]
            return "entry" if unbound else "product"
        if lone:
            reading = self.reading(full, [a for a in args if self.is_bound(a, scope)])  # type: ignore[arg-type]
            if reading == "product" and len(args) > 1:  # J(w; X, y): no product has several factors in parentheses
                return "values"
            if reading != "either" or len(args) == 1:
                return reading
        return "product"

    def builtin(self, node: Apply, scope: frozenset[str]) -> Evaluator:
        """An unbound σ, Φ, indicator I or named function applied: the function the field means by it."""
        symbol, args = node.symbol, node.args
        if symbol.sub is None and symbol.name in UNBOUND_FUNCTIONS and len(args) == 1:
            return self.call(Call(node.span, UNBOUND_FUNCTIONS[symbol.name], args), scope)
        if symbol.sub is None and symbol.name in INDICATOR_LETTERS and len(args) == 1 and isinstance(args[0], Compare):
            condition = self.condition(args[0], scope)
            return lambda env, idx: np.where(condition(env, idx), 1.0, 0.0)
        name = symbol.name.lower()
        if symbol.multi_letter and name in NAMED_FUNCTIONS:  # sin(pos) in plain letters, \mathrm{Swish}_\beta(x)
            return self.call(Call(node.span, name, (*args, *symbol.indexes)), scope)
        raise self.unbound(self.written(symbol), function=True)

    def is_bound(self, node: Symbol, scope: frozenset[str]) -> bool:
        """A bound symbol that is not a sum's index."""
        if node.sub is None and node.name in scope:
            return False
        return node.full in self.bound or (node.sub is not None and node.name in self.bound)

    def reading(self, key: str, bound_args: list[Symbol]) -> str:
        """``values`` (a value computed at its arguments), ``product``, or ``either`` (the bindings cannot tell)."""
        if not bound_args or self.inputs is None:
            return "values"
        at_inputs = all(a.full in self.bound and self.symbols[self.bound[a.full]] in self.inputs for a in bound_args)
        if not self.is_output(key):
            return "product"  # an input is not computed at anything: it multiplies
        return "values" if at_inputs else "either"

    def values_at(self, key: str, args: tuple[Node, ...], scope: frozenset[str], written: str) -> Evaluator:
        """The bound values, at the sums' indexes among the arguments: ``p(x)`` in ``\\sum_x`` is entry x of p."""
        self.used.add(key)
        indexers: list[tuple[str, Evaluator]] = []
        for arg in args:
            if not isinstance(arg, Symbol):
                raise FormulaError(
                    f"reads {written} as the values of {key}, but {self.written(arg)} is not a symbol: write the "
                    f"values' argument as a symbol, or multiply with \\cdot"
                )
            if any(var == arg.name for var, _ in indexers) or any(
                isinstance(p, Symbol) and any(var == p.name for var, _ in indexers) for p in arg.indexes
            ):
                continue  # H(p_n, q_n): the index n is one axis, however many arguments it subscripts
            if arg.sub is None and arg.name in scope:
                indexers.append((arg.name, self.node(arg, scope)))
            elif self.is_bound(arg, scope):
                self.node(arg, scope)  # the input they were computed at: it names them, and is used
            else:
                inner = [p for p in arg.indexes if isinstance(p, Symbol) and p.sub is None and p.name in scope]
                indexers.append((inner[0].name, self.node(inner[0], scope)) if inner else (arg.name, FREE_AXIS))
        return lambda env, idx: functions.applied(env[key], [(v, i(env, idx)) for v, i in indexers], written)

    def either(self, node: Apply, scope: frozenset[str]) -> Evaluator:
        """Two readings the bindings cannot tell apart: fine where they agree, else an error naming both."""
        written, symbol, (arg,) = self.written(node), node.symbol, node.args
        values = self.values_at(symbol.full, node.args, scope, written)
        factor, value = self.node(arg, scope), self.symbol(symbol, scope)

        def evaluate(env: Env, idx: Indexes) -> Any:
            first = values(env, idx)
            second = np.multiply(value(env, idx), factor(env, idx))
            if np.shape(first) == np.shape(second) and np.allclose(first, second, equal_nan=True):
                return first
            raise FormulaError(
                f"reads {written} two ways that give different numbers: as the values of {symbol.full} "
                f"({self.symbols[self.bound[symbol.full]]!r}) at {self.written(arg)}, or as {symbol.full} times "
                f"{self.written(arg)}; bind {written!r} itself for the first, write {symbol.full} \\cdot "
                f"({self.written(arg)}) for the second"
            )

        return evaluate
