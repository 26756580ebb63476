"""The commands that help authors: ``new``, ``plan``, ``init`` (a new project) and ``theme`` (its look)."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path

import click

from ..authoring import init as starting
from ..authoring import scaffold
from ..authoring.calendar import PLAN_DAYS, check_plan_builds, format_plan, plan_schedule
from ..content.load import load_content
from ..model.schedule import build_time, resolve_publication_day
from ..pipeline.options import DATE, OUT, parse_date
from ..render import theme
from .common import EXIT_GAP_TOMORROW, EXIT_OK, common_options, option, output_options, reporting

log = logging.getLogger("site_builder")

_SETTINGS = {  # setting -> (what a prompt asks, the option's metavar, its help)
    "title": ("Title", "TEXT", "The newsletter's name.  [default: from FOLDER's name]"),
    "base_url": ("Base URL", "URL", "Address the site is served from, ending in /.  [default: https://example.org/]"),
    "timezone": (
        "Time zone",
        "ZONE",
        "IANA time zone in which issue dates are days, e.g. Europe/Berlin.  [default: this machine's, else UTC]",
    ),
    "author": ("Author", "TEXT", "Author or publisher.  [default: The editors of TITLE]"),
    "sender": (
        "Sender of the emails",
        "'NAME <ADDRESS>'",
        "From: of the emails.  [default: TITLE <newsletter@HOST of the base URL>]",
    ),
}


def _setting_options(command: click.Command) -> click.Command:
    for name in reversed(starting.SETTINGS):
        _, metavar, help_text = _SETTINGS[name]
        command = click.option(starting.option(name), name, metavar=metavar, help=help_text)(command)
    return command


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@_setting_options
@click.option(
    "--force", is_flag=True, help="Also start the project in a folder that is not empty; no file is ever overwritten."
)
@click.option("--defaults", is_flag=True, help="Take the default of each setting not given, without asking.")
@output_options
@reporting
def init(folder: Path, force: bool, defaults: bool, **given: str | None) -> int:
    """Start a new newsletter in FOLDER: settings, an example issue, the daily publish workflow and a README.

    Settings not given as options are asked for on a terminal (Enter takes the default), else take their
    defaults. The project builds and passes `build-site check` as created. Refuses (exit status 2, nothing
    written) a folder that is not empty unless --force, and never overwrites a file.
    """
    starting.refuse_non_empty(folder, force=force)
    ask = not defaults and on_terminal()
    chosen = starting.checked(given)  # the options given: all wrong ones are reported before anything is asked
    for name in starting.SETTINGS:
        value = chosen.get(name)
        if value is None and ask:
            try:
                value = click.prompt(
                    _SETTINGS[name][0],
                    default=starting.default(name, folder, chosen),
                    value_proc=lambda text, name=name: _checked(name, text),
                )
            except click.Abort:  # Ctrl-C or the end of input while asking: nothing is written
                raise KeyboardInterrupt from None
        chosen[name] = value if value is not None else starting.default(name, folder, chosen)
    settings = starting.Settings(**starting.checked(chosen))  # a default made of the folder's name may be wrong too
    for path in starting.init_project(folder, settings, force=force):
        log.debug("created %s", path)
    log.info(
        "started %s in %s: build it with `cd %s && build-site`, preview it with `build-site serve`",
        chosen["title"],
        folder,
        folder,
    )
    return EXIT_OK


def on_terminal() -> bool:
    """Whether settings can be asked for: someone is at the keyboard."""
    return sys.stdin.isatty()


def _checked(name: str, text: str) -> str:
    try:
        return starting.check(name, text)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None  # click asks again


@click.group("theme")
def theme_group() -> None:
    """List the default theme's templates and static files, or copy one into templates/ to change it."""


@theme_group.command("list")
@common_options
@reporting
def list_theme(root: Path) -> int:
    """Print every template and static file a build uses, and where it comes from (theme or templates/)."""
    for file in theme.used_files(root):
        where = "templates/" if file.overridden else "theme"
        if file.overridden and file.name not in theme.theme_names():
            where += " (not in the theme)"
        click.echo(f"{file.name}\t{where}")
    return EXIT_OK


@theme_group.command("eject")
@click.argument("names", metavar="NAME...", nargs=-1, required=True)
@common_options
@reporting
def eject(root: Path, names: tuple[str, ...]) -> int:
    """Copy the theme's NAME (e.g. base.html, static/style.css) into ROOT/templates/ to change it; never overwrites.

    The project's file then replaces the theme's in every build.
    """
    for path in theme.eject(root, names):
        log.info("created %s: edit it to change the site", path)
    return EXIT_OK


@click.command()
@click.argument("kind", type=click.Choice(list(scaffold.KINDS)))
@click.argument("entry_id", metavar="[ID]", required=False)
@click.option("--topic", metavar="ID", help="For an issue: its topic.  [default: the first topic in no issue yet]")
@click.option("--problem", metavar="ID", help="For an issue: its problem.  [default: likewise]")
@click.option("--feature", metavar="ID", help="For an issue: its feature.  [default: likewise]")
@common_options
@reporting
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
            date = parse_date(entry_id) if entry_id else None
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="ID") from None
        files = scaffold.issue_files(existing, date, topic=topic, problem=problem, feature=feature)
    else:
        if entry_id is None:
            raise click.UsageError(f"a new {kind} needs an ID, e.g. build-site new {kind} softmax-temperature")
        if topic or problem or feature:
            raise click.UsageError("--topic, --problem and --feature are for `build-site new issue`")
        files = scaffold.entry_files(kind, entry_id, existing)
    for path in scaffold.create_files(root, files):
        log.info("created %s", path)
    for note in scaffold.issue_notes(existing, files, date_given=entry_id is not None) if kind == "issue" else ():
        log.info("%s", note)
    log.info(
        "edit %s, then preview it with `build-site serve` or check it with `build-site check`", next(reversed(files))
    )
    return EXIT_OK


@click.command()
@common_options
@option(DATE, help="Plan the days after this publication day (YYYY-MM-DD).  [default: as a build would publish now]")
@click.option(
    "--days", type=click.IntRange(1, 366), default=PLAN_DAYS, show_default=True, help="How many days to look ahead."
)
@reporting
def plan(root: Path, date: dt.date | None, days: int) -> int:
    """List the issue going out on each of the next days, gaps, reused entries and drafts that are due.

    The issues due in that time are built in a scratch folder, so content that would
    fail on its day fails now. Exit status: 0 if the next publication day has an issue,
    3 if it has none (a gap to fill), 2 if the content is invalid, 1 on any other failure.
    """
    content = load_content(root)
    site = content.site.model
    as_of, why = resolve_publication_day(site, date, build_time())
    log.info("planning after %s (%s)", as_of, why)
    schedule = plan_schedule(content, as_of, days)
    check_plan_builds(root, schedule)
    click.echo(format_plan(schedule, site.timezone, site.publish_time, site.delivery.window), nl=False)
    return EXIT_GAP_TOMORROW if schedule.gap_tomorrow else EXIT_OK


@click.command()
@common_options
@option(OUT, help="Write the reference into this file instead of printing it.")
@reporting
def docs(root: Path, out: Path | None) -> int:
    """Print the authoring reference: every field of every content file, the notation formulas are checked in.

    It is generated from the installed build-site's own models, with the project's own files (ROOT) as
    examples, so it always matches the build-site that checks the content. On a terminal it opens in a pager.
    """
    from ..authoring.reference import authoring_reference

    text = authoring_reference(root)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        log.info("wrote the authoring reference to %s", out)
    elif sys.stdout.isatty():
        click.echo_via_pager(text)
    else:
        click.echo(text, nl=False)
    return EXIT_OK
