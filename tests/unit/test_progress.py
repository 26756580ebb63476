"""Progress: a bar on a terminal, plain lines elsewhere, nothing when quiet; --quiet/--verbose on every command."""

from __future__ import annotations

import io
import logging
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from site_builder import progress
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions

from ..conftest import run_cli


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_log_reporter_says_each_item_at_debug_and_counts_at_info_when_slow(caplog: pytest.LogCaptureFixture) -> None:
    clock = _Clock()
    reporter = progress.LogReporter(logging.getLogger("test.progress"), interval=5.0, clock=clock)
    caplog.set_level(logging.DEBUG, logger="test.progress")
    with progress.reporting(reporter), progress.stage("compute", total=3):
        clock.now += 1.0
        progress.advance("topics/a")
        clock.now += 5.0  # a slow item: worth an info line
        progress.advance("topics/b")
        clock.now += 1.0
        progress.advance("topics/c")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("DEBUG", "compute: topics/a"),
        ("DEBUG", "compute: topics/b"),
        ("INFO", "compute: 2/3 done (6 s)"),
        ("DEBUG", "compute: topics/c"),
        ("DEBUG", "compute: done, 3 items in 7.00 s"),
    ]


def test_a_failed_stage_is_reported_as_failed(caplog: pytest.LogCaptureFixture) -> None:
    clock = _Clock()
    caplog.set_level(logging.DEBUG, logger="test.progress")
    reporter = progress.LogReporter(logging.getLogger("test.progress"), clock=clock)
    with pytest.raises(ValueError), progress.reporting(reporter), progress.stage("load"):
        clock.now += 0.25
        raise ValueError("boom")
    assert caplog.records[-1].getMessage() == "load: failed after 0.25 s"


def test_terminal_reporter_draws_a_bar_per_stage(project: Path, tmp_path: Path) -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100)
    with progress.reporting(progress.TerminalReporter(console)):
        build_site(project, tmp_path / "out", BuildOptions(date=None))
    drawn = stream.getvalue()
    entries = sum(
        1 for folder in ("topics", "problems", "features") for _ in (project / "content" / folder).glob("*.yaml")
    )
    for stage in ("load", "compute", "render", "links", "write"):
        assert stage in drawn
    assert f"{entries}/{entries}" in drawn, "the compute bar counts entries"
    assert "━" in drawn, "a bar is drawn"
    assert (tmp_path / "out/index.html").is_file()


def test_outside_reporting_stages_are_silent(project: Path, tmp_path: Path) -> None:
    assert isinstance(progress.current(), progress.SilentReporter)
    build_site(project, tmp_path / "out", BuildOptions())


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_output_depends_on_the_stream_and_quiet() -> None:
    handler, reporter = progress.terminal_output(_Tty(), quiet=False)
    assert isinstance(handler, progress.ConsoleHandler) and isinstance(reporter, progress.TerminalReporter)
    handler, reporter = progress.terminal_output(io.StringIO(), quiet=False)
    assert type(handler) is logging.StreamHandler and isinstance(reporter, progress.LogReporter)
    handler, reporter = progress.terminal_output(_Tty(), quiet=True)
    assert type(handler) is logging.StreamHandler and isinstance(reporter, progress.SilentReporter)


def test_console_handler_prints_text_as_it_is() -> None:
    stream = io.StringIO()
    handler = progress.ConsoleHandler(Console(file=stream, force_terminal=False, width=200))
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.emit(logging.makeLogRecord({"msg": "content/x.yaml:1:2: [bold]not markup[/bold] :smile:"}))
    assert stream.getvalue() == "content/x.yaml:1:2: [bold]not markup[/bold] :smile:\n"


@pytest.mark.parametrize(
    "command",
    [
        ["build", "--date", "2026-11-28"],
        ["check", "--date", "2026-11-28"],
        ["new", "topic", "attention"],
    ],
)
def test_quiet_prints_nothing_and_verbose_prints_each_step(project: Path, command: list[str]) -> None:
    def undo() -> None:
        """Each run does the same work: a new entry is removed, a build's output and state too."""
        if command[0] == "new":
            (project / "content/topics/attention.yaml").unlink()
        for made in ("output", ".output.build-state"):
            shutil.rmtree(project / made, ignore_errors=True)

    quiet = run_cli(*command, "--root", project, "--quiet")
    assert (quiet.exit_code, quiet.stderr, quiet.stdout) == (0, "", "")
    undo()
    normal = run_cli(*command, "--root", project)
    undo()
    verbose = run_cli(*command, "--root", project, "--verbose")
    assert normal.exit_code == verbose.exit_code == 0
    assert normal.stderr and set(normal.stderr.splitlines()) <= set(verbose.stderr.splitlines())
    if command[0] != "new":
        assert "compute: topics/perplexity" in verbose.stderr
        assert "compute: topics/perplexity" not in normal.stderr
