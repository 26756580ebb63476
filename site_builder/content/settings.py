"""The site's settings (``content/site.yaml``): one validation model per group, each field documented once."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from .schema import Line, Model

ADDRESS_PATTERN = r"^[^@\s<>\"(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$"
"""A bare mail address (``name@example.org``), ASCII, without a display name."""


UNSUBSCRIBE_PLACEHOLDER = "{{unsubscribe_url}}"
"""Stands for a reader's unsubscribe link: ``send`` puts each recipient's own there, another mail tool its own."""


class EmailSettings(Model):
    """Settings of the email edition, and of the messages `build-site send` makes from it."""

    unsubscribe_url: str = Field(
        default="",
        description=(
            "Unsubscribe link without a subscription service (`service_url`). An `https://` address is your "
            "unsubscribe endpoint: `build-site send` adds each recipient's signed token to it (`?token=...`), shows "
            "it in the footer and offers it for one-click unsubscribing (`List-Unsubscribe-Post`). Anything else, "
            "e.g. `{{unsubscribe_url}}`, is a placeholder that the built `issue.eml` keeps for your mail tool, and "
            "`send` then offers `unsubscribe_mailto` alone. Empty (the default): the site's copies of an issue and "
            "`issue.eml` link to `unsubscribe_mailto`."
        ),
    )
    unsubscribe_mailto: str = Field(
        default="",
        description=(
            "Address that unsubscribes whoever writes to it: `send` puts it in every message's `List-Unsubscribe` "
            "header. `send` needs it or an `https://` `unsubscribe_url`."
        ),
    )
    sender: str = Field(
        default="Daily Gradient <newsletter@example.org>",
        description="From: header of `issue.eml` and of the messages `send` makes; its address is also the envelope sender.",
    )
    recipient: str = Field(
        default="",
        description="To: header of `issue.eml`, e.g. the mailing list's address; empty leaves it to your mail tool.",
    )
    service_url: (
        Annotated[
            str, StringConstraints(pattern=r"^(https://[^\s<>\"\\?#]+|http://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?)/$")
        ]
        | None
    ) = Field(
        default=None,
        description=(
            "Public address of your subscription service (`build-site subscriptions serve` behind your web server), "
            "ending in `/`, e.g. `https://lists.example.org/`. The site's subscribe form then posts there (double "
            "opt-in), and every message links to its `unsubscribe` page and offers it for one-click unsubscribing "
            "(RFC 8058); `unsubscribe_url` and `subscribe_url` are not used. Plain `http://` only to this machine "
            "(`http://127.0.0.1:8025/`), for trying it out."
        ),
    )
    images: Literal["hosted", "inline"] = Field(
        default="hosted",
        description=(
            "How `send` gives each message its images (formulas, plots): `hosted` links them from the subscription "
            "service (`service_url`), which keeps every image a message has shown for good, under a name made from "
            "its bytes, so a link never changes or breaks (a message of about 115 KB); `inline` attaches them to "
            "every message (about 550 KB with an issue's 114 images). Without `service_url`, they are inline."
        ),
    )
    subscribe_url: Annotated[str, StringConstraints(pattern=r"^https://[^\s<>\"\\]+$")] | None = Field(
        default=None,
        description=(
            "Action URL of your mailing list's sign-up form (https), e.g. "
            "`https://buttondown.com/api/emails/embed-subscribe/NAME`. The home page and every issue page then "
            "show an email form that posts the reader's address to it; absent, they offer the feed only."
        ),
    )
    subscribe_field: Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_\-]{0,39}$")] = Field(
        default="email", description="Name of the form field that carries the address (`email`, `EMAIL`, ...)."
    )

    @property
    def public_unsubscribe_url(self) -> str:
        """The unsubscribe link of the email's copies made by the build (the site's ``email.html``, ``email.txt``).

        Those copies are public: their link carries no reader's token and must work for whoever follows it. With a
        service, its unsubscribe page, which tells a reader how to leave; else ``unsubscribe_url`` as written; else
        ``unsubscribe_mailto`` (writing to it unsubscribes the sender); with none, the placeholder for a mail tool.
        """
        if self.service_url:
            return f"{self.service_url}unsubscribe"
        if self.unsubscribe_url:
            return self.unsubscribe_url
        return f"mailto:{self.unsubscribe_mailto}" if self.unsubscribe_mailto else UNSUBSCRIBE_PLACEHOLDER

    @field_validator("unsubscribe_mailto")
    @classmethod
    def _bare_address(cls, value: str) -> str:
        if value and not re.fullmatch(ADDRESS_PATTERN, value):
            raise ValueError(f"{value!r} is not a bare mail address such as unsubscribe@example.org")
        return value


class SmtpSettings(Model):
    """The mail server `build-site send` hands messages to. The password never goes here: it comes from the environment."""

    host: str = Field(default="", description="Server name or address; `BUILD_SITE_SMTP_HOST` overrides it.")
    port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Port; default 465 with `ssl`, 587 with `starttls`, 25 with `none`. `BUILD_SITE_SMTP_PORT` overrides it.",
    )
    security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls",
        description=(
            "`starttls` (plain connection upgraded to TLS, port 587), `ssl` (TLS from the start, port 465) or `none` "
            "(only for a relay on this machine). `BUILD_SITE_SMTP_SECURITY` overrides it."
        ),
    )
    user: str = Field(
        default="",
        description=(
            "Login name; empty sends without logging in. With a user, the password is read from "
            "`BUILD_SITE_SMTP_PASSWORD`. `BUILD_SITE_SMTP_USER` overrides it."
        ),
    )
    timeout: float = Field(default=60.0, gt=0, le=600, description="Seconds to wait for the server to answer.")

    @field_validator("host")
    @classmethod
    def _host_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9.:\[\]-]*", value):
            raise ValueError(f"{value!r} is not a host name or address such as smtp.example.org")
        return value


class DeliverySettings(Model):
    """How `build-site send` delivers an issue to the subscribers."""

    window: int = Field(
        default=7,
        ge=0,
        le=366,
        description=(
            "How many days of issues, up to the publication day, get their email and dev.to editions in a build"
            " (`build-site editions --date D` makes them for any published day): the issues that can still be sent."
        ),
    )
    subscribers: str = Field(
        default="subscribers.sqlite",
        min_length=1,
        description=(
            "The subscriber store: a SQLite file that `send`, `build-site subscribers` and the subscription service "
            "share, relative to the project folder or absolute, outside `content/` and the output folder so it is "
            "never published. A name ending in `.csv` is a list kept as CSV (columns `address`, `name`, `status`) by "
            "older versions: it is imported on first use into the `.sqlite` file beside it, and renamed "
            "`NAME.csv.imported`. `BUILD_SITE_SUBSCRIBERS` overrides it."
        ),
    )
    ledger: str = Field(
        default="delivery.sqlite",
        min_length=1,
        description=(
            "The delivery ledger: the SQLite file in which `build-site send` records every message it hands over, "
            "so that no reader gets an issue twice. Relative to the project folder or absolute, outside `content/` "
            "and the output folder; every `send`, whatever its `--out`, uses this one. Keep it (back it up with the "
            "subscriber list): without it, a rerun sends the day's issue again. `BUILD_SITE_LEDGER` overrides it."
        ),
    )
    smtp: SmtpSettings = Field(default_factory=SmtpSettings, description="The mail server.")
    rate: float = Field(default=5.0, gt=0, le=1000, description="At most this many messages per second.")
    attempts: int = Field(
        default=4,
        ge=1,
        le=20,
        description="Tries per message when the server answers 4xx or the connection drops before it took the message.",
    )
    retry_delay: float = Field(
        default=5.0,
        ge=0,
        le=3600,
        description="Seconds before the second try of a message; doubled before each next one.",
    )
    bounce_after: int = Field(
        default=3,
        ge=1,
        le=100,
        description=(
            "A subscriber whose server refused this many issues in a row for good (5xx), or whose hard bounces "
            "(read by `build-site subscribers bounces` or a provider's webhook) name this many issues, is marked "
            "`bounced` and gets no more issues. A complaint (spam report) stops a subscriber's mail at once."
        ),
    )
    signups_per_address: int = Field(
        default=3,
        ge=1,
        le=1000,
        description="Sign-ups of one address per hour the subscription service takes (each mails a confirmation).",
    )
    signups_per_client: int = Field(
        default=20,
        ge=1,
        le=1_000_000,
        description="Sign-ups per hour the subscription service takes from one client (IP address).",
    )


class SiteConfig(Model):
    """The whole site's settings (`content/site.yaml`)."""

    title: Line = Field(description="Site title.")
    tagline: Line = Field(description="One line under the title.")
    base_url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s/]+(/[^\s]*)?/$")] = Field(
        description="Absolute URL the site is served from, ending in `/`."
    )
    author: Line = Field(description="Author or publisher name.")
    timezone: str = Field(description="IANA time zone in which issue dates are days, e.g. `Europe/Berlin`.")
    publish_time: dt.time = Field(default=dt.time(7, 0), description="Local time at which the day's issue goes out.")
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] = Field(
        default="en", description="BCP 47 language tag of the content."
    )
    feed_id: Annotated[
        str, StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    ] = Field(description="A UUID fixed once for the site; feed entry ids are derived from it and the issue date.")
    allow_raw_html: bool = Field(
        default=False, description="Let author Markdown contain raw HTML (off: it is escaped)."
    )
    recent_issues: int = Field(default=10, ge=1, le=100, description="How many issues the home page lists.")
    email: EmailSettings = Field(default_factory=EmailSettings, description="Email edition settings.")
    delivery: DeliverySettings = Field(
        default_factory=DeliverySettings, description="How `build-site send` delivers issues to subscribers."
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", value):
            raise ValueError(f"unknown time zone {value!r}")
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value
