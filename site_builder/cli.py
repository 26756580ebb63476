"""The ``build-site`` command line: expected errors become a clean message and an exit status."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .build import BuildOptions, build_site
from .errors import BuildError

log = logging.getLogger("site_builder")

EXIT_OK, EXIT_FAILURE, EXIT_INVALID = 0, 1, 2


def _common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options every command takes: where the project is, and how much to say."""
    options = [
        click.option(
            "--root",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("."),
            show_default=True,
            help="Project folder (holding content/, templates/, computed/).",
        ),
        click.option("--debug", is_flag=True, help="Show a traceback for errors."),
        click.option("-q", "--quiet", is_flag=True, help="Print only errors."),
        click.option("-v", "--verbose", is_flag=True, help="Print each step."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _build_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options of a build: where to write, and what to publish."""
    options = [
        click.option(
            "--out",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Output folder.  [default: ROOT/output]",
        ),
        click.option(
            "--date",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            default=None,
            help="Publish as of this day (YYYY-MM-DD).  [default: today in the site's time zone, after its publish time]",
        ),
        click.option("--drafts", is_flag=True, help="Also publish drafts (preview)."),
        click.option("--future", is_flag=True, help="Also publish issues dated after the publication day (preview)."),
        click.option("--explain", is_flag=True, help="List every computation and why it ran or was reused."),
        click.option(
            "--no-cache", is_flag=True, help="Run every computation; neither read nor write ROOT/.build-cache."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _reporting(function: Callable[..., int]) -> Callable[..., None]:
    """Run a command body; map expected errors to their exit status, anything else to 1."""

    @functools.wraps(function)
    def wrapper(*args: Any, debug: bool, quiet: bool, verbose: bool, **kwargs: Any) -> None:
        _configure_logging(quiet=quiet, verbose=verbose)
        try:
            status = function(*args, **kwargs)
        except BuildError as exc:
            if debug:
                raise
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as exc:
            if debug:
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
            sys.exit(EXIT_FAILURE)
        sys.exit(status)

    return wrapper


def _configure_logging(*, quiet: bool, verbose: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@_common_options
@_build_options
@click.pass_context
def main(ctx: click.Context, **options: Any) -> None:
    """Build the daily newsletter site: YAML content + reference implementations -> HTML, Markdown, feed.

    Without a command, builds (same as `build-site build`).
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(build, **options)


@main.command()
@_common_options
@_build_options
@_reporting
def build(
    root: Path,
    out: Path | None,
    date: dt.datetime | None,
    drafts: bool,
    future: bool,
    explain: bool,
    no_cache: bool,
) -> int:
    """Build ROOT into the output folder (atomically: on error the old output stays)."""
    out = out if out is not None else root / "output"
    options = BuildOptions(date=date.date() if date else None, drafts=drafts, future=future, cache=not no_cache)
    report = build_site(root, out, options)
    if explain:
        for computation in report.computations:
            click.echo(str(computation))
    log.info(
        "published %d issue%s as of %s: %d files in %s",
        report.issues,
        "" if report.issues == 1 else "s",
        report.as_of,
        report.files,
        out,
    )
    return EXIT_OK
