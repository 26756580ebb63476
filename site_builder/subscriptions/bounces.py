"""Bounces and complaints: read from the sender's mailbox (a Maildir, or over IMAP: ``imap``) or a provider's webhook, matched to a reader and an issue.

A report is matched by the Message-ID of the message it is about, which every
issue's message has its own (``Letter.message_id``) and the ledger records: a
bounce report (RFC 3464, ``multipart/report; report-type=delivery-status``) and a
complaint (ARF, RFC 5965, ``report-type=feedback-report``) carry the original
message or its headers. A report without them is matched by its recipient's
address. Bounces in no standard format (older MTAs' own texts) are read with
flufl.bounce, which knows dozens of them.

Every complaint suppresses its reader at once; hard bounces (5.x.x, or what
flufl.bounce calls permanent) do on ``delivery.bounce_after`` different issues;
soft ones (4.x.x, delayed) are counted only. A plain mail to the list's
``unsubscribe_mailto`` address whose subject or first line says "unsubscribe"
unsubscribes its sender (RFC 2369 ``mailto:``). Each message read is marked seen
(moved to ``cur/`` with the ``S`` flag) and read once; counting twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import mailbox
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from pathlib import Path

from ..delivery.ledger import Ledger
from ..delivery.settings import DeliveryConfig
from ..delivery.store import Store
from ..delivery.subscribers import address_key

log = logging.getLogger(__name__)

HARD, SOFT, COMPLAINT, UNSUBSCRIBE = "hard", "soft", "complaint", "unsubscribe"


@dataclass(frozen=True)
class Event:
    """One reader's bounce, complaint or ``mailto:`` unsubscribe."""

    kind: str
    address: str
    message_id: str = ""
    source: str = "maildir"


@dataclass
class Tally:
    """What a run did."""

    read: int = 0
    events: list[Event] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    """Addresses of events no reader matched (not on the list, or forgotten)."""


def events_of(message: Message, unsubscribe_address: str = "") -> list[Event]:
    """The events one mail reports: a DSN's failed recipients, an ARF's complained one, a ``mailto:`` unsubscribe."""
    report = message.get_content_type() == "multipart/report"
    kind = (message.get_param("report-type") or "").lower() if report else ""
    original = _original_id(message)
    if kind == "feedback-report":
        return _complaints(message, original)
    if kind == "delivery-status":
        events = list(_dsn(message, original))
        if events:
            return events
    if not report and unsubscribe_address and _asks_to_unsubscribe(message, unsubscribe_address):
        sender = parseaddr(str(message.get("From", "")))[1]
        return [Event(UNSUBSCRIBE, sender)] if sender else []
    from flufl.bounce import all_failures  # the non-standard formats

    temporary, permanent = all_failures(message)
    return [Event(HARD, _text(a), original) for a in sorted(permanent)] + [
        Event(SOFT, _text(a), original) for a in sorted(temporary - permanent)
    ]


def apply(events: Iterable[Event], store: Store, ledger_path: Path, threshold: int, tally: Tally) -> None:
    """Suppress or count each event's reader, found by the Message-ID in the ledger or else by address.

    ``threshold``: hard bounces (on as many issues) that suppress a reader (``delivery.bounce_after``).
    """
    ledger = Ledger.open(ledger_path) if ledger_path.is_file() else None
    try:
        for event in events:
            tally.events.append(event)
            # A report matched to no issue counts for the day it came: a daily issue's bounces arrive that day.
            issue, key = f"~{dt.datetime.now(dt.UTC).date().isoformat()}", address_key(event.address)
            found = ledger.message(event.message_id) if ledger and event.message_id else None
            if found:
                issue, key = found
            reader = store.find(key)
            if reader is None:
                tally.unmatched.append(event.address)
                continue
            if event.kind == UNSUBSCRIBE:
                done = store.set_status(reader.id, "unsubscribed", "mailto", "a mail to the unsubscribe address")
            elif event.kind == SOFT:
                store.record_bounce(reader.id, SOFT, issue, event.source, threshold)
                done = False
            else:
                done = store.record_bounce(reader.id, event.kind, issue, event.source, threshold)
            if done:
                tally.suppressed.append(reader.address)
    finally:
        if ledger is not None:
            ledger.close()


def read_mail(data: bytes, store: Store, config: DeliveryConfig, tally: Tally) -> None:
    """Apply one mail of the sender's mailbox (a Maildir's file, or a message fetched over IMAP)."""
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    tally.read += 1
    apply(events_of(parsed, config.unsubscribing.mailto), store, config.ledger, config.bounce_after, tally)


def read_maildir(folder: Path, store: Store, config: DeliveryConfig) -> Tally:
    """Apply every unread report in the Maildir at ``folder``, then mark it seen."""
    box = mailbox.Maildir(folder, factory=None, create=False)
    tally = Tally()
    for key, message in _unseen(box):
        read_mail(message.as_bytes(), store, config, tally)
        message.set_subdir("cur")
        message.add_flag("S")
        box[key] = message
    return tally


def _unseen(box: mailbox.Maildir) -> Iterator[tuple[str, mailbox.MaildirMessage]]:
    for key in sorted(box.keys()):
        message = box.get_message(key)
        if "S" not in message.get_flags():
            yield key, message


def _dsn(message: Message, original: str) -> Iterator[Event]:
    """A DSN's ``message/delivery-status`` part: one event per recipient whose ``Action`` is failed or delayed."""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for fields in _status_groups(part):
            action = fields.get("action", "").lower()
            status = fields.get("status", "")
            recipient = fields.get("original-recipient") or fields.get("final-recipient") or ""
            address = recipient.partition(";")[2].strip() or recipient.strip()
            if not address or action not in ("failed", "delayed"):
                continue
            yield Event(HARD if action == "failed" and status.startswith("5") else SOFT, address, original)


def _status_groups(part: Message) -> Iterator[dict[str, str]]:
    """The per-message and per-recipient field groups of a ``message/delivery-status`` part."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package parses the groups as messages of headers
        for group in payload:
            yield {name.lower(): str(value) for name, value in group.items()}
        return
    text = payload if isinstance(payload, str) else ""
    for block in re.split(r"\r?\n\s*\r?\n", text):
        group = email.message_from_string(block.strip() + "\n")
        yield {name.lower(): str(value) for name, value in group.items()}


def _complaints(message: Message, original: str) -> list[Event]:
    """An ARF report: the original recipient from the report's ``Original-Rcpt-To`` or the original message's ``To``."""
    recipients: list[str] = []
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            for fields in _status_groups(part):
                if fields.get("original-rcpt-to"):
                    recipients.append(fields["original-rcpt-to"].strip())
    if not recipients:
        headers = _original_headers(message)
        if headers is not None:
            recipients = [address for _, address in getaddresses(headers.get_all("To", []))]
    return [Event(COMPLAINT, address, original) for address in recipients if address]


def _original_headers(message: Message) -> Message | None:
    """The headers of the message a report is about (a ``message/rfc822`` or ``text/rfc822-headers`` part)."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                return payload[0]
        elif kind == "text/rfc822-headers":
            return email.message_from_string(part.get_payload(decode=True).decode("utf-8", "replace"))
    return None


def _original_id(message: Message) -> str:
    headers = _original_headers(message)
    return str(headers.get("Message-ID", "")).strip() if headers is not None else ""


def _asks_to_unsubscribe(message: Message, address: str) -> bool:
    to = [
        a.lower()
        for _, a in getaddresses([str(v) for v in message.get_all("To", []) + message.get_all("Delivered-To", [])])
    ]
    if address.lower() not in to:
        return False
    subject = str(message.get("Subject", "")).lower()
    body = message.get_body(("plain",)) if isinstance(message, EmailMessage) else None
    first = body.get_content().strip().splitlines()[:1] if body is not None else []
    return "unsubscribe" in subject or (bool(first) and "unsubscribe" in first[0].lower())


def _text(address: bytes | str) -> str:
    return address.decode("utf-8", "replace") if isinstance(address, bytes) else address
