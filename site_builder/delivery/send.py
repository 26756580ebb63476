"""``build-site send``: the issue of the day to every subscriber, each exactly once, told in a summary.

    check (issue published, settings, secrets, every row of the list)  -> nothing sent, nothing recorded on a problem
    plan  (the ledger says who still needs the issue)                  -> --dry-run stops here
    send  (one message per reader: retries, rate limit, ledger before and after each)
    report (sent / skipped / failed / in doubt, and who)

Only one ``send`` runs per ledger at a time (a lock beside it). The ledger is where
``delivery.ledger`` says, whatever the output folder: one found where older versions
kept it, beside the output folder, is moved there first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .. import progress
from ..content.load import load_content
from ..content.sources import Content
from ..errors import ConfigError, ContentError, Problem
from ..incremental.state import state_folder
from ..locks import file_lock
from ..model.schedule import build_time, resolve_publication_day
from ..publish.folders import real_path
from .issue import EmailEdition
from .ledger import NOT_TAKEN, OLD_LEDGER_FILE, Delivery, Ledger, State, move_ledger
from .messages import Letter, MessageSize, message_size, now
from .migration import open_store, stored_rows
from .settings import DeliveryConfig, delivery_config
from .smtp import Outcome, Result, SmtpSession
from .store import Store
from .subscribers import RowProblem, Subscriber, SubscriberListError, row_problem

log = logging.getLogger(__name__)

ALREADY_SENT, IN_DOUBT, REFUSED_BEFORE, LEFT = "already sent", "in doubt", "refused for good before", "left"
SKIP_REASONS = (ALREADY_SENT, IN_DOUBT, REFUSED_BEFORE, LEFT)
"""Why a reader is skipped: the first words of their entry in ``SendReport.skipped``."""
LEDGER_STATE = {
    Outcome.SENT: State.SENT,
    Outcome.TEMPORARY: State.DEFERRED,
    Outcome.PERMANENT: State.FAILED,
    Outcome.IN_DOUBT: State.IN_DOUBT,
}
SERVER_STAGES = frozenset({"connect", "MAIL"})
"""Where a refusal is about the server or the sender, not the reader: the run stops and nobody is blamed."""


@dataclass(frozen=True)
class SendOptions:
    """What to send to whom."""

    date: dt.date | None = None
    """The issue's date; None: the publication day (today in the site's time zone, after its publish time)."""
    dry_run: bool = False
    resend: bool = False
    """Send again to readers the ledger says have the issue (or may have it)."""
    only: tuple[str, ...] = ()
    """Send only to these subscribers."""


@dataclass
class SendReport:
    """What a send did, reader by reader."""

    issue: dt.date
    dry_run: bool = False
    sent: list[str] = field(default_factory=list)
    """Delivered by this run (with ``dry_run``: would be)."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Address -> why not sent: already sent, in doubt since an earlier run, refused for good before."""
    failed: dict[str, str] = field(default_factory=dict)
    """Address -> what went wrong in this run (a refusal, tries used up, a message that could not be made)."""
    not_attempted: list[str] = field(default_factory=list)
    """Left when the run stopped early (``stopped``); a rerun sends to them."""
    bounced: list[str] = field(default_factory=list)
    """Marked ``bounced`` in the list by this run."""
    in_doubt: dict[str, str] = field(default_factory=dict)
    """Address -> why the server may or may not have their message (this run's or an earlier one's; see ``ledger``).
    Those of earlier runs are in ``skipped`` too."""
    stopped: str = ""
    size: MessageSize | None = None
    """A dry run's: how large each message is."""

    @property
    def ok(self) -> bool:
        return not (self.failed or self.not_attempted)

    @property
    def status(self) -> str:
        """``failed`` (a reader was not delivered to), ``in doubt`` (only readers who may have it are left), or ``ok``."""
        if not self.ok:
            return "failed"
        return "in doubt" if self.in_doubt and not self.dry_run else "ok"

    def summary(self) -> str:
        """``issue 2026-11-28: sent 4, skipped 2 (already sent: 1, in doubt: 1), failed 0``."""
        text = f"issue {self.issue}: {'would send' if self.dry_run else 'sent'} {len(self.sent)}, skipped {len(self.skipped)}"
        reasons = {why: sum(1 for text in self.skipped.values() if text.startswith(why)) for why in SKIP_REASONS}
        if self.skipped:
            text += f" ({', '.join(f'{why}: {count}' for why, count in reasons.items() if count)})"
        if not self.dry_run:
            text += f", failed {len(self.failed)}"
            new_doubts = len(self.in_doubt) - sum(1 for address in self.in_doubt if address in self.skipped)
            if new_doubts:
                text += f", in doubt {new_doubts}"
        if self.not_attempted:
            text += f", not attempted {len(self.not_attempted)} (a rerun sends them)"
        return text


@dataclass(frozen=True)
class Addressee:
    """One reader the run sends to, and which message (0, or one more for each ``--resend``)."""

    reader: Subscriber
    generation: int


def send_issue(
    root: Path,
    out: Path,
    options: SendOptions,
    *,
    environ: Mapping[str, str] = os.environ,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """Send the issue ``options`` name to the subscribers, the site being published to ``out``."""
    content = load_content(root)
    site = content.site.model
    day = issue_to_send(content, options.date, build_time(environ))
    config = delivery_config(root, out, site, environ, connect=not options.dry_run)
    if options.dry_run:  # reads the store, or a list still kept as CSV, and makes nothing
        subscribed = [
            row for row in stored_rows(config.subscribers, config.subscribers_shown) if row.status == "subscribed"
        ]
        store = None
    else:  # the recipients are fixed here: who confirms during the send gets the next issue
        store = open_store(config.subscribers, config.subscribers_shown)
        subscribed = store.subscribed()
    _check_rows(subscribed, store.shown if store else config.subscribers_shown)
    readers = _chosen(subscribed, options.only, config)
    report = SendReport(day, dry_run=options.dry_run)
    with contextlib.closing(store) if store else contextlib.nullcontext(), ledger_lock(config.ledger):
        path = _ledger_path(config, out, dry_run=options.dry_run)
        ledger = Ledger.open_existing(path) if options.dry_run else Ledger.open(path)
        try:
            deliveries = _plan(readers, ledger.deliveries(day.isoformat()) if ledger else {}, options.resend, report)
            if options.dry_run:
                report.sent = [d.reader.address for d in deliveries]
                if deliveries:
                    report.size = message_size(Letter.of(_edition(root, day), config), deliveries[0].reader)
                return report
            if not deliveries:
                return report
            edition = _edition(root, day)
            letter = Letter.of(edition, config)
            assert ledger is not None and store is not None
            if config.hosted_images:  # kept for good before any message links them
                store.keep_images(dict(edition.images))
            _send_all(deliveries, letter, ledger, store, config, report, sleep)
        finally:
            if ledger is not None:
                ledger.close()
    return report


def _edition(root: Path, day: dt.date) -> EmailEdition:
    from .issue import email_edition  # loads the build: only when there is something to send

    return email_edition(root, day)


def ledger_lock(ledger: Path) -> contextlib.AbstractContextManager[None]:
    """The lock that lets one ``send`` at a time use ``ledger`` (``.NAME.lock`` beside it): another one fails at once."""
    return file_lock(ledger.with_name(f".{ledger.name}.lock"), timeout=0, what=f"the delivery ledger {ledger}")


def _ledger_path(config: DeliveryConfig, out: Path, *, dry_run: bool) -> Path:
    """Where the ledger is: ``config.ledger``, after moving there one an older build-site kept beside ``out``.

    A dry run reads the old one where it is and moves nothing. With a ledger in both places ``send`` cannot
    tell which holds the history, so it refuses to start.
    """
    state = state_folder(real_path(out))
    old, new = state / OLD_LEDGER_FILE, config.ledger
    if old == new or not old.is_file():
        return new
    if new.exists():
        raise ConfigError(
            Problem(
                config.ledger_shown,
                message=f"there is another delivery ledger at {old}, where build-site kept it beside the output folder before",
                hint=(
                    f"send uses only {new}: keep the one that holds the issues already sent (sqlite3 FILE "
                    "'SELECT issue, state, count(*) FROM delivery GROUP BY 1, 2' shows each) and move the other away"
                ),
            )
        )
    if dry_run:
        return old
    with file_lock(state / "delivery.lock", timeout=0, what=f"the delivery ledger in {state}"):
        move_ledger(old, new)
    log.warning("moved the delivery ledger from %s to %s (delivery.ledger in site.yaml): keep it there", old, new)
    return new


def issue_to_send(content: Content, date: dt.date | None, now: dt.datetime) -> dt.date:
    """``date`` (default: the publication day at ``now``) if its issue is published by then; else a ``ContentError``."""
    as_of, why = resolve_publication_day(content.site.model, None, now)
    day = date or as_of
    path = f"content/issues/{day.isoformat()}.yaml"
    issue = content.issues.get(day)
    if issue is None:
        raise ContentError(Problem(path, message=f"there is no issue of {day} to send"))
    if issue.draft:
        raise ContentError(Problem(path, field="draft", message="the issue is a draft: drafts are never sent"))
    if day > as_of:
        raise ContentError(
            Problem(path, message=f"the issue is not published yet: the publication day is {as_of} ({why})")
        )
    return day


def _check_rows(readers: list[Subscriber], shown: str) -> None:
    """Every reader's row as a message needs it, before the first message (the store checked it too, on the way in)."""
    problems = [
        RowProblem(shown, message=problem)
        for reader in readers
        if (problem := row_problem(reader.address, reader.name))
    ]
    if problems:
        raise SubscriberListError(problems)


def _chosen(subscribed: list[Subscriber], only: tuple[str, ...], config: DeliveryConfig) -> list[Subscriber]:
    if not only:
        return subscribed
    by_key = {reader.key: reader for reader in subscribed}
    missing = [address for address in only if address.lower() not in by_key]
    if missing:
        raise ConfigError(
            [Problem(config.subscribers_shown, message=f"{address} is not a subscriber (--to)") for address in missing]
        )
    return [by_key[address.lower()] for address in dict.fromkeys(only)]


def _plan(
    readers: list[Subscriber], ledger: Mapping[str, Delivery], resend: bool, report: SendReport
) -> list[Addressee]:
    """Who gets the issue now, and who not and why (into ``report.skipped``)."""
    deliveries = []
    for reader in readers:
        entry = ledger.get(reader.key)
        if entry is None:
            deliveries.append(Addressee(reader, 0))
        elif entry.state in NOT_TAKEN:  # the server never took it: the same message again
            deliveries.append(Addressee(reader, entry.generation))
        elif resend:
            deliveries.append(Addressee(reader, entry.generation + 1))
        elif entry.state == State.SENT:
            report.skipped[reader.address] = f"{ALREADY_SENT} ({entry.updated[:16].replace('T', ' ')} UTC)"
        elif entry.state == State.IN_DOUBT:
            report.skipped[reader.address] = report.in_doubt[reader.address] = (
                f"{IN_DOUBT} since {entry.updated[:16].replace('T', ' ')} UTC: the server may have {entry.message_id}; "
                "not sent again (--resend --to sends it)"
            )
        else:
            report.skipped[reader.address] = f"{REFUSED_BEFORE}: {entry.reply}"
    return deliveries


def _send_all(
    deliveries: list[Addressee],
    letter: Letter,
    ledger: Ledger,
    store: Store,
    config: DeliveryConfig,
    report: SendReport,
    sleep: Callable[[float], None],
) -> None:
    issue = letter.edition.date.isoformat()
    session = SmtpSession(config.smtp)
    pace = Pace(config.rate, sleep)
    try:
        with progress.stage("send", total=len(deliveries)):
            for delivery in deliveries:
                reader = delivery.reader
                if report.stopped:
                    report.not_attempted.append(reader.address)
                    continue
                if not store.still_subscribed(reader.id):  # unsubscribed, bounced or forgotten since the send began
                    report.skipped[reader.address] = f"{LEFT} the list during the send"
                    progress.advance(reader.address)
                    continue
                message_id = letter.message_id(reader.key, delivery.generation)
                try:
                    message = letter.message(reader, message_id, now())
                except Exception as exc:  # a reader whose message cannot be made fails alone, the list goes on
                    reason = f"the message could not be made: {type(exc).__name__}: {exc}"
                    ledger.not_made(issue, reader.key, message_id, delivery.generation, reason)
                    report.failed[reader.address] = reason
                    log.error("%s: %s", reader.address, reason)
                    progress.advance(reader.address)
                    continue
                result = _deliver(delivery, message_id, message, issue, ledger, session, pace, config, sleep)
                if result.outcome is Outcome.SENT:
                    report.sent.append(reader.address)
                elif result.outcome is Outcome.IN_DOUBT:
                    report.in_doubt[reader.address] = f"{result.reply} ({message_id})"
                    log.warning("%s: %s (in doubt: not sent again)", reader.address, result.reply)
                elif result.stage in SERVER_STAGES:
                    report.stopped = f"{config.smtp.host}:{config.smtp.port}: {result.reply}"
                    report.not_attempted.append(reader.address)
                    log.error("stopped: %s", report.stopped)
                else:
                    report.failed[reader.address] = f"{result.outcome.value}: {result.reply}"
                    log.warning("%s: %s (%s)", reader.address, result.reply, result.outcome.value)
                    if result.outcome is Outcome.PERMANENT and _bounced(reader, ledger, store, config):
                        report.bounced.append(reader.address)
                progress.advance(reader.address)
    finally:
        session.close()
    log.debug("issue %s: %d sent", issue, len(report.sent))


def _deliver(
    delivery: Addressee,
    message_id: str,
    message: bytes,
    issue: str,
    ledger: Ledger,
    session: SmtpSession,
    pace: Pace,
    config: DeliveryConfig,
    sleep: Callable[[float], None],
) -> Result:
    """Hand one reader's message over, trying again after temporary failures; every try in the ledger."""
    reader = delivery.reader
    for attempt in range(1, config.attempts + 1):
        pace.wait()
        result = session.open()
        if result is None:  # connected: a try for this reader, in the ledger before and after
            recorded = ledger.start(issue, reader.key, message_id, delivery.generation)
            handing_over = functools.partial(ledger.handing_over, recorded)
            result = session.deliver(config.envelope_from, reader.mailbox, message, handing_over)
            state = State.DEFERRED if result.stage in SERVER_STAGES else LEDGER_STATE[result.outcome]
            ledger.finish(recorded, state, result.reply)
        if result.outcome is not Outcome.TEMPORARY:
            return result
        if attempt < config.attempts:
            delay = config.retry_delay * 2 ** (attempt - 1)
            log.info(
                "%s: %s; trying again in %g s (%d of %d)", reader.address, result.reply, delay, attempt, config.attempts
            )
            sleep(delay)
    return result


def _bounced(reader: Subscriber, ledger: Ledger, store: Store, config: DeliveryConfig) -> bool:
    """Mark ``reader`` bounced after ``bounce_after`` issues in a row refused for good; True if this did it."""
    if ledger.refusals_in_a_row(reader.key) < config.bounce_after:
        return False
    why = f"{config.bounce_after} issues in a row refused for good"
    if not store.set_status(reader.id, "bounced", "send", why):
        return False
    log.warning("%s: marked bounced after %d refused issues in a row", reader.address, config.bounce_after)
    return True


class Pace:
    """At most ``rate`` tries per second."""

    def __init__(
        self, rate: float, sleep: Callable[[float], None], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = 1.0 / rate
        self.sleep = sleep
        self.clock = clock
        self.next: float | None = None

    def wait(self) -> None:
        now = self.clock()
        if self.next is not None and now < self.next:
            self.sleep(self.next - now)
            now = self.next
        self.next = now + self.interval
