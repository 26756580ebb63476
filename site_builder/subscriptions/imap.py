"""The sender's mailbox over IMAP (``imaps://USER@HOST/MAILBOX``), read for bounces as its Maildir would be.

``build-site subscribers bounces imaps://bounces@mail.example.org/INBOX`` logs in with
``BUILD_SITE_IMAP_PASSWORD``: ``imaps://`` speaks TLS from the start (port 993), ``imap://``
upgrades with STARTTLS (port 143), and only to a server on this machine may it stay plain,
as the SMTP settings allow. Each unseen mail is fetched without being marked
(``BODY.PEEK``), applied, and then flagged ``\\Seen``: a run stopped halfway reads again
only what it had not applied, and a report applied twice changes nothing.
"""

from __future__ import annotations

import contextlib
import imaplib
import ipaddress
import re
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..delivery.settings import DeliveryConfig
from ..delivery.store import Store
from .bounces import Tally, read_mail

URL = re.compile(r"imaps?://", re.IGNORECASE)
"""How a mailbox given as an IMAP address begins (anything else is a Maildir's path)."""
TIMEOUT = 60.0


@dataclass(frozen=True)
class ImapMailbox:
    """Where the mails are: ``imaps://USER@HOST[:PORT]/MAILBOX`` (``INBOX`` when no mailbox is named)."""

    tls: bool
    """TLS from the start (``imaps``), else STARTTLS (``imap``), or plain to this machine."""
    host: str
    port: int
    user: str
    mailbox: str

    @classmethod
    def parse(cls, url: str) -> ImapMailbox:
        """The mailbox ``url`` names; a ``ValueError`` saying what is wrong with it."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("imap", "imaps") or not parts.hostname or not parts.username:
            raise ValueError(f"{url!r} is not an address such as imaps://bounces@mail.example.org/INBOX")
        if parts.password is not None:
            raise ValueError("the password goes in BUILD_SITE_IMAP_PASSWORD, never in the address")
        tls = parts.scheme.lower() == "imaps"
        try:
            port = parts.port or (993 if tls else 143)
        except ValueError as exc:
            raise ValueError(f"{url!r} has no valid port") from exc
        name = unquote(parts.path.lstrip("/")) or "INBOX"
        return cls(tls, parts.hostname, port, unquote(parts.username), name)

    @property
    def local(self) -> bool:
        """A server on this machine, which may be spoken to without TLS."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def read_imap(where: ImapMailbox, password: str, store: Store, config: DeliveryConfig) -> Tally:
    """Apply every unseen mail of the mailbox ``where``, then flag it seen."""
    tally = Tally()
    context = ssl.create_default_context()
    if where.tls:
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(where.host, where.port, ssl_context=context, timeout=TIMEOUT)
    else:
        client = imaplib.IMAP4(where.host, where.port, timeout=TIMEOUT)
        if "STARTTLS" in client.capabilities:
            client.starttls(context)
        elif not where.local:
            client.shutdown()
            raise imaplib.IMAP4.error(f"{where.host} offers no STARTTLS: refusing to send the password unencrypted")
    try:
        client.login(where.user, password)
        client.select(_quoted(where.mailbox))
        _, found = client.uid("SEARCH", "UNSEEN")
        for uid in found[0].split():
            _, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
            data = next(part[1] for part in fetched if isinstance(part, tuple))
            read_mail(data, store, config, tally)
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return tally


def _quoted(name: str) -> str:
    """A mailbox name as an IMAP string (``"Bounces/2026"``)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
