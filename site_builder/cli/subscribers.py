"""The ``build-site subscribers`` and ``build-site subscriptions`` commands: the store, and the service that changes it.

Kept light: the store and the service are imported when a command runs.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ConfigError, Problem
from .common import EXIT_OK, common_options, reporting

if TYPE_CHECKING:
    from ..delivery.store import Store

log = logging.getLogger("site_builder")
STATUS_CHOICE = click.Choice(["pending", "subscribed", "unsubscribed", "bounced", "complained"])


@click.group()
def subscribers() -> None:
    """The subscribers: list, add, remove, import and export them, forget one, read bounces (`delivery.subscribers`)."""


@subscribers.command("list")
@common_options
@click.option("--status", type=STATUS_CHOICE, help="Only readers with this status.")
@reporting
def list_subscribers(root: Path, status: str | None) -> int:
    """Print the subscribers: address, status and name, one per line."""
    with _store(root) as store:
        rows = store.rows()
    shown_rows = [row for row in rows if status is None or row.status == status]
    for row in shown_rows:
        click.echo(f"{row.address}\t{row.status}\t{row.name}")
    log.info("%d of %d subscribers in %s", len(shown_rows), len(rows), store.shown)
    return EXIT_OK


@subscribers.command("add")
@click.argument("address")
@click.option("--name", default="", help="The reader's name, for the To: header.")
@common_options
@reporting
def add_subscriber(root: Path, address: str, name: str) -> int:
    """Subscribe ADDRESS (again, if it had left): its consent is recorded as given on the command line."""
    with _store(root) as store:
        found = store.find(address)
        store.subscribe(
            found.address if found else address,
            name.strip() or (found.name if found else ""),
            "cli",
            "build-site subscribers add",
        )
    what = "subscribed again" if found and found.status != "subscribed" else "subscribed"
    log.info("%s: %s in %s", address, what, store.shown)
    return EXIT_OK


@subscribers.command("remove")
@click.argument("address", metavar="ADDRESS|TOKEN")
@common_options
@reporting
def remove_subscriber(root: Path, address: str) -> int:
    """Unsubscribe ADDRESS, or the reader of an unsubscribe TOKEN (checked with BUILD_SITE_UNSUBSCRIBE_SECRET).

    The reader's record stays, marked unsubscribed; `subscribers forget` erases it.
    """
    with _store(root) as store:
        reader = store.find(address) if "@" in address else _reader_of_token(root, store, address)
        if reader is None:
            raise ConfigError(Problem(store.shown, message=f"{address} is not on the list"))
        changed = store.set_status(reader.id, "unsubscribed", "cli", "build-site subscribers remove")
    log.info("%s: %s in %s", reader.address, "unsubscribed" if changed else f"already {reader.status}", store.shown)
    return EXIT_OK


@subscribers.command("forget")
@click.argument("address")
@common_options
@reporting
def forget_subscriber(root: Path, address: str) -> int:
    """Erase ADDRESS and everything kept about it (consent, history, bounces): a reader who asks to be forgotten."""
    with _store(root) as store:
        if not store.forget(address):
            raise ConfigError(Problem(store.shown, message=f"{address} is not on the list"))
    log.info("%s: forgotten in %s", address, store.shown)
    return EXIT_OK


@subscribers.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@common_options
@reporting
def import_subscribers(root: Path, file: Path) -> int:
    """Add the rows of a CSV FILE (columns address, name, status); readers already in the store are left as they are.

    Every row is checked first, as `send` checks them: one bad row and nothing is imported.
    """
    from ..delivery.subscribers import read_subscribers

    rows = read_subscribers(file, str(file)).rows
    with _store(root) as store:
        added, kept = store.import_rows(rows, f"imported from {file.name}")
    log.info("%d added, %d already in %s", added, kept, store.shown)
    return EXIT_OK


@subscribers.command("export")
@click.argument("address", required=False)
@common_options
@reporting
def export_subscribers(root: Path, address: str | None) -> int:
    """Write every subscriber as CSV (address, name, status, consent) to standard output; or ADDRESS's data as JSON."""
    with _store(root) as store:
        if address is not None:
            record = store.export(address)
            if record is None:
                raise ConfigError(Problem(store.shown, message=f"{address} is not on the list"))
            click.echo(json.dumps(record, indent=2, ensure_ascii=False))
            return EXIT_OK
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["address", "name", "status", "consent_at", "consent_how"])
        for row in store.rows():
            record = store.export(row.address) or {}
            writer.writerow(
                [row.address, row.name, row.status, record.get("consent_at", ""), record.get("consent_how", "")]
            )
    return EXIT_OK


@subscribers.command("bounces")
@click.argument("mailbox")
@common_options
@reporting
def read_bounces(root: Path, mailbox: str) -> int:
    """Read the bounce reports, complaints and unsubscribe mails in MAILBOX (the sender address's mailbox).

    MAILBOX is a Maildir folder, or an IMAP mailbox: imaps://USER@HOST/MAILBOX, its password in
    BUILD_SITE_IMAP_PASSWORD. Complaints and hard bounces on delivery.bounce_after issues suppress their
    reader; each mail is marked seen.
    """
    import imaplib

    from ..delivery.settings import IMAP_PASSWORD
    from ..subscriptions.bounces import read_maildir
    from ..subscriptions.imap import URL, ImapMailbox, read_imap

    config = _delivery(root)
    if URL.match(mailbox):
        try:
            where = ImapMailbox.parse(mailbox)
        except ValueError as exc:
            raise ConfigError([Problem("MAILBOX", message=str(exc))]) from exc
        password = os.environ.get(IMAP_PASSWORD.name, "")
        if not password:
            raise ConfigError([Problem(IMAP_PASSWORD.name, message=f"not set: {where.user} needs a password")])
        with _store(root) as store:
            try:
                tally = read_imap(where, password, store, config)
            except (OSError, imaplib.IMAP4.error) as exc:
                raise ConfigError([Problem(f"{where.host}:{where.port}", message=f"IMAP: {exc}")]) from exc
    elif Path(mailbox).is_dir():
        with _store(root) as store:
            tally = read_maildir(Path(mailbox), store, config)
    else:
        raise ConfigError([Problem(mailbox, message="is neither a Maildir folder nor an imaps:// address")])
    log.info(
        "%d mails read: %d events, %d readers suppressed, %d not on the list",
        tally.read,
        len(tally.events),
        len(tally.suppressed),
        len(tally.unmatched),
    )
    for address in tally.suppressed:
        log.info("  suppressed: %s", address)
    return EXIT_OK


@subscribers.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@common_options
@reporting
def backup_subscribers(root: Path, target: Path) -> int:
    """Copy the store to TARGET while it is in use (SQLite's online backup), readable by its owner only."""
    with _store(root) as store:
        store.backup(target)
    log.info("%s backed up to %s", store.shown, target)
    return EXIT_OK


@click.group()
def subscriptions() -> None:
    """The subscription service: sign-up with double opt-in, one-click unsubscribing, bounce webhooks."""


@subscriptions.command("serve")
@common_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (the reverse proxy's side).")
@click.option("--port", default=8025, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="Proxies whose X-Forwarded-For names the client (for the limits per client).",
)
@reporting
def serve_subscriptions(root: Path, host: str, port: int, forwarded_allow_ips: str) -> int:
    """Run the subscription service at HOST:PORT until stopped (behind a reverse proxy that speaks https)."""
    from ..subscriptions.server import serve

    serve(root, host, port, forwarded_allow_ips)
    return EXIT_OK


@contextmanager
def _store(root: Path) -> Iterator[Store]:
    from ..delivery.migration import open_store
    from ..delivery.settings import subscriber_list_path

    path, shown = subscriber_list_path(root, root / "output", _site(root), os.environ)
    store = open_store(path, shown)
    try:
        yield store
    finally:
        store.close()


def _delivery(root: Path):
    from ..delivery.settings import delivery_config

    return delivery_config(root, root / "output", _site(root), os.environ, connect=False)


def _reader_of_token(root: Path, store: Store, token: str):
    import datetime as dt

    from ..delivery.settings import SECRET, unsubscribe_secret
    from ..delivery.unsubscribe import UNSUBSCRIBE, read_token

    claim = read_token(unsubscribe_secret(os.environ), _site(root).feed_id, UNSUBSCRIBE, token, dt.date.today())
    reader = store.by_id(claim.subscriber) if claim else None
    if claim is None or reader is None or reader.epoch != claim.epoch:
        raise ConfigError(Problem(SECRET.name, message=f"{token!r} is not a valid unsubscribe token of this list"))
    return reader


def _site(root: Path):
    from ..content.load import load_site

    return load_site(root)
