"""The progress bar and log lines of a build run on a terminal, drawn with rich (imported only there)."""

from __future__ import annotations

import logging

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text


class _CountColumn(ProgressColumn):
    """``3/9`` when the total is known, else just the count."""

    def render(self, task: Task) -> Text:
        done = int(task.completed)
        return Text(f"{done}/{int(task.total)}" if task.total is not None else str(done), style="progress.download")


class TerminalReporter:
    """A transient rich progress bar per stage, on the console that log messages also go to."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def start(self, stage: str, total: int | None) -> None:
        self.finish(failed=False)
        self.progress = Progress(
            TextColumn("[bold]{task.description:<8}"),
            BarColumn(),
            _CountColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[item]}", style="dim"),
            console=self.console,
            transient=True,
        )
        self.task = self.progress.add_task(stage, total=total, item="")
        self.progress.start()

    def advance(self, item: str) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, advance=1, item=item)

    def finish(self, failed: bool) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
            self.task = None


class ConsoleHandler(logging.Handler):
    """Log records printed through a rich console, so that they appear above a live progress bar."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console.print(self.format(record), markup=False, highlight=False, emoji=False, soft_wrap=True)
        except Exception:
            self.handleError(record)
