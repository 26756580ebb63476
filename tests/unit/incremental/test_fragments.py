"""Fragments: entries' renderings kept in the build cache, given again while none of the facts they read changed.

The pipeline tests build with them (``tests/pipeline/test_incremental.py`` compares a clean build
that takes them with one that renders everything); these pin the store on a tiny cache folder:
what is kept and noted, what makes a fragment stale, and what a prune keeps.
"""

from __future__ import annotations

import multiprocessing
import os
import zlib
from pathlib import Path

import pytest

from site_builder.incremental.cache import Cache
from site_builder.incremental.deps import note, tracking
from site_builder.incremental.fragments import FRAGMENTS, Fragments, prune_kept, take_used
from site_builder.incremental.parts import Parts
from site_builder.incremental.state import BuildState, StateUpdate

NAME = "topics/perplexity.web"
FIELD = "content/topics/perplexity.yaml#sections"
DATA = {"html": [["Intuition", "<p>Surprise, in tokens</p>"]], "md": None}


def _state(builder: str = "build-site 1", facts: dict[str, str | None] | None = None) -> BuildState:
    state = BuildState.open(None, lambda: builder)
    if facts:
        state.commit(StateUpdate(facts=facts, meta={"tree": "a built tree"}))
    return state


def _make(calls: list[str], slots: tuple[str, ...] = ()) -> object:
    def make() -> tuple[object, tuple[str, ...]]:
        calls.append("made")
        note(FIELD)
        return DATA, slots

    return make


def _fragments(tmp_path: Path, known: dict[str, str | None], state: BuildState | None = None) -> Fragments:
    fragments = Fragments.of(Cache(tmp_path), known, state or _state())
    assert fragments is not None
    return fragments


def test_a_fragment_made_once_is_given_again_by_another_build_with_its_reads_noted(tmp_path: Path) -> None:
    calls: list[str] = []
    assert _fragments(tmp_path, {FIELD: "a"}).get(NAME, _make(calls))[:2] == (DATA, False)
    take_used()
    with tracking() as reads:
        assert _fragments(tmp_path, {FIELD: "a"}).get(NAME, _make(calls))[:2] == (DATA, True)
    assert calls == ["made"], "a kept fragment is not made again"
    assert reads == {FIELD}, "what a kept fragment read, the page using it reads"
    assert take_used() == {f"{FRAGMENTS}/{NAME}"}
    assert (tmp_path / "v1" / FRAGMENTS / "topics" / "perplexity.web.z").is_file()


def test_a_fact_it_read_changed_or_a_new_builder_makes_it_again(tmp_path: Path) -> None:
    calls: list[str] = []
    _fragments(tmp_path, {FIELD: "a"}).get(NAME, _make(calls))
    assert _fragments(tmp_path, {FIELD: "b"}).get(NAME, _make(calls))[1] is False
    assert _fragments(tmp_path, {FIELD: "b"}, _state("build-site 2")).get(NAME, _make(calls))[1] is False
    assert calls == ["made"] * 3


def test_an_unchanged_fact_is_taken_as_the_build_state_recorded_it(tmp_path: Path) -> None:
    calls: list[str] = []
    _fragments(tmp_path, {FIELD: "a"}).get(NAME, _make(calls))
    assert _fragments(tmp_path, {}, _state(facts={FIELD: "a"})).get(NAME, _make(calls))[1] is True
    assert _fragments(tmp_path, {}, _state(facts={FIELD: "z"})).get(NAME, _make(calls))[1] is False


def test_an_unreadable_fragment_is_made_again_and_replaced(tmp_path: Path) -> None:
    calls: list[str] = []
    _fragments(tmp_path, {FIELD: "a"}).get(NAME, _make(calls))
    path = tmp_path / "v1" / FRAGMENTS / "topics" / "perplexity.web.z"
    for damaged in (b"not zlib", zlib.compress(b"{not json"), zlib.compress(b'{"builder": 1}')):
        path.write_bytes(damaged)
        assert _fragments(tmp_path, {FIELD: "a"}).get(NAME, _make(calls))[:2] == (DATA, False)
    assert _fragments(tmp_path, {FIELD: "a"}).get(NAME, _make(calls))[:2] == (DATA, True)
    assert len(calls) == 4


def test_a_failed_rendering_keeps_nothing_and_a_read_only_cache_is_not_written(tmp_path: Path) -> None:
    def fail() -> tuple[object, tuple[str, ...]]:
        raise ValueError("bad formula")

    with pytest.raises(ValueError, match="bad formula"):
        _fragments(tmp_path, {}).get(NAME, fail)
    fragments = Fragments.of(Cache(tmp_path, read_only=True), {FIELD: "a"}, _state())
    assert fragments is not None and fragments.get(NAME, _make([]))[1] is False
    assert not (tmp_path / "v1" / FRAGMENTS).exists()
    assert Fragments.of(Cache(None), {}, _state()) is None, "no cache (--no-cache), no fragments"


def test_a_build_that_made_everything_prunes_what_none_of_its_pages_used(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    fragments = _fragments(tmp_path, {FIELD: "a"})
    fragments.get(NAME, _make([], ("math/aa",)))
    fragments.get("topics/gone.web", _make([]))
    math = tmp_path / "v1" / "math"
    math.mkdir()
    for name in ("aa.json", "aa.png", "bb.json", "bb.png"):
        (math / name).write_bytes(b"x")
    used = take_used()
    assert used == {f"{FRAGMENTS}/{NAME}", f"{FRAGMENTS}/topics/gone.web", "math/aa"}
    prune_kept(cache, used - {f"{FRAGMENTS}/topics/gone.web"}, ["math"], every=False)
    assert (tmp_path / "v1" / FRAGMENTS / "topics" / "gone.web.z").exists(), "a partial build prunes nothing"
    prune_kept(cache, used - {f"{FRAGMENTS}/topics/gone.web"}, ["math"], every=True)
    assert sorted(p.name for p in (tmp_path / "v1" / FRAGMENTS / "topics").iterdir()) == ["perplexity.web.z"]
    assert sorted(p.name for p in math.iterdir()) == ["aa.json", "aa.png"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_a_forked_worker_reads_the_recorded_facts_through_a_connection_of_its_own(tmp_path: Path) -> None:
    state = BuildState.open(tmp_path / "state", lambda: "build-site 1")
    state.commit(StateUpdate(facts={FIELD: "a"}, meta={"tree": "a built tree"}))
    fragments = _fragments(tmp_path, {}, state)
    fragments.get(NAME, _make([]))
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=lambda: send.send(fragments.get(NAME, _make([]))[1]))
    worker.start()
    worker.join(10)
    assert receive.poll(0) and receive.recv() is True
    assert fragments._state is state, "the parent keeps its own connection"


def test_a_part_is_kept_in_the_cache_too_and_found_there_by_a_build_without_state(tmp_path: Path) -> None:
    job, calls = "pagefind/2025-q3/pagefind-entry.json", []
    take_used()  # what other tests left

    def document() -> str:
        calls.append("made")
        note(FIELD)
        return "<main>Surprise, in tokens</main>"

    for made in (True, False):
        parts = Parts()
        parts.fragments = _fragments(tmp_path, {FIELD: "a"})  # no state: every fact is known as changed
        with tracking() as reads:
            assert parts.get(job, "2025-08-01", document) == "<main>Surprise, in tokens</main>"
        assert reads == {FIELD}
        part = parts.take(job)[f"part:{job}#2025-08-01"]
        assert part is not None and part.reads == {FIELD}, f"made now ({made}) or taken from the cache: for the state"
    assert calls == ["made"]
    assert take_used() == {f"{FRAGMENTS}/parts/{job}#2025-08-01"}
