"""Each reader's way out: a signed unsubscribe token, the footer link and the ``List-Unsubscribe`` headers.

A token is the reader's address and an HMAC-SHA256 of it (keyed with
``BUILD_SITE_UNSUBSCRIBE_SECRET``, bound to the list id), both base64url:
``<address>.<mac>``. Whoever holds the secret can tell which address a token
unsubscribes (``address_of_token``), and nobody without it can make one for an
address, so a link cannot unsubscribe anyone but its reader.

RFC 8058 one-click unsubscribing (``List-Unsubscribe-Post: List-Unsubscribe=One-Click``)
needs an ``https`` link that takes a POST; it is offered only when ``site.yaml``
gives one. The ``mailto:`` address is offered beside it for mail programs that
only know mail.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote

from .settings import Unsubscribing

TOKEN_PARAMETER = "token"
ONE_CLICK = "List-Unsubscribe=One-Click"
_MAC_BYTES = 16


@dataclass(frozen=True)
class UnsubscribeLinks:
    """One reader's ways out."""

    footer: str
    """The link the message's footer shows: the https one if there is one, else the mailto one."""
    header: str
    """The ``List-Unsubscribe`` value: ``<https://...>, <mailto:...>``."""
    one_click: bool
    """Whether ``List-Unsubscribe-Post`` goes with it (only with an https link)."""


def unsubscribe_token(secret: bytes, list_id: str, address: str) -> str:
    """The token that unsubscribes ``address`` from the list ``list_id``."""
    normalized = address.lower()
    return f"{_b64(normalized.encode())}.{_b64(_mac(secret, list_id, normalized))}"


def address_of_token(secret: bytes, list_id: str, token: str) -> str | None:
    """The address a token unsubscribes, or None if the token was not made with ``secret`` for ``list_id``."""
    encoded, _, mac = token.strip().partition(".")
    try:
        address = _unb64(encoded).decode("utf-8")
        given = _unb64(mac)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return address if hmac.compare_digest(given, _mac(secret, list_id, address)) else None


def unsubscribe_links(unsubscribing: Unsubscribing, list_id: str, address: str) -> UnsubscribeLinks:
    """``address``'s footer link and ``List-Unsubscribe`` header."""
    links = []
    if unsubscribing.url:
        separator = "&" if "?" in unsubscribing.url else "?"
        token = unsubscribe_token(unsubscribing.secret, list_id, address)
        links.append(f"{unsubscribing.url}{separator}{TOKEN_PARAMETER}={token}")
    if unsubscribing.mailto:
        links.append(f"mailto:{unsubscribing.mailto}?subject={quote('unsubscribe')}")
    return UnsubscribeLinks(
        footer=links[0], header=", ".join(f"<{link}>" for link in links), one_click=bool(unsubscribing.url)
    )


def _mac(secret: bytes, list_id: str, address: str) -> bytes:
    message = f"unsubscribe\n{list_id}\n{address}".encode()
    return hmac.new(secret, message, hashlib.sha256).digest()[:_MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
