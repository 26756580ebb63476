"""What every command shares: its options from the one table (``pipeline.options``), exit statuses, error reporting."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import progress
from ..errors import BuildError
from ..pipeline import options as table

log = logging.getLogger("site_builder")

EXIT_OK, EXIT_FAILURE, EXIT_INVALID = 0, 1, 2
EXIT_GAP_TOMORROW = 3
"""``plan``: the next publication day has no issue."""
EXIT_IN_DOUBT = 4
"""``send``: nothing failed, but a message is in doubt (the connection was lost after its final ``.``)."""

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class DateType(click.ParamType):
    """A ``YYYY-MM-DD`` day, read by ``options.parse_date`` (as the no-op fast path reads it)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value is None or hasattr(value, "isoformat"):
            return value
        try:
            return table.parse_date(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DATE = DateType()
PATH_TYPES: dict[str, click.ParamType] = {
    "DIR": click.Path(file_okay=False, path_type=Path),
    "YYYY-MM-DD": DATE,
}


def option(entry: table.Option, **overrides: Any) -> Decorator:
    """The click option of a row of the table (``overrides``: another help, a default, ``required``)."""
    settings: dict[str, Any] = {"help": entry.help}
    if entry.takes_value:
        settings |= {"type": PATH_TYPES[entry.metavar or ""], "default": None, "metavar": entry.metavar}
    else:
        settings["is_flag"] = True
    if entry is table.ROOT:
        settings |= {"default": Path("."), "show_default": True}
    settings |= overrides
    return click.option(*entry.flags, entry.name, **settings)


def options(*entries: table.Option) -> Decorator:
    """The click options of these rows, in this order."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for entry in reversed(entries):
            command = option(entry)(command)
        return command

    return decorate


output_options = options(*table.OUTPUT)
"""How much a command says."""
common_options = options(table.ROOT, *table.OUTPUT)
"""Where the project is, and how much to say: every command that works on a project takes these."""


def reporting(function: Callable[..., int]) -> Callable[..., None]:
    """Run a command body; map expected errors to their exit status, anything else to 1."""

    @functools.wraps(function)
    def wrapper(*args: Any, debug: bool, quiet: bool, verbose: bool, **kwargs: Any) -> None:
        reporter = configure_logging(quiet=quiet, verbose=verbose)
        try:
            with progress.reporting(reporter):
                status = function(*args, **kwargs)
        except BuildError as exc:
            if debug:
                raise
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except click.ClickException:
            raise  # a usage error: click prints it with the command's usage
        except Exception as exc:
            if debug:
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
            sys.exit(EXIT_FAILURE)
        sys.exit(status)

    return wrapper


def configure_logging(*, quiet: bool, verbose: bool) -> progress.Reporter:
    """Send log messages to stderr; return the progress reporter that goes with them."""
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler, reporter = progress.terminal_output(sys.stderr, quiet=quiet)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    return reporter
