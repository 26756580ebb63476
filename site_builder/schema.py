"""What authors write: one validation model per YAML file type, each field documented once.

These models are the authoring reference: ``docs/authoring.md`` is generated from
the field descriptions below, so a field cannot exist without being documented.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zoneinfo
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
FUNCTION_PATTERN = r"^[a-z_][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+$", max_length=30)]
FunctionRef = Annotated[str, StringConstraints(pattern=FUNCTION_PATTERN)]
# One line: no line break of any kind (YAML and JSON disagree on U+2028/U+2029, so they are refused too).
LINE_PATTERN = r"^[^\n\r\x85\u2028\u2029]*$"
Line = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=LINE_PATTERN)]
Markdown = Annotated[str, StringConstraints(min_length=1)]
# A few sentences of plain text; line breaks are spaces (YAML's `>` and `|` both read well).
Paragraph = Annotated[
    str, StringConstraints(min_length=1, max_length=1500), AfterValidator(lambda text: " ".join(text.split()))
]
# A site path may not start with "//" or "/\\": browsers read both as a link to another host.
LINK_PATTERN = r"^(https?://[^\s<>\"\\]+|mailto:[^\s<>\"\\]+|/([^/\s<>\"\\][^\s<>\"\\]*)?)$"
LinkTarget = Annotated[str, StringConstraints(pattern=LINK_PATTERN)]


class Model(BaseModel):
    """Base of every content model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


def check_finite(value: Any, where: str = "") -> Any:
    """Reject NaN and infinities anywhere inside nested lists and mappings."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where or 'value'} is {value}; numbers must be finite")
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_finite(item, f"{where}[{index}]")
    if isinstance(value, dict):
        for key, item in value.items():
            check_finite(item, f"{where}.{key}" if where else str(key))
    return value


Finite = Annotated[Any, AfterValidator(check_finite)]
"""Any YAML value whose numbers are all finite (no `.nan`, no `.inf`)."""


class Section(Model):
    """A headed part of an entry's text."""

    heading: Line = Field(description="Section heading, plain text.")
    body: Markdown = Field(
        description=(
            "The section's text in Markdown. `$...$` and `$$...$$` hold LaTeX math. "
            "A fenced block ```` ```{formula} ID ````, ```` ```{example} ID ```` or "
            "```` ```{plot} ID ```` places that formula, worked example or plot; "
            "`` {value}`EXAMPLE.OUTPUT:FORMAT` `` quotes a computed number, e.g. "
            "`` {value}`sentence.perplexity:.3f` ``."
        )
    )


class Verification(Model):
    """How a formula is checked against the reference implementation."""

    example: Slug = Field(
        description="Id of the worked example (in `examples`) whose computation the formula must match."
    )
    output: str = Field(
        description=(
            "Name of the computation's output that the right-hand side of the formula "
            "(after its single top-level `=` or `\\leftarrow`) equals."
        )
    )
    symbols: dict[str, str] = Field(
        description=(
            "Symbol name -> name of an input or output of the computation (an input wins when both exist). "
            "A symbol's name is its LaTeX without backslashes, braces and spaces: `N`, `mu_B` for `\\mu_B`, "
            "`hatmu` for `\\hat{\\mu}`. `NAME^2` binds a square as a unit (`sigma_B^2: variance`). "
            "A function-like symbol such as `p(x_i)` is bound by its name `p` to an array indexed by the sum's "
            "index. Every bound symbol must appear in the formula and every symbol in it must be bound."
        )
    )
    rtol: float = Field(
        default=1e-9,
        gt=0,
        lt=1,
        description="Relative tolerance of the comparison, relative to the largest magnitude of the expected output.",
    )
    trials: int = Field(
        default=20,
        ge=0,
        le=1000,
        description=(
            "How many seeded random inputs to check besides the worked example. They come from "
            "`sample_FUNCTION(rng)` next to the example's function if it exists, else from the example's "
            "inputs with each float scaled by a random factor in [0.5, 1.5]."
        ),
    )


class Formula(Model):
    """A displayed formula, written in LaTeX."""

    id: Slug = Field(description="Name used to place the formula with ```` ```{formula} ID ````.")
    latex: Markdown = Field(description="The formula in LaTeX, without surrounding `$$`.")
    label: Line | None = Field(default=None, description="Caption shown under the formula.")
    verify: Verification | None = Field(
        default=None, description="Check the formula against a reference implementation at build time."
    )


class Example(Model):
    """A worked example: a reference implementation run on inputs given here."""

    id: Slug = Field(description="Name used to place the example and to quote its outputs.")
    function: FunctionRef = Field(
        description="`module.function` in the project's `computed/` folder; it returns a mapping of named steps."
    )
    caption: Line = Field(description="Title of the worked-example table.")
    inputs: dict[str, Finite] = Field(description="Keyword arguments passed to the function (numbers, lists, text).")
    labels: dict[str, Line] = Field(
        default_factory=dict, description="Display label for an output name, e.g. `log2_p: log₂ p(xᵢ)`."
    )
    digits: int | None = Field(
        default=None,
        ge=0,
        le=12,
        description=(
            "Decimal places of every number in the table and in `{value}` quotes without a format. "
            "Absent: each number as written in the shortest form, rounded to 6 significant digits "
            "(`1.0` shows as `1`, `0.1 + 0.2` as `0.3`, `1/3` as `0.333333`, `1e-05` as `1e-5`)."
        ),
    )


class Plot(Model):
    """A figure drawn by a plotting function in `computed/`."""

    id: Slug = Field(description="Name used to place the plot with ```` ```{plot} ID ````.")
    function: FunctionRef = Field(
        description=(
            "`module.function` in `computed/`; called as `function(fig, **inputs)`, returns the alt text. It is "
            "called twice: on a figure 6.4 inches wide (desktop) and on one 3.6 inches wide (phone), so it can lay "
            "out less on the narrow one; the page shows the drawing that fits, in the reader's colour scheme."
        ),
    )
    caption: Line = Field(description="Caption shown under the figure.")
    inputs: dict[str, Finite] = Field(default_factory=dict, description="Keyword arguments passed to the function.")


class TestCase(Model):
    """A worked test case of a problem: inputs, and the expected output computed by the solution."""

    name: Line = Field(description="Short description of the case.")
    inputs: dict[str, Finite] = Field(description="Keyword arguments passed to the solution function.")
    expected: Finite = Field(
        default=None,
        description="Optional hand-written expected output; the build fails if the solution disagrees.",
    )


class CallToAction(Model):
    """A link inviting the reader to go further: explore the chapter, try the problem, use the feature."""

    text: Line = Field(description="Link text.")
    url: LinkTarget = Field(description="Site path (`/problems/ID/`, `/chapters/ID/`) or absolute http(s) URL.")


class Entry(Model):
    """Fields shared by topics, problems and feature spotlights."""

    id: Slug = Field(description="Lower-case slug; must equal the file name without `.yaml`.")
    title: Line = Field(description="Title, plain text.")
    summary: Line = Field(description="One sentence shown in lists, feeds and link previews.")
    tags: list[Tag] = Field(default_factory=list, max_length=4, description="Up to 4 lower-case alphanumeric tags.")
    sections: list[Section] = Field(min_length=1, description="The text, in order.")
    formulas: list[Formula] = Field(default_factory=list, description="Formulas the sections place by id.")
    examples: list[Example] = Field(default_factory=list, description="Worked examples the sections place by id.")
    plots: list[Plot] = Field(default_factory=list, description="Plots the sections place by id.")
    applications: list[Line] = Field(
        default_factory=list,
        max_length=8,
        description=(
            'Optional "Practical applications": where the idea is used in practice, one plain-text line per item, '
            "shown as a list after the sections."
        ),
    )
    call_to_action: CallToAction | None = Field(
        default=None,
        description=(
            "Optional closing link. Absent, a topic invites the reader to explore its chapter's page, "
            "and a problem to try it and check the result against its worked test cases."
        ),
    )


class TopicEntry(Entry):
    """A topic deep dive (`content/topics/ID.yaml`)."""

    chapter: Line = Field(
        description='Chapter of the study plan, e.g. "Evaluation & Benchmarks"; one index page per chapter.'
    )
    chapter_connection: Paragraph | None = Field(
        default=None,
        description=(
            "Optional plain text on how the topic fits its chapter, shown after the practical applications "
            'under "Connection to CHAPTER", with a link to the chapter page.'
        ),
    )


class ProblemEntry(Entry):
    """A problem of the day (`content/problems/ID.yaml`)."""

    difficulty: Literal["Easy", "Medium", "Hard"] = Field(description="Easy, Medium or Hard.")
    collection: Line = Field(description='Problem collection, e.g. "CV: Deep Learning"; one index page per collection.')
    solution: FunctionRef = Field(
        description="`module.function` in `computed/`: the reference implementation, shown as the solution."
    )
    tests: list[TestCase] = Field(
        min_length=1, description="Worked test cases, run through the solution at build time."
    )
    digits: int | None = Field(
        default=None,
        ge=0,
        le=12,
        description=(
            "Decimal places of the numbers in the worked test cases; absent: shortest form, "
            "rounded to 6 significant digits (as for examples)."
        ),
    )


class FeatureEntry(Entry):
    """A feature spotlight (`content/features/ID.yaml`)."""

    audience: list[Line] = Field(min_length=1, description="Who the feature is for, one group per item.")
    call_to_action: CallToAction = Field(description="Closing link (required for a feature spotlight).")


class IssueEntry(Model):
    """A daily issue (`content/issues/YYYY-MM-DD.yaml`): which entries go out that day."""

    date: dt.date = Field(description="Publication day, `YYYY-MM-DD`; must equal the file name.")
    topic: Slug = Field(description="Id of the topic deep dive.")
    problem: Slug = Field(description="Id of the problem of the day.")
    feature: Slug = Field(description="Id of the feature spotlight.")
    intro: Line | None = Field(default=None, description="Optional opening line.")
    tags: list[Tag] = Field(
        default_factory=list, max_length=4, description="Up to 4 tags for cross-posting; default: the entries' tags."
    )
    draft: bool = Field(default=False, description="A draft is not published (preview with `--drafts`).")


ADDRESS_PATTERN = r"^[^@\s<>\"(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$"
"""A bare mail address (``name@example.org``), ASCII, without a display name."""


class EmailSettings(Model):
    """Settings of the email edition, and of the messages `build-site send` makes from it."""

    unsubscribe_url: str = Field(
        default="{{unsubscribe_url}}",
        description=(
            "Unsubscribe link. An `https://` address is your unsubscribe endpoint: `build-site send` adds each "
            "recipient's signed token to it (`?token=...`), shows it in the footer and offers it for one-click "
            "unsubscribing (`List-Unsubscribe-Post`). Anything else (the default) is a placeholder that the built "
            "`issue.eml` keeps for your mail tool, and `send` then offers `unsubscribe_mailto` alone."
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
        default="subscribers.csv",
        min_length=1,
        description=(
            "The subscriber list: a CSV file with the columns `address`, `name` and `status` (`subscribed`, "
            "`unsubscribed` or `bounced`), relative to the project folder or absolute, outside `content/` and the "
            "output folder so it is never published. `BUILD_SITE_SUBSCRIBERS` overrides it."
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
            "A subscriber whose server refused this many issues in a row for good (5xx) is marked `bounced` "
            "and gets no more issues."
        ),
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
