"""``build-site init``: a new newsletter project that builds and passes ``check`` as created.

The project gets its settings, one example issue (a topic and a feature started from the
scaffolds of ``build-site new``, and a problem that uses everything an entry can have: a
reference solution in ``computed/``, a verified formula, a worked example and a plot), a
``.gitignore``, the scheduled publish workflow, a ``requirements.txt`` and a short README.
It has no ``templates/``: the site looks like the default theme (``render.theme``) until the author
overrides a file. Nothing is written into a folder that is not empty unless asked, and no
file is ever overwritten.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import uuid
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import pydantic

from .. import __version__
from ..content.settings import ADDRESS_PATTERN, SiteConfig
from ..content.yamlsource import parse_yaml
from ..errors import ConfigError, Problem
from ..model.schedule import publication_day
from . import scaffold

EXAMPLE_TOPIC, EXAMPLE_PROBLEM, EXAMPLE_FEATURE = "your-first-topic", "mean-squared-error", "your-first-feature"
EXAMPLE_INTRO = "The first issue: a topic to write, a feature to describe, and a problem worked from end to end."
TAGLINE = "One machine-learning topic, one problem and one feature every morning, with every number computed."
WORKFLOW = ".github/workflows/publish.yml"
PUBLISH_DELAY = dt.timedelta(minutes=5)
"""The publish workflow runs this long after the site's publish time."""
EXISTS_HINT = "init never overwrites a file: move it away, or start the project in another folder"


@dataclass(frozen=True)
class Settings:
    """What ``init`` asks for; everything else in ``site.yaml`` starts at a default the author can edit."""

    title: str
    """The newsletter's name."""
    base_url: str
    """Address the site is served from, ending in ``/``."""
    timezone: str
    """IANA time zone in which issue dates are days."""
    author: str
    """Author or publisher."""
    sender: str
    """From: of the emails, ``Name <address>``."""


SETTINGS = tuple(field.name for field in dataclasses.fields(Settings))
"""The settings in the order they are asked for (a default may depend on those before it)."""


def default(name: str, folder: Path, chosen: Mapping[str, str]) -> str:
    """The default of setting ``name`` for a project in ``folder``, given the settings ``chosen`` before it."""
    if name == "title":
        words = re.sub(r"[-_.\s]+", " ", folder.resolve().name).strip()
        return words.title() if words else "My Newsletter"
    if name == "base_url":
        return "https://example.org/"
    if name == "timezone":
        return local_timezone()
    if name == "author":
        return f"The editors of {chosen['title']}"
    if name == "sender":
        host = urlsplit(chosen["base_url"]).hostname or ""
        address = f"newsletter@{host}"
        return formataddr(
            (chosen["title"], address if re.fullmatch(ADDRESS_PATTERN, address) else "newsletter@example.org")
        )
    raise KeyError(name)


def local_timezone() -> str:
    """This machine's IANA time zone (``TZ``, else what ``/etc/localtime`` links to), or UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    link = os.path.realpath("/etc/localtime")
    if "/zoneinfo/" in link:
        candidates.append(link.split("/zoneinfo/", 1)[1])
    for candidate in candidates:
        try:
            return check("timezone", candidate)
        except ValueError:
            continue
    return "UTC"


_VALID = {
    "title": "A",
    "tagline": "A",
    "base_url": "https://example.org/",
    "author": "A",
    "timezone": "UTC",
    "feed_id": "00000000-0000-4000-8000-000000000000",
}


def check(name: str, value: str) -> str:
    """``value`` as setting ``name`` takes it (a base URL gains its final ``/``); a ``ValueError`` saying what is wrong."""
    given, value = value, value.strip()
    if name == "base_url" and value and not value.endswith("/"):
        value += "/"
    if name == "sender":
        address = parseaddr(value)[1]
        if not re.fullmatch(ADDRESS_PATTERN, address):
            raise ValueError(f"{value!r} has no mail address: write it as 'Name <newsletter@example.org>'")
        return value
    try:
        SiteConfig.model_validate({**_VALID, name: value})
    except pydantic.ValidationError as exc:
        if any(error["type"] == "string_pattern_mismatch" for error in exc.errors()) and name != "base_url":
            raise ValueError(f"{given!r} is not one line of text") from None
        if name == "base_url":
            raise ValueError(f"{given!r} is not an address such as https://news.example.org/") from None
        raise ValueError("; ".join(error["msg"].removeprefix("Value error, ") for error in exc.errors())) from None
    return value


def checked(given: Mapping[str, str | None]) -> dict[str, str]:
    """The settings ``given`` (None: not given), checked; a ``ConfigError`` naming the option of each bad one."""
    values, problems = {}, []
    for name, value in given.items():
        if value is None:
            continue
        try:
            values[name] = check(name, value)
        except ValueError as exc:
            problems.append(Problem(option(name), message=str(exc)))
    if problems:
        raise ConfigError(problems)
    return values


def option(name: str) -> str:
    """The command-line option of setting ``name``."""
    return "--" + name.replace("_", "-")


def refuse_non_empty(folder: Path, *, force: bool) -> None:
    """Raise a ``ConfigError`` if ``folder`` is not empty, unless ``force``."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(Problem(str(folder), message="is not a folder; nothing written"))
    if force or not folder.is_dir():
        return
    found = sorted(p.name for p in folder.iterdir())
    if found:
        shown = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
        raise ConfigError(
            Problem(
                str(folder),
                message=f"is not empty ({shown}); nothing written",
                hint="start the project in a new or empty folder, or add --force to add its files to this one "
                "(init never overwrites a file)",
            )
        )


def project_files(settings: Settings, now: dt.datetime, feed_id: str | None = None) -> dict[str, str]:
    """Every file of a new project (path relative to its folder -> text); its issue is the publication day's at ``now``."""
    site_text = scaffold.fill(
        "site.yaml",
        {
            "TITLE": scaffold.yaml_string(settings.title),
            "TAGLINE": scaffold.yaml_string(TAGLINE),
            "BASE_URL": scaffold.yaml_string(settings.base_url),
            "AUTHOR": scaffold.yaml_string(settings.author),
            "TIMEZONE": scaffold.yaml_string(settings.timezone),
            "FEED_ID": feed_id or str(uuid.uuid4()),
            "UNSUBSCRIBE": scaffold.yaml_string("unsubscribe@" + parseaddr(settings.sender)[1].rpartition("@")[2]),
            "SENDER": scaffold.yaml_string(settings.sender),
        },
    )
    site = SiteConfig.model_validate(parse_yaml(site_text.encode(), "content/site.yaml").data)
    blank = scaffold.ExistingContent(
        {kind: () for kind in scaffold.ENTRY_KINDS}, {}, {"chapter": (), "collection": ()}, site.timezone
    )
    files = {"content/site.yaml": site_text}
    files |= scaffold.entry_files("topic", EXAMPLE_TOPIC, blank)
    files |= scaffold.entry_files("feature", EXAMPLE_FEATURE, blank)
    module = EXAMPLE_PROBLEM.replace("-", "_")
    files[f"content/problems/{EXAMPLE_PROBLEM}.yaml"] = scaffold.fill("example-problem.yaml", {})
    files[f"computed/{module}.py"] = scaffold.fill("example-problem.py", {})
    files["computed/__init__.py"] = (
        '"""Reference implementations: plain numpy functions whose results and source appear in the newsletter."""\n'
    )
    examples = dataclasses.replace(
        blank, entries={"topic": (EXAMPLE_TOPIC,), "problem": (EXAMPLE_PROBLEM,), "feature": (EXAMPLE_FEATURE,)}
    )
    files |= scaffold.issue_files(
        examples,
        publication_day(site.timezone, site.publish_time, now),
        EXAMPLE_TOPIC,
        EXAMPLE_PROBLEM,
        EXAMPLE_FEATURE,
        intro=EXAMPLE_INTRO,
        draft=False,
    )
    cron, note = publish_schedule(site.timezone, site.publish_time, now.year)
    files[WORKFLOW] = workflow(
        site.timezone,
        cron,
        note,
        install="pip install -r requirements.txt",
        see_also='README.md: "Publishing every day"',
    )
    files[".gitignore"] = scaffold.fill("gitignore", {})
    files["requirements.txt"] = scaffold.fill("requirements.txt", {"VERSION": __version__})
    files["README.md"] = scaffold.fill(
        "project-README.md", {"TITLE": settings.title, "VERSION": __version__, "CRON_NOTE": note}
    )
    return dict(sorted(files.items()))


def init_project(
    folder: Path, settings: Settings, *, force: bool = False, now: dt.datetime | None = None
) -> list[Path]:
    """Create a new project in ``folder``; refuse a folder that is not empty (unless ``force``) and any existing file."""
    refuse_non_empty(folder, force=force)
    files = project_files(settings, now or dt.datetime.now(dt.UTC))
    return scaffold.create_files(folder, files, hint=EXISTS_HINT)


def publish_schedule(timezone: str, publish_time: dt.time, year: int) -> tuple[str, str]:
    """The daily UTC ``cron`` line that runs just after ``publish_time`` in ``timezone`` all year, and why.

    Cron on GitHub runs in UTC: the run is placed after the publish time at the zone's
    smallest offset from UTC, so it is after it (later by the difference) when the clocks are ahead.
    """
    zone = zoneinfo.ZoneInfo(timezone)
    offsets = sorted(
        {dt.datetime(year, month, 1, 12, tzinfo=zone).utcoffset() or dt.timedelta() for month in range(1, 13)}
    )
    run = dt.datetime.combine(dt.date(year, 1, 1), publish_time) - offsets[0] + PUBLISH_DELAY
    local = [(run + offset).strftime("%H:%M") for offset in offsets]
    when = f"{run:%H:%M} UTC is {local[0]} in {timezone}"
    if len(local) > 1:
        when += f" in standard time and {local[-1]} in summer time"
    return f"{run.minute} {run.hour} * * *", f"{when}: after the {publish_time:%H:%M} publish time" + (
        " either way" if len(local) > 1 else ""
    )


def workflow(timezone: str, cron: str, note: str, *, install: str, see_also: str) -> str:
    """The GitHub workflow that publishes every day: build -> deploy -> send, and the plan check."""
    return scaffold.fill(
        "publish.yml",
        {"TIMEZONE": timezone, "CRON": cron, "CRON_NOTE": note, "INSTALL": install, "SEE_ALSO": see_also},
    )
