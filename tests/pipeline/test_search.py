"""Search: Pagefind's index of the issues in shards (a quarter of a past year, a month of the newest year), each
made again only when one of its issues changes, and byte for byte what a clean build makes."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from site_builder.errors import OutputError
from site_builder.incremental.cache import Cache
from site_builder.outputs import site as pages
from site_builder.outputs.search import SEARCH_SLOTS
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions
from site_builder.pipeline.stages import BuildReport
from site_builder.render.theme import THEME

from ..conftest import copy_project, run_cli, sweep, tree_digest
from .conftest import clean_build, copy_published
from .publishing import write_issue

DATE = dt.date(2026, 11, 28)
EXTRA_ISSUES = {
    "2025-02-10": {"topic": "softmax-temperature"},  # 2025-q1
    "2025-05-20": {"topic": "adam-optimizer"},  # 2025-q2
    "2026-10-15": {},  # the month before the newest
}
"""Issues added to the bundled three (2026-11-26 to 28), so that the site has shards of every kind."""
Edit = Callable[[Path], None]


def _project(root: Path) -> Path:
    copy_project(root)
    for date, refs in EXTRA_ISSUES.items():
        write_issue(root, date, intro=f"An issue of {date}.", **refs)
    return root


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _project(tmp_path_factory.mktemp("search") / "project")
    build_site(root, root / "output", BuildOptions(date=DATE))
    return root


def test_the_site_has_a_shard_per_quarter_and_month_and_a_search_page_merging_them(published: Path) -> None:
    out = published / "output"
    entries = sorted(p.relative_to(out).as_posix() for p in out.glob("pagefind/**/pagefind-entry.json"))
    assert entries == [
        "pagefind/2025-q1/pagefind-entry.json",
        "pagefind/2025-q2/pagefind-entry.json",
        "pagefind/2026-10/pagefind-entry.json",
        "pagefind/pagefind-entry.json",  # the newest month, 2026-11, with Pagefind's code
    ]
    counts = {p: json.loads((out / p).read_text())["languages"]["en"]["page_count"] for p in entries}
    assert list(counts.values()) == [1, 1, 1, 3]
    assert (out / "pagefind/pagefind-ui.js").is_file() and not (out / "pagefind/2026-10/pagefind-ui.js").exists()
    page = (out / "search/index.html").read_text()
    merged = re.search(r'data-merge="([^"]*)"', page).group(1).split()
    assert merged == ["/pagefind/2026-10/", "/pagefind/2025-q2/", "/pagefind/2025-q1/"]
    assert '<a href="/search/">Search</a>' in (out / "index.html").read_text(), "linked from the header"


def _clean(root: Path, tmp_path: Path) -> dict[str, str]:
    clean = tmp_path / "clean"
    # The compute results, but no index from the cache: Pagefind indexes every shard of the clean build.
    shutil.copytree(root / ".build-cache" / "v1", clean / ".build-cache" / "v1", ignore=_search_slots)
    return clean_build(root, DATE, Cache.at(clean, read_only=True))


def _search_slots(folder: str, names: list[str]) -> list[str]:
    return [SEARCH_SLOTS] if Path(folder).name == "v1" else []


def _replace(relative: str, old: str, new: str) -> Edit:
    def edit(root: Path) -> None:
        path = root / relative
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new, 1))

    return edit


def _unlink(relative: str) -> Edit:
    return lambda root: (root / relative).unlink()


CASES: dict[str, tuple[Edit, set[str]]] = {
    "an issue of the newest month": (_replace("content/issues/2026-11-27.yaml", "intro:", "intro: Edited."), {""}),
    "an issue of a past quarter": (_replace("content/issues/2025-05-20.yaml", "intro:", "intro: Edited."), {"2025-q2"}),
    # adam-optimizer is the topic of 2025-05-20 and of 2026-11-28.
    "a topic in two shards": (
        _replace("content/topics/adam-optimizer.yaml", "title: The Adam Optimizer", "title: The Adam Optimizer, Again"),
        {"", "2025-q2"},
    ),
    # An issue joining or leaving the list changes its neighbours' neighbours: their shards are made again too.
    "a new issue in the newest month": (lambda root: write_issue(root, "2026-11-20"), {"", "2026-10"}),
    "a new issue of a new month": (lambda root: write_issue(root, "2026-09-03"), {"2026-09", "2026-10", "2025-q2"}),
    "a new issue in a past quarter": (lambda root: write_issue(root, "2025-01-05"), {"2025-q1"}),
    "an issue made a draft": (
        _replace("content/issues/2025-05-20.yaml", "intro:", "draft: true\nintro:"),
        {"2025-q1", "2026-10"},
    ),
    "the only issue of a shard deleted": (_unlink("content/issues/2025-02-10.yaml"), {"2025-q2"}),
    "the first issue of a new year": (lambda root: write_issue(root, "2027-01-02"), {"", "2026-q4"}),
}
"""Each edit, and the shards made again: by folder under pagefind/, "" for the newest one."""


def _rebuild(published: Path, tmp_path: Path, edit: Edit, date: dt.date = DATE) -> tuple[Path, BuildReport]:
    root = copy_published(published, tmp_path / "project")
    edit(root)
    return root, build_site(root, root / "output", BuildOptions(date=date))


def _shards_made(report: BuildReport) -> set[str]:
    return {
        p.removeprefix("pagefind/").removesuffix("pagefind-entry.json").strip("/")
        for p in report.rendered
        if p.endswith("pagefind-entry.json")
    }


@pytest.mark.parametrize(
    "case",
    sweep(
        CASES,
        fast={"an issue of the newest month", "a new issue of a new month", "the only issue of a shard deleted"},
    ),
)
def test_a_rebuild_makes_only_the_shards_of_what_changed_and_equals_a_clean_build(
    published: Path, tmp_path: Path, case: str
) -> None:
    edit, expected = CASES[case]
    date = dt.date(2027, 1, 2) if "new year" in case else DATE
    root, report = _rebuild(published, tmp_path, edit, date)
    if "new year" in case:  # publish as of that day in the clean build too
        clean = tmp_path / "clean"
        for part in ("content", "computed", "templates"):
            shutil.copytree(root / part, clean / part)
        # The compute results, but no index from the cache, as in _clean.
        shutil.copytree(root / ".build-cache" / "v1", clean / ".build-cache" / "v1", ignore=_search_slots)
        build_site(clean, clean / "output", BuildOptions(date=date))
        assert tree_digest(root / "output") == tree_digest(clean / "output")
    else:
        assert tree_digest(root / "output") == _clean(root, tmp_path), "the incremental build differs from a clean one"
    assert _shards_made(report) == expected
    if case == "the only issue of a shard deleted":
        assert not (root / "output/pagefind/2025-q1").exists()


def test_a_failing_pagefind_fails_the_build_and_keeps_the_site(published: Path, tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "project"
    shutil.copytree(published, root, symlinks=True)
    before = tree_digest(root / "output")
    _replace("content/issues/2026-11-27.yaml", "intro:", "intro: Edited.")(root)
    monkeypatch.setattr("pagefind_bin.get_executable", lambda: tmp_path / "no-pagefind-here")
    monkeypatch.setenv("BUILD_SITE_WORKERS", "1")
    with pytest.raises(OutputError) as failed:
        build_site(root, root / "output", BuildOptions(date=DATE))
    assert str(failed.value).startswith("pagefind/: Pagefind could not index the issues: ")
    assert tree_digest(root / "output") == before


def test_a_build_with_the_cache_of_the_last_one_indexes_nothing_again(
    published: Path, tmp_path: Path, monkeypatch
) -> None:
    # A CI job restoring .build-cache: no output, no state, every shard's documents as before.
    root = tmp_path / "project"
    for part in ("content", "computed", "templates", ".build-cache"):
        shutil.copytree(published / part, root / part)
    monkeypatch.setattr("pagefind_bin.get_executable", lambda: tmp_path / "no-pagefind-here")
    monkeypatch.setenv("BUILD_SITE_WORKERS", "1")
    build_site(root, root / "output", BuildOptions(date=DATE))
    assert tree_digest(root / "output") == tree_digest(published / "output")


def test_check_indexes_in_memory_and_writes_nothing(project: Path) -> None:
    result = run_cli("check", "--root", project, "--date", "2026-11-28")
    assert result.exit_code == 0, result.stderr
    assert not (project / "output").exists() and not any(project.glob(".output*"))


def test_a_site_with_no_issue_has_a_search_page_saying_so(project: Path) -> None:
    for path in (project / "content" / "issues").glob("*.yaml"):
        path.write_text(path.read_text() + "draft: true\n")
    build_site(project, project / "output", BuildOptions(date=DATE))
    page = (project / "output/search/index.html").read_text()
    assert "Nothing to search yet" in page and "pagefind" not in page
    assert not (project / "output/pagefind").exists()


@pytest.mark.parametrize(
    ("edit", "rendered"),
    [
        (_replace("content/issues/2026-11-27.yaml", "intro:", "intro: Edited."), ["2026-11-27"]),
        (lambda root: write_issue(root, "2026-11-20"), ["2026-11-20"]),  # its neighbours' documents stay
        (
            _replace("templates/_search.html", "<main", "<main data-edited"),
            ["2026-11-26", "2026-11-27", "2026-11-28", *EXTRA_ISSUES],
        ),
    ],
    ids=["an issue edited", "an issue added", "the document template edited"],
)
def test_a_shard_made_again_renders_only_the_documents_that_changed(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Edit, rendered: list[str]
) -> None:
    # The other issues' documents are kept in the build state from the build before.
    root = copy_published(published, tmp_path / "project")
    eject = root / "templates" / "_search.html"
    eject.parent.mkdir(exist_ok=True)
    if not eject.exists():
        shutil.copyfile(THEME / "_search.html", eject)
        build_site(root, root / "output", BuildOptions(date=DATE))
    edit(root)
    documents: list[str] = []
    render = pages.render_template

    def counting(env: object, template: str, values: dict) -> str:
        if template == "_search.html":
            documents.append(values["issue"].page.date.isoformat())
        return render(env, template, values)

    monkeypatch.setattr(pages, "render_template", counting)
    monkeypatch.setenv("BUILD_SITE_WORKERS", "1")  # rendered here, where they are counted
    build_site(root, root / "output", BuildOptions(date=DATE))
    assert sorted(documents) == sorted(rendered)
    assert tree_digest(root / "output") == _clean(root, tmp_path), "the incremental build differs from a clean one"
