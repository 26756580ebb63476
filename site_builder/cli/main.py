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
from click.core import ParameterSource

from .. import __version__, progress
from ..authoring import scaffold
from ..authoring.calendar import PLAN_DAYS, check_plan_builds, format_plan, plan_schedule
from ..content.load import load_content
from ..errors import BuildError
from ..model.schedule import build_time, resolve_publication_day
from ..pipeline.build import BuildOptions, build_site
from ..pipeline.check_all import check_project

log = logging.getLogger("site_builder")

EXIT_OK, EXIT_FAILURE, EXIT_INVALID = 0, 1, 2
EXIT_GAP_TOMORROW = 3
"""``plan``: the next publication day has no issue."""


def _common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options every command takes: where the project is, and how much to say."""
    command = _output_options(command)
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Project folder (holding content/, computed/ and, if it overrides the theme, templates/).",
    )(command)


def _output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """How much to say."""
    options = [
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
        click.option("--explain", is_flag=True, help="List every computation and why it ran or was reused."),
        click.option(
            "--no-cache", is_flag=True, help="Run every computation; neither read nor write ROOT/.build-cache."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return _publish_options(command)


def _publish_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Options saying what to publish."""
    options = [
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
        reporter = _configure_logging(quiet=quiet, verbose=verbose)
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


def _configure_logging(*, quiet: bool, verbose: bool) -> progress.Reporter:
    """Send log messages to stderr; return the progress reporter that goes with them."""
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler, reporter = progress.terminal_output(sys.stderr, quiet=quiet)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    return reporter


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@_common_options
@_build_options
@click.version_option(__version__, "--version", prog_name="build-site", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, **options: Any) -> None:
    """Build the daily newsletter site: YAML content + reference implementations -> HTML, Markdown, feed.

    Without a command, builds (same as `build-site build`). Options given before a command
    apply to it if it takes them (`build-site --date 2026-11-28 check`), and are refused if not.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(build, **options)
    else:
        _pass_down(ctx)


def _pass_down(ctx: click.Context) -> None:
    """Hand the options given before the command's name to the command; a usage error if it does not take one.

    They become the command's defaults (``default_map``): an option given after the name too wins.
    """
    name = ctx.invoked_subcommand
    assert isinstance(ctx.command, click.Group) and name is not None
    command = ctx.command.commands[name]
    given = {
        param.name: ctx.params[param.name]
        for param in ctx.command.params
        if param.name and ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE
    }
    for param in ctx.command.params:
        if param.name in given and not _takes(command, param.name):
            option = max(param.opts, key=len)
            raise click.UsageError(
                f"`build-site {name}` has no option {option} (see `build-site {name} --help`)", ctx=ctx
            )
    if given:
        ctx.default_map = {name: _defaults(command, given)}


def _takes(command: click.Command, name: str) -> bool:
    """True if ``command`` (or every command of a group) has the parameter ``name``."""
    if isinstance(command, click.Group):
        return bool(command.commands) and all(_takes(sub, name) for sub in command.commands.values())
    return any(param.name == name for param in command.params)


def _defaults(command: click.Command, given: dict[str, Any]) -> dict[str, Any]:
    """``given`` as a ``default_map`` for ``command``, nested down to each command of a group."""
    if isinstance(command, click.Group):
        return {name: _defaults(sub, given) for name, sub in command.commands.items()}
    return dict(given)


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
    options = BuildOptions(
        date=date.date() if date else None, drafts=drafts, future=future, cache=not no_cache, explain=explain
    )
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


@main.command()
@_common_options
@_publish_options
@_reporting
def check(root: Path, date: dt.datetime | None, drafts: bool, future: bool) -> int:
    """Check ROOT as a build would, and every draft and future issue too, writing nothing.

    Reports every problem as PATH:LINE:COLUMN: FIELD: MESSAGE (HINT); exit status 2 if there is any.
    """
    options = BuildOptions(date=date.date() if date else None, drafts=drafts, future=future)
    report = check_project(root, options)
    log.info(
        "no problems in %d issue%s (%d published as of %s), %d entries and %d pages",
        report.issues,
        "" if report.issues == 1 else "s",
        report.published,
        report.as_of,
        report.entries,
        report.pages,
    )
    if report.unused:
        log.info("not in any issue yet (checked on their own): %s", ", ".join(report.unused))
    return EXIT_OK


@main.command()
@_common_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on; 0 picks a free one.",
)
@click.option(
    "--date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Preview as of this day (YYYY-MM-DD).  [default: today in the site's time zone, after its publish time]",
)
@click.option("--drafts/--no-drafts", default=True, show_default=True, help="Show drafts.")
@click.option("--future/--no-future", default=True, show_default=True, help="Show issues dated after the day.")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in a web browser.")
@_reporting
def serve(
    root: Path, host: str, port: int, date: dt.datetime | None, drafts: bool, future: bool, open_browser: bool
) -> int:
    """Preview ROOT on a local web server, rebuilding and reloading the page on every save.

    The preview is built in memory: output/ is not touched. Entries no issue features yet have
    their pages too (at their usual address, marked "Not in any issue yet"), listed nowhere.
    """
    from ..serve.loop import serve_project  # imports watchfiles only when serving

    # Entries no issue features get their own pages, marked, so a new topic can be read as it is written.
    options = BuildOptions(date=date.date() if date else None, drafts=drafts, future=future, unfeatured=True)
    serve_project(root, options, host=host, port=port, open_browser=open_browser)
    return EXIT_OK


@main.command()
@_common_options
@click.option(
    "--date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="The issue's day (YYYY-MM-DD); it must be published.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write the editions into.  [default: ROOT/editions]",
)
@_reporting
def editions(root: Path, date: dt.datetime, out: Path | None) -> int:
    """Make the email and dev.to editions of one published issue, whatever the delivery window.

    A build makes them only for the issues of the delivery window (site.yaml delivery.window);
    this makes them for any published day, into their own folder (replaced as a whole).
    """
    from ..pipeline.build import make_editions
    from ..publish.folders import write_output

    out = out if out is not None else root / "editions"
    made = make_editions(root, date.date(), BuildOptions())
    write_output(made.files, out)
    log.info("wrote the editions of %s: %d files in %s", date.date(), len(made.files), out / made.issue.path)
    return EXIT_OK


@main.command()
@click.argument("kind", type=click.Choice(list(scaffold.KINDS)))
@click.argument("entry_id", metavar="[ID]", required=False)
@click.option("--topic", metavar="ID", help="For an issue: its topic.  [default: the first topic in no issue yet]")
@click.option("--problem", metavar="ID", help="For an issue: its problem.  [default: likewise]")
@click.option("--feature", metavar="ID", help="For an issue: its feature.  [default: likewise]")
@_common_options
@_reporting
def new(
    root: Path, kind: str, entry_id: str | None, topic: str | None, problem: str | None, feature: str | None
) -> int:
    """Start a new topic, problem, feature or issue from a template; never overwrites.

    ID is the entry's id (a lower-case slug) or the issue's date (YYYY-MM-DD; default: the day after the newest
    issue, or the first day whose issue has not gone out yet if that is later).
    A problem also gets its solution module in computed/. An issue starts as a draft.
    """
    existing = scaffold.read_existing(root)
    if kind == "issue":
        try:
            date = dt.date.fromisoformat(entry_id) if entry_id else None
        except ValueError:
            raise click.BadParameter(f"{entry_id!r} is not a date of the form YYYY-MM-DD", param_hint="ID") from None
        files = scaffold.issue_files(existing, date, topic=topic, problem=problem, feature=feature)
    else:
        if entry_id is None:
            raise click.UsageError(f"a new {kind} needs an ID, e.g. build-site new {kind} softmax-temperature")
        if topic or problem or feature:
            raise click.UsageError("--topic, --problem and --feature are for `build-site new issue`")
        files = scaffold.entry_files(kind, entry_id, existing)
    for path in scaffold.create_files(root, files):
        log.info("created %s", path)
    log.info(
        "edit %s, then preview it with `build-site serve` or check it with `build-site check`", next(reversed(files))
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
    as_of, why = resolve_publication_day(site, date.date() if date else None, build_time())
    log.info("planning after %s (%s)", as_of, why)
    schedule = plan_schedule(content, as_of, days)
    check_plan_builds(root, schedule)
    click.echo(format_plan(schedule, site.timezone, site.publish_time, site.delivery.window), nl=False)
    return EXIT_GAP_TOMORROW if schedule.gap_tomorrow else EXIT_OK


# Delivery (``build-site send`` and ``build-site subscribers``) lives in its own package and uses the helpers above.
from .delivery import send, subscribers  # noqa: E402

main.add_command(send)
main.add_command(subscribers)

# Starting a project and changing its look (``build-site init`` and ``build-site theme``).
from .project import init, theme_group  # noqa: E402

main.add_command(init)
main.add_command(theme_group)
