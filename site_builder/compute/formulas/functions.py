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

Env = Mapping[str, Any]
"""Bound symbol name -> value (int, float, text or numpy array)."""
Indexes = Mapping[str, int]
"""Sum index name -> its current value."""
Evaluator = Callable[[Env, Indexes], Any]
"""A compiled piece of a formula: its value given the bound values and the indexes of the enclosing sums."""
FREE = slice(None)
"""A subscript letter no sum binds: every entry along that axis at once."""
FREE_AXIS: Evaluator = lambda env, idx: FREE  # noqa: E731

MAX_TERMS = 1_000_000
"""Most terms a sum or product may have; a larger bound is an error rather than a hang."""


class EvaluationError(Exception):
    """The expression cannot be evaluated on particular inputs (an index out of range, a non-integer bound)."""


def _erf(x: Any) -> Any:
    return np.vectorize(math.erf, otypes=[float])(x)


def _phi(x: Any) -> Any:
    """The standard normal CDF."""
    return 0.5 * (1.0 + _erf(np.divide(x, math.sqrt(2.0))))


def _sigmoid(x: Any) -> Any:
    return 1.0 / (1.0 + np.exp(np.negative(x)))


def _binom(n: Any, k: Any) -> Any:
    """n choose k, for whole numbers (through the gamma function, elementwise)."""
    lgamma = np.vectorize(math.lgamma, otypes=[float])
    return np.round(np.exp(lgamma(np.add(n, 1.0)) - lgamma(np.add(k, 1.0)) - lgamma(np.subtract(n, k) + 1.0)))


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
    "sigmoid": lambda x: _sigmoid(x),
    "softplus": lambda x: np.logaddexp(0.0, x),
    "relu": lambda x: np.maximum(x, 0.0),
    "erf": _erf,
    "Phi": _phi,
    "gelu": lambda x: np.multiply(x, _phi(x)),
    "silu": lambda x: np.multiply(x, _sigmoid(x)),
    "swish": lambda x: np.multiply(x, _sigmoid(x)),
    "floor": lambda x: np.floor(x),
    "ceil": lambda x: np.ceil(x),
    "factorial": lambda x: np.vectorize(lambda v: math.gamma(v + 1.0), otypes=[float])(x),
    "mean": lambda x: np.mean(x),
    "sum": lambda x: np.sum(x),
    "E": lambda x: np.mean(x, axis=0),
    "Var": lambda x: np.var(x, axis=0),
}
"""Functions of one argument; ``mean`` and ``sum`` take every entry, ``E`` and ``Var`` the first axis."""


def _softmax(x: Any) -> Any:
    shifted = np.exp(np.subtract(x, np.max(x, axis=-1, keepdims=True)))
    return shifted / np.sum(shifted, axis=-1, keepdims=True)


def _logsumexp(x: Any) -> Any:
    top = np.max(x, axis=-1)
    return top + np.log(np.sum(np.exp(np.subtract(x, np.expand_dims(top, -1))), axis=-1))


_ALONG_LAST_AXIS: dict[str, Callable[[Any], Any]] = {
    "max": lambda x: np.max(x, axis=-1),
    "min": lambda x: np.min(x, axis=-1),
    "argmax": lambda x: np.argmax(x, axis=-1) + 1,
    "argmin": lambda x: np.argmin(x, axis=-1) + 1,
    "softmax": _softmax,
    "logsumexp": _logsumexp,
    "lse": _logsumexp,
}
"""Functions of a vector, applied along the last axis (each row of a matrix); argmax counts from 1, as subscripts."""


def lookup(name: str, count: int) -> Callable[..., Any]:
    """The numpy function for ``name`` applied to ``count`` arguments."""
    if name in _ALONG_LAST_AXIS and count == 1:
        return _ALONG_LAST_AXIS[name]
    if name in ("max", "min"):
        return _extreme(np.maximum if name == "max" else np.minimum)
    if name == "log":
        return lambda x, base=None: np.log(x) if base is None else np.log(x) / np.log(base)
    if name == "norm":
        return lambda x, base=2.0: _norm(x, base)
    if name == "binom" and count == 2:
        return _binom
    if name == "swish" and count == 2:  # Swish_β(x) = x σ(βx)
        return lambda x, beta: np.multiply(x, _sigmoid(np.multiply(beta, x)))
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


_REDUCTIONS: dict[str, tuple[float, Callable[[Any, Any], Any]]] = {
    "sum": (0.0, lambda a, b: a + b),
    "prod": (1.0, lambda a, b: a * b),
    "max": (-math.inf, lambda a, b: np.maximum(a, b)),
    "min": (math.inf, lambda a, b: np.minimum(a, b)),
}


def reduce_over(kind: str, var: str, lower: Callable[..., Any], upper: Callable[..., Any], body: Callable[..., Any]):  # type: ignore[no-untyped-def]
    """A sum, product, maximum or minimum of ``body`` for ``var`` from ``lower`` to ``upper``."""
    start_value, combine = _REDUCTIONS[kind]

    def run(env: Mapping[str, Any], idx: Mapping[str, int]) -> Any:
        start, stop = _integer(lower(env, idx), var), _integer(upper(env, idx), var)
        if stop - start >= MAX_TERMS:
            raise EvaluationError(f"the {kind} over {var} has more than {MAX_TERMS:,} terms")
        total: Any = start_value
        for value in range(start, stop + 1):
            total = combine(total, body(env, {**idx, var: value}))
        return total

    return run


def applied(array: Any, subscripts: Sequence[tuple[str, Any]], written: str) -> Any:
    """A value written applied to its outcomes (``p(x, y)``): subscripts as ``at``; an outcome no sum runs over
    and the value has no axis for (``p(X|Y)`` laid out over Y only) is dropped."""
    extra, kept = len(subscripts) - np.ndim(array), []
    for var, index in subscripts:
        if extra > 0 and isinstance(index, slice):
            extra -= 1
            continue
        kept.append((var, index))
    return at(array, kept, written) if kept else np.asarray(array)


def transpose(x: Any) -> Any:
    """``x^\\top``: the last two axes swapped; a vector is its own transpose (the product then makes it a row)."""
    return np.swapaxes(x, -1, -2) if np.ndim(x) >= 2 else x


def matrix_product(a: Any, b: Any) -> Any:
    """A product with a transposed factor, or ``\\cdot`` between vectors: numpy's matmul (a dot product of vectors)."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.multiply(a, b)
    return np.matmul(a, b)


def rows_dot(a: Any, b: Any) -> Any:
    """A row vector times vectors stacked as rows (``h^\\top \\bar{h}_s`` for every s): the dot product with each."""
    if np.ndim(a) == 1 and np.ndim(b) == 2:
        return np.matmul(b, a)
    return matrix_product(a, b)


def juxtaposed(a: Any, b: Any) -> Any:
    """Two factors written side by side: elementwise, as numpy broadcasts, except two matrices (two axes or more
    each) whose shapes chain, which are a matrix product (``xW``, ``\\mathrm{softmax}(\\cdot)V``)."""
    if np.ndim(a) >= 2 and np.ndim(b) >= 2 and np.shape(a)[-1] == np.shape(b)[-2]:
        return np.matmul(a, b)
    return np.multiply(a, b)


def common_length(env: Mapping[str, Any], axes: Sequence[tuple[str, int]], var: str) -> int:
    """How far an unbounded ``\\sum_j`` runs: the length of every axis j subscripts, which must agree."""
    lengths = {}
    for key, axis in axes:
        shape = np.shape(env[key])
        if not -len(shape) <= axis < len(shape):
            where = f"axis {axis + 1}" if axis >= 0 else f"axis {-axis} from the last"
            raise EvaluationError(f"{key} is subscripted by {var} on {where}, but it has {len(shape)} axes")
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
