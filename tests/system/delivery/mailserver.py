"""A real SMTP server on 127.0.0.1 for the delivery tests: aiosmtpd in a thread, with answers a test can script."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

Script = Callable[[str, str, SMTP], str | None]
"""(stage, address, server) -> an answer instead of the usual one, or None. Stages: MAIL, RCPT, DATA (before
the message is kept; an answer refuses it) and KEPT (after; the answer is ignored, for side effects)."""


@dataclass
class Received:
    """A message the server took (answered 250 to its final dot)."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    at: float

    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class MailServer:
    """The server, its mailbox and its script."""

    tls: ssl.SSLContext | None = None
    """Offer STARTTLS with this context (and require it)."""
    implicit_tls: ssl.SSLContext | None = None
    """Speak TLS from the first byte (SMTPS, port 465 style)."""
    login: tuple[str, str] | None = None
    """Require AUTH with this user and password."""
    received: list[Received] = field(default_factory=list)
    script: Script | None = None
    commands: list[str] = field(default_factory=list)
    """Every MAIL and RCPT the server saw, with the address: what the client tried."""
    logins: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0
    controller: Controller | None = None

    def start(self) -> MailServer:
        """Listen (again on the same port, after ``stop``)."""
        self.port = self.port or free_port()
        options: dict[str, Any] = {}
        if self.tls is not None:
            options |= {"tls_context": self.tls, "require_starttls": True}
        if self.login is not None:
            options |= {"authenticator": self._authenticate, "auth_required": True}
            if self.implicit_tls is not None:
                # aiosmtpd counts only STARTTLS as TLS when it decides whether to offer AUTH; SMTPS is TLS from the start.
                options["auth_require_tls"] = False
        self.controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, ssl_context=self.implicit_tls, **options
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def copies(self) -> Counter[str]:
        """Recipient -> how many messages the server took for them."""
        with self.lock:
            return Counter(rcpt for message in self.received for rcpt in message.rcpt_tos)

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m.parsed() for m in self.received if address in m.rcpt_tos]

    def _answer(self, stage: str, address: str, server: SMTP) -> str | None:
        with self.lock:
            self.commands.append(f"{stage} {address}")
        return self.script(stage, address, server) if self.script else None

    def _authenticate(self, server: SMTP, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == self.login
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_MAIL(self, server: SMTP, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        answer = self.server._answer("MAIL", address, server)
        if answer:
            return answer
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        answer = self.server._answer("RCPT", address, server)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        recipient = envelope.rcpt_tos[0]
        answer = self.server._answer("DATA", recipient, server)
        if answer:
            return answer
        with self.server.lock:
            self.server.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, time.monotonic())
            )
        self.server._answer("KEPT", recipient, server)
        return "250 OK: queued"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made now with ``cryptography``: (certificate, key) PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def server_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context
