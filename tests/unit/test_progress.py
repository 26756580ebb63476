"""Progress: a bar on a terminal, plain lines elsewhere, nothing when quiet; --quiet/--verbose on every command."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from site_builder import progress


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
