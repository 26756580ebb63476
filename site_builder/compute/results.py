"""What the compute stage gives for each entry: worked examples, a problem's solution, formula checks and plots.

Results are compared by value (``EntryResults.digest``): pages showing an entry's results are
made again only when a value they show changed, not whenever a computation ran again.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..incremental.cache import digest
from ..incremental.deps import value_digest
from .formulas import FormulaCheck

EntryKey = tuple[str, str]
"""(folder, id) of an entry, e.g. ``("topics", "perplexity")``."""


@dataclass(frozen=True)
class ExampleResult:
    """A worked example after running: its named steps, in the order the function returned them."""

    id: str
    caption: str
    inputs: Mapping[str, Any]
    """The inputs as written in YAML."""
    outputs: Mapping[str, Any]
    """Step name -> value (float, int, or nested lists of numbers)."""
    labels: Mapping[str, str]
    """Step or input name -> display label; names without one show as written."""
    digits: int | None
    """Decimal places of its numbers; None: shortest form (``render.numbers.format_number``)."""


@dataclass(frozen=True)
class TestCaseResult:
    """One worked test case of a problem, with the solution's output."""

    name: str
    inputs: Mapping[str, Any]
    output: Any


@dataclass(frozen=True)
class Solution:
    """A problem's reference implementation: its source, shown to readers, and its test cases."""

    function: str
    """``module.function`` as named in YAML."""
    source: str
    """The function's source code from ``computed/``, with the imports and helpers it needs to run on its own."""
    tests: tuple[TestCaseResult, ...]


@dataclass(frozen=True)
class PlotResult:
    """A figure drawn by a plot function, in both formats."""

    id: str
    caption: str
    alt: str
    """Alt text the plot function generated from its data."""
    width: int
    """Display size in CSS pixels."""
    height: int
    svg: bytes
    """For web pages."""
    png: bytes
    """For Markdown and email."""


@dataclass(frozen=True)
class EntryResults:
    """Everything computed for one entry."""

    examples: Mapping[str, ExampleResult] = field(default_factory=dict)
    solution: Solution | None = None
    formulas: Mapping[str, FormulaCheck] = field(default_factory=dict)
    """Formula id -> the check it passed, for formulas with a ``verify`` block."""
    plots: Mapping[str, PlotResult] = field(default_factory=dict)
    code: tuple[str, ...] = ()
    """The files of ``computed/`` the computations depend on (``computed/perplexity.py``...)."""

    @functools.cached_property
    def digest(self) -> str:
        """Digest of every value above: what the pages showing them are made again for when it changes."""
        return value_digest(_plain(self))


def _plain(value: Any) -> Any:
    """A result as plain data for its digest, field by field (bytes by their digest)."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, bytes):
        return digest(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Computation:
    """One computation of a build, and whether it ran or was reused from the cache, and why."""

    entry: str
    """``topics/perplexity``."""
    kind: str
    """``example``, ``formula``, ``plot`` or ``solution``."""
    id: str
    function: str
    ran: bool
    reason: str

    def __str__(self) -> str:
        what = f"{self.kind} {self.id}" if self.id else self.kind
        return f"{self.entry}: {what} ({self.function}): {'ran' if self.ran else 'reused'}, {self.reason}"
