"""One message per reader, made from the issue's email edition: its own ``To:``, Message-ID and unsubscribe link.

The part every reader shares is prepared once (``Letter``: images attached inline,
or linked from the subscription service with ``email.images: hosted``; headers that do not change); per reader only the unsubscribe link is put in
place of the placeholder in both parts and the message is written by
``site_builder.outputs.email.mime.compose``.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
import uuid
import zoneinfo
from dataclasses import dataclass
from email.utils import format_datetime, formataddr

from ..errors import Problem, TemplateError
from ..outputs.email.edition import EMAIL_TEMPLATE, TEXT_TEMPLATE
from ..outputs.email.mime import InlineImage, compose, host_site_images, inline_site_images, phrase
from .issue import UNSUBSCRIBE_PLACEHOLDER, EmailEdition
from .settings import DeliveryConfig
from .subscribers import Subscriber
from .unsubscribe import ONE_CLICK, unsubscribe_links


@dataclass(frozen=True)
class Letter:
    """An edition ready to be addressed to each reader."""

    edition: EmailEdition
    config: DeliveryConfig
    html: str
    """The HTML part with its images by ``cid:`` (attached), or at the service (hosted)."""
    images: tuple[InlineImage, ...]
    """The images attached to every message (none when hosted)."""

    @classmethod
    def of(cls, edition: EmailEdition, config: DeliveryConfig) -> Letter:
        """``edition`` ready to address; a ``TemplateError`` if a part has no place for the reader's unsubscribe link."""
        templates = {"html": EMAIL_TEMPLATE, "text": TEXT_TEMPLATE}
        missing = [part for part in templates if UNSUBSCRIBE_PLACEHOLDER not in getattr(edition, part)]
        if missing:
            raise TemplateError(
                [
                    Problem(
                        f"templates/{templates[part]}",
                        message=f"the email's {part} part shows no unsubscribe link ({{{{ unsubscribe_url }}}})",
                        hint="every message must let its reader leave the list",
                    )
                    for part in missing
                ]
            )
        if config.hosted_images:  # the service serves them (``Store.keep_images``, before the first message)
            page = host_site_images(edition.html, edition.images, edition.base_url, f"{config.service_url}images/")
            return cls(edition, config, page, ())
        page, images = inline_site_images(edition.html, edition.images, edition.base_url, config.domain)
        return cls(edition, config, page, tuple(images))

    def message_id(self, address: str, generation: int) -> str:
        """The Message-ID of the message of this issue to ``address``; a ``--resend`` makes a new message."""
        name = f"send/{self.edition.date.isoformat()}/{address.lower()}/{generation}"
        return f"<{uuid.uuid5(self.config.namespace, name)}@{self.config.domain}>"

    def message(self, reader: Subscriber, message_id: str, when: dt.datetime) -> bytes:
        """The message to ``reader``, dated ``when``."""
        config = self.config
        links = unsubscribe_links(config.unsubscribing, config.list_key, reader.id, reader.epoch, when.date())
        headers = [
            ("From", config.sender),
            ("To", formataddr((reader.name, reader.mailbox))),
            ("Subject", self.edition.subject),
            ("Date", format_datetime(when.astimezone(zoneinfo.ZoneInfo(config.timezone)))),
            ("Message-ID", message_id),
            ("List-Id", f"{phrase(config.list_name)} <{config.list_id}>"),
            ("List-Unsubscribe", links.header),
        ]
        if links.one_click:
            headers.append(("List-Unsubscribe-Post", ONE_CLICK))
        text = self.edition.text.replace(UNSUBSCRIBE_PLACEHOLDER, links.footer)
        page = self.html.replace(UNSUBSCRIBE_PLACEHOLDER, html.escape(links.footer, quote=True))
        return compose(headers, text, page, self.images)


@dataclass(frozen=True)
class MessageSize:
    """How large a reader's message is, as ``send --dry-run`` reports it."""

    message: int
    """Bytes of the whole message, as it goes over SMTP."""
    html: int
    """Bytes of its HTML part as sent (Gmail clips a message whose HTML is over 102 KB)."""
    hosted: bool
    """Images linked from the service, not attached."""

    def __str__(self) -> str:
        where = "linked from the subscription service" if self.hosted else "attached"
        return f"each message {self.message / 1000:.1f} kB, its HTML part {self.html / 1000:.1f} kB; images {where}"


def message_size(letter: Letter, reader: Subscriber) -> MessageSize:
    """The size of ``reader``'s message (every reader's differs only by their address, name and tokens)."""
    data = letter.message(reader, letter.message_id(reader.key, 0), now())
    parsed = email.message_from_bytes(data, policy=email.policy.SMTP)
    html_part = next(part for part in parsed.walk() if part.get_content_type() == "text/html")
    return MessageSize(len(data), len(html_part.get_payload().encode()), letter.config.hosted_images)


def now() -> dt.datetime:
    """The time a message is dated with."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
