"""What the notation means numerically: the functions, subscripts, sums and cases a compiled formula calls."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .syntax import FormulaError

if TYPE_CHECKING:
    import numpy as np
else:

    class _Numpy(ModuleType):
        """numpy, imported on first use: a build whose formula checks are all cached does not need it."""

        def __getattr__(self, name: str) -> Any:
            import numpy

            return getattr(numpy, name)

    np = _Numpy("numpy")

MAX_TERMS = 1_000_000
"""Most terms a sum or product may have; a larger bound is an error rather than a hang."""


class EvaluationError(Exception):
    """The expression cannot be evaluated on particular inputs (an index out of range, a non-integer bound)."""


def _erf(x: Any) -> Any:
    return np.vectorize(math.erf, otypes=[float])(x)


def _norm(x: Any, base: Any = 2.0) -> Any:
    return np.power(np.sum(np.power(np.abs(x), base), axis=0), 1.0 / base)


def _extreme(pick: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def extreme(*args: Any) -> Any:
        value = args[0]
        for arg in args[1:]:
            value = pick(value, arg)
        return value

    return extreme


_ONE_ARGUMENT: dict[str, Callable[[Any], Any]] = {
    "exp": lambda x: np.exp(x),
    "ln": lambda x: np.log(x),
    "sin": lambda x: np.sin(x),
    "cos": lambda x: np.cos(x),
    "tan": lambda x: np.tan(x),
    "sinh": lambda x: np.sinh(x),
    "cosh": lambda x: np.cosh(x),
    "tanh": lambda x: np.tanh(x),
    "sqrt": lambda x: np.sqrt(x),
    "abs": lambda x: np.abs(x),
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(np.negative(x))),
    "softplus": lambda x: np.logaddexp(0.0, x),
    "relu": lambda x: np.maximum(x, 0.0),
    "erf": _erf,
    "Phi": lambda x: 0.5 * (1.0 + _erf(np.divide(x, math.sqrt(2.0)))),
    "mean": lambda x: np.mean(x),
    "sum": lambda x: np.sum(x),
    "E": lambda x: np.mean(x, axis=0),
    "Var": lambda x: np.var(x, axis=0),
}
"""Functions of one argument; ``mean`` and ``sum`` take every entry, ``E`` and ``Var`` the first axis."""


def lookup(name: str, count: int) -> Callable[..., Any]:
    """The numpy function for ``name`` applied to ``count`` arguments."""
    if name in ("max", "min"):
        if count < 2:
            raise FormulaError(f"has \\{name} of one argument; the checker reads \\{name}(a, b) elementwise")
        return _extreme(np.maximum if name == "max" else np.minimum)
    if name == "log":
        return lambda x, base=None: np.log(x) if base is None else np.log(x) / np.log(base)
    if name == "norm":
        return lambda x, base=2.0: _norm(x, base)
    if name not in _ONE_ARGUMENT:
        raise FormulaError(f"has the function {name}, which the formula checker cannot evaluate")
    if count != 1:
        raise FormulaError(f"has {name} of {count} arguments; it takes one")
    return _ONE_ARGUMENT[name]


def at(array: Any, subscripts: Sequence[tuple[str, Any]], written: str) -> Any:
    """``array`` at 1-based subscripts, one per axis: an index, ``slice(None)`` (every entry) or an array of indexes."""
    values = np.asarray(array)
    if len(subscripts) > values.ndim:
        raise EvaluationError(f"{written} has {len(subscripts)} subscripts, but the bound value has {values.ndim} axes")
    paired = any(np.ndim(index) > 0 for _, index in subscripts)
    key = []
    for axis, (var, index) in enumerate(subscripts):
        size = values.shape[axis]
        if isinstance(index, slice):
            key.append(np.arange(size) if paired else index)
            continue
        indexes = np.asarray(index)
        if not np.all(np.equal(np.mod(indexes, 1), 0)):
            raise EvaluationError(f"{written}: the subscript {_brief(index)} is not a whole number")
        if np.any(indexes < 1) or np.any(indexes > size):
            where = f" with {var} = {index}" if var else f": the subscript {_brief(index)}"
            raise EvaluationError(
                f"{written}{where} is out of range: the bound value has {size} entries (subscripts count from 1)"
            )
        key.append(indexes.astype(int) - 1)
    return values[tuple(key)]


def reduce_over(kind: str, var: str, lower: Callable[..., Any], upper: Callable[..., Any], body: Callable[..., Any]):  # type: ignore[no-untyped-def]
    """A sum or product of ``body`` for ``var`` from ``lower`` to ``upper``."""

    def run(env: Mapping[str, Any], idx: Mapping[str, int]) -> Any:
        start, stop = _integer(lower(env, idx), var), _integer(upper(env, idx), var)
        if stop - start >= MAX_TERMS:
            raise EvaluationError(f"the {kind} over {var} has more than {MAX_TERMS:,} terms")
        total: Any = 0.0 if kind == "sum" else 1.0
        for value in range(start, stop + 1):
            term = body(env, {**idx, var: value})
            total = total + term if kind == "sum" else total * term
        return total

    return run


def common_length(env: Mapping[str, Any], axes: Sequence[tuple[str, int]], var: str) -> int:
    """How far an unbounded ``\\sum_j`` runs: the length of every axis j subscripts, which must agree."""
    lengths = {}
    for key, axis in axes:
        shape = np.shape(env[key])
        if axis >= len(shape):
            raise EvaluationError(f"{key} is subscripted by {var} on axis {axis + 1}, but it has {len(shape)} axes")
        lengths[key] = shape[axis]
    if len(set(lengths.values())) > 1:
        sizes = ", ".join(f"{key} has {n}" for key, n in lengths.items())
        raise EvaluationError(f"the sum over {var} has no single length: {sizes}")
    return next(iter(lengths.values()))


def piecewise(rows: Sequence[tuple[Any, Any]]) -> Any:
    """The value of the first row whose condition holds, elementwise; NaN where none does."""
    if all(np.ndim(condition) == 0 for _, condition in rows):
        for value, condition in rows:
            if bool(condition):
                return value
        return math.nan
    arrays = np.broadcast_arrays(*(np.asarray(c, dtype=bool) for _, c in rows), *(v for v, _ in rows))
    count = len(rows)
    return np.select(arrays[:count], [np.asarray(a, dtype=float) for a in arrays[count:]], default=math.nan)


_COMPARE = {
    "<": lambda a, b: np.less(a, b),
    "<=": lambda a, b: np.less_equal(a, b),
    ">": lambda a, b: np.greater(a, b),
    ">=": lambda a, b: np.greater_equal(a, b),
    "==": lambda a, b: np.equal(a, b),
    "!=": lambda a, b: np.not_equal(a, b),
}


def compare(op: str, left: Any, right: Any) -> Any:
    if isinstance(left, str) or isinstance(right, str):
        if op not in ("==", "!="):
            raise EvaluationError(f"text can only be compared with = or \\neq, not {op}")
        return (left == right) == (op == "==")
    return _COMPARE[op](left, right)


def _integer(value: Any, var: str) -> int:
    if np.ndim(value) != 0 or not float(value).is_integer():
        raise EvaluationError(f"a bound of the sum over {var} is {value!r}, not an integer")
    return int(value)


def _brief(value: Any, limit: int = 80) -> str:
    text = repr(value.tolist() if hasattr(value, "tolist") else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
