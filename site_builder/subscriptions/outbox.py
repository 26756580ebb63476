"""The confirmation mails: queued in the store with each sign-up, sent by one worker thread, retried while the relay is down.

A sign-up and its mail are one transaction (``Store.subscribe``), so a service killed
between the two loses neither. The worker takes the mails that are due, oldest first,
makes each one's confirm link (a token of the subscription it was queued for: a
reader who signed up again meanwhile gets only the newest) and hands it to the same
SMTP server ``send`` uses. A 4xx or an unreachable server: tried again after 30 s,
then twice as long each time, at most an hour apart, until the link would have
expired (``CONFIRM_DAYS``). A 5xx: given up (the address takes no mail).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime, formataddr

from ..delivery.smtp import Outcome, ServerError, SmtpSession
from ..delivery.store import Store
from ..delivery.unsubscribe import CONFIRM, CONFIRM_DAYS, TOKEN_PARAMETER, make_token
from ..outputs.email.mime import compose
from .config import ServiceConfig

log = logging.getLogger(__name__)

FIRST_RETRY = 30.0
LONGEST_WAIT = 3600.0


@dataclass(frozen=True)
class Queued:
    """A confirmation mail due."""

    id: int
    subscriber: int
    epoch: int
    attempts: int
    due: float
    """Unix time of its next try."""
    queued: str
    """When it was queued (ISO 8601, UTC)."""

    @property
    def expires(self) -> float:
        """When its link would expire, were it sent now: no point trying after that."""
        return dt.datetime.fromisoformat(self.queued).timestamp() + CONFIRM_DAYS * 86400


class Outbox:
    """Sends what the store's ``outbox`` holds; ``wake`` after queueing something, ``stop`` to end the thread."""

    def __init__(self, config: ServiceConfig, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.woken = threading.Event()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self.thread.start()

    def wake(self) -> None:
        self.woken.set()

    def stop(self) -> None:
        self.stopping.set()
        self.woken.set()
        if self.thread is not None:
            self.thread.join(timeout=30)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                wait = self.send_due()
            except Exception:  # a broken mail must not end the worker: the next round tries again
                log.exception("outbox: a round failed")
                wait = FIRST_RETRY
            self.woken.wait(timeout=wait)
            self.woken.clear()

    def send_due(self) -> float:
        """Send every mail that is due; the seconds until the next one is."""
        session = SmtpSession(self.config.delivery.smtp)
        try:
            while not self.stopping.is_set():
                due = self._next_due()
                if due is None:
                    return LONGEST_WAIT
                if due.due > self.clock():
                    return max(0.05, due.due - self.clock())
                try:
                    self._send(due, session)
                except _TryLater as later:
                    return later.wait
        finally:
            session.close()
        return 0.0

    def _next_due(self) -> Queued | None:
        row = self.store.connection.execute(
            "SELECT id, subscriber, epoch, attempts, due, queued FROM outbox WHERE state = 'queued' ORDER BY due, id LIMIT 1"
        ).fetchone()
        return Queued(*row) if row else None

    def _send(self, mail: Queued, session: SmtpSession) -> None:
        reader = self.store.by_id(mail.subscriber)
        if reader is None or reader.epoch != mail.epoch or reader.status != "pending":
            self._finish(mail, "failed", "no longer pending: signed up again, confirmed or forgotten")
            return
        today = dt.datetime.fromtimestamp(self.clock(), dt.UTC).date()
        token = make_token(self.config.secret, self.config.delivery.list_key, CONFIRM, reader.id, reader.epoch, today)
        message = confirmation(self.config, reader.name, reader.mailbox, token, self.clock())
        try:
            result = session.open() or session.deliver(
                self.config.delivery.envelope_from, reader.mailbox, message, lambda: None
            )
        except ServerError as exc:
            result = None
            reply, outcome = str(exc), Outcome.TEMPORARY
        else:
            reply, outcome = result.reply, result.outcome
        if outcome in (Outcome.SENT, Outcome.IN_DOUBT):  # in doubt: the server almost always has it; never twice
            self._finish(mail, "sent", reply)
        elif outcome is Outcome.PERMANENT and (result is None or result.stage not in ("connect", "MAIL")):
            self._finish(mail, "failed", reply)
            log.warning("outbox: a confirmation mail was refused for good: %s", reply)
        else:
            wait = min(LONGEST_WAIT, max(self.config.delivery.retry_delay, 0.05) * 6 * 2**mail.attempts)
            if self.clock() + wait > mail.expires - LONGEST_WAIT:
                self._finish(mail, "failed", f"gave up: {reply}")
            else:
                with self.store.transaction() as db:
                    db.execute(
                        "UPDATE outbox SET attempts = attempts + 1, due = ?, reply = ? WHERE id = ?",
                        (self.clock() + wait, reply, mail.id),
                    )
                log.info(
                    "outbox: the mail server did not take a confirmation mail (%s); trying again in %g s", reply, wait
                )
                raise _TryLater(wait)

    def _finish(self, mail: Queued, state: str, reply: str) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, reply = ? WHERE id = ?", (state, reply, mail.id)
            )


class _TryLater(Exception):
    """The server is down: the round ends, and the worker waits."""

    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


def confirmation(config: ServiceConfig, name: str, mailbox: str, token: str, now: float) -> bytes:
    """The mail that asks a reader to confirm: a link to a page whose button confirms."""
    site = config.site
    link = f"{config.url}confirm?{TOKEN_PARAMETER}={token}"
    when = dt.datetime.fromtimestamp(now, dt.UTC).replace(microsecond=0)
    headers = [
        ("From", config.delivery.sender),
        ("To", formataddr((name, mailbox))),
        ("Subject", f"Confirm your subscription to {site.title}"),
        ("Date", format_datetime(when)),
        ("Message-ID", f"<{uuid.uuid4()}@{config.delivery.domain}>"),
        ("Auto-Submitted", "auto-replied"),
    ]
    text = (
        f"Someone, probably you, asked to receive {site.title} at this address.\n\n"
        f"To confirm, open this link and press the button on the page:\n{link}\n\n"
        f"The link works for {CONFIRM_DAYS} days. If you did not ask, do nothing: you will get no more mail from us.\n"
    )
    html = (
        f'<!DOCTYPE html><html lang="{site.language}"><head><meta charset="utf-8"><title>Confirm your subscription'
        f"</title></head><body><main><p>Someone, probably you, asked to receive {_escape(site.title)} at this address."
        f'</p><p><a href="{_escape(link)}">Confirm your subscription</a> (the page that opens has a button to press).'
        f"</p><p>The link works for {CONFIRM_DAYS} days. If you did not ask, do nothing: you will get no more mail "
        "from us.</p></main></body></html>\n"
    )
    return compose(headers, text, html)


def _escape(text: str) -> str:
    return html.escape(text, quote=True)
