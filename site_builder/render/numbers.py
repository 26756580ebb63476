"""Computed numbers as readers see them: in tables, and quoted in prose with ``{value}``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..markup import MarkupError

if TYPE_CHECKING:
    from ..compute.results import ExampleResult

ROLE_TARGET = re.compile(r"^([a-z0-9-]+)\.([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)(?::(.+))?$")


def quote_value(target: str, examples: Mapping[str, ExampleResult]) -> str:
    """``sentence.perplexity:.3f`` -> the formatted output of that example."""
    match = ROLE_TARGET.match(target)
    if not match:
        raise MarkupError(f"{{value}}`{target}` is not of the form EXAMPLE.OUTPUT[:FORMAT]")
    example_id, output, indexes, spec = match.groups()
    example = examples.get(example_id)
    if example is None:
        raise MarkupError(f"{{value}}`{target}`: no example {example_id!r}")
    values = {**example.inputs, **example.outputs}
    if output not in values:
        known = ", ".join(values)
        raise MarkupError(
            f"{{value}}`{target}`: example {example_id!r} has no input or output {output!r} (it has {known})"
        )
    value = values[output]
    for index in re.findall(r"\[(\d+)\]", indexes or ""):
        if not isinstance(value, list) or int(index) >= len(value):
            raise MarkupError(f"{{value}}`{target}`: index [{index}] is out of range")
        value = value[int(index)]
    if isinstance(value, list):
        raise MarkupError(f"{{value}}`{target}` is a list; index it, e.g. {output}[0]")
    if spec is None:
        return format_number(value, example.digits)
    try:
        return format(value, spec)
    except (ValueError, TypeError) as exc:
        raise MarkupError(f"{{value}}`{target}`: bad format {spec!r}: {exc}") from exc


SIGNIFICANT_DIGITS = 6
"""Significant digits of a number shown without a fixed number of decimal places."""


def format_number(value: Any, digits: int | None = None) -> str:
    """A number as shown in tables: ints as they are, lists bracketed, floats to ``digits`` places if given,
    else in the shortest form rounded to ``SIGNIFICANT_DIGITS`` significant digits (``1.0`` -> ``1``)."""
    if isinstance(value, list):
        return "[" + ", ".join(format_number(v, digits) for v in value) + "]"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if digits is None:
        text = f"{value:.{SIGNIFICANT_DIGITS}g}"
        mantissa, e, exponent = text.partition("e")
        text = f"{mantissa}e{int(exponent)}" if e else text  # 1e-05 -> 1e-5
        return "0" if text == "-0" else text
    if value != 0 and (abs(value) >= 1e7 or abs(value) < 0.5 * 10.0**-digits):
        return f"{value:.{max(digits, 1)}e}"
    text = f"{value:.{digits}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text) == 0 else text
