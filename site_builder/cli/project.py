"""The ``build-site init`` and ``build-site theme`` commands (registered in ``site_builder.cli.main``): start a project, change its look."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from ..authoring import init as starting
from ..render import theme
from .main import EXIT_OK, _common_options, _output_options, _reporting

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
@_output_options
@_reporting
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
@_common_options
@_reporting
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
@_common_options
@_reporting
def eject(root: Path, names: tuple[str, ...]) -> int:
    """Copy the theme's NAME (e.g. base.html, static/style.css) into ROOT/templates/ to change it; never overwrites.

    The project's file then replaces the theme's in every build.
    """
    for path in theme.eject(root, names):
        log.info("created %s: edit it to change the site", path)
    return EXIT_OK
