"""Progress of a build's stages: a rich bar on a terminal, plain log lines elsewhere, nothing when quiet.

Stages report through the module functions ``stage`` and ``advance``, which
talk to the reporter installed with ``reporting`` (by default one that does
nothing), so pipeline code never prints and tests can capture what is said.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, Protocol, TextIO

log = logging.getLogger("site_builder.progress")


class Reporter(Protocol):
    """Receives the progress of one stage at a time."""

    def start(self, stage: str, total: int | None) -> None:
        """A stage begins; ``total`` is its number of items, if known."""

    def advance(self, item: str) -> None:
        """One item of the current stage is done (``item`` names it, e.g. ``topics/perplexity``)."""

    def finish(self, failed: bool) -> None:
        """The current stage ended, successfully or not."""


class SilentReporter:
    """Says nothing: the default, and what ``--quiet`` uses."""

    def start(self, stage: str, total: int | None) -> None:
        pass

    def advance(self, item: str) -> None:
        pass

    def finish(self, failed: bool) -> None:
        pass


class LogReporter:
    """Plain lines for logs: each item and stage at debug level, and a count at info level when a stage runs long."""

    def __init__(
        self,
        logger: logging.Logger = log,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval = interval
        """Seconds between two info-level progress lines of one stage."""
        self.clock = clock
        self.stage = ""
        self.total: int | None = None
        self.done = 0
        self.started = self.last_line = 0.0

    def start(self, stage: str, total: int | None) -> None:
        self.stage, self.total, self.done = stage, total, 0
        self.started = self.last_line = self.clock()

    def advance(self, item: str) -> None:
        self.done += 1
        self.logger.debug("%s: %s", self.stage, item)
        now = self.clock()
        if now - self.last_line >= self.interval:
            self.last_line = now
            of = f"/{self.total}" if self.total is not None else ""
            self.logger.info("%s: %d%s done (%.0f s)", self.stage, self.done, of, now - self.started)

    def finish(self, failed: bool) -> None:
        elapsed = f"{self.clock() - self.started:.2f} s"
        items = f"{self.done} item{_s(self.done)}" if self.done else ""
        if failed:
            self.logger.debug("%s: failed after %s", self.stage, f"{items}, {elapsed}" if items else elapsed)
        else:
            self.logger.debug("%s: done, %s", self.stage, f"{items} in {elapsed}" if items else f"in {elapsed}")


def terminal_output(stream: TextIO, *, quiet: bool) -> tuple[logging.Handler, Reporter]:
    """The log handler and progress reporter for a command writing to ``stream``.

    A terminal gets a progress bar; anything else (a pipe, a log file, a test)
    gets plain lines; ``quiet`` gets no progress at all.
    """
    if quiet:
        return logging.StreamHandler(stream), SilentReporter()
    if stream.isatty():
        from rich.console import Console

        from .terminal import ConsoleHandler, TerminalReporter

        console = Console(file=stream)
        return ConsoleHandler(console), TerminalReporter(console)
    return logging.StreamHandler(stream), LogReporter()


_SILENT = SilentReporter()
_reporter: ContextVar[Reporter | None] = ContextVar("site_builder_reporter", default=None)


def current() -> Reporter:
    """The installed reporter (a silent one outside ``reporting``)."""
    return _reporter.get() or _SILENT


@contextlib.contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    """Install ``reporter`` for the stages run inside the ``with`` block."""
    token = _reporter.set(reporter)
    try:
        yield reporter
    finally:
        _reporter.reset(token)


@contextlib.contextmanager
def stage(name: str, total: int | None = None) -> Iterator[None]:
    """Report the stage run inside the ``with`` block."""
    reporter = current()
    reporter.start(name, total)
    try:
        yield
    except BaseException:
        reporter.finish(failed=True)
        raise
    reporter.finish(failed=False)


def advance(item: str = "") -> None:
    """One item of the current stage is done."""
    current().advance(item)


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def __getattr__(name: str) -> Any:
    # The rich progress bar is imported only on a terminal: a build in a pipe or a log never loads rich.
    if name in ("TerminalReporter", "ConsoleHandler"):
        from . import terminal

        return getattr(terminal, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
