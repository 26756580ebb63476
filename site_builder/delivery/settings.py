"""What ``send`` needs to know, from ``site.yaml`` and the environment: the server, the list, the unsubscribe secret.

Host, port, security, user and the list's path come from ``site.yaml`` and may be
overridden by the environment (a deployment's own values); the SMTP password and
the unsubscribe secret come only from the environment: the schema has no field
for them, and neither ever reaches a log line (their dataclass fields are left out
of ``repr``).
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from ..content.settings import ADDRESS_PATTERN, SiteConfig
from ..content.slugs import group_slug
from ..errors import ConfigError, Problem

SITE_FILE = "content/site.yaml"


@dataclass(frozen=True)
class Variable:
    """An environment variable ``send`` and ``subscribers`` read."""

    name: str
    meaning: str


HOST = Variable("BUILD_SITE_SMTP_HOST", "mail server; overrides `delivery.smtp.host`")
PORT = Variable("BUILD_SITE_SMTP_PORT", "its port; overrides `delivery.smtp.port`")
SECURITY = Variable("BUILD_SITE_SMTP_SECURITY", "`starttls`, `ssl` or `none`; overrides `delivery.smtp.security`")
USER = Variable("BUILD_SITE_SMTP_USER", "login name; overrides `delivery.smtp.user`")
PASSWORD = Variable("BUILD_SITE_SMTP_PASSWORD", "the login's password (only ever read from here)")
SUBSCRIBERS = Variable("BUILD_SITE_SUBSCRIBERS", "path of the subscriber list; overrides `delivery.subscribers`")
LEDGER = Variable("BUILD_SITE_LEDGER", "path of the delivery ledger; overrides `delivery.ledger`")
SECRET = Variable(
    "BUILD_SITE_UNSUBSCRIBE_SECRET",
    "key that signs the readers' confirm and unsubscribe links (only ever read from here; at least 16 characters)",
)
WEBHOOK_TOKEN = Variable(
    "BUILD_SITE_WEBHOOK_TOKEN",
    "the password (HTTP Basic) of the subscription service's bounce webhooks; without it they are off",
)
SEND_TOKEN = Variable(
    "BUILD_SITE_SEND_TOKEN", "the bearer token of the subscription service's `POST /send`; without it that is off"
)
IMAP_PASSWORD = Variable(
    "BUILD_SITE_IMAP_PASSWORD", "the password of the bounce mailbox that `subscribers bounces imaps://...` reads"
)
ENVIRONMENT = (
    HOST,
    PORT,
    SECURITY,
    USER,
    PASSWORD,
    SUBSCRIBERS,
    LEDGER,
    SECRET,
    WEBHOOK_TOKEN,
    SEND_TOKEN,
    IMAP_PASSWORD,
)
"""Every variable, for the README's table (a test checks it lists them all)."""

DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
MIN_SECRET_LENGTH = 16


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand messages over."""

    host: str
    port: int
    security: str
    """``starttls``, ``ssl`` or ``none``."""
    user: str
    password: str = field(repr=False)
    timeout: float


@dataclass(frozen=True)
class Unsubscribing:
    """How a reader leaves the list."""

    mailto: str
    """Address for ``mailto:`` unsubscribing, or empty."""
    url: str
    """The ``https://`` unsubscribe endpoint, or empty."""
    secret: bytes = field(repr=False)
    """Signs each reader's token in ``url`` (empty without ``url``)."""


@dataclass(frozen=True)
class DeliveryConfig:
    """Everything ``send`` uses besides the edition and the list's rows."""

    smtp: SmtpServer
    subscribers: Path
    subscribers_shown: str
    """The list's path as the author wrote it, for messages."""
    ledger: Path
    ledger_shown: str
    """The ledger's path as the author wrote it, for messages."""
    sender: str
    """``From:``, as in ``site.yaml``."""
    envelope_from: str
    """The sender's bare address: ``MAIL FROM``, where servers send bounces."""
    unsubscribing: Unsubscribing
    list_name: str
    list_id: str
    """RFC 2919 list identifier, derived from the title and the site's host: ``the-daily-gradient.example.org``."""
    list_key: str
    """What the readers' tokens are bound to: the site's ``feed_id``, which a new title does not change."""
    service_url: str
    """The subscription service (``email.service_url``), or empty."""
    hosted_images: bool
    """Messages link their images from the service (``email.images: hosted`` with a ``service_url``), else attach them."""
    domain: str
    """The site's host: the right-hand side of Message-IDs and Content-IDs."""
    namespace: uuid.UUID
    """The site's ``feed_id``: Message-IDs are derived from it."""
    timezone: str
    rate: float
    attempts: int
    retry_delay: float
    bounce_after: int


def delivery_config(
    root: Path, out: Path, site: SiteConfig, environ: Mapping[str, str], *, connect: bool = True
) -> DeliveryConfig:
    """The settings of a send from ``site`` and ``environ``; every problem at once as a ``ConfigError``.

    Without ``connect`` (a dry run) the server and the secrets need not be given.
    """
    problems: list[Problem] = []
    smtp = _smtp_server(site, environ, problems, connect=connect)
    unsubscribing = _unsubscribing(site, environ, problems, connect=connect)
    subscribers, shown = _subscribers_path(root, out, site, environ, problems)
    ledger, ledger_shown = _private_path(root, out, environ, LEDGER, site.delivery.ledger, "delivery.ledger", problems)
    envelope_from = parseaddr(site.email.sender)[1]
    if not re.fullmatch(ADDRESS_PATTERN, envelope_from):
        problems.append(
            Problem(SITE_FILE, field="email.sender", message=f"{site.email.sender!r} has no valid sender address")
        )
    if problems:
        raise ConfigError(problems)
    domain = urlsplit(site.base_url).hostname or "localhost"
    delivery = site.delivery
    return DeliveryConfig(
        smtp=smtp,
        subscribers=subscribers,
        subscribers_shown=shown,
        ledger=ledger,
        ledger_shown=ledger_shown,
        sender=site.email.sender,
        envelope_from=envelope_from,
        unsubscribing=unsubscribing,
        list_name=site.title,
        list_id=list_id(site),
        list_key=site.feed_id,
        service_url=site.email.service_url or "",
        hosted_images=site.email.images == "hosted" and bool(site.email.service_url),
        domain=domain,
        namespace=uuid.UUID(site.feed_id),
        timezone=site.timezone,
        rate=delivery.rate,
        attempts=delivery.attempts,
        retry_delay=delivery.retry_delay,
        bounce_after=delivery.bounce_after,
    )


def list_id(site: SiteConfig) -> str:
    """The RFC 2919 list identifier: the title's slug under the site's host (``the-daily-gradient.example.org``)."""
    return f"{group_slug(site.title) or 'newsletter'}.{urlsplit(site.base_url).hostname or 'localhost'}"


def subscriber_list_path(root: Path, out: Path, site: SiteConfig, environ: Mapping[str, str]) -> tuple[Path, str]:
    """Where the subscriber list is, and how to name it in messages; a ``ConfigError`` if it may be published."""
    problems: list[Problem] = []
    found = _subscribers_path(root, out, site, environ, problems)
    if problems:
        raise ConfigError(problems)
    return found


def unsubscribe_secret(environ: Mapping[str, str]) -> bytes:
    """The key of the unsubscribe tokens; a ``ConfigError`` if it is missing or short."""
    problems: list[Problem] = []
    secret = _secret(environ, problems)
    if problems:
        raise ConfigError(problems)
    return secret


def _smtp_server(site: SiteConfig, environ: Mapping[str, str], problems: list[Problem], *, connect: bool) -> SmtpServer:
    settings = site.delivery.smtp
    host = environ.get(HOST.name) or settings.host
    security = environ.get(SECURITY.name) or settings.security
    if security not in DEFAULT_PORTS:
        problems.append(Problem(SECURITY.name, message=f"{security!r} is not starttls, ssl or none"))
        security = "starttls"
    port = settings.port or DEFAULT_PORTS[security]
    if environ.get(PORT.name):
        text = environ[PORT.name]
        if re.fullmatch(r"[0-9]{1,5}", text) and 1 <= int(text) <= 65535:
            port = int(text)
        else:
            problems.append(Problem(PORT.name, message=f"{text!r} is not a port number (1 to 65535)"))
    user = environ.get(USER.name) or settings.user
    password = environ.get(PASSWORD.name, "")
    if connect and not host:
        problems.append(
            Problem(SITE_FILE, field="delivery.smtp.host", message=f"no mail server: set it here or in {HOST.name}")
        )
    if connect and user and not password:
        problems.append(
            Problem(
                PASSWORD.name,
                message=f"not set: the SMTP user {user!r} needs a password",
                hint="set it in the environment, e.g. from a secret of the job; site.yaml never holds it",
            )
        )
    if connect and user and security == "none" and host and not _loopback(host):
        problems.append(
            Problem(
                SITE_FILE,
                field="delivery.smtp.security",
                message=f"refusing to send the password unencrypted to {host}",
                hint="use starttls or ssl",
            )
        )
    return SmtpServer(host, port, security, user, password, settings.timeout)


def _unsubscribing(
    site: SiteConfig, environ: Mapping[str, str], problems: list[Problem], *, connect: bool
) -> Unsubscribing:
    url = f"{site.email.service_url}unsubscribe" if site.email.service_url else site.email.unsubscribe_url
    secret = b""
    if url.startswith("http://") and not site.email.service_url:
        problems.append(
            Problem(
                SITE_FILE,
                field="email.unsubscribe_url",
                message="must start with https://: mail providers offer one-click unsubscribing only over https",
            )
        )
    if not url.startswith(("https://", "http://")):
        url = ""  # a placeholder for another mail tool
    elif connect:
        secret = _secret(environ, problems)
    if not url and not site.email.unsubscribe_mailto:
        problems.append(
            Problem(
                SITE_FILE,
                field="email.unsubscribe_mailto",
                message="a newsletter must let its readers leave: set this address, or an https:// unsubscribe_url",
            )
        )
    return Unsubscribing(site.email.unsubscribe_mailto, url, secret)


def _secret(environ: Mapping[str, str], problems: list[Problem]) -> bytes:
    secret = environ.get(SECRET.name, "")
    if len(secret) < MIN_SECRET_LENGTH:
        problems.append(
            Problem(
                SECRET.name,
                message=f"{'too short' if secret else 'not set'}: it signs the unsubscribe links and needs at least {MIN_SECRET_LENGTH} characters",
                hint="make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'",
            )
        )
    return secret.encode("utf-8")


def _subscribers_path(
    root: Path, out: Path, site: SiteConfig, environ: Mapping[str, str], problems: list[Problem]
) -> tuple[Path, str]:
    return _private_path(
        root, out, environ, SUBSCRIBERS, site.delivery.subscribers, "delivery.subscribers", problems, "subscriber list"
    )


def _private_path(
    root: Path,
    out: Path,
    environ: Mapping[str, str],
    variable: Variable,
    setting: str,
    field_name: str,
    problems: list[Problem],
    what: str = "delivery ledger",
) -> tuple[Path, str]:
    """A file of readers' addresses: where ``variable`` or ``setting`` puts it, never where a build publishes."""
    shown = environ.get(variable.name) or setting
    where = (variable.name, "") if environ.get(variable.name) else (SITE_FILE, field_name)
    path = (root / shown).resolve()
    out = out.resolve()
    published = {
        "content/": (root / "content").resolve(),
        "templates/": (root / "templates").resolve(),
        "the output folder": out,
    }
    for name, folder in published.items():
        if path == folder or folder in path.parents:
            problems.append(
                Problem(where[0], field=where[1], message=f"{shown} is inside {name}: the {what} must stay private")
            )
    return path, shown


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
