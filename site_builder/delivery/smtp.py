"""One SMTP session that says exactly when the server has taken a message, over ``smtplib``.

``smtplib.SMTP.sendmail`` sends the message and its final ``.`` in one call, so a
caller cannot record the moment after which the server may have the message.
``deliver`` runs MAIL, RCPT and DATA with ``smtplib``'s own commands, sends the
message, calls back (the ledger writes ``in-doubt``), and only then sends the
final ``.``. What went wrong decides what happens next:

- 2xx to the final ``.``: ``SENT``;
- 4xx anywhere, or the connection lost before the final ``.``: ``TEMPORARY`` (try again later);
- 5xx: ``PERMANENT`` (the reader's server refuses it; with ``stage`` MAIL, the sender is refused);
- the connection lost after the final ``.``: ``IN_DOUBT`` (see ``ledger``).
"""

from __future__ import annotations

import enum
import logging
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import BuildError, ConfigError, Problem
from .settings import PASSWORD, SmtpServer

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"
    IN_DOUBT = "in doubt"


@dataclass(frozen=True)
class Result:
    """How handing one message over ended."""

    outcome: Outcome
    reply: str
    """The server's answer (``550 5.1.1 no such user``) or what happened (``connection lost: ...``)."""
    stage: str = ""
    """The command it happened at: ``connect``, ``MAIL``, ``RCPT``, ``DATA`` or ``.``."""


class ServerError(BuildError):
    """The server cannot be used at all (its certificate, no STARTTLS): stop, nothing more can be sent."""

    exit_code = 1

    @property
    def kind(self) -> str:
        return "mail server"


class SmtpSession:
    """A connection to the server, opened when first needed and again after it was lost."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self.smtp: smtplib.SMTP | None = None

    def deliver(self, sender: str, recipient: str, message: bytes, handing_over: Callable[[], None]) -> Result:
        """Hand ``message`` for ``recipient`` over (the session is ``open``); ``handing_over`` runs just before the final ``.``."""
        smtp = self.smtp
        if smtp is None:
            return Result(Outcome.TEMPORARY, "not connected", "connect")
        stage = "MAIL"
        try:
            code, text = smtp.mail(sender)
            if code == 250:
                stage = "RCPT"
                code, text = smtp.rcpt(recipient)
            if code in (250, 251):
                stage = "DATA"
                code, text = smtp.docmd("DATA")
            if code != 354:
                return self._refused(code, text, stage)
            smtp.send(_dot_stuffed(message))
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            return Result(Outcome.TEMPORARY, f"connection lost: {_reason(exc)}", stage)
        try:
            handing_over()
        except BaseException:
            self.close()  # the server drops a message whose final "." never came
            raise
        try:
            smtp.send(b".\r\n")
            code, text = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            return Result(Outcome.IN_DOUBT, f"connection lost after the final '.': {_reason(exc)}", ".")
        if code == 250:
            return Result(Outcome.SENT, _answer(code, text), ".")
        return self._refused(code, text, ".")

    def close(self) -> None:
        """End the session (politely if the server still listens)."""
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def open(self) -> Result | None:
        """Open the session if it is not; a result saying why if the server cannot be used now.

        Raises ``ServerError`` (TLS failed, no STARTTLS) or ``ConfigError`` (login refused) when trying again cannot help.
        """
        if self.smtp is not None:
            return None
        server = self.server
        context = ssl.create_default_context()  # honours SSL_CERT_FILE, for a server with its own certificate
        try:
            if server.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout, context=context)
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
            try:
                smtp.ehlo()
                if server.security == "starttls":
                    if not smtp.has_extn("starttls"):
                        raise ServerError(
                            Problem(f"{server.host}:{server.port}", message="the server offers no STARTTLS")
                        )
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if server.user:
                    smtp.login(server.user, server.password)
            except BaseException:
                smtp.close()
                raise
        except ssl.SSLError as exc:
            raise ServerError(Problem(f"{server.host}:{server.port}", message=f"TLS failed: {_reason(exc)}")) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise ConfigError(
                Problem(
                    PASSWORD.name,
                    message=f"the server refused the login of {server.user!r}: {_answer(exc.smtp_code, exc.smtp_error)}",
                )
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise ServerError(Problem(f"{server.host}:{server.port}", message=str(exc))) from None
        except smtplib.SMTPResponseException as exc:
            outcome = Outcome.TEMPORARY if 400 <= exc.smtp_code < 500 else Outcome.PERMANENT
            return Result(outcome, _answer(exc.smtp_code, exc.smtp_error), "connect")
        except (smtplib.SMTPException, OSError) as exc:
            return Result(
                Outcome.TEMPORARY, f"cannot connect to {server.host}:{server.port}: {_reason(exc)}", "connect"
            )
        self.smtp = smtp
        return None

    def _refused(self, code: int, text: bytes, stage: str) -> Result:
        """A 4xx or 5xx answer: reset the transaction (or drop the session, after 421) and say which."""
        smtp = self.smtp
        if code == 421 or smtp is None:
            self.close()
        else:
            try:
                if smtp.rset()[0] != 250:
                    self.close()
            except (smtplib.SMTPException, OSError):
                self.close()
        outcome = Outcome.PERMANENT if 500 <= code < 600 else Outcome.TEMPORARY
        return Result(outcome, _answer(code, text), stage)


def _dot_stuffed(message: bytes) -> bytes:
    """RFC 5321 4.5.2: a line starting with ``.`` gets another; the message ends with CRLF."""
    stuffed = re.sub(rb"(?m)^\.", b"..", message)
    return stuffed if stuffed.endswith(b"\r\n") else stuffed + b"\r\n"


def _answer(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(text.split())}".strip()


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
