"""The ``build-site send`` command (registered in ``site_builder.cli.main``; the list's commands are in ``subscribers``).

Kept light: what sends, reads the list or the ledger is imported when a command runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path

import click

from ..errors import ConfigError, Problem
from ..pipeline.options import DATE, OUT
from .common import EXIT_FAILURE, EXIT_IN_DOUBT, EXIT_OK, common_options, option, reporting

log = logging.getLogger("site_builder")


@click.command()
@common_options
@option(
    OUT,
    help=(
        "Output folder the site is published to: the subscriber list and the ledger may not be inside it, and a "
        "ledger an older build-site kept beside it is moved to delivery.ledger.  [default: ROOT/output]"
    ),
)
@option(
    DATE,
    help="Send the issue of this day (YYYY-MM-DD).  [default: the publication day: today in the site's time zone, after its publish time]",
)
@click.option("--dry-run", is_flag=True, help="List who would get the issue and who not, and why; send nothing.")
@click.option("--resend", is_flag=True, help="Send again to readers who have the issue (or may have it).")
@click.option("--yes", is_flag=True, help="Confirm --resend to every reader without being asked (no terminal).")
@click.option(
    "--to",
    "only",
    multiple=True,
    metavar="ADDRESS",
    help="Send only to this subscriber (repeatable), e.g. with --resend to one reader.",
)
@reporting
def send(
    root: Path,
    out: Path | None,
    date: dt.date | None,
    dry_run: bool,
    resend: bool,
    yes: bool,
    only: tuple[str, ...],
) -> int:
    """Send the day's issue to every subscriber, each exactly once, over SMTP.

    Refuses (exit status 2, nothing sent) an issue that is not published, a bad row in the subscriber list or
    missing settings. Exit status 1 when a message could not be delivered (the summary says which; a rerun sends
    only what is missing), 4 when nothing failed but a message is in doubt (the server may or may not have it).
    """
    from ..delivery.send import SendOptions, send_issue

    if resend and not only and not dry_run:
        _confirm_resend_to_everyone(yes)
    options = SendOptions(date=date, dry_run=dry_run, resend=resend, only=only)
    report = send_issue(root, out if out is not None else root / "output", options)
    if dry_run:
        for address in report.sent:
            click.echo(f"send  {address}")
        for address, why in report.skipped.items():
            click.echo(f"skip  {address}: {why}")
        if report.size is not None:
            log.info("%s", report.size)
    log.info("%s", report.summary())
    for address, why in report.failed.items():
        log.warning("  failed: %s: %s", address, why)
    for address in report.bounced:
        log.warning("  marked bounced: %s", address)
    for address, why in report.in_doubt.items():
        log.warning("  in doubt: %s: %s", address, why)
    if report.in_doubt and not dry_run:
        log.warning(
            "%d message%s in doubt: the server may or may not have taken %s (%s); look them up in its log, and "
            "`build-site send --resend --to ADDRESS` sends one again",
            len(report.in_doubt),
            "" if len(report.in_doubt) == 1 else "s",
            "it" if len(report.in_doubt) == 1 else "them",
            ", ".join(report.in_doubt),
        )
    return {"ok": EXIT_OK, "failed": EXIT_FAILURE, "in doubt": EXIT_IN_DOUBT}[report.status]


def _confirm_resend_to_everyone(yes: bool) -> None:
    """``--resend`` without ``--to`` mails every reader again: asked on a terminal, ``--yes`` elsewhere."""
    if yes:
        return
    if sys.stdin.isatty():
        click.confirm(
            "--resend without --to sends the issue again to every subscriber, also those who have it. Go on?",
            abort=True,
        )
        return
    raise ConfigError(
        Problem(
            "--resend",
            message="without --to it sends the issue again to every subscriber, also those who have it",
            hint="add --yes to do that, or name the readers with --to ADDRESS",
        )
    )
