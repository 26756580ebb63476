"""Which issues are published: the publication day, drafts and future issues.

The standard library only (the site's settings are a type here, not an import): the no-op check
reads the publication day from this module too, before anything else of a build is imported.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import ConfigError, Problem

if TYPE_CHECKING:
    from ..content.settings import SiteConfig


@dataclass(frozen=True)
class Schedule:
    """What a build publishes."""

    as_of: dt.date
    """Issues dated on or before this day are published."""
    drafts: bool = False
    """Also publish drafts (preview)."""
    future: bool = False
    """Also publish issues dated after ``as_of`` (preview)."""
    reason: str = field(default="", compare=False)
    """Why ``as_of`` is the day, in words for the log (e.g. ``given with --date``)."""

    def publishes(self, date: dt.date, draft: bool) -> bool:
        """True if the issue of ``date`` (a draft or not) is published."""
        if draft and not self.drafts:
            return False
        return self.future or date <= self.as_of


def resolve_publication_day(site: SiteConfig, date: dt.date | None, now: dt.datetime) -> tuple[dt.date, str]:
    """The publication day a build uses, and why, in words for its log: ``date`` if given, else from ``now``.

    This is the only place the wall clock enters a build: everything published
    depends on the day returned, never on ``now`` itself.
    """
    if date is not None:
        return date, "given with --date"
    local = now.astimezone(zoneinfo.ZoneInfo(site.timezone))
    day = publication_day(site.timezone, site.publish_time, now)
    side = "after" if day == local.date() else "before"
    return day, f"it is {local:%Y-%m-%d %H:%M} in {site.timezone}, {side} the {site.publish_time:%H:%M} publish time"


def publication_day(timezone: str, publish_time: dt.time, now: dt.datetime) -> dt.date:
    """The newest issue date that is out at ``now``: today in ``timezone`` once ``publish_time`` has passed, else yesterday."""
    local = now.astimezone(zoneinfo.ZoneInfo(timezone))
    if local.time() >= publish_time:
        return local.date()
    return local.date() - dt.timedelta(days=1)


def build_time(environ: Mapping[str, str] = os.environ) -> dt.datetime:
    """The time a build runs at: now, or ``SOURCE_DATE_EPOCH`` when set, so a rebuild can replay a past day.

    ``SOURCE_DATE_EPOCH`` (reproducible-builds.org) is whole seconds since 1970-01-01 UTC;
    a malformed value is an error rather than silently ignored.
    """
    value = environ.get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return dt.datetime.now(dt.UTC)
    if re.fullmatch(r"[0-9]{1,12}", value):
        # Twelve digits can still name a moment after the year 9999, which datetime cannot hold.
        with contextlib.suppress(ValueError):
            return dt.datetime.fromtimestamp(int(value), dt.UTC)
    raise ConfigError(
        Problem("SOURCE_DATE_EPOCH", message=f"must be whole seconds since 1970-01-01 UTC, got {value!r}")
    )
