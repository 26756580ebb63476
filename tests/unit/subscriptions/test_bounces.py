"""Bounce reports (RFC 3464 and older MTAs' own) and complaints (ARF) from a corpus of several MTAs and providers.

Each report must name the right reader and kind; a report matched by the Message-ID the
ledger recorded finds the reader even when the address in it is redacted or another one.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from site_builder.delivery.ledger import Ledger, State
from site_builder.delivery.settings import Unsubscribing
from site_builder.delivery.store import Store
from site_builder.subscriptions.bounces import (
    COMPLAINT,
    HARD,
    SOFT,
    UNSUBSCRIBE,
    Event,
    Tally,
    apply,
    events_of,
    read_maildir,
)

REPORTS = Path(__file__).parent / "reports"
ISSUE = "2026-11-28"
READERS = ["ada", "grace", "zoe", "alan", "edsger", "barbara"]
UNSUBSCRIBE_ADDRESS = "unsubscribe@daily-gradient.example.org"


def msgid(name: str) -> str:
    return f"<MSGID-{name.upper()}@daily-gradient.example.org>"


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        ("postfix-5.1.1.eml", [Event(HARD, "ada@example.org", msgid("ada"))]),
        ("postfix-delayed-4.4.1.eml", [Event(SOFT, "edsger@example.org", msgid("edsger"))]),
        ("gmail-5.1.1.eml", [Event(HARD, "grace@example.org", msgid("grace"))]),
        ("outlook-5.1.10.eml", [Event(HARD, "zoe@example.org", msgid("zoe"))]),
        ("exim-plain.eml", [Event(HARD, "alan@example.org")]),
        ("qmail-plain.eml", [Event(HARD, "barbara@example.net")]),
        ("arf-rfc5965-abuse.eml", [Event(COMPLAINT, "<barbara@example.org>", msgid("barbara"))]),
        ("arf-redacted-jmrp.eml", [Event(COMPLAINT, "redacted@hotmail.com", msgid("edsger"))]),
        ("mailto-unsubscribe.eml", [Event(UNSUBSCRIBE, "alan@example.org")]),
    ],
)
def test_each_report_names_its_reader_and_kind(report: str, expected: list[Event]) -> None:
    message = email.message_from_bytes((REPORTS / report).read_bytes(), policy=email.policy.default)
    assert events_of(message, UNSUBSCRIBE_ADDRESS) == expected


def test_a_mail_to_another_address_that_says_unsubscribe_is_not_an_unsubscribe() -> None:
    text = (REPORTS / "mailto-unsubscribe.eml").read_bytes().replace(b"unsubscribe@", b"editors@")
    message = email.message_from_bytes(text, policy=email.policy.default)
    assert [e.kind for e in events_of(message, UNSUBSCRIBE_ADDRESS)] != [UNSUBSCRIBE]


@dataclass(frozen=True)
class Settings:
    """What ``read_maildir`` reads of ``DeliveryConfig``."""

    ledger: Path
    bounce_after: int
    unsubscribing: Unsubscribing = field(default_factory=lambda: Unsubscribing(UNSUBSCRIBE_ADDRESS, "", b""))


def project(tmp_path: Path, bounce_after: int) -> tuple[Store, Settings]:
    """A store with the readers subscribed, and a ledger that sent each the issue with its own Message-ID."""
    store = Store.open(tmp_path / "subscribers.sqlite")
    ledger = Ledger.open(tmp_path / "delivery.sqlite")
    for name in READERS:
        store.subscribe(f"{name}@example.org", name.title(), "cli")
        ledger.finish(ledger.start(ISSUE, f"{name}@example.org", msgid(name), 0), State.SENT, "250 OK")
    ledger.close()
    return store, Settings(tmp_path / "delivery.sqlite", bounce_after)


def test_the_maildir_suppresses_the_right_readers_and_reads_each_mail_once(tmp_path: Path) -> None:
    store, config = project(tmp_path, bounce_after=1)
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for report in sorted(REPORTS.glob("*.eml")):
        box.add(mailbox.MaildirMessage(report.read_bytes()))
    tally = read_maildir(tmp_path / "Maildir", store, config)  # type: ignore[arg-type]
    assert tally.read == 9
    statuses = {r.address: r.status for r in store.rows()}
    assert statuses == {
        "ada@example.org": "bounced",
        "grace@example.org": "bounced",
        "zoe@example.org": "bounced",
        "alan@example.org": statuses["alan@example.org"],
        "edsger@example.org": "complained",  # the redacted report, found by its Message-ID
        "barbara@example.org": "complained",
    }
    assert statuses["alan@example.org"] in ("bounced", "unsubscribed"), "whichever of his two mails came first"
    assert tally.unmatched == ["barbara@example.net"]
    bounces = store.connection.execute("SELECT kind, issue FROM bounce ORDER BY id").fetchall()
    assert ("hard", ISSUE) in bounces and ("complaint", ISSUE) in bounces, "each mapped to the issue by Message-ID"
    assert ("soft", ISSUE) in bounces, "a delay is counted, and suppresses nobody"
    again = read_maildir(tmp_path / "Maildir", store, config)  # type: ignore[arg-type]
    assert again.read == 0, "each mail is read once"
    store.close()


def test_hard_bounces_suppress_only_at_the_threshold_and_complaints_at_once(tmp_path: Path) -> None:
    store, config = project(tmp_path, bounce_after=2)
    tally = Tally()
    events = [Event(HARD, "ada@example.org", msgid("ada")), Event(COMPLAINT, "x@y.org", msgid("grace"))]
    apply(events, store, config.ledger, config.bounce_after, tally)
    assert tally.suppressed == ["grace@example.org"]
    assert store.find("ada@example.org").status == "subscribed"  # type: ignore[union-attr]
    apply([Event(HARD, "ada@example.org", msgid("ada"))], store, config.ledger, config.bounce_after, tally)
    assert store.find("ada@example.org").status == "subscribed", "the same issue's bounce counts once"  # type: ignore[union-attr]
    store.close()


def test_the_corpus_is_what_its_readme_lists() -> None:
    listed = (REPORTS / "README.md").read_text()
    assert all(f"`{report.name}`" in listed for report in REPORTS.glob("*.eml"))
