"""Tokens and links: opaque (no address inside), bound to one subscription, one list and one purpose, and they expire."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from site_builder.delivery.settings import Unsubscribing
from site_builder.delivery.unsubscribe import (
    CONFIRM,
    CONFIRM_DAYS,
    UNSUBSCRIBE,
    UNSUBSCRIBE_DAYS,
    Claim,
    make_token,
    read_token,
    unsubscribe_links,
)

SECRET = b"0123456789abcdef-secret"
LIST = "e877c43b-2724-4295-9a81-d436c47564a7"
TODAY = dt.date(2026, 12, 7)


def test_a_token_names_the_subscription_and_no_address() -> None:
    token = make_token(SECRET, LIST, UNSUBSCRIBE, 42, 3, TODAY)
    assert read_token(SECRET, LIST, UNSUBSCRIBE, token, TODAY) == Claim(42, 3, TODAY)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b"@" not in raw and len(token) == 43, "opaque: 16 bytes of claim, 16 of MAC"


def test_forged_changed_other_list_other_purpose_and_expired_tokens_are_refused() -> None:
    token = make_token(SECRET, LIST, UNSUBSCRIBE, 42, 3, TODAY)
    assert read_token(b"another secret of ours", LIST, UNSUBSCRIBE, token, TODAY) is None, "forged"
    assert read_token(SECRET, "another-list", UNSUBSCRIBE, token, TODAY) is None, "other list"
    assert read_token(SECRET, LIST, CONFIRM, token, TODAY) is None, "an unsubscribe token confirms nothing"
    raw = bytearray(base64.urlsafe_b64decode(token + "="))
    raw[7] ^= 1  # another subscriber's id, same MAC
    changed = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    assert read_token(SECRET, LIST, UNSUBSCRIBE, changed, TODAY) is None, "changed"
    for broken in ("", ".", "not a token", token[:-2], token + "x", "%%%.%%%", "A" * 200):
        assert read_token(SECRET, LIST, UNSUBSCRIBE, broken, TODAY) is None
    late = TODAY + dt.timedelta(days=UNSUBSCRIBE_DAYS + 1)
    assert read_token(SECRET, LIST, UNSUBSCRIBE, token, late) is None, "expired"
    assert read_token(SECRET, LIST, UNSUBSCRIBE, token, late - dt.timedelta(days=1)) is not None
    assert read_token(SECRET, LIST, UNSUBSCRIBE, token, TODAY - dt.timedelta(days=1)) is None, "from the future"


@pytest.mark.parametrize(("days", "valid"), [(0, True), (CONFIRM_DAYS, True), (CONFIRM_DAYS + 1, False)])
def test_a_confirm_link_expires_after_two_days(days: int, valid: bool) -> None:
    token = make_token(SECRET, LIST, CONFIRM, 1, 1, TODAY)
    assert (read_token(SECRET, LIST, CONFIRM, token, TODAY + dt.timedelta(days=days)) is not None) is valid


def test_links_offer_https_one_click_first_and_mail_beside_it() -> None:
    both = unsubscribe_links(
        Unsubscribing("leave@example.org", "https://lists.example.org/unsubscribe", SECRET), LIST, 7, 2, TODAY
    )
    token = make_token(SECRET, LIST, UNSUBSCRIBE, 7, 2, TODAY)
    assert both.footer == f"https://lists.example.org/unsubscribe?token={token}"
    assert both.header == f"<{both.footer}>, <mailto:leave@example.org?subject=unsubscribe>"
    assert both.one_click
    mail_only = unsubscribe_links(Unsubscribing("leave@example.org", "", b""), LIST, 7, 2, TODAY)
    assert mail_only.footer == "mailto:leave@example.org?subject=unsubscribe"
    assert mail_only.header == "<mailto:leave@example.org?subject=unsubscribe>"
    assert not mail_only.one_click, "RFC 8058: one-click needs an https link"
