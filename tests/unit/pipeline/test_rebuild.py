"""The engine's memory without a build: which files and facts changed since the state recorded them, whether
the site's structure may have changed, which entries to compute again, and where the trees may differ."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from site_builder.content.load import load_content
from site_builder.content.sources import Content, structure
from site_builder.errors import ContentError
from site_builder.incremental.builder import _dependencies
from site_builder.incremental.cache import Cache
from site_builder.incremental.parts import Part
from site_builder.incremental.state import BuildState, InputRow, OutputRow, StateUpdate
from site_builder.model.schedule import Schedule
from site_builder.model.site_model import build_model
from site_builder.outputs.email.edition import FormulaImages
from site_builder.outputs.site import Site
from site_builder.outputs.site_jobs import job_names
from site_builder.pipeline.rebuild import (
    COMPUTE,
    JOB_NAMES,
    Changes,
    entries_to_compute,
    load_project,
    plan_outputs,
    scan_changes,
    stale_paths,
)
from site_builder.pipeline.stages import Tree
from site_builder.render.jobs import Made, Rendered
from site_builder.render.templates import load_templates

from ...conftest import REPO

TOPIC = "content/topics/perplexity.yaml"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The bundled project's content and code, and one template override."""
    for part in ("content", "computed"):
        shutil.copytree(REPO / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "entry.html").write_text("{{ entry }}\n")
    return tmp_path


def _state() -> BuildState:
    return BuildState.open(None, lambda: "build-site 1")


def _record(state: BuildState, changes: Changes, content: Content | None = None) -> None:
    """What the write stage records of a build: the files read (with skeletons) and the facts."""
    scan = changes.scan
    update = StateUpdate(facts=dict(changes.facts), gone_inputs=set(scan.gone))
    for path in scan.changed | scan.restated:
        skeleton = content.skeletons.get(path) if content is not None else None
        update.inputs[path] = InputRow(scan.stats[path], scan.digests[path], skeleton)
    update.meta["recorded_ns"] = scan.recorded_ns
    state.commit(update)


def _build(project: Path, state: BuildState) -> tuple[Changes, Content]:
    """Scan and load as a build does, and record what it found."""
    changes = scan_changes(project, state, {})
    content = load_project(project, changes, state)
    _record(state, changes, content)
    return changes, content


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- facts compared ----------------------------------------------------------------------------


def test_compare_notes_the_facts_whose_digest_differs() -> None:
    changes = Changes(None, {})  # type: ignore[arg-type]
    changes.compare({"a": "1", "b": "2", "c": "3"}, {"a": "1", "b": "0", "d": "4"})
    assert changes.facts == {"b": "2", "c": "3"}


def test_a_complete_comparison_notes_the_facts_gone_too() -> None:
    changes = Changes(None, {})  # type: ignore[arg-type]
    changes.compare({"a": "1", "b": "2"}, {"a": "1", "b": "0", "d": "4"}, complete=True)
    assert changes.facts == {"b": "2", "d": None}


def test_a_skeleton_is_compared_as_the_state_stores_it() -> None:
    assert structure(("2026-11-26", False, ("a", ["b", ("c",)]))) == ["2026-11-26", False, ["a", ["b", ["c"]]]]
    assert structure("text") == "text"
    assert structure(None) is None


def test_a_skeleton_s_listed_fields_do_not_shape_the_site() -> None:
    # A topic's summary edited: the chapter's page shows it (a fact), but no page comes or goes.
    before = ("perplexity", "Perplexity", "NLP", {"summary": "How surprised"})
    after = ["perplexity", "Perplexity", "NLP", {"summary": "How very surprised"}]
    assert structure(before) == structure(after) == ["perplexity", "Perplexity", "NLP"]
    assert structure(before) != structure(("perplexity", "Perplexity", "Vision", {"summary": "How surprised"}))


# --- files scanned -----------------------------------------------------------------------------


def test_a_first_build_finds_every_file_changed_and_the_structure_new(project: Path) -> None:
    changes = scan_changes(project, _state(), {})
    assert changes.structural
    assert "templates/entry.html" in changes.scan.changed and TOPIC in changes.scan.changed
    # Templates and code are facts as whole files; content files by their fields, once loaded.
    assert changes.facts["templates/entry.html"] == _sha(project / "templates/entry.html")
    assert changes.facts["computed/perplexity.py"] == _sha(project / "computed/perplexity.py")
    assert not any(fact.startswith("content/") for fact in changes.facts)


def test_nothing_changed_is_no_change(project: Path) -> None:
    state = _state()
    _build(project, state)
    changes, _ = _build(project, state)
    assert changes.facts == {}
    assert not changes.structural
    assert changes.scan.changed == set()


def test_an_edited_template_changes_its_fact_alone(project: Path) -> None:
    state = _state()
    _build(project, state)
    (project / "templates" / "entry.html").write_text("{{ entry.title }}\n")
    changes, _ = _build(project, state)
    assert changes.facts == {"templates/entry.html": _sha(project / "templates/entry.html")}
    assert not changes.structural


def test_a_removed_template_is_a_gone_fact_and_may_change_the_structure(project: Path) -> None:
    state = _state()
    _build(project, state)
    (project / "templates" / "entry.html").unlink()
    changes, _ = _build(project, state)
    assert changes.facts == {"templates/entry.html": None}
    assert changes.structural


def test_an_added_file_may_change_the_structure(project: Path) -> None:
    state = _state()
    _build(project, state)
    (project / "templates" / "page.html").write_text("page\n")
    changes, _ = _build(project, state)
    assert changes.facts == {"templates/page.html": _sha(project / "templates/page.html")}
    assert changes.structural


# --- content loaded ----------------------------------------------------------------------------


def test_an_edited_field_changes_that_field_and_the_file(project: Path) -> None:
    state = _state()
    _build(project, state)
    text = (project / TOPIC).read_text()
    (project / TOPIC).write_text(text.replace("summary: ", "summary: Briefly, ", 1))
    changes, content = _build(project, state)
    assert set(changes.facts) == {f"{TOPIC}#summary", TOPIC}
    assert not changes.structural  # a summary is not part of the skeleton
    assert content.read == {TOPIC}


def test_an_edited_title_may_change_the_structure(project: Path) -> None:
    state = _state()
    _build(project, state)
    text = (project / TOPIC).read_text()
    (project / TOPIC).write_text(text.replace("title: ", "title: The ", 1))
    changes, _ = _build(project, state)
    assert set(changes.facts) == {f"{TOPIC}#title", TOPIC}
    assert changes.structural


def test_a_removed_content_file_s_facts_are_all_gone(project: Path) -> None:
    state = _state()
    _build(project, state)
    (project / "content/problems/extra.yaml").write_bytes(
        (project / "content/problems/batch-norm-forward.yaml")
        .read_bytes()
        .replace(b"id: batch-norm-forward", b"id: extra", 1)
    )
    changes, _ = _build(project, state)
    added = set(changes.facts)
    assert "content/problems/extra.yaml" in added and changes.structural
    (project / "content/problems/extra.yaml").unlink()
    changes, _ = _build(project, state)
    assert set(changes.facts) == added
    assert set(changes.facts.values()) == {None}
    assert changes.structural


def test_content_is_loaded_from_the_bytes_the_scan_hashed(project: Path) -> None:
    changes = scan_changes(project, _state(), {})
    scanned = (project / TOPIC).read_text()
    (project / TOPIC).write_text(scanned.replace("title: ", "title: Edited after the scan, ", 1))
    content = load_project(project, changes, _state())
    assert content.entries[("topics", "perplexity")].title == "Perplexity"  # the edit is for the next build to see


def test_invalid_content_fails_the_load_with_every_problem(project: Path) -> None:
    (project / TOPIC).write_text("id: perplexity\n")
    with pytest.raises(ContentError) as raised:
        load_project(project, scan_changes(project, _state(), {}), _state())
    assert {p.path for p in raised.value.problems} == {TOPIC}


# --- what to compute again ---------------------------------------------------------------------


def test_entries_whose_file_or_code_changed_are_computed_again(project: Path) -> None:
    state = _state()
    _, content = _build(project, state)
    assert len(entries_to_compute(content, scan_changes(project, _state(), {}), state)) == len(content.entries)
    state.commit(
        StateUpdate(
            jobs={
                f"{COMPUTE}topics/perplexity": ((), frozenset({TOPIC, "computed/perplexity.py"})),
                f"{COMPUTE}topics/adam-optimizer": ((), frozenset({"computed/adam.py"})),
                "topics/perplexity/index.html": (
                    ("topics/perplexity/index.html",),
                    frozenset({"computed/perplexity.py"}),
                ),
            }
        )
    )
    (project / "computed" / "perplexity.py").write_text(
        "# changed\n" + (project / "computed/perplexity.py").read_text()
    )
    changes = scan_changes(project, state, {})
    content = load_project(project, changes, state)
    assert [s.path for s in entries_to_compute(content, changes, state)] == [TOPIC]
    _record(state, changes, content)
    changes = scan_changes(project, state, {})
    assert entries_to_compute(load_project(project, changes, state), changes, state) == []


# --- requirements ------------------------------------------------------------------------------


def test_the_builder_counts_the_libraries_build_site_requires_and_theirs() -> None:
    found = _dependencies()
    assert {
        "jinja2",
        "pydantic",
        "markupsafe",
        "pydantic-core",
    } <= found  # markupsafe: Jinja's; pydantic-core: pydantic's
    assert "pytest" not in found  # an extra
    assert all(name == name.lower() and name for name in found)


def test_the_requirements_are_walked_past_extras_through_cycles_and_up_to_200_packages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A requirement graph written here: an extra listed first, a cycle, a package that is not installed.
    graph = {
        "build-site": ["pytest>=8; extra == 'test'", "Jinja2>=3.1", "numpy (>=1.26)"],
        "jinja2": ["MarkupSafe>=2.0", "babel; extra == 'i18n'"],
        "markupsafe": ["jinja2"],
        "numpy": [],
    }

    def requires(name: str) -> list[str] | None:
        if name not in graph:
            raise metadata.PackageNotFoundError(name)
        return graph[name]

    monkeypatch.setattr(metadata, "requires", requires)
    assert _dependencies() == {"jinja2", "markupsafe", "numpy"}
    # A long chain: the walk stops following requirements once it has found 200 packages.
    graph = {"build-site": ["p0"], **{f"p{i}": [f"p{i + 1}"] for i in range(300)}}
    assert _dependencies() == {f"p{i}" for i in range(200)}


# --- trees ---------------------------------------------------------------------------------------


def test_the_trees_may_differ_where_the_last_build_changed_or_a_hand_did() -> None:
    state = _state()
    assert stale_paths(state, ["a.html", "b.html"], {"a.html", "b.html"}) == set()
    state.commit(StateUpdate(meta={"changed": ["c.html", "gone.html"]}))
    assert stale_paths(state, ["a.html", "b.html", "c.html"], {"a.html", "c.html"}) == {"b.html", "c.html", "gone.html"}


def test_a_tree_is_counted_from_its_changes() -> None:
    published = {p: OutputRow(p, 1, 2, 3) for p in ("a.html", "b.html", "c.html")}
    made = Made("job", {"b.html": "new", "d.html": "d"})
    tree = Tree.of(published, {"job": ("b.html", "c.html")}, Rendered({"job": made}))  # type: ignore[arg-type]
    assert tree.paths() == {"a.html", "b.html", "d.html"} and tree.removed == {"c.html"}
    assert len(tree) == len(tree.paths()) == 3


def test_scanning_keeps_the_published_files() -> None:
    published = {"index.html": OutputRow("d", 1, 2, 3)}
    assert scan_changes(Path("/nonexistent"), _state(), published).published is published


def test_a_file_as_recorded_is_not_read_again(project: Path) -> None:
    state = _state()
    _build(project, state)
    # As if the last build had taken its stats well after the files were last written (not racy).
    state.commit(StateUpdate(meta={"recorded_ns": time.time_ns() + 60 * 10**9}))
    changes = scan_changes(project, state, {})
    assert changes.scan.data == {} and changes.scan.restated == set() and changes.scan.changed == set()


# --- the plan --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> Site:
    """The bundled project as of 2026-11-28: 57 jobs (48, and the cards of its 9 entries), none of them made."""
    content = load_content(REPO)
    model = build_model(content, lambda source: None, Schedule(dt.date(2026, 11, 28)))
    return Site(REPO, model, load_templates(REPO, None), FormulaImages(model, Cache(None)))


PERPLEXITY = "topics/perplexity/index.html"
HOME = "index.html"


def _made(state: BuildState, site: Site, reads: dict[str, set[str]]) -> None:
    """Record every job of ``site`` as made, reading ``reads`` (or nothing), each writing its own name."""
    names = job_names(site)
    state.commit(StateUpdate(jobs={name: ((name, f"{name}.copy"), frozenset(reads.get(name, ()))) for name in names}))


def _changes(facts: dict[str, str | None], *, structural: bool = False, published: Any = None) -> Changes:
    return Changes(None, {}, published or {}, facts, structural=structural)  # type: ignore[arg-type]


def test_a_first_build_makes_every_job(site: Site) -> None:
    plan = plan_outputs(site, _changes({}, structural=True), _state(), set())
    assert plan.site is site
    assert plan.names == job_names(site) and len(plan.names) == 57
    assert [job.name for job in plan.dirty] == plan.names
    assert plan.before == {} and plan.gone == set()


def test_the_names_a_build_kept_are_listed_again_only_when_the_structure_changed(site: Site) -> None:
    state = _state()
    _made(state, site, {PERPLEXITY: {f"{TOPIC}#title"}})
    kept = [HOME, PERPLEXITY]  # what the last build committed listed (``serve`` keeps it between saves)
    state.kept[JOB_NAMES] = kept
    assert plan_outputs(site, _changes({f"{TOPIC}#title": "new"}), state, set()).names is kept
    assert plan_outputs(site, _changes({}, structural=True), state, set()).names == job_names(site)
    state.reset("b")
    assert state.kept == {}


def test_the_jobs_that_read_a_changed_fact_are_made_again_in_site_order(site: Site) -> None:
    state = _state()
    _made(state, site, {PERPLEXITY: {f"{TOPIC}#title"}, HOME: {f"{TOPIC}#title", "recent"}, "feed.xml": {"issues"}})
    plan = plan_outputs(site, _changes({f"{TOPIC}#title": "new"}), state, set())
    assert [job.name for job in plan.dirty] == [HOME, PERPLEXITY]
    assert plan.before == {HOME: (HOME, f"{HOME}.copy"), PERPLEXITY: (PERPLEXITY, f"{PERPLEXITY}.copy")}
    assert plan.gone == set()
    assert plan_outputs(site, _changes({}), state, set()).dirty == []


def test_a_job_whose_file_was_changed_by_hand_is_made_again(site: Site) -> None:
    state = _state()
    _made(state, site, {})
    published = {
        "topics/perplexity/index.html": OutputRow("d", 1, 2, 3, 1, PERPLEXITY),
        "feed.xml": OutputRow("e", 1, 2, 3, 1, "feed.xml"),
    }
    plan = plan_outputs(site, _changes({}, published=published), state, {"feed.xml"})
    assert [job.name for job in plan.dirty] == [PERPLEXITY]
    plan = plan_outputs(site, _changes({}, structural=True, published=published), state, {"feed.xml"})
    assert [job.name for job in plan.dirty] == [PERPLEXITY]


def test_when_the_structure_changed_new_jobs_are_made_and_gone_ones_removed(site: Site) -> None:
    state = _state()
    _made(state, site, {HOME: {"issues"}})
    gone_issue = "issues/2026-11-25/index.html"
    state.commit(
        StateUpdate(
            jobs={gone_issue: ((gone_issue,), frozenset({"x"})), f"{COMPUTE}topics/gone": ((), frozenset({"y"}))}
        )
    )
    state.commit(StateUpdate(gone_jobs={"sitemap.xml", "feed.xml"}))
    plan = plan_outputs(site, _changes({"issues": "new"}, structural=True), state, set())
    assert [job.name for job in plan.dirty] == [HOME, "feed.xml", "sitemap.xml"]
    assert plan.gone == {gone_issue}  # not the computation: it is no output
    assert plan.before == {HOME: (HOME, f"{HOME}.copy"), gone_issue: (gone_issue,)}
    # Without a change of structure, only the jobs reading a changed fact.
    assert [job.name for job in plan_outputs(site, _changes({"issues": "new"}), state, set()).dirty] == [HOME]


# --- parts and jobs left for later -----------------------------------------------------------------

SHARD = "pagefind/pagefind-entry.json"


def _fresh(site: Site) -> Site:
    """The module's site with parts of its own (a plan gives a site the parts it keeps)."""
    return Site(site.root, site.model, site.env, site.images)


def _with_parts(state: BuildState, parts: dict[str, set[str]]) -> None:
    state.commit(
        StateUpdate(
            jobs={name: ((), frozenset(reads)) for name, reads in parts.items()},
            parts={name: f"value of {name}".encode() for name in parts},
        )
    )


def test_a_job_made_again_is_given_its_parts_that_read_no_changed_fact(site: Site) -> None:
    site = _fresh(site)
    state = _state()
    _made(state, site, {SHARD: {"a", "b"}, HOME: {"c"}})
    fresh, stale, other = f"part:{SHARD}#2026-11-26", f"part:{SHARD}#2026-11-27", f"part:{HOME}#x"
    _with_parts(state, {fresh: {"b"}, stale: {"a"}, other: {"c"}})
    plan = plan_outputs(site, _changes({"a": "new"}), state, set())
    assert [job.name for job in plan.dirty] == [SHARD]
    assert plan.parts == {fresh, stale}, "the parts of the jobs made again, to drop those they no longer use"
    assert site.parts.kept == {fresh: Part(f"value of {fresh}".encode(), frozenset({"b"}))}
    assert plan.later == []


def test_the_parts_of_a_gone_job_are_dropped_with_it(site: Site) -> None:
    site = _fresh(site)
    state = _state()
    _made(state, site, {})
    gone = "pagefind/2025-q1/pagefind-entry.json"
    state.commit(StateUpdate(jobs={gone: ((gone,), frozenset({"x"}))}))
    _with_parts(state, {f"part:{gone}#2025-02-10": {"y"}})
    plan = plan_outputs(site, _changes({"issues": "new"}, structural=True), state, set())
    assert plan.gone == {gone} and plan.parts == {f"part:{gone}#2025-02-10"}
    assert site.parts.kept == {}


def test_a_deferred_job_waits_for_the_next_build_and_its_stale_parts_are_dropped(site: Site) -> None:
    site = _fresh(site)
    state = _state()
    _made(state, site, {SHARD: {"a", "b"}, PERPLEXITY: {"a"}})
    fresh, stale = f"part:{SHARD}#2026-11-26", f"part:{SHARD}#2026-11-27"
    _with_parts(state, {fresh: {"b"}, stale: {"a"}})
    plan = plan_outputs(site, _changes({"a": "new"}), state, set(), defer=("pagefind/",))
    assert [job.name for job in plan.dirty] == [PERPLEXITY] and plan.later == [SHARD]
    assert plan.before == {PERPLEXITY: (PERPLEXITY, f"{PERPLEXITY}.copy")}, "a deferred job's files stay published"
    assert plan.parts == {stale}, "the next build must not take the part a changed fact made stale"
    assert site.parts.kept == {}
    # The next build makes it, though nothing changed since.
    state.commit(StateUpdate(meta={"later": plan.later}, gone_jobs=plan.parts))
    again = plan_outputs(_fresh(site), _changes({}), state, set())
    assert [job.name for job in again.dirty] == [SHARD] and again.later == []
    assert again.parts == {fresh}


def test_a_job_never_made_is_not_deferred(site: Site) -> None:
    plan = plan_outputs(_fresh(site), _changes({}, structural=True), _state(), set(), defer=("pagefind/",))
    assert SHARD in [job.name for job in plan.dirty] and plan.later == []
