"""Each reader's tokens (confirm, unsubscribe) and ways out: the footer link and the ``List-Unsubscribe`` headers.

A token is opaque: the reader's row in the store, the epoch of their subscription,
the day it was made and what it is for, signed with HMAC-SHA256
(``BUILD_SITE_UNSUBSCRIBE_SECRET``) under the list's key, which is the site's
``feed_id`` (it does not change with the title). No address is inside, so none
ends up in a web server's log. A token holds only for the subscription it was
made for: a reader who subscribes again gets a new epoch and every older token
is void. A confirm token expires after ``CONFIRM_DAYS``, an unsubscribe token
after ``UNSUBSCRIBE_DAYS``.

RFC 8058 one-click unsubscribing (``List-Unsubscribe-Post: List-Unsubscribe=One-Click``)
needs an ``https`` link that takes a POST: the service's ``/unsubscribe``, whose GET
only shows a page with a button, so a link scanner unsubscribes nobody. The
``mailto:`` address is offered beside it for mail programs that only know mail.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import struct
from dataclasses import dataclass
from urllib.parse import quote

from .settings import Unsubscribing

TOKEN_PARAMETER = "token"
ONE_CLICK = "List-Unsubscribe=One-Click"
CONFIRM, UNSUBSCRIBE = "confirm", "unsubscribe"
CONFIRM_DAYS = 2
UNSUBSCRIBE_DAYS = 400
"""A reader may unsubscribe from an issue of more than a year ago."""
_CLAIM = struct.Struct(">QIHH")
"""subscriber id, epoch, day made (days since 2020-01-01), a spare zero."""
_EPOCH_DAY = dt.date(2020, 1, 1)
_MAC_BYTES = 16


@dataclass(frozen=True)
class Claim:
    """What a valid token says."""

    subscriber: int
    epoch: int
    made: dt.date


@dataclass(frozen=True)
class UnsubscribeLinks:
    """One reader's ways out."""

    footer: str
    """The link the message's footer shows: the https one if there is one, else the mailto one."""
    header: str
    """The ``List-Unsubscribe`` value: ``<https://...>, <mailto:...>``."""
    one_click: bool
    """Whether ``List-Unsubscribe-Post`` goes with it (only with an https link)."""


def make_token(secret: bytes, list_key: str, purpose: str, subscriber: int, epoch: int, today: dt.date) -> str:
    """A token for ``purpose`` of the subscription (``subscriber``, ``epoch``), made ``today``."""
    claim = _CLAIM.pack(subscriber, epoch, (today - _EPOCH_DAY).days, 0)
    return _b64(claim + _mac(secret, list_key, purpose, claim))


def read_token(secret: bytes, list_key: str, purpose: str, token: str, today: dt.date) -> Claim | None:
    """What ``token`` says, or None: not made with ``secret`` for this list and purpose, changed, or expired."""
    try:
        data = _unb64(token.strip())
    except (binascii.Error, ValueError):
        return None
    if len(data) != _CLAIM.size + _MAC_BYTES:
        return None
    claim, mac = data[: _CLAIM.size], data[_CLAIM.size :]
    if not hmac.compare_digest(mac, _mac(secret, list_key, purpose, claim)):
        return None
    subscriber, epoch, day, _ = _CLAIM.unpack(claim)
    made = _EPOCH_DAY + dt.timedelta(days=day)
    days = CONFIRM_DAYS if purpose == CONFIRM else UNSUBSCRIBE_DAYS
    if not made <= today <= made + dt.timedelta(days=days):
        return None
    return Claim(subscriber, epoch, made)


def unsubscribe_links(
    unsubscribing: Unsubscribing, list_key: str, subscriber: int, epoch: int, today: dt.date
) -> UnsubscribeLinks:
    """A reader's footer link and ``List-Unsubscribe`` header."""
    links = []
    if unsubscribing.url:
        separator = "&" if "?" in unsubscribing.url else "?"
        token = make_token(unsubscribing.secret, list_key, UNSUBSCRIBE, subscriber, epoch, today)
        links.append(f"{unsubscribing.url}{separator}{TOKEN_PARAMETER}={token}")
    if unsubscribing.mailto:
        links.append(f"mailto:{unsubscribing.mailto}?subject={quote('unsubscribe')}")
    return UnsubscribeLinks(
        footer=links[0], header=", ".join(f"<{link}>" for link in links), one_click=bool(unsubscribing.url)
    )


def _mac(secret: bytes, list_key: str, purpose: str, claim: bytes) -> bytes:
    message = f"{purpose}\n{list_key}\n".encode() + claim
    return hmac.new(secret, message, hashlib.sha256).digest()[:_MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    if not text or len(text) > 64:
        raise ValueError("not a token")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
