"""Progress while the bundled project builds: a bar per stage on a terminal, nothing outside the stages, and
--quiet/--verbose on every command."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from site_builder import progress
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions

from ..conftest import run_cli, sweep


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


@pytest.mark.parametrize(
    "command",
    sweep(
        [
            pytest.param(command, id=command[0])
            for command in (
                ["build", "--date", "2026-11-28"],
                ["check", "--date", "2026-11-28"],
                ["new", "topic", "attention"],
            )
        ],
        fast={"build", "new"},
    ),
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
