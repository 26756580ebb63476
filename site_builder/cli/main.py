"""The ``build-site`` command group: its commands, and the options given before a command's name handed down to it."""

from __future__ import annotations

from typing import Any

import click
from click.core import ParameterSource

from .. import __version__
from ..pipeline.options import BUILD
from .authoring import docs, init, new, plan, theme_group
from .common import options
from .delivery import send
from .site import build, check, editions, serve
from .subscribers import subscribers, subscriptions


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@options(*BUILD)
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


for command in (build, check, serve, editions, new, plan, init, theme_group, docs, send, subscribers, subscriptions):
    main.add_command(command)
