"""Which issues are published: the publication day, drafts and future issues."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from .schema import IssueEntry, SiteConfig


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

    def publishes(self, issue: IssueEntry) -> bool:
        if issue.draft and not self.drafts:
            return False
        return self.future or issue.date <= self.as_of


def resolve_publication_day(site: SiteConfig, date: dt.date | None, now: dt.datetime) -> tuple[dt.date, str]:
    """The publication day a build uses, and why, in words for its log: ``date`` if given, else from ``now``.

    This is the only place the wall clock enters a build: everything published
    depends on the day returned, never on ``now`` itself.
    """
    if date is not None:
        return date, "given with --date"
    local = now.astimezone(zoneinfo.ZoneInfo(site.timezone))
    day = publication_day(site, now)
    side = "after" if day == local.date() else "before"
    return day, f"it is {local:%Y-%m-%d %H:%M} in {site.timezone}, {side} the {site.publish_time:%H:%M} publish time"


def publication_day(site: SiteConfig, now: dt.datetime) -> dt.date:
    """The newest issue date that is out at ``now``: today once the site's publish time has passed, else yesterday."""
    local = now.astimezone(zoneinfo.ZoneInfo(site.timezone))
    if local.time() >= site.publish_time:
        return local.date()
    return local.date() - dt.timedelta(days=1)
