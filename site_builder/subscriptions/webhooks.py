"""Bounce and complaint events posted by mail providers: Postmark, and Amazon SES through SNS.

Both endpoints want HTTP Basic authentication with ``BUILD_SITE_WEBHOOK_TOKEN`` as
the password (Postmark's webhook and an SNS subscription both take
``https://user:TOKEN@host/...``); without the variable they do not exist (404).
An SNS message must also carry a valid signature (SignatureVersion 1: SHA1, 2:
SHA256, RSA), checked with the certificate its ``SigningCertURL`` names, which is
fetched only from ``https://sns.REGION.amazonaws.com/...pem`` (``CERT_HOST``) and kept;
``Service.fetch_certificate`` fetches it, and a test puts its own there. A
``SubscriptionConfirmation`` is confirmed by fetching its ``SubscribeURL`` (same host rule).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import re
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .bounces import COMPLAINT, HARD, SOFT, Event, Tally, apply
from .config import ServiceConfig
from .writer import Writer

log = logging.getLogger(__name__)

CERT_HOST = re.compile(r"sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?")
SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
POSTMARK_HARD = frozenset({"HardBounce", "BadEmailAddress", "ManuallyDeactivated", "Blocked"})
POSTMARK_SOFT = frozenset({"SoftBounce", "Transient", "DnsError"})
MAX_BODY = 262_144
"""An SNS message is at most 256 KB."""

Fetch = Callable[[str], bytes]


class Service(Protocol):
    """What the webhooks use of the service (``app.Service``)."""

    config: ServiceConfig
    writer: Writer
    fetch_certificate: Fetch


def fetch(url: str) -> bytes:
    """GET ``url`` (an SNS certificate or subscription link, whose host was checked)."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read()


def webhook_routes(service: Service) -> list[Route]:
    """The routes of the webhooks."""
    certificates: dict[str, bytes] = {}

    def authorized(request: Request) -> bool:
        token = service.config.webhook_token
        given = request.headers.get("authorization", "")
        scheme, _, encoded = given.partition(" ")
        try:
            password = base64.b64decode(encoded).decode().partition(":")[2] if scheme.lower() == "basic" else ""
        except (binascii.Error, UnicodeDecodeError):
            return False
        return bool(token) and hmac.compare_digest(password.encode(), token.encode())

    async def body(request: Request) -> Any:
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            raise ValueError("too large")
        return json.loads(await request.body())

    async def postmark(request: Request) -> Response:
        if not service.config.webhook_token:
            return PlainTextResponse("Not Found", status_code=404)
        if not authorized(request):
            return PlainTextResponse("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Basic"})
        try:
            record = await body(request)
        except ValueError:
            return PlainTextResponse("Bad Request", status_code=400)
        return await _applied(service, postmark_events(record))

    async def ses(request: Request) -> Response:
        if not service.config.webhook_token:
            return PlainTextResponse("Not Found", status_code=404)
        if not authorized(request):
            return PlainTextResponse("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Basic"})
        try:
            message = await body(request)
            verify_sns(message, lambda url: _certificate(url, certificates, service.fetch_certificate))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ses webhook: refused: %s", exc)
            return PlainTextResponse("Bad Request", status_code=400)
        if message["Type"] == "SubscriptionConfirmation":
            service.fetch_certificate(_sns_url(message["SubscribeURL"]))
            return PlainTextResponse("confirmed")
        if message["Type"] != "Notification":
            return PlainTextResponse("ok")
        return await _applied(service, ses_events(json.loads(message["Message"])))

    return [
        Route("/webhooks/postmark", postmark, methods=["POST"]),
        Route("/webhooks/ses", ses, methods=["POST"]),
    ]


def postmark_events(record: dict[str, Any]) -> list[Event]:
    """A Postmark webhook's bounce or spam complaint."""
    address = str(record.get("Email", ""))
    kind = record.get("RecordType")
    if kind == "SpamComplaint":
        return [Event(COMPLAINT, address, source="postmark")]
    if kind == "Bounce" and record.get("Type") in POSTMARK_HARD | POSTMARK_SOFT:
        return [Event(HARD if record["Type"] in POSTMARK_HARD else SOFT, address, source="postmark")]
    return []


def ses_events(notification: dict[str, Any]) -> list[Event]:
    """An SES bounce or complaint notification: one event per recipient, matched by the original Message-ID."""
    mail = notification.get("mail", {})
    headers = {h.get("name", "").lower(): h.get("value", "") for h in mail.get("headers", [])}
    message_id = headers.get("message-id") or mail.get("commonHeaders", {}).get("messageId", "")
    if notification.get("notificationType") == "Bounce":
        bounce = notification["bounce"]
        kind = HARD if bounce.get("bounceType") == "Permanent" else SOFT
        return [Event(kind, r["emailAddress"], message_id, "ses") for r in bounce.get("bouncedRecipients", [])]
    if notification.get("notificationType") == "Complaint":
        complaint = notification["complaint"]
        return [
            Event(COMPLAINT, r["emailAddress"], message_id, "ses") for r in complaint.get("complainedRecipients", [])
        ]
    return []


def verify_sns(message: dict[str, Any], certificate: Fetch) -> None:
    """A ``ValueError`` unless ``message`` is signed by SNS (its certificate from ``certificate``)."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    fields = SIGNED_FIELDS.get(message.get("Type", ""))
    if fields is None:
        raise ValueError(f"unknown message type {message.get('Type')!r}")
    text = "".join(f"{name}\n{message[name]}\n" for name in fields if name in message)
    version = str(message.get("SignatureVersion"))
    digest = {"1": hashes.SHA1(), "2": hashes.SHA256()}.get(version)
    if digest is None:
        raise ValueError(f"unknown SignatureVersion {version!r}")
    key = x509.load_pem_x509_certificate(certificate(_sns_url(message["SigningCertURL"]))).public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the certificate's key is not RSA")
    try:
        key.verify(base64.b64decode(message["Signature"]), text.encode(), padding.PKCS1v15(), digest)
    except InvalidSignature:
        raise ValueError("the signature does not match") from None


def _sns_url(url: str) -> str:
    """``url`` if it is an https address of SNS itself; else a ``ValueError`` (nobody else is fetched)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not CERT_HOST.fullmatch(parts.hostname or "") or parts.port not in (None, 443):
        raise ValueError(f"{url!r} is not an address of SNS")
    return url


def _certificate(url: str, kept: dict[str, bytes], fetcher: Fetch) -> bytes:
    if url not in kept:
        if not urlsplit(url).path.endswith(".pem"):
            raise ValueError(f"{url!r} is not a certificate")
        kept[url] = fetcher(url)
    return kept[url]


async def _applied(service: Service, events: list[Event]) -> Response:
    tally = Tally()
    delivery = service.config.delivery
    await service.writer.change(lambda store: apply(events, store, delivery.ledger, delivery.bounce_after, tally))
    return PlainTextResponse(f"{len(tally.events)} events, {len(tally.suppressed)} suppressed")
