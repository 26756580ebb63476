"""Read tracking on its own: facts noted while tracking and not outside it, values kept with what they read,
digests of fields, and what changed between two builds leading to exactly the outputs that read it."""

from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace
from typing import Any

import pytest

from site_builder.errors import BuildError, Problem
from site_builder.incremental.deps import (
    Fields,
    Memo,
    digest,
    field_facts,
    note,
    note_all,
    tracking,
    untracked,
    value_digest,
)


def _sha(*parts: bytes) -> str:
    """The digest of ``parts``, computed here: 8-byte little-endian length, then the bytes, of each."""
    return hashlib.sha256(b"".join(len(p).to_bytes(8, "little") + p for p in parts)).hexdigest()[:32]


# --- noting facts ------------------------------------------------------------------------------


def test_facts_noted_outside_tracking_are_not_kept() -> None:
    note("before")
    note_all(["before too"])
    with tracking() as reads:
        pass
    note("after")
    assert reads == set()


def test_facts_noted_while_tracking_are_kept() -> None:
    with tracking() as reads:
        note("a")
        note_all(["b", "c"])
        note("a")
    assert reads == {"a", "b", "c"}


def test_an_inner_block_s_facts_count_for_the_outer_one_and_not_the_reverse() -> None:
    with tracking() as outer:
        note("outer")
        with tracking() as inner:
            note("inner")
            note_all(["inner too"])
        note("outer again")
    assert inner == {"inner", "inner too"}
    assert outer == {"outer", "inner", "inner too", "outer again"}


def test_a_failure_inside_a_block_leaves_tracking_as_it_was() -> None:
    with tracking() as outer:
        with pytest.raises(ValueError), tracking():
            note("read before failing")
            raise ValueError
        note("after")
    assert outer == {"read before failing", "after"}
    with tracking() as later:
        pass
    assert later == set()


def test_untracked_reads_are_not_noted_and_tracking_resumes_after() -> None:
    with tracking() as reads:
        with untracked():
            note("identity")
            note_all(["identity too"])
            with tracking() as inside:
                note("inner")
        note("read")
    assert inside == {"inner"}
    assert reads == {"read"}


def test_untracked_restores_tracking_after_a_failure() -> None:
    with tracking() as reads:
        with pytest.raises(KeyError), untracked():
            raise KeyError
        note("read")
    assert reads == {"read"}


# --- values made once --------------------------------------------------------------------------


def test_a_memo_makes_a_value_once_and_every_use_notes_what_it_read() -> None:
    memo, made = Memo(), []

    def make() -> str:
        made.append(1)
        note("content/topics/a.yaml#title")
        return "value"

    with tracking() as first:
        assert memo.get("key", make) == "value"
    with tracking() as second:
        assert memo.get("key", make) == "value"
    assert memo.get("key", make) == "value"  # outside tracking too
    assert first == second == {"content/topics/a.yaml#title"}
    assert len(made) == 1


def test_a_memo_keeps_values_apart_by_key() -> None:
    memo = Memo()
    assert memo.get(("a", 1), lambda: "a") == "a"
    assert memo.get(("b", 1), lambda: "b") == "b"
    assert memo.get(("a", 1), lambda: "other") == "a"


def test_a_memo_keeps_a_value_of_none() -> None:
    memo, made = Memo(), []
    assert memo.get("key", lambda: made.append(1)) is None
    assert memo.get("key", lambda: made.append(1)) is None
    assert made == [1]


def test_a_forgotten_or_cleared_value_is_made_again() -> None:
    memo, made = Memo(), []

    def make() -> int:
        made.append(1)
        return len(made)

    assert memo.get("a", make) == 1
    assert memo.get("b", make) == 2
    memo.forget("a")
    memo.forget("never made")
    assert memo.get("a", make) == 3
    assert memo.get("b", make) == 2
    memo.clear()
    assert memo.get("b", make) == 4


def test_a_build_error_is_kept_and_raised_at_every_use_with_what_it_read() -> None:
    memo, made = Memo(), []
    error = BuildError([Problem("content/topics/a.yaml", message="bad")])

    def make() -> str:
        made.append(1)
        note("content/topics/a.yaml")
        raise error

    for _ in range(2):
        with tracking() as reads, pytest.raises(BuildError) as raised:
            memo.get("key", make)
        assert raised.value is error
        assert reads == {"content/topics/a.yaml"}
    assert made == [1]


def test_another_error_is_not_kept() -> None:
    memo, made = Memo(), []

    def make() -> str:
        made.append(1)
        if len(made) == 1:
            raise OSError("disk")
        return "value"

    with pytest.raises(OSError, match="disk"):
        memo.get("key", make)
    assert memo.get("key", make) == "value"
    assert made == [1, 1]


# --- digests -----------------------------------------------------------------------------------


def test_a_digest_is_the_first_128_bits_of_the_sha256_of_its_length_prefixed_parts() -> None:
    assert digest("ab", b"c") == _sha(b"ab", b"c")
    assert digest("é") == _sha("é".encode())
    assert digest() == hashlib.sha256(b"").hexdigest()[:32]
    assert len(digest("x")) == 32


def test_parts_are_not_merged_into_each_other() -> None:
    assert digest("ab", "c") != digest("a", "bc")
    assert digest("a", "") != digest("a")
    assert digest("a", "b") != digest("b", "a")
    assert digest("a") == digest(b"a")


def test_a_value_s_digest_is_that_of_its_canonical_json() -> None:
    assert value_digest({"b": [1, 2.5], "a": "é"}) == _sha('{"a":"é","b":[1,2.5]}'.encode())
    assert value_digest({"a": "é", "b": [1, 2.5]}) == value_digest({"b": [1, 2.5], "a": "é"})
    assert value_digest(None) == _sha(b"null")
    assert value_digest({"day": dt.date(2026, 11, 30)}) == _sha(b'{"day":"2026-11-30"}')
    assert value_digest([1, 2]) != value_digest([2, 1])


def test_the_facts_of_a_file_are_its_declared_fields_and_the_whole_file() -> None:
    data = {"title": "Entropy", "tags": ["a"]}
    facts = field_facts("content/topics/e.yaml", data, ["title", "summary"])
    assert facts == {
        "content/topics/e.yaml#title": _sha(b'"Entropy"'),
        "content/topics/e.yaml#summary": _sha(b"null"),
        "content/topics/e.yaml": _sha(b'{"tags":["a"],"title":"Entropy"}'),
    }


def test_a_file_that_is_not_a_mapping_has_empty_fields() -> None:
    assert field_facts("content/site.yaml", ["a list"], ["title"]) == {
        "content/site.yaml#title": _sha(b"null"),
        "content/site.yaml": _sha(b"{}"),
    }


# --- fields that note themselves ---------------------------------------------------------------


class _Entry:
    title = "Entropy"
    summary = "Surprise."

    def model_dump(self) -> dict[str, str]:
        return {"title": self.title, "summary": self.summary}


def _fields(loads: list[str]) -> Fields:
    def load() -> Any:
        loads.append("loaded")
        return _Entry()

    return Fields("content/topics/e.yaml", load, frozenset({"title", "summary"}))


def test_reading_a_field_notes_that_field_and_anything_else_the_whole_file() -> None:
    loads: list[str] = []
    fields = _fields(loads)
    with tracking() as reads:
        assert fields.title == "Entropy"
    assert reads == {"content/topics/e.yaml#title"}
    with tracking() as reads:
        assert fields.model_dump() == {"title": "Entropy", "summary": "Surprise."}
    assert reads == {"content/topics/e.yaml"}
    with tracking() as reads:
        assert isinstance(fields.model, _Entry)
    assert reads == {"content/topics/e.yaml"}
    assert loads == ["loaded"]


def test_a_file_is_loaded_on_first_read_only() -> None:
    loads: list[str] = []
    fields = _fields(loads)
    assert loads == []
    assert repr(fields) == "Fields('content/topics/e.yaml')"
    assert fields.path == "content/topics/e.yaml"
    with pytest.raises(AttributeError, match=r"^__wrapped__$"):  # asked by copy, pickle, inspect
        fields.__wrapped__  # noqa: B018
    assert loads == []
    assert fields.summary == "Surprise."
    assert fields.title == "Entropy"
    assert loads == ["loaded"]


def test_a_missing_attribute_fails_without_noting() -> None:
    fields = _fields([])
    with tracking() as reads, pytest.raises(AttributeError):
        fields.nothing  # noqa: B018
    assert reads == set()


# --- from a change to the outputs that read it -------------------------------------------------


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def test_a_changed_field_reaches_exactly_the_outputs_that_read_it() -> None:
    path, names = "content/topics/e.yaml", ["title", "summary", "sections"]
    old = {"title": "Entropy", "summary": "Surprise.", "sections": [{"heading": "Idea"}]}
    new = {**old, "summary": "Expected surprise."}

    def make_outputs(data: dict[str, Any]) -> dict[str, set[str]]:
        fields = Fields(path, lambda: SimpleNamespace(**data), frozenset(names))
        made = {}
        with tracking() as reads:
            fields.title  # noqa: B018
        made["home"] = reads
        with tracking() as reads:
            fields.title, fields.summary  # noqa: B018
        made["topic page"] = reads
        with tracking() as reads:
            fields.model  # noqa: B018  (the whole file)
        made["raw copy"] = reads
        return made

    reads = make_outputs(old)
    changed = _changed(field_facts(path, old, names), field_facts(path, new, names))
    assert changed == {f"{path}#summary", path}
    assert {output for output, facts in reads.items() if facts & changed} == {"topic page", "raw copy"}
    assert make_outputs(new) == reads
