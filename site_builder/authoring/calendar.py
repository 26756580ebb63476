"""The publishing plan: which issue goes out on each of the next days, and what the maintainer must fix.

``build-site plan`` prints it; its exit status tells a scheduled job whether the
next publication day has an issue, so the job can alert a person in time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..content.schema import IssueEntry
from ..content.sources import Content
from ..pipeline.build import make_site
from ..pipeline.options import BuildOptions

log = logging.getLogger(__name__)

PLAN_DAYS = 14
"""How many days ahead the plan looks by default."""
REUSE_WINDOW_DAYS = 30
"""An entry featured again within this many days is reported as reused."""
PARTS = (("topics", "topic"), ("problems", "problem"), ("features", "feature"))


@dataclass(frozen=True)
class Reuse:
    """An entry an issue features that an earlier issue featured shortly before."""

    kind: str
    """``topics``, ``problems`` or ``features``."""
    entry_id: str
    previous: dt.date
    """The latest earlier issue (not a draft) that featured it."""


@dataclass(frozen=True)
class PlannedDay:
    """One day of the plan."""

    date: dt.date
    issue: IssueEntry | None
    """The issue that goes out that day, or None: a gap."""
    draft: IssueEntry | None
    """A draft dated that day: it does not go out until its ``draft: true`` is removed."""
    title: str
    """Title of the issue or draft (topic · problem), empty for a gap."""
    reused: tuple[Reuse, ...]
    """Entries of the day's issue (or draft) featured by another issue in the preceding window."""

    @property
    def is_gap(self) -> bool:
        return self.issue is None


@dataclass(frozen=True)
class Plan:
    """The days after the publication day ``as_of``, and drafts left behind."""

    as_of: dt.date
    """The publication day the plan starts after (its issue is already out)."""
    days: tuple[PlannedDay, ...]
    overdue_drafts: tuple[dt.date, ...]
    """Drafts dated on or before ``as_of``: their day has passed and they never went out."""
    reuse_window: int = REUSE_WINDOW_DAYS
    """Days back in which a repeated entry counts as reused."""

    @property
    def gaps(self) -> tuple[PlannedDay, ...]:
        return tuple(day for day in self.days if day.is_gap)

    @property
    def gap_tomorrow(self) -> bool:
        """No issue goes out on the next publication day."""
        return bool(self.days) and self.days[0].is_gap


def plan_schedule(
    content: Content, as_of: dt.date, days: int = PLAN_DAYS, reuse_window: int = REUSE_WINDOW_DAYS
) -> Plan:
    """The plan for the ``days`` days after ``as_of``."""
    issues = {date: source.loaded.model for date, source in content.issues.items()}
    featured: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for date, issue in sorted(issues.items()):
        if not issue.draft:
            for kind, field in PARTS:
                featured[(kind, getattr(issue, field))].append(date)

    planned = []
    for offset in range(1, days + 1):
        date = as_of + dt.timedelta(days=offset)
        entry = issues.get(date)
        reused: list[Reuse] = []
        if entry is not None:
            for kind, field in PARTS:
                ref = getattr(entry, field)
                earlier = [d for d in featured[(kind, ref)] if date - dt.timedelta(days=reuse_window) <= d < date]
                if earlier:
                    reused.append(Reuse(kind, ref, earlier[-1]))
        planned.append(
            PlannedDay(
                date,
                entry if entry is not None and not entry.draft else None,
                entry if entry is not None and entry.draft else None,
                _title(content, entry) if entry is not None else "",
                tuple(reused),
            )
        )
    overdue = tuple(date for date, issue in sorted(issues.items()) if issue.draft and date <= as_of)
    return Plan(as_of, tuple(planned), overdue, reuse_window)


def check_plan_builds(root: Path, plan: Plan) -> None:
    """Build the project in memory as of the plan's last day: raises what the build of any issue due would.

    Issues are rendered only once published, so without this a broken future
    issue would first fail on the morning it is due.
    """
    if not plan.days:
        return
    log.info("checking that the issues due by %s build", plan.days[-1].date)
    build_log = logging.getLogger(make_site.__module__.rpartition(".")[0])  # every stage's logger: the pipeline's
    level = build_log.level
    build_log.setLevel(logging.ERROR)  # the trial build's own progress and gaps would only repeat the plan
    try:
        make_site(root, BuildOptions(date=plan.days[-1].date))
    finally:
        build_log.setLevel(level)


def _title(content: Content, issue: IssueEntry) -> str:
    topic = content.entry("topics", issue.topic)
    problem = content.entry("problems", issue.problem)
    return " · ".join(e.title if e else "?" for e in (topic, problem))


def format_plan(plan: Plan, timezone: str, publish_time: dt.time, window: int = 7) -> str:
    """The plan as a table for a terminal or a job's log; ``window``: days of the delivery window."""
    lines = [
        f"Plan after {plan.as_of:%a} {plan.as_of} (issues go out at {publish_time:%H:%M} {timezone}): "
        f"the next {len(plan.days)} days",
        "",
    ]
    for day in plan.days:
        head = f"{day.date} {day.date:%a}  "
        if day.issue is not None:
            lines.append(f"{head}issue  {day.title}")
        elif day.draft is not None:
            lines.append(f"{head}GAP    only a draft: {day.title} (content/issues/{day.date}.yaml has draft: true)")
        else:
            lines.append(f"{head}GAP    no issue (add one: build-site new issue {day.date})")
        for reuse in day.reused:
            ago = (day.date - reuse.previous).days
            lines.append(
                f"{' ' * len(head)}       reuses {reuse.kind}/{reuse.entry_id}, featured on {reuse.previous} "
                f"({ago} day{'s' if ago != 1 else ''} before)"
            )
    lines.append("")
    if plan.days:
        last = plan.days[0].date
        first = last - dt.timedelta(days=window - 1)
        lines.append(
            f"On {last}, a build makes the email and dev.to editions of the issues of {first} to {last}"
            f" (delivery.window: {window} days); `build-site editions --date D` makes them for any published day."
        )
    if plan.overdue_drafts:
        dates = ", ".join(str(d) for d in plan.overdue_drafts)
        lines.append(f"Overdue drafts (their day has passed; they never went out): {dates}")
    drafts_due = [day.date for day in plan.days if day.draft is not None]
    if drafts_due:
        lines.append(f"Drafts due in the next {len(plan.days)} days: {', '.join(str(d) for d in drafts_due)}")
    reuses = sum(len(day.reused) for day in plan.days)
    if reuses:
        lines.append(f"Entries reused within {plan.reuse_window} days: {reuses}")
    gaps = plan.gaps
    if not gaps:
        lines.append(f"No gaps in the next {len(plan.days)} days.")
    else:
        lines.append(f"{len(gaps)} gap{'s' if len(gaps) != 1 else ''} in the next {len(plan.days)} days.")
    if plan.gap_tomorrow:
        lines.append(f"Nothing goes out on {plan.days[0].date}, the next publication day.")
    return "\n".join(lines) + "\n"
