"""Verified formulas: the LaTeX shown is parsed, evaluated numerically and compared with the reference code.

The convention, in full (README "Verified formulas" says the same for authors):

- The **expression** is the right-hand side of the single top-level ``=`` or
  ``\\leftarrow`` (``\\gets``); a formula without one is an expression as a whole.
  The left-hand side is notation and is not read.
- It is parsed with sympy's LaTeX parser (ANTLR backend, ``strict=True``).
  ``\\hat{\\mu}``, ``\\bar{x}``, ``\\tilde{x}``, ``\\vec{x}``, ``\\mathbf{x}`` and
  ``\\boldsymbol{x}`` over one letter are first made one symbol each (the parser
  would otherwise read ``\\hat{x}`` as ``hat*x``).
- ``verify.symbols`` binds **symbol names** to the example's input or output
  names. A symbol's name is its LaTeX with backslashes, braces and spaces
  removed: ``N``, ``\\mu_B`` -> ``mu_B``, ``\\epsilon`` -> ``epsilon``,
  ``\\hat{\\mu}`` -> ``hatmu``, ``m_{t-1}`` -> ``m_t-1``. Keys may be written
  either way (``mu_B`` or ``\\mu_{B}``). A name that is both an input and an
  output means the input: the right-hand side of an update reads the old value.
- ``NAME^K`` binds the K-th power of a symbol as a unit, e.g.
  ``sigma_B^2: variance`` for a variance written ``\\sigma_B^2``; the symbol
  may then appear only to powers that are multiples of K.
- A bound **function-like** name ``p`` reads ``p(x_i)`` as the i-th entry of the
  array bound to ``p``; the argument only supplies the index.
- Subscripts count from 1. ``x_i`` inside ``\\sum_{i=...}`` is row ``i`` of the
  array bound to ``x`` (its first axis). A subscript that is a single
  lower-case letter with no enclosing sum (``y_i = \\gamma x_i + \\beta``) means
  "every i at once": ``x_i`` is the whole array, and arithmetic broadcasts
  elementwise as in numpy. Products are elementwise, never matrix products.
- Unbound ``e`` is Euler's number and unbound ``\\pi`` is pi.
- Guards against partial parses: every LaTeX command must be one the checker
  reads faithfully; every letter and Greek letter of the LaTeX must survive
  into the parsed expression (sympy silently drops e.g. the ``B`` of
  ``\\sigma^2_B``); every bound symbol must appear and no unbound one may remain.

A check evaluates the expression on the worked example and on ``trials``
seeded random inputs, and compares it with the reference output: equal shapes,
and ``|obtained - expected| <= rtol * max|expected|`` elementwise. Random
inputs come from ``sample_FUNCTION(rng)`` in the function's module when it
exists, else from the worked example's inputs with every float multiplied by
a factor drawn uniformly from [0.5, 1.5] (ints, booleans and text kept).

sympy and numpy are imported only when a formula is actually checked, so a
build whose checks all come from the cache loads neither.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import sympy
else:

    class _Numpy(ModuleType):
        """numpy, imported on first use: a build whose formula checks are all cached does not need it."""

        def __getattr__(self, name: str) -> Any:
            import numpy

            return getattr(numpy, name)

    np = _Numpy("numpy")

Env = Mapping[str, Any]
"""Bound symbol name -> value (int, float or numpy array)."""
Indexes = Mapping[str, int]
"""Sum index name -> its current value."""
Evaluator = Callable[[Env, Indexes], Any]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GREEK = _words(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi rho "
    "varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi "
    "Psi Omega ell"
)
DECORATIONS = ("hat", "bar", "tilde", "vec", "mathbf", "boldsymbol")
"""Commands over one letter that become part of the symbol's name (``\\hat{\\mu}`` -> ``hatmu``)."""
STRUCTURE = _words(
    "frac dfrac tfrac sum prod sqrt left right cdot times div quad qquad exp log ln lg sin cos tan sinh cosh tanh"
)
"""Commands the parser turns into operators faithfully; any other command is refused."""
SPACING = frozenset(",;:! ")
FUNCTIONS = {
    "exp": "exp",
    "log": "log",
    "Abs": "abs",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
}
"""sympy function name -> the numpy function that evaluates it."""
MAX_TERMS = 1_000_000
"""Most terms a sum or product may have; a larger bound is an error rather than a hang."""


class FormulaError(Exception):
    """A formula that cannot be read, or that disagrees with the reference implementation.

    ``field`` is the part of the formula's YAML at fault, e.g. ``("latex",)`` or ``("verify", "symbols", "N")``.
    """

    def __init__(self, message: str, field: tuple[str, ...] = ("latex",), hint: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.hint = hint


class _EvaluationError(Exception):
    """The expression cannot be evaluated on particular inputs (an index out of range, a non-integer bound)."""


@dataclass(frozen=True)
class FormulaCheck:
    """A formula that agreed with its reference implementation at build time."""

    formula: str
    """The formula's id."""
    function: str
    """``module.function`` it was checked against."""
    example: str
    """Id of the worked example whose computation it matches."""
    output: str
    """The output the right-hand side equals."""
    trials: int
    """Seeded random inputs checked besides the worked example."""
    rtol: float
    """Relative tolerance of the comparison."""

    @property
    def module_path(self) -> str:
        """``computed/perplexity.py``."""
        return f"computed/{self.function.partition('.')[0]}.py"

    @property
    def description(self) -> str:
        """One sentence saying what was checked, for readers who want the details."""
        inputs = f"the worked example and {self.trials} seeded random inputs" if self.trials else "the worked example"
        return (
            f"Checked at build time: this formula, evaluated on {inputs}, equals the output "
            f"{self.output!r} of {self.function} within a relative tolerance of {self.rtol:g}."
        )


@dataclass(frozen=True)
class CompiledFormula:
    """A formula's right-hand side, ready to evaluate on bound values."""

    expression: str
    """The LaTeX that was parsed (after decorations became symbols)."""
    evaluate: Callable[[Env], Any]
    hint: str = ""
    """A likely cause if the formula disagrees, e.g. a variance bound to the symbol of its square root."""


# --- reading the LaTeX -------------------------------------------------------------------------------------------

_RELATION = re.compile(r"\\leftarrow(?![A-Za-z])|\\gets(?![A-Za-z])|=")
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}()\[\]]|=|[^\\{}()\[\]=]+")


def right_hand_side(latex: str) -> str:
    """The expression to check: what follows the single top-level ``=`` or ``\\leftarrow``."""
    depth = 0
    cuts: list[tuple[int, int]] = []
    for match in _TOKEN.finditer(latex):
        token = match.group()
        if token in ("{", "(", "["):
            depth += 1
        elif token in ("}", ")", "]"):
            depth -= 1
        elif depth == 0 and _RELATION.fullmatch(token):
            cuts.append(match.span())
    if len(cuts) > 1:
        raise FormulaError(
            f"has {len(cuts)} top-level relations (=, \\leftarrow); a verified formula has one: LEFT = EXPRESSION"
        )
    expression = latex[cuts[0][1] :] if cuts else latex
    if not expression.strip():
        raise FormulaError("has nothing to the right of its =")
    return expression.strip()


_DECORATED = re.compile(
    r"\\(" + "|".join(DECORATIONS) + r")(?![A-Za-z])\s*(?:\{\s*(\\[A-Za-z]+|[A-Za-z])\s*\}|(\\[A-Za-z]+|[A-Za-z]))"
)


def _undecorate(expression: str) -> str:
    r"""``\hat{\mu}_B`` -> ``\hatmu _B``: one symbol the parser reads whole, subscripts and all."""

    def replace(match: re.Match[str]) -> str:
        decoration, inner = match.group(1), match.group(2) or match.group(3)
        name = inner.lstrip("\\")
        if inner.startswith("\\") and name not in GREEK:
            raise FormulaError(f"\\{decoration} must sit on one letter or Greek letter, not on {inner}")
        return f"\\{decoration}{name} "

    return _DECORATED.sub(replace, expression)


def _latex_atoms(expression: str) -> set[str]:
    """Letters and Greek letters written in the LaTeX; refuses commands the parser would misread."""
    atoms: set[str] = set()
    if "'" in expression:
        raise FormulaError("uses a prime ('), which the formula parser drops; name the symbol differently")
    if re.search(r"\d\.?\d*[eE][+-]?\d", expression):
        raise FormulaError("writes a number as 1e-5, which the parser reads as 1*e - 5; write 10^{-5}")
    if _subscript_after_superscript(expression):
        raise FormulaError(
            "puts a subscript after a superscript, which the parser drops: write \\sigma_B^2, not \\sigma^2_B"
        )
    decorated = re.compile(r"(" + "|".join(DECORATIONS) + r")(" + "|".join(sorted(GREEK)) + r"|[A-Za-z])")
    for match in re.finditer(r"\\([A-Za-z]+)|\\(.)|([A-Za-z])", expression):
        command, escape, letter = match.groups()
        if letter:
            atoms.add(letter)
        elif escape is not None:
            if escape not in SPACING:
                raise FormulaError(f"uses \\{escape}, which the formula checker cannot read")
        elif command in GREEK or decorated.fullmatch(command):
            atoms.add(command)
        elif command not in STRUCTURE:
            raise FormulaError(
                f"uses \\{command}, which the formula checker cannot read",
            )
    return atoms


def _balanced(expression: str) -> bool:
    depth = 0
    for token in re.findall(r"\\.|[{}]", expression):
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth < 0:
            return False
    return depth == 0


def _subscript_after_superscript(expression: str) -> bool:
    """``x^2_B``: the ANTLR grammar silently drops a subscript that follows a superscript."""
    position = expression.find("^")
    while position != -1:
        end = _group_end(expression, position + 1)
        if expression[end:].lstrip().startswith("_"):
            return True
        position = expression.find("^", end)
    return False


def _group_end(text: str, start: int) -> int:
    """Index just past the group starting at ``start``: ``{...}``, a command, or one character."""
    while start < len(text) and text[start].isspace():
        start += 1
    if start >= len(text):
        return start
    if text[start] == "{":
        depth = 0
        for index in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            if depth == 0:
                return index + 1
        return len(text)
    match = re.match(r"\\[A-Za-z]+|\\.|.", text[start:])
    return start + (match.end() if match else 1)


def _sympy_atoms(expr: sympy.Basic) -> set[str]:
    import sympy
    from sympy.core.function import AppliedUndef

    names = [s.name for s in expr.atoms(sympy.Symbol)] + [f.func.__name__ for f in expr.atoms(AppliedUndef)]
    atoms: set[str] = set()
    for name in names:
        for identifier in re.findall(r"[A-Za-z]+", name):
            if identifier in GREEK or any(identifier.startswith(d) for d in DECORATIONS):
                atoms.add(identifier)
            else:
                atoms.update(identifier)
    return atoms


def parse_expression(latex: str) -> tuple[str, sympy.Basic]:
    """The right-hand side of ``latex``, read completely, or a ``FormulaError`` saying what was not."""
    from sympy.parsing.latex import LaTeXParsingError, parse_latex

    expression = _undecorate(right_hand_side(latex))
    written = _latex_atoms(expression)
    if not _balanced(expression):
        raise FormulaError("has unbalanced braces on the right-hand side")
    try:
        # The braces make strict mode work when the expression starts with \left (a token the lexer skips).
        expr = parse_latex("{" + expression + "}", strict=True)
    except LaTeXParsingError as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "invalid LaTeX"
        raise FormulaError(f"cannot be parsed: {detail}") from exc
    if not hasattr(expr, "free_symbols") or isinstance(expr, bool) or getattr(expr, "is_Relational", False):
        raise FormulaError("does not parse to an expression")
    parsed = _sympy_atoms(expr)
    dropped = sorted(written - parsed)
    if dropped:
        raise FormulaError(
            f"was read only in part: {', '.join(dropped)} did not survive parsing "
            f"(the parser drops a subscript written after a superscript: write \\sigma_B^2, not \\sigma^2_B)"
        )
    invented = sorted(parsed - written)
    if invented:
        raise FormulaError(f"was misread: the parser produced {', '.join(invented)}, which the LaTeX does not contain")
    return expression, expr


# --- binding symbols ---------------------------------------------------------------------------------------------


def symbol_name(text: str) -> str:
    r"""The name a symbol is bound by: ``\mu_{B}`` -> ``mu_B``, ``\hat{\mu}`` -> ``hatmu``, ``a_{i*j}`` -> ``a_ij``."""
    return re.sub(r"[\\{}\s*]", "", text)


def _split(name: str) -> tuple[str, str | None]:
    base, underscore, sub = name.partition("_")
    return base, (sub if underscore else None)


def _power_key(key: str) -> tuple[str, int] | None:
    match = re.fullmatch(r"(.+)\^(\d+)", key)
    if match and int(match.group(2)) >= 2:
        return match.group(1), int(match.group(2))
    return None


class _Compiler:
    """Turns a sympy tree into nested closures, resolving every symbol once, up front."""

    def __init__(self, symbols: Mapping[str, str]) -> None:
        self.bound: dict[str, str] = {}
        """Normalised key -> key as written in YAML."""
        for key in symbols:
            name = symbol_name(key)
            if name in self.bound:
                raise FormulaError(f"binds {name!r} twice", ("verify", "symbols", key))
            self.bound[name] = key
        self.used: set[str] = set()
        self.powered: set[str] = set()
        """Keys bound to a plain symbol that the formula raises to a power, e.g. ``sigma_B`` in ``\\sigma_B^2``."""

    def compile(self, expr: sympy.Basic) -> Evaluator:
        evaluator = self._node(expr, frozenset())
        unused = [self.bound[k] for k in self.bound if k not in self.used]
        if unused:
            key = unused[0]
            raise FormulaError(
                f"binds {key!r}, but no symbol {symbol_name(key)!r} appears in the right-hand side",
                ("verify", "symbols", key),
            )
        return evaluator

    def _node(self, node: sympy.Basic, scope: frozenset[str]) -> Evaluator:
        import sympy
        from sympy.core.function import AppliedUndef

        if isinstance(node, sympy.Symbol):
            return self._symbol(node.name, scope, 1)
        if not node.free_symbols and not node.atoms(AppliedUndef):
            try:
                constant = float(node)
            except (TypeError, ValueError) as exc:
                raise FormulaError(f"contains {node}, which is not a real number") from exc
            return lambda env, idx: constant
        if isinstance(node, sympy.Add):
            terms = [self._node(arg, scope) for arg in node.args]
            return lambda env, idx: _fold(terms, env, idx, np.add)
        if isinstance(node, sympy.Mul):
            factors = [self._node(arg, scope) for arg in node.args]
            return lambda env, idx: _fold(factors, env, idx, np.multiply)
        if isinstance(node, sympy.Pow):
            return self._power(node, scope)
        if isinstance(node, sympy.Sum | sympy.Product):
            return self._reduction(node, scope)
        if isinstance(node, AppliedUndef):
            return self._applied(node, scope)
        name = type(node).__name__
        if name == "log" and len(node.args) == 2:  # log_b x, left unevaluated by the parser
            argument, log_base = (self._node(arg, scope) for arg in node.args)
            return lambda env, idx: np.log(argument(env, idx)) / np.log(log_base(env, idx))
        if name in FUNCTIONS and len(node.args) == 1:
            function = getattr(np, FUNCTIONS[name])
            inner = self._node(node.args[0], scope)
            return lambda env, idx: function(inner(env, idx))
        raise FormulaError(f"contains {name} ({node}), which the formula checker cannot evaluate")

    def _symbol(self, raw: str, scope: frozenset[str], power: int) -> Evaluator:
        name = symbol_name(raw)
        base, sub = _split(name)
        suffix = f"^{power}" if power > 1 else ""
        if power == 1 and name in scope:
            return lambda env, idx: idx[name]
        if name + suffix in self.bound:
            key = name + suffix
            self.used.add(key)
            return lambda env, idx: env[key]
        if sub is not None and base + suffix in self.bound:
            key = base + suffix
            if sub in scope:
                self.used.add(key)
                return lambda env, idx: _row(env[key], idx[sub], f"{base}_{sub}", sub)
            if re.fullmatch(r"[a-z]", sub) and sub not in self.bound:
                self.used.add(key)
                return lambda env, idx: env[key]
        if power == 1 and self._powers_of(name):
            key = self._powers_of(name)[0]
            raise FormulaError(f"has {name} on its own, but it is bound only as {key!r}: write it as {key}")
        if power == 1 and name == "e":
            return lambda env, idx: math.e
        if power == 1 and name == "pi":
            return lambda env, idx: math.pi
        known = ", ".join(self.bound) or "none"
        raise FormulaError(
            f"has the symbol {name}{suffix}, which verify.symbols does not bind (bound: {known})", ("verify", "symbols")
        )

    def _powers_of(self, raw: str) -> list[str]:
        name = symbol_name(raw)
        base, sub = _split(name)
        found = []
        for key in self.bound:
            power = _power_key(key)
            if power and (power[0] == name or (sub is not None and power[0] == base)):
                found.append(key)
        return found

    def _power(self, node: sympy.Pow, scope: frozenset[str]) -> Evaluator:
        import sympy

        base, exponent = node.args
        if isinstance(base, sympy.Symbol) and isinstance(exponent, sympy.Rational) and self._powers_of(base.name):
            keys = self._powers_of(base.name)
            if len(keys) > 1:
                raise FormulaError(
                    f"binds {base.name} as more than one power: {', '.join(keys)}", ("verify", "symbols")
                )
            _, power = _power_key(keys[0]) or ("", 1)
            ratio = exponent / power
            if not ratio.is_integer:
                raise FormulaError(f"has {base.name}^{exponent}, but {base.name} is bound only as {keys[0]!r}")
            unit = self._symbol(base.name, scope, power)
            times = int(ratio)
            return unit if times == 1 else lambda env, idx: np.power(unit(env, idx), float(times))
        if isinstance(base, sympy.Symbol) and isinstance(exponent, sympy.Integer) and exponent >= 2:
            name = symbol_name(base.name)
            if name in self.bound:
                self.powered.add(f"{name}^{exponent}")
        lower, upper = self._node(base, scope), self._node(exponent, scope)
        return lambda env, idx: np.power(lower(env, idx), upper(env, idx))

    def _reduction(self, node: sympy.Sum | sympy.Product, scope: frozenset[str]) -> Evaluator:
        import sympy

        is_sum = isinstance(node, sympy.Sum)
        limits = []
        inner_scope = scope
        for var, lower, upper in reversed(node.limits):  # outermost first; inner bounds may use outer indexes
            limits.append((var.name, self._node(lower, inner_scope), self._node(upper, inner_scope)))
            inner_scope = inner_scope | {var.name}
        body = self._node(node.function, inner_scope)

        def run(env: Env, idx: Indexes, level: int = 0) -> Any:
            if level == len(limits):
                return body(env, idx)
            var, lower, upper = limits[level]
            start, stop = _integer(lower(env, idx), var), _integer(upper(env, idx), var)
            if stop - start >= MAX_TERMS:
                raise _EvaluationError(f"the sum over {var} has more than {MAX_TERMS:,} terms")
            total: Any = 0.0 if is_sum else 1.0
            for value in range(start, stop + 1):
                term = run(env, {**idx, var: value}, level + 1)
                total = total + term if is_sum else total * term
            return total

        return run

    def _applied(self, node: Any, scope: frozenset[str]) -> Evaluator:
        import sympy

        name = symbol_name(node.func.__name__)
        if name not in self.bound:
            known = ", ".join(self.bound) or "none"
            raise FormulaError(
                f"has the function {name}(...), which verify.symbols does not bind (bound: {known})",
                ("verify", "symbols"),
            )
        if len(node.args) != 1 or not isinstance(node.args[0], sympy.Symbol):
            raise FormulaError(f"has {node}; a bound function takes one subscripted symbol, as in {name}(x_i)")
        self.used.add(name)
        argument = symbol_name(node.args[0].name)
        _, sub = _split(argument)
        index = argument if argument in scope else sub
        if index is not None and index in scope:
            return lambda env, idx: _row(env[name], idx[index], f"{name}({argument})", index)
        if index is not None and re.fullmatch(r"[a-z]", index) and index not in self.bound:
            return lambda env, idx: env[name]
        raise FormulaError(f"has {name}({argument}); its argument needs a subscript such as {name}(x_i)")


def _fold(parts: list[Evaluator], env: Env, idx: Indexes, op: Callable[[Any, Any], Any]) -> Any:
    value = parts[0](env, idx)
    for part in parts[1:]:
        value = op(value, part(env, idx))
    return value


def _row(array: Any, index: int, written: str, var: str) -> Any:
    size = np.shape(array)[0] if np.ndim(array) else 0
    if not 1 <= index <= size:
        raise _EvaluationError(
            f"{written} with {var} = {index} is out of range: the bound value has {size} entries (subscripts count from 1)"
        )
    return array[index - 1]


def _integer(value: Any, var: str) -> int:
    if np.ndim(value) != 0 or not float(value).is_integer():
        raise _EvaluationError(f"a bound of the sum over {var} is {value!r}, not an integer")
    return int(value)


def compile_formula(latex: str, symbols: Mapping[str, str]) -> CompiledFormula:
    """Parse ``latex`` and resolve its symbols against ``symbols`` (symbol name -> value name)."""
    expression, expr = parse_expression(latex)
    compiler = _Compiler(symbols)
    evaluator = compiler.compile(expr)
    hint = ""
    if compiler.powered:
        powered = sorted(compiler.powered)[0]
        base = powered.partition("^")[0]
        hint = (
            f"{base} is bound to {symbols[compiler.bound[base]]!r} and the formula uses {powered}; "
            f"if {symbols[compiler.bound[base]]!r} is that power, bind {powered!r} instead"
        )
    return CompiledFormula(expression, lambda env: evaluator(env, {}), hint)


# --- checking against the reference implementation ----------------------------------------------------------------


def function_defaults(function: Callable[..., Any]) -> dict[str, Any]:
    """Keyword defaults of ``function``: inputs an example may leave out, but a formula may still bind."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def bind(symbols: Mapping[str, str], inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Symbol name -> numeric value; an input shadows an output of the same name (the value before the call)."""
    env: dict[str, Any] = {}
    for key, value_name in symbols.items():
        if value_name in inputs:
            value = inputs[value_name]
        elif value_name in outputs:
            value = outputs[value_name]
        else:
            known = ", ".join([*inputs, *outputs])
            raise FormulaError(
                f"binds {key!r} to {value_name!r}, which is neither an input nor an output (known: {known})",
                ("verify", "symbols", key),
            )
        env[symbol_name(key)] = _numeric(value, key, value_name)
    return env


def _numeric(value: Any, key: str, value_name: str) -> Any:
    if isinstance(value, bool | str) or value is None:
        raise FormulaError(
            f"binds {key!r} to {value_name!r} = {value!r}, which is not a number", ("verify", "symbols", key)
        )
    if isinstance(value, int | float):
        return value
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise FormulaError(
            f"binds {key!r} to {value_name!r}, which is not a number or a rectangular array of numbers",
            ("verify", "symbols", key),
        ) from exc


def agrees(obtained: Any, expected: Any, rtol: float) -> bool:
    """Equal shapes, finite, and within ``rtol`` of the largest magnitude in ``expected``."""
    try:
        got = np.asarray(obtained, dtype=float)
        want = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return False
    if got.shape != want.shape or not np.all(np.isfinite(got)):
        return False
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    return bool(np.all(np.abs(got - want) <= rtol * scale))


def perturbed_inputs(inputs: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """The example's inputs with every float scaled by a factor in [0.5, 1.5]; ints, bools and text kept."""

    def perturb(value: Any) -> Any:
        if isinstance(value, float):
            return value * float(rng.uniform(0.5, 1.5))
        if isinstance(value, list):
            return [perturb(v) for v in value]
        if isinstance(value, dict):
            return {k: perturb(v) for k, v in value.items()}
        return value

    return {name: perturb(value) for name, value in inputs.items()}


@dataclass(frozen=True)
class Reference:
    """What a formula is checked against: the example's function, its inputs and its outputs."""

    function: Callable[..., Mapping[str, Any]]
    name: str
    """``module.function``."""
    example: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    sampler: Callable[[np.random.Generator], Mapping[str, Any]] | None
    """``sample_FUNCTION`` from the same module, if there is one."""
    to_plain: Callable[[Any], Any]


def check_formula(
    formula_id: str,
    latex: str,
    symbols: Mapping[str, str],
    output: str,
    rtol: float,
    trials: int,
    reference: Reference,
    seed: int,
) -> FormulaCheck:
    """Evaluate the formula on the worked example and on seeded random inputs; raise ``FormulaError`` on any mismatch."""
    compiled = compile_formula(latex, symbols)
    if output not in reference.outputs:
        known = ", ".join(reference.outputs)
        raise FormulaError(f"{reference.name} has no output {output!r} (it has {known})", ("verify", "output"))
    defaults = function_defaults(reference.function)
    worked = f"the worked example {reference.example!r}"
    _compare(compiled, symbols, output, rtol, reference, {**defaults, **reference.inputs}, reference.outputs, worked)
    rng = np.random.default_rng(seed)
    for trial in range(1, trials + 1):
        if reference.sampler is not None:
            inputs = reference.to_plain(dict(reference.sampler(rng)))
        else:
            inputs = perturbed_inputs(reference.inputs, rng)
        try:
            outputs = reference.to_plain(reference.function(**inputs))
        except Exception as exc:  # the author's code may raise anything
            how = (
                f"sample_{reference.name.partition('.')[2]} drew them"
                if reference.sampler
                else f"define sample_{reference.name.partition('.')[2]}(rng) in {_module_path(reference.name)} to draw valid inputs"
            )
            raise FormulaError(
                f"random trial {trial} of {trials}: {reference.name} raised {type(exc).__name__}: {exc} "
                f"on inputs {_brief(inputs)} ({how})",
                ("verify",),
            ) from exc
        where = f"random trial {trial} of {trials} (seed {seed})"
        _compare(compiled, symbols, output, rtol, reference, {**defaults, **inputs}, outputs, where)
    return FormulaCheck(formula_id, reference.name, reference.example, output, trials, rtol)


def _compare(
    compiled: CompiledFormula,
    symbols: Mapping[str, str],
    output: str,
    rtol: float,
    reference: Reference,
    inputs: Mapping[str, Any],
    outputs: Mapping[str, Any],
    where: str,
) -> None:
    env = bind(symbols, inputs, outputs)
    values = ", ".join(
        f"{symbol_name(key)}{'' if symbol_name(key) == name else ' = ' + name} = {_brief(_plain(env[symbol_name(key)]))}"
        for key, name in symbols.items()
    )
    expected = outputs.get(output)
    try:
        with np.errstate(all="ignore"):
            obtained = compiled.evaluate(env)
    except _EvaluationError as exc:
        raise FormulaError(f"cannot be evaluated on {where}: {exc}; with {values}") from exc
    except (ValueError, TypeError, IndexError) as exc:
        raise FormulaError(f"cannot be evaluated on {where}: {type(exc).__name__}: {exc}; with {values}") from exc
    if not agrees(obtained, expected, rtol):
        raise FormulaError(
            f"disagrees with {reference.name} on {where}: the formula gives {_brief(_plain(obtained))}, "
            f"but {output!r} is {_brief(expected)}{_worst(obtained, expected)} (rtol {rtol:g}); with {values}",
            hint=compiled.hint,
        )


def _worst(obtained: Any, expected: Any) -> str:
    """Where two arrays of the same shape differ most, or why they cannot be compared."""
    try:
        got, want = np.asarray(obtained, dtype=float), np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return ""
    if got.shape != want.shape:
        return f" (shape {got.shape} instead of {want.shape})"
    if got.ndim == 0:
        return ""
    with np.errstate(all="ignore"):
        where = np.unravel_index(int(np.nanargmax(np.abs(got - want))), got.shape) if np.isfinite(got).all() else None
    if where is None:
        return " (the formula gives non-finite values)"
    at = "".join(f"[{i}]" for i in where)
    return f"; they differ most at {at}: {float(got[where])!r} instead of {float(want[where])!r}"


def _plain(value: Any) -> Any:
    return value.tolist() if hasattr(value, "tolist") else value


def _module_path(function: str) -> str:
    return f"computed/{function.partition('.')[0]}.py"


def _brief(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
