"""The default theme and a project's overrides: the project's file wins by name, and adding, changing or removing
one rebuilds exactly what a clean build would make, rewriting only the files that changed."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import lxml.html
import pytest

from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions
from site_builder.render.theme import THEME, theme_names

from ..conftest import copy_project, eject_theme, run_cli, sweep, tree_digest
from .conftest import clean_build, copy_published, publish

DATE = dt.date(2026, 11, 28)
MARK = "<p id='ours'>our own footer line</p>"
Edit = Callable[[Path], None]


def _override(name: str, old: str, new: str) -> Edit:
    """Copy the theme's ``name`` into the project and change it there."""

    def edit(root: Path) -> None:
        path = root / "templates" / name
        if not path.exists():
            eject_theme(root, name)
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def _remove(name: str) -> Edit:
    return lambda root: (root / "templates" / name).unlink()


def _add(name: str, text: str) -> Edit:
    def edit(root: Path) -> None:
        path = root / "templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    return edit


FOOTER = _override("base.html", "</footer>", f"{MARK}</footer>")
FOOTER_AGAIN = _override("base.html", MARK, MARK.replace("our own", "our very own"))
PARTIAL = _override("_entry_meta.html", '<p class="summary">', '<p class="summary ours">')
STYLE = _override("static/style.css", "body", "/* ours */ body")

# Each case: what the project has before (applied and built first), and the change rebuilt incrementally.
CASES: dict[str, tuple[list[Edit], Edit]] = {
    "page template override added": ([], FOOTER),
    "page template override changed": ([FOOTER], FOOTER_AGAIN),
    "page template override removed": ([FOOTER], _remove("base.html")),
    "partial override added": ([], PARTIAL),
    "partial override removed": ([PARTIAL], _remove("_entry_meta.html")),
    "static file override added": ([], STYLE),
    "static file override removed": ([STYLE], _remove("static/style.css")),
    "static file of the project's own added": ([], _add("static/logo.txt", "our logo\n")),
    "static file of the project's own removed": ([_add("static/logo.txt", "our logo\n")], _remove("static/logo.txt")),
}


def _identity(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled project on the theme alone (its own overrides removed) built as of the day before and the day;
    cases copy it and make their own overrides."""
    root = copy_project(tmp_path_factory.mktemp("theme") / "project")
    shutil.rmtree(root / "templates")
    return publish(root)


@pytest.mark.parametrize(
    "case",
    sweep(
        CASES,
        fast={"page template override added", "partial override removed", "static file of the project's own added"},
    ),
)
def test_an_override_added_changed_or_removed_rebuilds_as_a_clean_build_would(
    published: Path, tmp_path: Path, case: str
) -> None:
    before_edits, edit = CASES[case]
    root = copy_published(published, tmp_path / "project")
    for setup in before_edits:
        setup(root)
    build_site(root, root / "output", BuildOptions(date=DATE))
    before, before_ids = tree_digest(root / "output"), _identity(root / "output")

    edit(root)
    build_site(root, root / "output", BuildOptions(date=DATE))
    after, after_ids = tree_digest(root / "output"), _identity(root / "output")

    assert after == clean_build(root), "the incremental build differs from a clean build"
    changed = {p for p in after if before.get(p) != after[p]}
    rewritten = {p for p in after if before_ids.get(p) != after_ids[p]}
    assert changed, "the edit changed nothing: the case tests nothing"
    assert rewritten == changed, f"rewritten but unchanged: {sorted(rewritten - changed)}"
    if case.endswith("removed") and "own" not in case:
        assert after == tree_digest(published / "output"), "without the override the site is the theme's again"


def test_the_override_is_what_the_pages_show(published: Path, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(published, root, symlinks=True)
    FOOTER(root)
    STYLE(root)
    build_site(root, root / "output", BuildOptions(date=DATE))
    pages = sorted((root / "output").glob("**/index.html"))
    assert len(pages) >= 20
    for page in [*pages, root / "output/404.html"]:
        footer = lxml.html.parse(str(page)).getroot().get_element_by_id("ours")
        assert footer.text == "our own footer line", page
    assert (root / "output/static/style.css").read_bytes() == (root / "templates/static/style.css").read_bytes()
    assert (root / "output/static/favicon.svg").read_bytes() == (THEME / "static/favicon.svg").read_bytes()


def test_theme_list_says_where_each_file_comes_from(published: Path, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(published / "content", root / "content")
    _add("static/logo.txt", "logo\n")(root)
    eject_theme(root, "entry.html")
    result = run_cli("theme", "list", "--root", root)
    assert result.exit_code == 0, result.stderr
    rows = dict(line.split("\t") for line in result.stdout.splitlines())
    assert set(rows) == {*theme_names(), "static/logo.txt"}
    assert rows["entry.html"] == "templates/"
    assert rows["static/logo.txt"] == "templates/ (not in the theme)"
    assert rows["base.html"] == rows["static/style.css"] == "theme"
