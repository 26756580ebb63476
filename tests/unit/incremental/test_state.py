"""The build state on its own: rows written and read back, what a job or page that disappears takes with it,
the index from a fact to the jobs that read it, and a state a build cannot trust counting as empty."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

import pytest

from site_builder.errors import OutputError
from site_builder.incremental import state as state_module
from site_builder.incremental.builder import builder_stats
from site_builder.incremental.state import (
    FORMAT,
    BuildState,
    InputRow,
    LinkRow,
    OutputRow,
    StateUpdate,
    _after,
    _batches,
    state_folder,
)


def _state() -> BuildState:
    return BuildState.open(None, lambda: "build-site 1")


def _jobs(**reads: set[str]) -> dict[str, tuple[tuple[str, ...], frozenset[str]]]:
    """Jobs named ``a``, ``b``... each writing ``NAME/index.html`` and reading the given facts."""
    return {name: ((f"{name}/index.html",), frozenset(facts)) for name, facts in reads.items()}


def test_the_state_lives_beside_the_output_folder() -> None:
    assert state_folder(Path("/site/output")) == Path("/site/.output.build-state")
    assert state_folder(Path("public")) == Path(".public.build-state")


# --- rows written and read back ----------------------------------------------------------------


def test_meta_values_keep_their_type_and_a_missing_key_gives_the_default() -> None:
    state = _state()
    state.commit(StateUpdate(meta={"day": "2026-11-30", "options": {"drafts": False}, "count": 3}))
    assert state.meta("day") == "2026-11-30"
    assert state.meta("options") == {"drafts": False}
    assert state.meta("count") == 3
    assert state.meta("format") == FORMAT and state.meta("builder") == "build-site 1"
    assert state.meta("nothing") is None
    assert state.meta("nothing", "default") == "default"


def test_inputs_are_read_back_with_their_stat_digest_and_skeleton_and_removed_when_gone() -> None:
    state = _state()
    topic = InputRow((11, 120, 5_000, 6_000), "d1", ("entropy", "Entropy", "Information"))
    template = InputRow((12, 30, 7_000, 8_000), "d2")
    state.commit(StateUpdate(inputs={"content/topics/entropy.yaml": topic, "templates/base.html": template}))
    assert state.inputs() == {"content/topics/entropy.yaml": topic, "templates/base.html": template}
    assert state.inputs()["templates/base.html"].skeleton is None
    state.commit(StateUpdate(gone_inputs={"templates/base.html"}))
    assert state.inputs() == {"content/topics/entropy.yaml": topic}


def test_facts_are_read_back_and_a_gone_fact_has_no_digest() -> None:
    state = _state()
    state.commit(StateUpdate(facts={"issues": "d1", "recent": "d2", "window": "d3"}))
    assert state.facts(["issues", "window", "unknown"]) == {"issues": "d1", "window": "d3"}
    state.commit(StateUpdate(facts={"recent": None, "window": "d4"}))
    assert state.facts(["issues", "recent", "window"]) == {"issues": "d1", "recent": None, "window": "d4"}
    state.commit(StateUpdate(facts={"recent": "d5"}))
    assert state.facts(["recent"]) == {"recent": "d5"}


def test_a_file_s_facts_are_the_file_and_its_fields_and_no_other_file_s() -> None:
    state = _state()
    facts = {
        "content/topics/a.yaml": "1",
        "content/topics/a.yaml#title": "2",
        "content/topics/a.yaml#tags": "3",
        "content/topics/a.yaml.orig": "4",
        "content/topics/a.yamlx#title": "5",
        "content/topics/a.yam": "6",
        "content/topics/b.yaml#title": "7",
    }
    state.commit(StateUpdate(facts=facts))
    assert state.file_facts("content/topics/a.yaml") == {
        "content/topics/a.yaml": "1",
        "content/topics/a.yaml#title": "2",
        "content/topics/a.yaml#tags": "3",
    }
    assert state.file_facts("content/topics/c.yaml") == {}


def test_facts_by_prefix() -> None:
    state = _state()
    facts = {"results:topics/a": "1", "results:problems/b": "2", "results": "3", "results;": "4", "resultz:x": "5"}
    state.commit(StateUpdate(facts=facts))
    assert state.facts_like("results:") == {"results:topics/a": "1", "results:problems/b": "2"}
    assert _after("results:") == "results;"
    assert _after("a") == "b"


def test_outputs_are_read_back_and_removed_when_gone() -> None:
    state = _state()
    page = OutputRow("d1", 21, 300, 9_000, 1, "index.html")
    image = OutputRow("d2", 22, 40, 9_001, 3, "issues/2026-11-30/email.html")
    state.commit(StateUpdate(outputs={"index.html": page, "math/x.png": image}))
    assert state.outputs() == {"index.html": page, "math/x.png": image}
    state.commit(StateUpdate(outputs={"index.html": OutputRow("d3", 23, 310, 9_500)}, gone_outputs={"math/x.png"}))
    assert state.outputs() == {"index.html": OutputRow("d3", 23, 310, 9_500, 1, "")}


# --- jobs and what they read -------------------------------------------------------------------


def test_jobs_are_read_back_with_their_paths_and_reads() -> None:
    state = _state()
    jobs = {
        "index.html": (("index.html",), frozenset({"issues", "recent"})),
        "issues/2026-11-30/": (("issues/2026-11-30/index.html", "issues/2026-11-30/index.md"), frozenset({"issues"})),
        "robots.txt": (("robots.txt",), frozenset()),
    }
    state.commit(StateUpdate(jobs=jobs))
    assert state.job_names() == set(jobs)
    assert state.job_paths() == {name: paths for name, (paths, _) in jobs.items()}
    assert state.job_paths(["index.html", "unknown"]) == {"index.html": ("index.html",)}
    assert state.job_reads("index.html") == {"issues", "recent"}
    assert state.job_reads("issues/2026-11-30/") == {"issues"}
    assert state.job_reads("robots.txt") == frozenset()
    assert state.job_reads("unknown") == frozenset()


def test_the_readers_of_a_fact_are_the_jobs_that_read_it() -> None:
    state = _state()
    state.commit(StateUpdate(facts={"issues": "1", "recent": "2"}, jobs=_jobs(a={"issues"}, b={"issues", "recent"})))
    state.commit(StateUpdate(jobs=_jobs(c={"recent", "window"})))
    assert state.readers(["issues"]) == {"a", "b"}
    assert state.readers(["recent"]) == {"b", "c"}
    assert state.readers(["window"]) == {"c"}
    assert state.readers(["window", "issues"]) == {"a", "b", "c"}
    assert state.readers(["unknown"]) == set()
    assert state.readers([]) == set()


def test_a_job_made_again_reads_only_what_it_read_this_time() -> None:
    state = _state()
    state.commit(StateUpdate(jobs=_jobs(a={"issues", "recent"}, b={"recent"})))
    state.commit(StateUpdate(jobs=_jobs(a={"window"})))
    assert state.readers(["issues"]) == set()
    assert state.readers(["recent"]) == {"b"}
    assert state.readers(["window"]) == {"a"}
    assert state.job_reads("a") == {"window"}
    assert state.job_names() == {"a", "b"}


def test_a_gone_job_takes_its_reads_with_it() -> None:
    state = _state()
    state.commit(StateUpdate(jobs=_jobs(a={"issues"}, b={"issues"}, c={"recent"})))
    state.commit(StateUpdate(gone_jobs={"a", "c"}))
    assert state.job_names() == {"b"}
    assert state.readers(["issues", "recent"]) == {"b"}
    assert state.job_paths() == {"b": ("b/index.html",)}


def test_a_fact_first_read_by_a_job_has_no_digest_until_one_is_recorded() -> None:
    state = _state()
    state.commit(StateUpdate(jobs=_jobs(a={"neighbours:2026-11-30"})))
    assert state.facts(["neighbours:2026-11-30"]) == {"neighbours:2026-11-30": None}
    state.commit(StateUpdate(facts={"neighbours:2026-11-30": "1"}, jobs=_jobs(b={"neighbours:2026-11-30"})))
    assert state.facts(["neighbours:2026-11-30"]) == {"neighbours:2026-11-30": "1"}
    assert state.readers(["neighbours:2026-11-30"]) == {"a", "b"}


# --- links -------------------------------------------------------------------------------------


def test_links_are_read_back_and_indexed_by_target() -> None:
    state = _state()
    home = LinkRow((("issues/2026-11-30/", ""), ("topics/a/", "idea")), frozenset({"top", "main"}))
    feed = LinkRow((("issues/2026-11-30/", ""),), None)
    state.commit(StateUpdate(links={"index.html": home, "feed.xml": feed}))
    assert state.links(["index.html", "feed.xml", "unknown"]) == {"index.html": home, "feed.xml": feed}
    assert state.links(["feed.xml"])["feed.xml"].ids is None
    assert state.linking_to(["topics/a/"]) == {"index.html"}
    assert state.linking_to(["issues/2026-11-30/", "topics/b/"]) == {"index.html", "feed.xml"}
    assert state.linking_to(["topics/b/"]) == set()


def test_a_page_made_again_links_only_to_what_it_links_to_now_and_a_gone_page_to_nothing() -> None:
    state = _state()
    state.commit(StateUpdate(links={"a.html": LinkRow((("x/", ""),), frozenset()), "b.html": LinkRow((), None)}))
    state.commit(StateUpdate(links={"a.html": LinkRow((("y/", "f"),), frozenset({"i"}))}))
    assert state.linking_to(["x/"]) == set()
    assert state.linking_to(["y/"]) == {"a.html"}
    assert state.links(["a.html"]) == {"a.html": LinkRow((("y/", "f"),), frozenset({"i"}))}
    state.commit(StateUpdate(gone_links={"a.html"}))
    assert state.links(["a.html", "b.html"]) == {"b.html": LinkRow((), None)}
    assert state.linking_to(["y/"]) == set()


# --- many names at once ------------------------------------------------------------------------


def test_names_are_asked_for_in_batches_none_empty() -> None:
    assert list(_batches(iter("abcde"))) == [list("abcde")]
    assert list(_batches([])) == []


def test_batches_are_cut_at_the_batch_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_module, "BATCH", 2)
    assert list(_batches("abcde")) == [["a", "b"], ["c", "d"], ["e"]]
    assert list(_batches("abcd")) == [["a", "b"], ["c", "d"]]


def test_every_reader_finds_all_its_rows_across_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_module, "BATCH", 2)
    state = _state()
    names = [f"p{i}" for i in range(5)]
    state.commit(
        StateUpdate(
            facts={f"f{i}": str(i) for i in range(5)},
            jobs={name: ((name,), frozenset({f"f{i}"})) for i, name in enumerate(names)},
            links={name: LinkRow(((f"t{i}", ""),), None) for i, name in enumerate(names)},
        )
    )
    assert state.facts([f"f{i}" for i in range(5)]) == {f"f{i}": str(i) for i in range(5)}
    assert state.readers([f"f{i}" for i in range(5)]) == set(names)
    assert set(state.job_paths(names)) == set(names)
    assert set(state.links(names)) == set(names)
    assert state.linking_to([f"t{i}" for i in range(5)]) == set(names)
    state.commit(StateUpdate(gone_jobs=set(names[:3]), gone_links=set(names[:3])))
    assert state.job_names() == set(names[3:])
    assert state.linking_to([f"t{i}" for i in range(5)]) == set(names[3:])


# --- a state that cannot be trusted is empty ---------------------------------------------------


def _full(state: BuildState) -> None:
    state.commit(
        StateUpdate(
            meta={"day": "2026-11-30"},
            inputs={"content/site.yaml": InputRow((1, 2, 3, 4), "d")},
            facts={"issues": "1"},
            jobs=_jobs(a={"issues"}),
            outputs={"a/index.html": OutputRow("d", 1, 2, 3)},
            links={"a/index.html": LinkRow((("b/", ""),), frozenset())},
        )
    )


def _is_empty(state: BuildState) -> bool:
    return (
        state.meta("day") is None
        and state.inputs() == {}
        and state.facts(["issues"]) == {}
        and state.job_names() == set()
        and state.outputs() == {}
        and state.links(["a/index.html"]) == {}
        and state.linking_to(["b/"]) == set()
    )


def test_reset_forgets_everything_but_who_wrote_it() -> None:
    state = _state()
    _full(state)
    state.reset("build-site 2")
    assert _is_empty(state)
    assert state.meta("format") == FORMAT and state.meta("builder") == "build-site 2"


def test_a_state_is_kept_for_the_same_builder_and_emptied_for_another(tmp_path: Path) -> None:
    state = BuildState.open(tmp_path / "state", lambda: "build-site 1")
    assert state.path == tmp_path / "state" / "state.sqlite"
    _full(state)
    state.close()
    again = BuildState.open(tmp_path / "state", lambda: "build-site 1")
    assert again.meta("day") == "2026-11-30" and again.job_names() == {"a"}
    again.close()
    other = BuildState.open(tmp_path / "state", lambda: "build-site 2")
    assert _is_empty(other) and other.meta("builder") == "build-site 2"


def test_the_same_builder_s_files_are_not_hashed_again(tmp_path: Path) -> None:
    state = BuildState.open(tmp_path, lambda: "build-site 1")
    _full(state)
    state.commit(StateUpdate(meta={"builder_stats": builder_stats()}))
    state.close()

    def builder() -> str:
        raise AssertionError("the code was hashed")

    assert BuildState.open(tmp_path, builder).meta("day") == "2026-11-30"


def test_a_state_of_another_format_is_emptied(tmp_path: Path) -> None:
    state = BuildState.open(tmp_path, lambda: "build-site 1")
    _full(state)
    state.commit(StateUpdate(meta={"format": FORMAT - 1, "builder_stats": builder_stats()}))
    state.close()
    reopened = BuildState.open(tmp_path, lambda: "build-site 1")
    assert _is_empty(reopened) and reopened.meta("format") == FORMAT


def test_a_file_that_is_not_a_database_is_replaced_by_an_empty_state(tmp_path: Path) -> None:
    (tmp_path / "state.sqlite").write_bytes(b"not a database at all" * 100)
    state = BuildState.open(tmp_path, lambda: "build-site 1")
    assert _is_empty(state) and state.meta("builder") == "build-site 1"
    _full(state)
    state.close()
    assert sqlite3.connect(tmp_path / "state.sqlite").execute("SELECT COUNT(*) FROM jobs").fetchone() == (1,)


def test_a_damaged_state_is_logged_and_replaced_where_it_was(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "state.sqlite").write_bytes(b"garbage" * 1000)
    with caplog.at_level(logging.DEBUG, logger="site_builder.incremental.state"):
        state = BuildState.open(tmp_path, lambda: "build-site 1")
    assert caplog.messages == ["starting a new build state: file is not a database"]
    assert state.path == tmp_path / "state.sqlite"


def test_the_state_folder_is_made_with_its_parents(tmp_path: Path) -> None:
    state = BuildState.open(tmp_path / "site" / ".output.build-state", lambda: "build-site 1")
    _full(state)
    assert (tmp_path / "site" / ".output.build-state" / "state.sqlite").is_file()


def test_a_state_opened_in_one_thread_can_be_used_in_another() -> None:
    state = _state()
    found: list[set[str]] = []
    worker = threading.Thread(target=lambda: (_full(state), found.append(state.job_names())))
    worker.start()
    worker.join()
    assert found == [{"a"}]


def test_a_commit_that_fails_writes_nothing(tmp_path: Path) -> None:
    state = BuildState.open(tmp_path, lambda: "build-site 1")
    unwritable = InputRow((1, 2, 3, object()), "d")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        state.commit(StateUpdate(meta={"day": "2026-11-30"}, inputs={"content/site.yaml": unwritable}))
    assert state.meta("day") is None
    state.close()
    assert BuildState.open(tmp_path, lambda: "build-site 1").meta("day") is None


def test_a_folder_where_the_database_goes_is_an_error_naming_it_and_is_kept(tmp_path: Path) -> None:
    (tmp_path / "state.sqlite").mkdir()
    (tmp_path / "state.sqlite" / "mine.txt").write_text("kept")
    with pytest.raises(OutputError) as info:
        BuildState.open(tmp_path, lambda: "build-site 1")
    assert str(info.value).startswith(f"{tmp_path / 'state.sqlite'}: cannot use the build state: unable to open")
    assert (tmp_path / "state.sqlite" / "mine.txt").read_text() == "kept"


def test_a_file_where_the_state_folder_goes_is_an_error_naming_the_folder(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("a file")
    with pytest.raises(OutputError) as info:
        BuildState.open(tmp_path / "state", lambda: "build-site 1")
    assert str(info.value).startswith(f"{tmp_path / 'state'}: cannot use the build state: [Errno 17] File exists")


def test_a_restated_input_keeps_its_row_under_its_new_stat_and_the_rows_kept_in_memory_are_the_stored_ones(
    tmp_path: Path,
) -> None:
    state = BuildState.open(tmp_path, lambda: "build-site 1")
    topic = InputRow((11, 120, 5_000, 6_000), "d1", ["entropy", ["Entropy", "Information"]])
    state.commit(StateUpdate(inputs={"content/topics/entropy.yaml": topic, "templates/base.html": topic}))
    state.outputs(), state.inputs()  # read once: kept in memory from now on
    page = OutputRow("d3", 21, 300, 9_000, 1, "index.html")
    state.commit(StateUpdate(restated={"content/topics/entropy.yaml": (31, 120, 9_000, 9_500)}, outputs={"a": page}))
    state.commit(StateUpdate(gone_inputs={"templates/base.html"}))
    expected = {"content/topics/entropy.yaml": InputRow((31, 120, 9_000, 9_500), "d1", topic.skeleton)}
    assert state.inputs() == expected and state.outputs() == {"a": page}
    state.close()
    reopened = BuildState.open(tmp_path, lambda: "build-site 1")
    assert reopened.inputs() == expected and reopened.outputs() == {"a": page}
    reopened.close()
