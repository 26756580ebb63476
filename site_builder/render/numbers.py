"""Computed numbers as readers see them: in tables, and quoted in prose with ``{value}``.

As a textbook prints them: a whole number or an exact decimal in its shortest form, one precision
for a vector and for each column of a matrix, 6 significant digits otherwise, ``1 × 10⁻⁸`` rather
than ``1e-08`` and a real minus sign (U+2212). An entry's ``digits`` sets the decimal places instead.
What readers paste into code, the inputs of a problem's test cases, keeps Python's notation
(``pasteable``): the ASCII hyphen-minus and ``1e-08``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from ..markup import MarkupError

if TYPE_CHECKING:
    from ..compute.results import ExampleResult

ROLE_TARGET = re.compile(r"^([a-z0-9-]+)\.([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)(?::(.+))?$")
MINUS = "\u2212"
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


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
        return format(value, spec).replace("-", MINUS)
    except (ValueError, TypeError) as exc:
        raise MarkupError(f"{{value}}`{target}`: bad format {spec!r}: {exc}") from exc


SIGNIFICANT_DIGITS = 6
"""Significant digits of a number shown without a fixed number of decimal places."""


def format_number(value: Any, digits: int | None = None, *, pasteable: bool = False) -> str:
    """A number, or a vector or matrix of them, as tables and prose show it (see the module's docstring)."""
    if isinstance(value, list):
        if value and all(isinstance(row, list) for row in value):
            return (
                "[" + ", ".join(f"[{', '.join(row)}]" for row in format_rows(value, digits, pasteable=pasteable)) + "]"
            )
        return "[" + ", ".join(_column(value, digits, pasteable)) + "]"
    return _column([value], digits, pasteable)[0]


def format_rows(matrix: list[list[Any]], digits: int | None = None, *, pasteable: bool = False) -> list[list[str]]:
    """A matrix's cells as text, each column to one precision."""
    width = max((len(row) for row in matrix), default=0)
    columns = [_column([row[i] for row in matrix if i < len(row)], digits, pasteable) for i in range(width)]
    cursors = [iter(column) for column in columns]
    return [[next(cursors[i]) for i in range(len(row))] for row in matrix]


def number_html(value: Any, digits: int | None = None, *, pasteable: bool = False) -> Markup:
    """A number for an HTML page; a vector's elements each kept on one line, so a narrow screen wraps between them."""
    if not isinstance(value, list) or not value or any(isinstance(v, list) for v in value):
        return escape(format_number(value, digits, pasteable=pasteable))
    texts = _column(value, digits, pasteable)
    inner = Markup(" ").join(
        Markup('<span class="num">%s</span>') % (text + ("," if i + 1 < len(texts) else ""))
        for i, text in enumerate(texts)
    )
    return Markup('<span class="vector">[%s]</span>') % inner if inner else escape("[]")


def _column(values: list[Any], digits: int | None, pasteable: bool) -> list[str]:
    """Values shown together (a vector, a column), the real numbers among them to one number of decimal places."""
    floats = [v for v in values if isinstance(v, float)]
    places = max((_places(v) for v in floats if not _scientific(v, digits)), default=0)
    return [_one(v, digits if digits is not None else places, digits, pasteable) for v in values]


def _one(value: Any, places: int, digits: int | None, pasteable: bool) -> str:
    if isinstance(value, list):
        return format_number(value, digits, pasteable=pasteable)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        text = str(value)
    elif _scientific(value, digits):
        text = _scientific_text(value, digits, pasteable)
    else:
        text = f"{value:.{places}f}"
        if float(text) == 0:
            text = text.lstrip("-")  # no "-0"
    return text if pasteable else text.replace("-", MINUS)


def _places(value: float) -> int:
    """Decimal places of the shortest form of ``value`` to ``SIGNIFICANT_DIGITS`` significant digits."""
    text = f"{value:.{SIGNIFICANT_DIGITS}g}"
    return len(text.partition(".")[2])


def _scientific(value: float, digits: int | None) -> bool:
    if value == 0:
        return False
    if digits is not None:
        return abs(value) >= 1e7 or abs(value) < 0.5 * 10.0**-digits
    return "e" in f"{value:.{SIGNIFICANT_DIGITS}g}"


def _scientific_text(value: float, digits: int | None, pasteable: bool) -> str:
    """``1 × 10⁻⁸`` (``1e-8`` to paste); with ``digits``, that many places in the mantissa."""
    text = f"{value:.{max(digits, 1)}e}" if digits is not None else f"{value:.{SIGNIFICANT_DIGITS}g}"
    mantissa, _, exponent = text.partition("e")
    if pasteable:
        return text if digits is not None else f"{mantissa}e{int(exponent)}"
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"
