"""Incremental builds: after any edit, a rebuild gives the clean build's tree byte for byte, rewriting only what changed.

Each case copies the bundled project as published (once per test worker, see conftest.py), edits
one kind of input, and rebuilds in place. The tree must then equal that of a clean build of the
edited project (made in memory: no state, no render caches); every file whose bytes changed must
have been written afresh (new inode), and every other file must be the very file published before
(same inode and modification time).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from site_builder.errors import ContentError
from site_builder.incremental.cache import Cache
from site_builder.incremental.fragments import FRAGMENTS
from site_builder.incremental.state import NAME, BuildState, state_folder
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions
from site_builder.pipeline.stages import BuildReport

from ..conftest import run_cli, sweep, tree_digest
from .conftest import DATE, clean_build, copy_published
from .publishing import write_issue

Edit = Callable[[Path], None]


def _replace(relative: str, old: str, new: str, count: int = 1) -> Edit:
    def edit(root: Path) -> None:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {relative}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return edit


def _append(relative: str, text: str) -> Edit:
    def edit(root: Path) -> None:
        with (root / relative).open("a", encoding="utf-8") as handle:
            handle.write(text)

    return edit


def _delete(relative: str) -> Edit:
    return lambda root: (root / relative).unlink()


def _add_issue(root: Path) -> None:
    write_issue(root, "2026-11-25", intro="An issue added to the archive afterwards.")


def _add_topic_and_issue(root: Path) -> None:
    source = (root / "content/topics/softmax-temperature.yaml").read_text(encoding="utf-8")
    text = source.replace("id: softmax-temperature", "id: softmax-again", 1).replace(
        "title: Softmax Temperature", "title: Softmax, Once More"
    )
    (root / "content/topics/softmax-again.yaml").write_text(text, encoding="utf-8")
    write_issue(root, "2026-11-24", topic="softmax-again")


CASES: dict[str, Edit] = {
    "topic text": _replace(
        "content/topics/perplexity.yaml", "  - heading: The definition", "  - heading: The definitions"
    ),
    "topic title": _replace("content/topics/perplexity.yaml", "title: Perplexity", "title: Perplexity, Revisited"),
    "topic formula": _replace("content/topics/perplexity.yaml", r"\log_2 p(x_i)'", r"\log_2 p(x_{i})'"),
    "problem test case": _replace("content/problems/batch-norm-forward.yaml", "gamma: [3.0, 1.0]", "gamma: [2.0, 1.0]"),
    "feature": _replace("content/features/chapter-pages.yaml", "title: Browse by Chapter", "title: Browse by Chapters"),
    "issue intro": _replace("content/issues/2026-11-26.yaml", "How surprised", "Just how surprised"),
    "site settings": _replace("content/site.yaml", "tagline: One machine-learning", "tagline: One deep-learning"),
    "site address": _replace(
        "content/site.yaml", "base_url: https://daily-gradient.example.org/", "base_url: https://example.net/gradient/"
    ),
    "page template": _replace("templates/entry.html", "<h2>Featured in</h2>", "<h2>Featured in these issues</h2>"),
    "included template": _replace("templates/_entry_meta.html", '<p class="summary">', '<p class="summary lead">'),
    "base template": _replace(
        "templates/base.html", '<footer class="site-footer">', '<footer class="site-footer" id="end">'
    ),
    "email template": _replace("templates/email.html", "<p>In this issue:</p>", "<p>In this issue, three parts:</p>"),
    "dev.to template": _replace(
        "templates/devto.md", "series: {{ site.title | json }}", "series: {{ (site.title ~ ' daily') | json }}"
    ),
    "template comment": _append("templates/entry.html", "{# a comment changes no page #}\n"),
    "static file": _append("templates/static/style.css", "\n/* edited */\n"),
    "computed module": _replace(
        "computed/batchnorm.py", "One forward pass of batch normalization.", "One forward pass."
    ),
    "deleted issue": _delete("content/issues/2026-11-27.yaml"),
    "issue made a draft": _append("content/issues/2026-11-27.yaml", "draft: true\n"),
    "added issue": _add_issue,
    "added topic and issue": _add_topic_and_issue,
}


def _identity(folder: Path) -> dict[str, tuple[int, int]]:
    """Path -> (inode, mtime) of every file: which files a build wrote afresh."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            info = path.stat()
            found[path.relative_to(folder).as_posix()] = (info.st_ino, info.st_mtime_ns)
    return found


@pytest.fixture
def published(published_ejected: Path) -> Path:
    """The bundled project built as of the day before, then as of the day (so it has a previous tree); tests copy it.

    Its templates/ hold the whole theme: the cases edit templates.
    """
    return published_ejected


def _copy(published: Path, target: Path) -> Path:
    return copy_published(published, target)


def _rebuild(
    published: Path, tmp_path: Path, edit: Edit, options: BuildOptions | None = None
) -> tuple[Path, BuildReport, dict, dict, dict, dict]:
    root = _copy(published, tmp_path / "project")
    before_digest, before_identity = tree_digest(root / "output"), _identity(root / "output")
    edit(root)
    report = build_site(root, root / "output", options or BuildOptions(date=DATE))
    after_digest, after_identity = tree_digest(root / "output"), _identity(root / "output")
    return root, report, before_digest, before_identity, after_digest, after_identity


def _clean(root: Path, tmp_path: Path, date: dt.date = DATE) -> dict[str, str]:
    return clean_build(root, date)  # computed results from the cache, everything else made afresh


@pytest.mark.parametrize(
    "case", sweep(CASES, fast={"topic text", "page template", "static file", "deleted issue", "added topic and issue"})
)
def test_a_rebuild_after_an_edit_equals_a_clean_build_and_rewrites_only_what_changed(
    published: Path, tmp_path: Path, case: str
) -> None:
    root, report, before, before_ids, after, after_ids = _rebuild(published, tmp_path, CASES[case])
    assert after == _clean(root, tmp_path), "the incremental build differs from a clean build"
    changed = {p for p in after if before.get(p) != after[p]}
    rewritten = {p for p in after if before_ids.get(p) != after_ids[p]}
    assert rewritten == changed, f"rewritten but unchanged: {sorted(rewritten - changed)}"
    if case == "template comment":
        assert not changed and report.written == 0
    if case == "topic formula":  # the renderings kept in the cache (#26) give what rendering everything gives
        bare = tmp_path / "without-fragments"
        shutil.copytree(root / ".build-cache", bare, ignore=shutil.ignore_patterns(FRAGMENTS))
        assert after == clean_build(root, cache=Cache(bare, read_only=True)), "kept fragments changed the site"


def _kinds(paths: list[str] | tuple[str, ...]) -> set[str]:
    """``topics/perplexity/index.html`` -> ``topics/*/index.html``: the kinds of output rendered."""
    kinds = set()
    for path in paths:
        parts = path.split("/")
        if (
            len(parts) == 3 and parts[0] in ("topics", "problems", "features", "issues", "chapters", "collections")
        ) or parts[0] == "math":
            parts[1] = "*"
        if len(parts) == 3 and parts[0] in ("topics", "problems", "features") and parts[2] != "index.html":
            parts[2] = "*." + parts[2].rpartition(".")[2]  # a plot, made with its entry's page
        kinds.add("/".join(parts))
    return kinds


PLOTS = {f"{kind}/*/*.{extension}" for kind in ("topics", "problems") for extension in ("svg", "png")}
"""The bundled topics and problems have plots; they are made with their entry's page."""


@pytest.mark.parametrize(
    ("case", "rendered"),
    sweep(
        [
            pytest.param(case, rendered, id=case)
            for case, rendered in [
                ("page template", {"topics/*/index.html", "problems/*/index.html", "features/*/index.html", *PLOTS}),
                ("template comment", {"topics/*/index.html", "problems/*/index.html", "features/*/index.html", *PLOTS}),
                ("email template", {"issues/*/email.html", "issues/*/email.txt", "issues/*/issue.eml", "math/*"}),
                ("dev.to template", {"issues/*/devto.md"}),
                ("static file", {"static/style.css"}),
            ]
        ],
        fast={"page template", "email template"},
    ),
)
def test_a_template_edit_renders_only_the_pages_made_with_it(
    published: Path, tmp_path: Path, case: str, rendered: set[str]
) -> None:
    _, report, *_ = _rebuild(published, tmp_path, CASES[case])
    assert _kinds(report.rendered) == rendered


def test_an_entry_edit_renders_the_pages_showing_it_and_the_lists(published: Path, tmp_path: Path) -> None:
    _, report, before, _, after, _ = _rebuild(published, tmp_path, CASES["topic text"])
    shown_in = {"topics/perplexity/index.html", *(f"issues/2026-11-26/{name}" for name in _ISSUE_FILES)}
    plots = {"topics/perplexity/pp-vs-ce.svg", "topics/perplexity/pp-vs-ce.png"}  # made with the page, not written
    assert shown_in <= set(report.rendered)
    # Besides its pages, only pages listing every entry or issue are rendered again (cheaply), and the search
    # index's shard holding the issue (its month: all three bundled issues, see tests/pipeline/test_search.py) ...
    index = {p for p in report.rendered if p.startswith("pagefind/")}
    assert "pagefind/pagefind-entry.json" in index
    others = {p for p in report.rendered if p not in shown_in | plots | index and not p.startswith("math/")}
    assert others <= {
        "index.html",
        "feed.xml",
        "archive/index.html",
        "sitemap.xml",
        "chapters/evaluation-benchmarks/index.html",
    }
    # ... and written only if what they show changed: the feed carries the full text of recent issues,
    # no list shows a section's heading.
    changed = {p for p in after if before.get(p) != after[p]}
    assert {p for p in changed if not p.startswith("pagefind/")} == {".build-site", "feed.xml", *shown_in}


_ISSUE_FILES = ("index.html", "index.md", "email.html", "email.txt", "issue.eml", "devto.md")


def test_a_rebuild_with_nothing_changed_renders_and_writes_nothing(published: Path, tmp_path: Path) -> None:
    root = _copy(published, tmp_path / "project")
    before = _identity(root / "output")
    report = build_site(root, root / "output", BuildOptions(date=DATE))
    assert report.rendered == () and report.written == 0
    assert _identity(root / "output") == before


WRITE_NOTHING: dict[str, Edit] = {
    "template comment": CASES["template comment"],
    "touched content file": lambda root: os.utime(root / "content/topics/perplexity.yaml"),
}


@pytest.mark.parametrize("nothing", list(WRITE_NOTHING))
def test_a_build_that_writes_nothing_leaves_the_next_one_what_it_stages_from(
    published: Path, tmp_path: Path, nothing: str
) -> None:
    # The previous tree is the one before output/ until a build publishes again; a build in between
    # that writes nothing must not forget what tells the two apart.
    root = _copy(published, tmp_path / "project")
    _replace("content/topics/perplexity.yaml", "title: Perplexity", "title: Perplexity A")(root)
    assert build_site(root, root / "output", BuildOptions(date=DATE)).written > 0
    WRITE_NOTHING[nothing](root)
    assert build_site(root, root / "output", BuildOptions(date=DATE)).written == 0
    _replace("content/topics/perplexity.yaml", "title: Perplexity A", "title: Perplexity B")(root)
    build_site(root, root / "output", BuildOptions(date=DATE))
    assert tree_digest(root / "output") == _clean(root, tmp_path)


def test_publishing_day_after_day_equals_a_clean_build_of_the_last_day(published: Path, tmp_path: Path) -> None:
    root = _copy(published, tmp_path / "project")
    last = DATE + dt.timedelta(days=6)
    for date in (DATE - dt.timedelta(days=2), DATE - dt.timedelta(days=1), DATE, DATE + dt.timedelta(days=4), last):
        build_site(root, root / "output", BuildOptions(date=date))
    assert tree_digest(root / "output") == _clean(root, tmp_path, last)


def test_a_file_changed_by_hand_in_the_output_is_written_again(published: Path, tmp_path: Path) -> None:
    root = _copy(published, tmp_path / "project")
    expected = tree_digest(root / "output")
    page = root / "output/topics/perplexity/index.html"
    page.write_text("vandalised")
    (root / "output/archive/index.html").unlink()
    report = build_site(root, root / "output", BuildOptions(date=DATE))
    assert {"topics/perplexity/index.html", "archive/index.html"} <= set(report.rendered)
    assert tree_digest(root / "output") == expected


@pytest.mark.parametrize(
    "case", sweep(["topic text", "deleted issue", "added topic and issue", "static file"], fast={"topic text"})
)
def test_the_folder_times_recorded_are_those_of_the_published_tree(published: Path, tmp_path: Path, case: str) -> None:
    # Only the folders a build changed are timed again when it publishes: the others keep the
    # times found when staging began. All must be the published folders' times, or the build
    # after the next would sweep them for nothing (or miss a file added by hand).
    root, *_ = _rebuild(published, tmp_path, CASES["feature"])
    CASES[case](root)  # the build before changed other folders: this one's are timed for what it wrote
    build_site(root, root / "output", BuildOptions(date=DATE))
    state = BuildState.open(state_folder(root / "output"), lambda: "unused")
    recorded = state.meta("folders")
    state.close()
    out = root / "output"
    actual = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_dir()}
    assert recorded == actual


def test_a_file_added_by_hand_to_the_output_stays_gone_build_after_build(published: Path, tmp_path: Path) -> None:
    # The added file is in output/ when output/ becomes the previous tree: each later build
    # stages from that tree in turn, and none may publish the file again.
    root = _copy(published, tmp_path / "project")
    (root / "output/topics/perplexity/extra.html").write_text("not ours")
    (root / "output/archive/extra").mkdir()
    seen = []
    for day in (DATE - dt.timedelta(days=2), DATE - dt.timedelta(days=1), DATE, DATE - dt.timedelta(days=1)):
        build_site(root, root / "output", BuildOptions(date=day))
        seen.append(sorted(p for p in tree_digest(root / "output") if "extra" in p))
        seen.append(os.path.exists(root / "output/archive/extra"))
    assert seen == [[], False] * 4
    assert tree_digest(root / "output") == _clean(root, tmp_path, DATE - dt.timedelta(days=1))


def test_a_missing_or_unreadable_state_means_a_full_build(published: Path, tmp_path: Path) -> None:
    root = _copy(published, tmp_path / "project")
    expected, identity = tree_digest(root / "output"), _identity(root / "output")
    state = state_folder(root / "output") / NAME
    assert state.is_file()
    state.write_bytes(b"not a build state")
    report = build_site(root, root / "output", BuildOptions(date=DATE))
    assert len(report.rendered) == report.files
    assert tree_digest(root / "output") == expected
    # Compared byte for byte, unchanged files are still the published files.
    assert {p: i for p, i in _identity(root / "output").items() if p != ".build-site"} == {
        p: i for p, i in identity.items() if p != ".build-site"
    }


@pytest.mark.parametrize("where", ["database", "folder"])
def test_a_build_state_that_cannot_be_opened_is_a_clear_error(published: Path, tmp_path: Path, where: str) -> None:
    root = _copy(published, tmp_path / "project")
    expected = tree_digest(root / "output")
    folder = state_folder(root / "output")
    shutil.rmtree(folder)
    if where == "database":  # a folder where the database goes: not build-site's to remove
        (folder / NAME).mkdir(parents=True)
        (folder / NAME / "notes.txt").write_text("mine")
    else:
        folder.write_text("a file where the state folder goes")
    result = run_cli("--root", root, "build", "--date", DATE.isoformat())
    blamed = folder / NAME if where == "database" else folder
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert f"{blamed}: cannot use the build state: " in result.stderr
    assert tree_digest(root / "output") == expected
    assert where == "folder" or (folder / NAME / "notes.txt").read_text() == "mine"


def test_without_the_cache_everything_is_rendered_and_only_changes_written(published: Path, tmp_path: Path) -> None:
    _, report, before, before_ids, after, after_ids = _rebuild(
        published, tmp_path, CASES["topic title"], BuildOptions(date=DATE, cache=False)
    )
    assert len(report.rendered) == report.files
    assert {p for p in after if before_ids.get(p) != after_ids[p]} == {p for p in after if before.get(p) != after[p]}


def test_a_previous_tree_changed_by_hand_is_not_trusted(published: Path, tmp_path: Path) -> None:
    root = _copy(published, tmp_path / "project")
    previous = state_folder(root / "output") / "previous"
    (previous / "topics/perplexity/index.html").unlink()  # shared with output/: tamper with the previous tree only
    (previous / "topics/perplexity/index.html").write_text("tampered")
    (previous / "stray.html").write_text("not ours")
    CASES["topic title"](root)
    build_site(root, root / "output", BuildOptions(date=DATE))
    assert tree_digest(root / "output") == _clean(root, tmp_path)


def test_the_state_beside_the_output_is_not_published(published: Path) -> None:
    digest = tree_digest(published / "output")
    assert ".build-site" in digest and not any(p.startswith(".output") for p in digest)
    marker = (published / "output/.build-site").read_text()
    assert marker.startswith("This folder is written by build-site") and "\ntree " in marker
    assert os.path.isdir(state_folder(published / "output") / "previous")


def test_a_kept_page_linking_to_an_id_a_rendered_page_lost_fails_as_a_clean_build_does(
    published: Path, tmp_path: Path
) -> None:
    root = _copy(published, tmp_path / "project")
    # Entry pages link to the problem part of each issue featuring them; only entry.html makes those links.
    link = '<a href="{{ urls.link(issue.path) }}">'
    _replace("templates/entry.html", link, link.replace('">', '#problems">'))(root)
    build_site(root, root / "output", BuildOptions(date=DATE))
    before = tree_digest(root / "output")
    # Issue pages, the home page and the feed are made with this template; the entry pages are kept.
    _replace("templates/_issue_content.html", 'id="{{ part.page.kind }}"', 'id="part-{{ part.page.kind }}"')(root)
    _replace("templates/_issue_content.html", 'href="#{{ part.page.kind }}"', 'href="#part-{{ part.page.kind }}"')(root)
    failure = _fails_as_a_clean_build_does(root, tmp_path, before)
    assert "topics/perplexity/index.html" in failure
    assert "no element with id 'problems' in output/issues/2026-11-26/index.html" in failure


def test_an_edition_linking_to_an_id_a_page_lost_fails_as_a_clean_build_does(published: Path, tmp_path: Path) -> None:
    # The dev.to post links to each problem's worked cases (#test-cases): an edition's
    # fragments are checked against the site's pages, by the rebuild and the clean build alike.
    root = _copy(published, tmp_path / "project")
    before = tree_digest(root / "output")
    _replace("templates/_entry.html", 'id="test-cases"', 'id="worked-cases"')(root)
    failure = _fails_as_a_clean_build_does(root, tmp_path, before)
    assert "devto.md" in failure
    assert "no element with id 'test-cases'" in failure


def _fails_as_a_clean_build_does(root: Path, tmp_path: Path, before: dict[str, str]) -> str:
    """The rebuild of ``root`` fails, leaving the output as ``before``, with a clean build's very message."""
    with pytest.raises(ContentError) as incremental:
        build_site(root, root / "output", BuildOptions(date=DATE))
    assert tree_digest(root / "output") == before
    clean = tmp_path / "clean"
    for part in ("content", "templates", "computed", ".build-cache"):  # with its computed results, no output or state
        shutil.copytree(root / part, clean / part)
    with pytest.raises(ContentError) as from_scratch:
        build_site(clean, clean / "output", BuildOptions(date=DATE))
    assert str(incremental.value) == str(from_scratch.value)
    return str(incremental.value)
