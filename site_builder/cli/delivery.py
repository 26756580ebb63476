"""The ``build-site send`` and ``build-site subscribers`` commands (registered in ``site_builder.cli.main``).

Kept light: what sends, reads the list or the ledger is imported when a command runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..content.settings import SiteConfig
from ..errors import ConfigError, Problem
from ..pipeline.options import DATE, OUT
from .common import EXIT_FAILURE, EXIT_IN_DOUBT, EXIT_OK, common_options, option, reporting

if TYPE_CHECKING:
    from ..delivery.subscribers import Subscriber, SubscriberList

log = logging.getLogger("site_builder")

Change = Callable[["SubscriberList", "Subscriber | None"], "str | None"]
"""Changes the list, given the row of the address if there is one; says what it did (None: the address is not there)."""


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


@click.group()
def subscribers() -> None:
    """List, add or remove subscribers (the CSV file `delivery.subscribers` in site.yaml, or BUILD_SITE_SUBSCRIBERS)."""


@subscribers.command("list")
@common_options
@click.option(
    "--status", type=click.Choice(["subscribed", "unsubscribed", "bounced"]), help="Only rows with this status."
)
@reporting
def list_subscribers(root: Path, status: str | None) -> int:
    """Print the subscribers: address, status and name, one per line."""
    from ..delivery.subscribers import list_lock, read_subscribers

    path, shown = _list_path(root)
    with list_lock(path):
        rows = read_subscribers(path, shown).rows
    shown_rows = [row for row in rows if status is None or row.status == status]
    for row in shown_rows:
        click.echo(f"{row.address}\t{row.status}\t{row.name}")
    log.info("%d of %d subscribers in %s", len(shown_rows), len(rows), shown)
    return EXIT_OK


@subscribers.command("add")
@click.argument("address")
@click.option("--name", default="", help="The reader's name, for the To: header.")
@common_options
@reporting
def add_subscriber(root: Path, address: str, name: str) -> int:
    """Subscribe ADDRESS (again, if it had unsubscribed or bounced)."""
    from ..delivery.subscribers import Subscriber, row_problem

    def change(rows: SubscriberList, found: Subscriber | None) -> str:
        given = name.strip()  # as a row of the file is read
        row = Subscriber(found.address if found else address, given or (found.name if found else ""), "subscribed")
        problem = row_problem(row.address, row.name)
        if problem is not None:  # the same check as every row of the file gets before a send
            raise ConfigError(Problem(rows.shown, message=problem, hint="nothing was changed"))
        rows.set(row)
        return "subscribed again" if found and found.status != "subscribed" else "subscribed"

    return _edit(root, address, change)


@subscribers.command("remove")
@click.argument("address", metavar="ADDRESS|TOKEN")
@click.option("--forget", is_flag=True, help="Delete the row instead of marking it unsubscribed.")
@common_options
@reporting
def remove_subscriber(root: Path, address: str, forget: bool) -> int:
    """Unsubscribe ADDRESS, or the reader of an unsubscribe TOKEN (checked with BUILD_SITE_UNSUBSCRIBE_SECRET).

    The row stays, marked unsubscribed, so the address is not subscribed again by mistake; --forget deletes it.
    """
    from ..delivery.subscribers import Subscriber

    if "@" not in address:
        address = _address_of_token(root, address)

    def change(rows: SubscriberList, found: Subscriber | None) -> str | None:
        if found is None:
            return None
        if forget:
            rows.remove(found.address)
            return "deleted"
        rows.set(Subscriber(found.address, found.name, "unsubscribed"))
        return "unsubscribed"

    return _edit(root, address, change)


def _edit(root: Path, address: str, change: Change) -> int:
    """Apply ``change`` to the list under its lock and write it back atomically."""
    from ..delivery.subscribers import list_lock, read_subscribers, write_subscribers

    path, shown = _list_path(root)
    with list_lock(path):
        rows = read_subscribers(path, shown)
        what = change(rows, rows.find(address))
        if what is None:
            raise ConfigError(Problem(shown, message=f"{address} is not on the list"))
        write_subscribers(rows)
    log.info("%s: %s in %s", address, what, shown)
    return EXIT_OK


def _list_path(root: Path) -> tuple[Path, str]:
    from ..delivery.settings import subscriber_list_path

    return subscriber_list_path(root, root / "output", _site(root), os.environ)


def _address_of_token(root: Path, token: str) -> str:
    from ..delivery.settings import SECRET, list_id, unsubscribe_secret
    from ..delivery.unsubscribe import address_of_token

    address = address_of_token(unsubscribe_secret(os.environ), list_id(_site(root)), token)
    if address is None:
        raise ConfigError(Problem(SECRET.name, message=f"{token!r} is not an unsubscribe token of this list"))
    return address


def _site(root: Path) -> SiteConfig:
    """The site's settings; a broken entry elsewhere does not keep anyone on the list."""
    from ..content.load import load_site

    return load_site(root)
