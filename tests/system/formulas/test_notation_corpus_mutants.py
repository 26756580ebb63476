"""Never a false pass on the notation corpus: every mutant of every verified formula is rejected, and by numbers.

The mutants come from formula_mutations.py (the generator the torch-docstring corpus uses); a mutant equal to
its original on wide random draws is excluded as equivalent. The target: all rejected, at least 90% of them
as numeric disagreements (the checker read the mutated notation and computed different numbers); the
rest are listed with the checker's reason.
"""

from __future__ import annotations

from collections import Counter

import pytest

from site_builder.compute import formulas as verify

from ...unit.compute.notation_corpus import ENTRIES, classify, reference
from ...unit.compute.notation_corpus import check as check_entry
from .formula_mutations import equivalent, mutants, symbols_used

DISAGREEMENT_SHARE_REQUIRED = 0.9


def test_every_mutant_of_every_verified_notation_corpus_formula_is_rejected(
    capsys: pytest.CaptureFixture[str],
) -> None:
    kinds: Counter[str] = Counter()
    survivors: list[str] = []
    refused: list[str] = []
    excluded = formulas = 0
    for entry in ENTRIES:
        try:
            check_entry(entry)
        except verify.FormulaError:
            continue
        formulas += 1
        ref = reference(entry)
        example = {**ref.inputs, **ref.outputs}
        for mutant in mutants(entry.latex, entry.symbols):
            if equivalent(entry.latex, mutant.latex, entry.symbols, example):
                excluded += 1
                continue
            try:
                check_entry(entry, mutant.latex, symbols_used(mutant.latex, entry.symbols))
            except verify.FormulaError as exc:
                result = classify(exc)
                kinds[result.kind] += 1
                if result.kind == "refused":
                    refused.append(f"{entry.id} {mutant.kind} ({mutant.edit}): {result.message[:160]}")
                continue
            survivors.append(f"{entry.id} {mutant.kind} ({mutant.edit}): {mutant.latex}")
    total = sum(kinds.values()) + len(survivors)
    share = kinds["disagreement"] / total
    with capsys.disabled():
        print(
            f"\nnotation corpus mutants: {total} of {formulas} verified formulas ({excluded} excluded as "
            f"equivalent): {kinds['disagreement']} disagreements ({share:.0%}), {kinds['refused']} refused, "
            f"{len(survivors)} passed"
        )
        for line in refused:
            print(f"  refused: {line}")
    assert not survivors, "mutants the checker passed:\n" + "\n".join(survivors)
    assert total >= 3 * formulas
    assert share >= DISAGREEMENT_SHARE_REQUIRED
