"""Parts of a job kept between builds: made once with what they read, given again until one of those facts changes.

The search shards use them (``tests/pipeline/test_search.py`` checks that an edit renders again only
the documents it changed, and that the index equals a clean build's); these tests pin the
pieces: what a part notes, what a job hands back, and how the build state stores them.
"""

from __future__ import annotations

import zlib

from site_builder.incremental.deps import note, tracking
from site_builder.incremental.parts import Part, Parts, part_prefix
from site_builder.incremental.state import BuildState, StateUpdate

JOB = "pagefind/2025-q3/pagefind-entry.json"


def _state() -> BuildState:
    return BuildState.open(None, lambda: "build-site 1")


def test_a_part_not_kept_is_made_with_what_it_read_and_handed_back_once() -> None:
    parts = Parts()

    def make() -> str:
        note("content/issues/2025-08-01.yaml#intro")
        return "<main>Surprise, in tokens</main>"

    with tracking() as job_reads:
        assert parts.get(JOB, "2025-08-01", make) == "<main>Surprise, in tokens</main>"
    assert job_reads == {"content/issues/2025-08-01.yaml#intro"}, "what a part reads, its job reads"
    taken = parts.take(JOB)
    assert list(taken) == [f"part:{JOB}#2025-08-01"]
    part = taken[f"part:{JOB}#2025-08-01"]
    assert part is not None and part.reads == {"content/issues/2025-08-01.yaml#intro"}
    assert zlib.decompress(part.value) == b"<main>Surprise, in tokens</main>"
    assert parts.take(JOB) == {}, "a part is handed back once"


def test_a_kept_part_is_given_without_making_it_and_its_reads_count_for_the_job() -> None:
    parts = Parts()
    name = f"part:{JOB}#2025-08-01"
    parts.keep({name: Part(zlib.compress(b"kept text"), frozenset({"templates/_search.html"}))})

    def make() -> str:
        raise AssertionError("a kept part is not made again")

    with tracking() as job_reads:
        assert parts.get(JOB, "2025-08-01", make) == "kept text"
    assert job_reads == {"templates/_search.html"}
    assert parts.take(JOB) == {name: None}, "a kept part is handed back as kept (None), to stay in the state"


def test_a_job_takes_only_its_own_parts() -> None:
    parts = Parts()
    parts.get("pagefind/2025-q3/pagefind-entry.json", "a", lambda: "one")
    parts.get("pagefind/2025-q/pagefind-entry.json", "a", lambda: "two")  # a name that is a prefix of another
    assert list(parts.take("pagefind/2025-q/pagefind-entry.json")) == ["part:pagefind/2025-q/pagefind-entry.json#a"]
    assert list(parts.take("pagefind/2025-q3/pagefind-entry.json")) == ["part:pagefind/2025-q3/pagefind-entry.json#a"]


def test_the_state_keeps_parts_with_their_reads_until_they_are_gone() -> None:
    state = _state()
    one, two, other = part_prefix(JOB) + "2025-08-01", part_prefix(JOB) + "2025-08-02", part_prefix("x/y.json") + "z"
    update = StateUpdate(facts={"content/a.yaml#title": "d1", "templates/_search.html": "d2"})
    update.jobs = {
        one: ((), frozenset({"content/a.yaml#title"})),
        two: ((), frozenset({"templates/_search.html"})),
        other: ((), frozenset({"content/a.yaml#title"})),
    }
    update.parts = {one: b"first", two: b"second", other: b"other"}
    state.commit(update)
    assert state.parts([part_prefix(JOB)]) == {
        one: (b"first", frozenset({"content/a.yaml#title"})),
        two: (b"second", frozenset({"templates/_search.html"})),
    }
    assert state.readers(["content/a.yaml#title"]) == {one, other}, "a part is found by what it read, like a job"

    state.commit(StateUpdate(gone_jobs={one}))
    assert state.parts([part_prefix(JOB)]) == {two: (b"second", frozenset({"templates/_search.html"}))}
    assert state.parts([part_prefix(JOB), part_prefix("x/y.json")]).keys() == {two, other}

    state.reset("build-site 2")
    assert state.parts([part_prefix(JOB), part_prefix("x/y.json")]) == {}
