"""Unsubscribe tokens and links: a token names its reader, and nobody without the secret can make one."""

from __future__ import annotations

import base64
import hashlib
import hmac

from site_builder.delivery.settings import Unsubscribing
from site_builder.delivery.unsubscribe import address_of_token, unsubscribe_links, unsubscribe_token

SECRET = b"0123456789abcdef-secret"
LIST = "the-daily-gradient.daily-gradient.example.org"


def test_a_token_carries_its_address_and_an_hmac_of_it() -> None:
    token = unsubscribe_token(SECRET, LIST, "Ada@Example.org")
    encoded, mac = token.split(".")
    assert base64.urlsafe_b64decode(encoded + "==") == b"ada@example.org"
    expected = hmac.new(SECRET, f"unsubscribe\n{LIST}\nada@example.org".encode(), hashlib.sha256).digest()[:16]
    assert base64.urlsafe_b64decode(mac + "==") == expected
    assert address_of_token(SECRET, LIST, token) == "ada@example.org"


def test_a_token_made_otherwise_or_changed_is_refused() -> None:
    token = unsubscribe_token(SECRET, LIST, "ada@example.org")
    assert address_of_token(b"another secret of ours", LIST, token) is None
    assert address_of_token(SECRET, "other.example.org", token) is None
    mac = token.split(".")[1]
    grace = base64.urlsafe_b64encode(b"grace@example.org").decode().rstrip("=")
    assert address_of_token(SECRET, LIST, f"{grace}.{mac}") is None, "another reader's address with this MAC"
    for broken in ("", ".", "not a token", token[:-2], token + "x", "%%%.%%%"):
        assert address_of_token(SECRET, LIST, broken) is None


def test_links_offer_https_one_click_first_and_mail_beside_it() -> None:
    both = unsubscribe_links(
        Unsubscribing("leave@example.org", "https://lists.example.org/u?list=dg", SECRET), LIST, "a@b.org"
    )
    token = unsubscribe_token(SECRET, LIST, "a@b.org")
    assert both.footer == f"https://lists.example.org/u?list=dg&token={token}"
    assert both.header == f"<{both.footer}>, <mailto:leave@example.org?subject=unsubscribe>"
    assert both.one_click
    mail_only = unsubscribe_links(Unsubscribing("leave@example.org", "", b""), LIST, "a@b.org")
    assert mail_only.footer == "mailto:leave@example.org?subject=unsubscribe"
    assert mail_only.header == "<mailto:leave@example.org?subject=unsubscribe>"
    assert not mail_only.one_click, "RFC 8058: one-click needs an https link"
