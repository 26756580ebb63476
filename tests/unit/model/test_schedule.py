"""The publication day: today in the site's time zone once its publish time has passed, else yesterday."""

from __future__ import annotations

import datetime as dt

import pytest

from site_builder.content.schema import IssueEntry
from site_builder.content.settings import SiteConfig
from site_builder.errors import ConfigError
from site_builder.model.schedule import Schedule, build_time, publication_day, resolve_publication_day

SITE = SiteConfig(
    title="T",
    tagline="T",
    base_url="https://example.org/",
    author="A",
    timezone="Europe/Berlin",
    publish_time=dt.time(7, 0),
    feed_id="e877c43b-2724-4295-9a81-d436c47564a7",
)
UTC = dt.UTC


@pytest.mark.parametrize(
    ("now", "day"),
    [
        # Winter (CET, UTC+1): 07:00 in Berlin is 06:00 UTC.
        (dt.datetime(2026, 11, 28, 5, 59, 59, tzinfo=UTC), dt.date(2026, 11, 27)),
        (dt.datetime(2026, 11, 28, 6, 0, 0, tzinfo=UTC), dt.date(2026, 11, 28)),
        # Summer (CEST, UTC+2): 07:00 in Berlin is 05:00 UTC.
        (dt.datetime(2026, 7, 1, 4, 59, tzinfo=UTC), dt.date(2026, 6, 30)),
        (dt.datetime(2026, 7, 1, 5, 0, tzinfo=UTC), dt.date(2026, 7, 1)),
        # 23:30 UTC is already 00:30 on the 29th in Berlin, but before 07:00: the 28th's issue is the newest.
        (dt.datetime(2026, 11, 28, 23, 30, tzinfo=UTC), dt.date(2026, 11, 28)),
        # The morning the clocks go forward (29 March 2026, 02:00 -> 03:00).
        (dt.datetime(2026, 3, 29, 4, 59, tzinfo=UTC), dt.date(2026, 3, 28)),
        (dt.datetime(2026, 3, 29, 5, 0, tzinfo=UTC), dt.date(2026, 3, 29)),
    ],
)
def test_publication_day_turns_at_the_local_publish_time(now: dt.datetime, day: dt.date) -> None:
    assert publication_day(SITE.timezone, SITE.publish_time, now) == day


def test_resolve_says_why() -> None:
    now = dt.datetime(2026, 11, 28, 6, 12, tzinfo=UTC)
    assert resolve_publication_day(SITE, None, now) == (
        dt.date(2026, 11, 28),
        "it is 2026-11-28 07:12 in Europe/Berlin, after the 07:00 publish time",
    )
    assert resolve_publication_day(SITE, dt.date(2026, 1, 2), now) == (dt.date(2026, 1, 2), "given with --date")
    # 05:59 UTC is 06:59 in Berlin: the 27th's issue is the newest, the day before the local date.
    early = dt.datetime(2026, 11, 28, 5, 59, tzinfo=UTC)
    assert resolve_publication_day(SITE, None, early) == (
        dt.date(2026, 11, 27),
        "it is 2026-11-28 06:59 in Europe/Berlin, before the 07:00 publish time",
    )


@pytest.mark.parametrize("environ", [{}, {"SOURCE_DATE_EPOCH": ""}, {"OTHER": "1"}])
def test_without_source_date_epoch_the_build_time_is_the_wall_clock(environ: dict[str, str]) -> None:
    # An empty SOURCE_DATE_EPOCH counts as unset (as shells leave an exported but empty variable).
    before = dt.datetime.now(UTC)
    moment = build_time(environ)
    after = dt.datetime.now(UTC)
    assert before <= moment <= after
    assert moment.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        ("0", dt.datetime(1970, 1, 1, tzinfo=UTC)),
        # 20785 days of 86400 seconds.
        ("1795824000", dt.datetime(2026, 11, 28, tzinfo=UTC)),
        ("000000000060", dt.datetime(1970, 1, 1, 0, 1, tzinfo=UTC)),
        # The last second datetime can hold.
        ("253402300799", dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_source_date_epoch_is_seconds_since_1970_utc(value: str, moment: dt.datetime) -> None:
    got = build_time({"SOURCE_DATE_EPOCH": value})
    assert got == moment
    assert got.utcoffset() == dt.timedelta(0)


# Thirteen digits; twelve, but after the year 9999 (a clean error, not a traceback); not a whole number.
@pytest.mark.parametrize(
    "value", ["1234567890123", "253402300800", "999999999999", "-1", "12.5", " 12", "12 ", "1e9", "2026-11-28", "١٢"]
)
def test_a_malformed_source_date_epoch_is_refused(value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        build_time({"SOURCE_DATE_EPOCH": value})
    assert str(raised.value) == (
        f"SOURCE_DATE_EPOCH: must be whole seconds since 1970-01-01 UTC, got {value!r}\n1 problem found (configuration)."
    )


def _issue(date: str, *, draft: bool = False) -> IssueEntry:
    return IssueEntry(date=dt.date.fromisoformat(date), topic="t", problem="p", feature="f", draft=draft)


@pytest.mark.parametrize(
    ("schedule", "published"),
    [
        (Schedule(dt.date(2026, 11, 27)), ["2026-11-26", "2026-11-27"]),
        (Schedule(dt.date(2026, 11, 27), drafts=True), ["2026-11-25", "2026-11-26", "2026-11-27"]),
        (Schedule(dt.date(2026, 11, 27), future=True), ["2026-11-26", "2026-11-27", "2026-11-28"]),
        (
            Schedule(dt.date(2026, 11, 27), drafts=True, future=True),
            ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"],
        ),
    ],
)
def test_schedule_publishes_dated_issues_but_not_drafts_or_future_ones(
    schedule: Schedule, published: list[str]
) -> None:
    issues = [
        _issue("2026-11-25", draft=True),
        _issue("2026-11-26"),
        _issue("2026-11-27"),
        _issue("2026-11-28"),
        _issue("2026-11-29", draft=True),
    ]
    assert [i.date.isoformat() for i in issues if schedule.publishes(i.date, i.draft)] == published
