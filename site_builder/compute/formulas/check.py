"""Checking a formula against its reference implementation: the worked example, then seeded random inputs."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .compile import CompiledFormula, compile_formula
from .functions import EvaluationError, np
from .syntax import FormulaError, symbol_name


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


def function_defaults(function: Callable[..., Any]) -> dict[str, Any]:
    """Keyword defaults of ``function``: inputs an example may leave out, but a formula may still bind."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def bind(
    symbols: Mapping[str, str],
    inputs: Mapping[str, Any],
    outputs: Mapping[str, Any],
    text_keys: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Symbol name -> value; an input shadows an output of the same name (the value before the call).

    Values are numbers, except for ``text_keys``: symbols the formula compares with quoted text.
    """
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
        is_text = key in text_keys and isinstance(value, str)
        env[symbol_name(key)] = value if is_text else _numeric(value, key, value_name)
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
    defaults = function_defaults(reference.function)
    compiled = compile_formula(latex, symbols, {*reference.inputs, *defaults})
    if output not in reference.outputs:
        known = ", ".join(reference.outputs)
        raise FormulaError(f"{reference.name} has no output {output!r} (it has {known})", ("verify", "output"))
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
    env = bind(symbols, inputs, outputs, compiled.text_keys)
    values = ", ".join(
        f"{symbol_name(key)}{'' if symbol_name(key) == name else ' = ' + name} = {_brief(_plain(env[symbol_name(key)]))}"
        for key, name in symbols.items()
    )
    expected = outputs.get(output)
    try:
        with np.errstate(all="ignore"):
            results = compiled.evaluate_all(env)
    except EvaluationError as exc:
        raise FormulaError(f"cannot be evaluated on {where}: {exc}; with {values}") from exc
    except (ValueError, TypeError, IndexError) as exc:
        raise FormulaError(f"cannot be evaluated on {where}: {type(exc).__name__}: {exc}; with {values}") from exc
    for position, obtained in enumerate(results):
        if agrees(obtained, expected, rtol):
            continue
        part = f" (expression {position + 1} of its chain of =)" if len(results) > 1 else ""
        raise FormulaError(
            f"disagrees with {reference.name} on {where}{part}: the formula gives "
            f"{_brief(_plain(obtained))}, but {output!r} is {_brief(expected)}{_worst(obtained, expected)} "
            f"(rtol {rtol:g}); with {values}",
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
