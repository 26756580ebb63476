"""The no-op check: nothing changed means nothing to do, at once; any change means a real build."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from site_builder.cli.launch import plain_build
from site_builder.incremental import scan
from site_builder.incremental.state import NAME, state_folder
from site_builder.pipeline import noop
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions, options_key

from ..conftest import copy_project, eject_theme
from .conftest import copy_published

DATE = dt.date(2026, 11, 28)
MINUTE = 60_000_000_000


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = eject_theme(copy_project(tmp_path_factory.mktemp("stamped") / "project"), "base.html", "static/style.css")
    build_site(root, root / "output", BuildOptions(date=DATE))
    return root


@pytest.fixture
def project(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of a built project, rebuilt, with stats taken a minute after the files were written (none is 'racy')."""
    root = copy_published(built, tmp_path / "project")
    real = scan.clock
    monkeypatch.setattr(scan, "clock", lambda: real() + MINUTE)
    build_site(root, root / "output", BuildOptions(date=DATE))
    return root


def _up_to_date(root: Path, **options: object) -> bool:
    out = Path(str(options.pop("out", root / "output")))
    build = BuildOptions(**{"date": DATE, **options})  # type: ignore[arg-type]
    return noop.up_to_date(root, out, options_key(root, out, build), state_folder(out) / NAME) is not None


def test_nothing_changed_means_up_to_date(project: Path) -> None:
    assert _up_to_date(project)


def _edit(relative: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        with (root / relative).open("a", encoding="utf-8") as handle:
            handle.write("\n")

    return edit


def _touch_output(root: Path) -> None:
    path = root / "output/index.html"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1))


CHANGES: dict[str, Callable[[Path], None]] = {
    "content edited": _edit("content/topics/perplexity.yaml"),
    "content added": lambda root: (root / "content/features/new.yaml").write_text("id: new\n"),
    "content removed": lambda root: (root / "content/issues/2026-11-27.yaml").unlink(),
    "template edited": _edit("templates/base.html"),
    "static file edited": _edit("templates/static/style.css"),
    "theme template overridden": lambda root: eject_theme(root, "entry.html"),
    "override removed": lambda root: (root / "templates/base.html").unlink(),
    "computed module edited": _edit("computed/perplexity.py"),
    "computed data added": lambda root: (root / "computed/table.csv").write_text("1,2\n"),
    "output touched": _touch_output,
    "output removed": lambda root: (root / "output/archive/index.html").unlink(),
    "output marker changed": _edit("output/.build-site"),
    "output replaced": lambda root: shutil.rmtree(root / "output"),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_any_change_means_a_real_build(project: Path, change: str) -> None:
    CHANGES[change](project)
    assert not _up_to_date(project)


@pytest.mark.parametrize(
    "options",
    [{"date": dt.date(2026, 11, 27)}, {"drafts": True}, {"future": True}, {"date": None}],
    ids=["another day", "drafts", "future", "no date"],
)
def test_other_options_mean_a_real_build(project: Path, options: dict[str, object]) -> None:
    assert not _up_to_date(project, **options)


def test_another_output_folder_means_a_real_build(project: Path, tmp_path: Path) -> None:
    assert not _up_to_date(project, out=tmp_path / "elsewhere")


def test_a_file_edited_just_before_the_build_is_not_trusted(
    built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The window is widened so that both builds fall inside it however loaded the machine is (two builds
    # took more than the real two seconds under coverage on two busy cores).
    monkeypatch.setattr(scan, "RACY_NS", 600 * 10**9)
    root = tmp_path / "project"
    shutil.copytree(built, root, symlinks=True)
    _edit("content/topics/perplexity.yaml")(root)
    build_site(root, root / "output", BuildOptions(date=DATE))  # stats taken right after the edit
    assert not _up_to_date(root), "an edit in the same timestamp tick could go unseen"
    build_site(root, root / "output", BuildOptions(date=DATE))
    assert not _up_to_date(root)  # still within the window of the edit


def test_without_a_date_the_stamp_holds_until_the_publication_day_changes(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    berlin = dt.timezone(dt.timedelta(hours=1))
    at = lambda hour: str(int(dt.datetime(2026, 11, 28, hour, 0, tzinfo=berlin).timestamp()))  # noqa: E731
    monkeypatch.setenv("SOURCE_DATE_EPOCH", at(8))
    build_site(project, project / "output", BuildOptions())
    assert _up_to_date(project, date=None)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", at(6))  # before the 07:00 publish time: another day
    assert not _up_to_date(project, date=None)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")
    assert not _up_to_date(project, date=None)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {}),
        (
            ["build", "--root", "site", "--date", "2026-11-28", "-q"],
            {"root": "site", "date": "2026-11-28", "quiet": True},
        ),
        (
            ["--out=public", "--drafts", "--future", "-v"],
            {"out": "public", "drafts": True, "future": True, "verbose": True},
        ),
        (
            ["-q", "--date", "2026-11-28", "build", "--root", "site"],
            {"quiet": True, "date": "2026-11-28", "root": "site"},
        ),
        (["build", "build"], None),
        (["--explain"], None),
        (["--no-cache"], None),
        (["check"], None),
        (["--help"], None),
        (["--date", "tomorrow"], None),
        (["--root"], None),
    ],
)
def test_only_a_plain_build_is_checked_before_the_cli(argv: list[str], expected: dict[str, object] | None) -> None:
    assert plain_build(argv) == expected


def _published_files(out: Path) -> int:
    """The files a reader gets: everything in the output folder but build-site's own marker."""
    return sum(1 for p in out.rglob("*") if p.is_file() and p.name != ".build-site")


@pytest.mark.parametrize(
    "before",
    [
        lambda root: None,
        lambda root: shutil.rmtree(state_folder(root / "output")),
        lambda root: (root / "content/issues/2026-11-27.yaml").unlink(),
    ],
    ids=["unchanged", "no state", "an issue removed"],
)
def test_the_no_op_reports_the_files_the_build_reported(project: Path, before: Callable[[Path], None]) -> None:
    before(project)
    out = project / "output"
    report = build_site(project, out, BuildOptions(date=DATE))
    stamp = noop.up_to_date(project, out, options_key(project, out, BuildOptions(date=DATE)), state_folder(out) / NAME)
    assert stamp is not None
    assert stamp["files"] == report.files == _published_files(out)


def test_the_build_after_the_check_starts_from_the_stats_the_check_took(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from site_builder.cli.launch import nothing_to_do

    topic = project / "content/topics/perplexity.yaml"
    topic.write_text(topic.read_text().replace("title: Perplexity", "title: Perplexity, edited", 1))
    real, calls = scan.file_stats, []
    monkeypatch.setattr(scan, "file_stats", lambda root: calls.append(root) or real(root))
    argv = ["--root", str(project), "--date", DATE.isoformat(), "-q"]
    assert not nothing_to_do(argv)
    report = build_site(project, project / "output", BuildOptions(date=DATE))
    assert len(calls) == 1 and report.read == ("content/topics/perplexity.yaml",)
    assert "Perplexity, edited" in (project / "output/topics/perplexity/index.html").read_text()
    # Handed over once: the next build stats the files itself, and sees an edit made since.
    topic.write_text(topic.read_text().replace("Perplexity, edited", "Perplexity, edited twice", 1))
    assert build_site(project, project / "output", BuildOptions(date=DATE)).read == ("content/topics/perplexity.yaml",)
    assert len(calls) == 2


def test_stats_taken_for_one_project_are_not_used_for_another(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scan.hand_over(scan.Snapshot(os.path.abspath(project / "elsewhere"), scan.clock(), {}))
    topic = project / "content/topics/perplexity.yaml"
    topic.write_text(topic.read_text().replace("title: Perplexity", "title: Perplexity, edited", 1))
    assert build_site(project, project / "output", BuildOptions(date=DATE)).read == ("content/topics/perplexity.yaml",)
