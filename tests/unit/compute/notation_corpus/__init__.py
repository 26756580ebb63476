"""A public corpus of formulas as textbooks and papers print them, each with its source and a numpy reference.

``ENTRIES`` is corpus.yaml read; ``outcome(entry)`` checks one formula with the project's checker exactly as the
build does (the worked example drawn by the reference's sampler, then ``TRIALS`` seeded random inputs) and
says what happened: ``verified``, ``disagreement`` (numbers that differ: the checker read the notation) or
``refused`` (with the checker's message). README.md beside this file describes the corpus and its figures.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from site_builder.compute import formulas as verify
from site_builder.compute.project_code import to_plain

HERE = Path(__file__).parent
TRIALS = 20
RTOL = 1e-9
AREAS = (
    "information theory",
    "losses",
    "normalisation",
    "attention",
    "optimisers",
    "activations",
    "probability",
    "schedules",
    "regularisation",
)


@dataclass(frozen=True)
class Entry:
    """One formula of the corpus: where it was printed, its LaTeX, and what it must equal."""

    id: str
    area: str
    source: str
    latex: str
    reference: str
    """``module.function`` in references/."""
    output: str
    symbols: Mapping[str, str]


@dataclass(frozen=True)
class Outcome:
    """What the checker made of one formula."""

    kind: str
    """``verified``, ``disagreement`` or ``refused``."""
    message: str = ""


def _load() -> tuple[Entry, ...]:
    raw = yaml.safe_load((HERE / "corpus.yaml").read_text(encoding="utf-8"))
    return tuple(
        Entry(
            str(item["id"]),
            str(item["area"]),
            str(item["source"]),
            str(item["latex"]),
            str(item["reference"]),
            str(item["output"]),
            {str(k): str(v) for k, v in (item.get("symbols") or {}).items()},
        )
        for item in raw
    )


ENTRIES = _load()


def reference(entry: Entry, seed: int = 0) -> verify.Reference:
    """The entry's reference function with a worked example drawn by its sampler, as the checker takes it."""
    module_name, _, function_name = entry.reference.partition(".")
    module = importlib.import_module(f"{__name__}.references.{module_name}")
    function = getattr(module, function_name)
    sampler = getattr(module, f"sample_{function_name}")
    inputs = to_plain(dict(sampler(np.random.default_rng(seed))))
    outputs = to_plain(function(**inputs))
    return verify.Reference(function, entry.reference, "drawn", inputs, outputs, sampler, to_plain)


def check(entry: Entry, latex: str | None = None, symbols: Mapping[str, str] | None = None) -> verify.FormulaCheck:
    """Check ``latex`` (the entry's own by default) against the entry's reference; raise ``FormulaError``."""
    return verify.check_formula(
        entry.id,
        entry.latex if latex is None else latex,
        entry.symbols if symbols is None else symbols,
        entry.output,
        RTOL,
        TRIALS,
        reference(entry),
        seed=1,
    )


def classify(error: verify.FormulaError) -> Outcome:
    """A rejection is a disagreement when the checker computed numbers that differ, else a refusal."""
    message = str(error)
    if message.startswith("disagrees"):
        return Outcome("disagreement", message)
    return Outcome("refused", message)


def outcome(entry: Entry, latex: str | None = None, symbols: Mapping[str, str] | None = None) -> Outcome:
    try:
        check(entry, latex, symbols)
    except verify.FormulaError as exc:
        return classify(exc)
    return Outcome("verified")


def figures() -> dict[str, Any]:
    """Every entry's outcome now: ``{id: Outcome}``."""
    return {entry.id: outcome(entry) for entry in ENTRIES}
