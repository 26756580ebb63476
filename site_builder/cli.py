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
from .load import load_content
from .plan import PLAN_DAYS, check_plan_builds, format_plan, plan_schedule
from .schedule import resolve_publication_day

log = logging.getLogger("site_builder")

EXIT_OK, EXIT_FAILURE, EXIT_INVALID = 0, 1, 2
EXIT_GAP_TOMORROW = 3
"""``build-site plan``: nothing goes out on the next publication day."""


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
def build(root: Path, out: Path | None, date: dt.datetime | None, drafts: bool, future: bool) -> int:
    """Build ROOT into the output folder (atomically: on error the old output stays)."""
    out = out if out is not None else root / "output"
    options = BuildOptions(date=date.date() if date else None, drafts=drafts, future=future)
    report = build_site(root, out, options)
    log.info(
        "published %d issue%s as of %s: %d files in %s",
        report.issues,
        "" if report.issues == 1 else "s",
        report.as_of,
        report.files,
        out,
    )
    return EXIT_OK


@main.command()
@_common_options
@click.option(
    "--date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Plan the days after this publication day (YYYY-MM-DD).  [default: as a build would publish now]",
)
@click.option(
    "--days", type=click.IntRange(1, 366), default=PLAN_DAYS, show_default=True, help="How many days to look ahead."
)
@_reporting
def plan(root: Path, date: dt.datetime | None, days: int) -> int:
    """List the issue going out on each of the next days, gaps, reused entries and drafts that are due.

    The issues due in that time are built in a scratch folder, so content that would
    fail on its day fails now. Exit status: 0 if the next publication day has an issue,
    3 if it has none (a gap to fill), 2 if the content is invalid, 1 on any other failure.
    """
    content = load_content(root)
    site = content.site.model
    as_of, why = resolve_publication_day(site, date.date() if date else None, dt.datetime.now(dt.UTC))
    log.info("planning after %s (%s)", as_of, why)
    schedule = plan_schedule(content, as_of, days)
    check_plan_builds(root, schedule)
    click.echo(format_plan(schedule, site.timezone, site.publish_time), nl=False)
    return EXIT_GAP_TOMORROW if schedule.gap_tomorrow else EXIT_OK
