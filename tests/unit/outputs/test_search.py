"""Search on its own: Pagefind gives the same bytes for the same documents whatever their order or the environment,
and the issues fall into shards (a quarter of a past year, a month of the newest year)."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from site_builder.outputs.search import pagefind_index, shards


def _documents(count: int) -> dict[str, str]:
    words = ["gradient", "softmax", "perplexity", "attention", "momentum", "entropy", "batch", "token"]
    found = {}
    for index in range(count):
        text = " ".join(random.Random(index).choices(words, k=300))
        found[f"issues/2026-01-{index + 1:02d}/index.html"] = (
            f"<!DOCTYPE html><html lang='en'><head><title>Issue {index}</title></head>"
            f"<body><main><h1>Issue {index}</h1><h2 id='topics'>Topic</h2><p>{text}</p>"
            f"<math><mi>x</mi></math><pre>def code(): pass</pre></main></body></html>"
        )
    return found


def test_pagefind_gives_the_same_bytes_for_the_same_documents_in_any_order() -> None:
    documents = _documents(12)
    first = pagefind_index(documents)
    shuffled = list(documents.items())
    random.Random(3).shuffle(shuffled)
    assert pagefind_index(dict(shuffled)) == first, "another temporary folder, another order: the same bundle"
    entry = json.loads(first["pagefind-entry.json"])
    assert entry["languages"]["en"]["page_count"] == 12
    assert any(name.startswith("fragment/") for name in first) and "pagefind.js" in first


def test_what_pagefind_leaves_out_is_not_in_the_index() -> None:
    import gzip

    bundle = pagefind_index(_documents(2))
    fragments = [gzip.decompress(data) for name, data in bundle.items() if name.startswith("fragment/")]
    assert fragments and all(b"perplexity" in text or b"gradient" in text for text in fragments)
    assert not any(b"def code" in text for text in fragments), "code is left out"


def test_the_environment_cannot_change_what_pagefind_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    documents = _documents(3)
    expected = pagefind_index(documents)
    monkeypatch.setenv("PAGEFIND_FORCE_LANGUAGE", "de")
    monkeypatch.setenv("PAGEFIND_EXCLUDE_SELECTORS", '["p"]')
    assert pagefind_index(documents) == expected


def test_shards_are_quarters_of_past_years_and_months_of_the_newest_year() -> None:
    dates = [dt.date(2024, 3, 31), dt.date(2024, 4, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 2, 3)]
    assert shards(dates) == {
        "2026-02": [dt.date(2026, 2, 3)],
        "2026-01": [dt.date(2026, 1, 1)],
        "2025-q4": [dt.date(2025, 12, 31)],
        "2024-q2": [dt.date(2024, 4, 1)],
        "2024-q1": [dt.date(2024, 3, 31)],
    }
    thousand = [dt.date(2023, 1, 1) + dt.timedelta(days=day) for day in range(1000)]
    found = shards(thousand)
    assert len(found) == 17 and max(len(dates) for dates in found.values()) == 92
    assert [len(found[key]) for key in list(found)[:2]] == [26, 31]
    assert shards([]) == {}
