"""The model of small sites made from skeletons: which issues are published, in what order, their
neighbours, the recent list and the delivery window, the groups and their members, and the derived
facts, which change exactly when what they summarise changes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import pytest

from site_builder.content.kinds import BY_FOLDER
from site_builder.content.settings import SiteConfig
from site_builder.content.sources import Content, EntrySource, IssueSource, Loaded, Source
from site_builder.incremental.deps import tracking
from site_builder.model.schedule import Schedule
from site_builder.model.site_model import SiteModel, build_model

SITE = {
    "title": "T",
    "tagline": "L",
    "base_url": "https://example.org/news/",
    "author": "A",
    "timezone": "UTC",
    "publish_time": "06:30",
    "feed_id": "e877c43b-2724-4295-9a81-d436c47564a7",
}

# (folder, id, title, group) of each entry of the small site.
ENTRIES = [
    ("topics", "entropy", "Entropy", "Information"),
    ("topics", "attention", "Attention", "Deep Learning"),
    ("topics", "softmax", "Softmax", "Deep Learning"),
    ("topics", "unused", "Unused", "Optimisation"),
    ("problems", "argmax", "Argmax", "Warm-ups"),
    ("problems", "logsumexp", "Log-sum-exp", "Warm-ups"),
    ("features", "cards", "Cards", None),
    ("features", "search", "Search", None),
]
NOV = [dt.date(2026, 11, day) for day in range(1, 31)]


def _day(day: int) -> dt.date:
    return dt.date(2026, 11, day)


class Loads:
    """Records which files the model loads (it should need none: it is made from skeletons)."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def loader(self, path: str, model: Any) -> Any:
        def load() -> Loaded[Any]:
            self.paths.append(path)
            return Loaded(model, None)  # type: ignore[arg-type]

        return load


def _content(
    issues: Iterable[tuple[int | dt.date, bool, str, str, str]],
    *,
    entries: Iterable[tuple[str, str, str, str | None]] = ENTRIES,
    loads: Loads | None = None,
    **site: Any,
) -> Content:
    """Content of skeletons alone: issues given as (date or day of November, draft, topic, problem, feature)."""
    loads = loads or Loads()
    config = SiteConfig.model_validate({**SITE, **site})
    site_source = Source("content/site.yaml", "d", loads.loader("content/site.yaml", config), SiteConfig)
    sources = {}
    for folder, entry_id, title, group in entries:
        path = f"content/{folder}/{entry_id}.yaml"
        fields = SimpleNamespace(title=title, summary=f"About {title}.")
        load = loads.loader(path, fields)
        sources[(folder, entry_id)] = EntrySource(BY_FOLDER[folder], (entry_id, title, group), path, "d", load)
    by_date = {}
    for day, draft, *parts in sorted(issues):
        date = day if isinstance(day, dt.date) else _day(day)
        path = f"content/issues/{date}.yaml"
        skeleton = (date.isoformat(), draft, *parts)
        by_date[date] = IssueSource(skeleton, path, "d", loads.loader(path, SimpleNamespace(tags=[], intro=None)))  # type: ignore[arg-type]
    return Content(Loaded(config, None), site_source, sources, by_date)  # type: ignore[arg-type]


def _model(
    issues: Iterable[tuple[int | dt.date, bool, str, str, str]],
    as_of: int = 30,
    *,
    unfeatured: bool = False,
    results: Any = None,
    schedule: Schedule | None = None,
    **kwargs: Any,
) -> SiteModel:
    content = _content(issues, **kwargs)
    return build_model(
        content, results or (lambda source: source.id), schedule or Schedule(_day(as_of)), unfeatured=unfeatured
    )


# Five issues; the 4th is a draft and the 9th after the publication day of most tests (the 7th).
ISSUES = [
    (1, False, "entropy", "argmax", "cards"),
    (2, False, "attention", "logsumexp", "search"),
    (4, True, "softmax", "argmax", "cards"),
    (5, False, "entropy", "logsumexp", "cards"),
    (9, False, "softmax", "argmax", "search"),
]


def _dates(issues: Iterable[Any]) -> list[int]:
    return [issue.date.day for issue in issues]


def _sha(*parts: str) -> str:
    """The digest of ``parts``, computed here: 8-byte little-endian length, then the UTF-8 bytes, of each."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode()
        hasher.update(len(data).to_bytes(8, "little") + data)
    return hasher.hexdigest()[:32]


# --- what is published, in what order ---------------------------------------------------------


def test_the_model_gives_the_site_settings_file_it_was_made_from() -> None:
    # build_site reads the site's time zone and publish time through it, for the no-op check's stamp.
    content = _content(ISSUES)
    model = build_model(content, lambda source: source.id, Schedule(_day(7)))
    assert model.site_source is content.site_source
    assert model.site_source.path == "content/site.yaml"


def test_published_issues_are_those_up_to_the_day_without_drafts_newest_first() -> None:
    model = _model(ISSUES, as_of=7)
    assert model.dates == [_day(1), _day(2), _day(5)]
    assert _dates(model.issues) == [5, 2, 1]
    assert _dates(model.all_issues) == [5, 2, 1]
    assert [issue.path for issue in model.issues] == ["issues/2026-11-05/", "issues/2026-11-02/", "issues/2026-11-01/"]


def test_the_publication_day_itself_is_published() -> None:
    assert _model(ISSUES, as_of=9).dates == [_day(1), _day(2), _day(5), _day(9)]
    assert _model(ISSUES, as_of=8).dates == [_day(1), _day(2), _day(5)]


def test_a_preview_with_drafts_and_future_issues_publishes_them_all() -> None:
    model = _model(ISSUES, schedule=Schedule(_day(3), drafts=True, future=True))
    assert _dates(model.issues) == [9, 5, 4, 2, 1]


def test_issue_pages_exist_for_published_days_only_and_are_made_once() -> None:
    model = _model(ISSUES, as_of=7)
    assert model.issue_page(_day(4)) is None  # a draft
    assert model.issue_page(_day(9)) is None  # after the day
    assert model.issue_page(_day(3)) is None  # no issue
    issue = model.issue_page(_day(2))
    assert issue is not None and issue.date == _day(2)
    assert model.issue_page(_day(2)) is issue
    assert [part.key for part in issue.parts] == ["topics/attention", "problems/logsumexp", "features/search"]


def test_by_date_maps_published_days_to_their_pages() -> None:
    model = _model(ISSUES, as_of=7)
    by_date = model.by_date
    assert list(by_date) == [_day(1), _day(2), _day(5)]
    assert len(by_date) == 3
    assert _day(5) in by_date and _day(4) not in by_date and _day(9) not in by_date
    assert by_date[_day(5)] is model.issue_page(_day(5))
    assert by_date.get(_day(4)) is None
    with pytest.raises(KeyError):
        by_date[_day(4)]


def test_the_model_is_made_from_skeletons_without_loading_a_file() -> None:
    loads = Loads()
    model = _model(ISSUES, as_of=7, loads=loads)
    model.derived_facts()
    for issue in model.issues:
        assert [part.key for part in issue.parts]
        issue.previous, issue.next  # noqa: B018
    for group in (*model.chapters, *model.collections):
        assert group.entries
    assert loads.paths == []


# --- neighbours --------------------------------------------------------------------------------


def test_neighbours_skip_drafts_and_stop_at_the_ends() -> None:
    model = _model(ISSUES, as_of=7)
    first, second, last = (model.issue_page(_day(d)) for d in (1, 2, 5))
    assert first.previous is None and first.next.date == _day(2)  # type: ignore[union-attr]
    assert second.previous.date == _day(1) and second.next.date == _day(5)  # type: ignore[union-attr]
    assert last.previous.date == _day(2) and last.next is None  # type: ignore[union-attr]
    assert last.previous.path == "issues/2026-11-02/"  # type: ignore[union-attr]


def test_a_neighbour_is_titled_from_its_issue_s_topic_and_problem() -> None:
    model = _model(ISSUES, as_of=7)
    before, after = model.neighbours(_day(2))
    assert before is not None and after is not None
    assert before.title == "Entropy · Argmax"
    assert after.title == "Entropy · Log-sum-exp"


def test_a_single_issue_has_no_neighbours() -> None:
    model = _model(ISSUES[:1])
    assert model.neighbours(_day(1)) == (None, None)


# --- the recent list and the delivery window ---------------------------------------------------


def test_recent_lists_the_newest_issues_up_to_the_site_s_count() -> None:
    issues = [(d, False, "entropy", "argmax", "cards") for d in range(1, 16)]
    model = _model(issues, as_of=30, recent_issues=3)
    assert _dates(model.recent) == [15, 14, 13]
    assert model.updated == dt.datetime(2026, 11, 15, 6, 30, tzinfo=dt.UTC)
    assert _dates(_model(issues[:2], recent_issues=3).recent) == [2, 1]


def test_an_empty_site_has_no_update_time() -> None:
    model = _model([])
    assert model.recent == () and model.updated is None and model.window == ()


def test_the_window_is_the_days_up_to_the_publication_day() -> None:
    issues = [(d, False, "entropy", "argmax", "cards") for d in range(1, 21)]
    model = _model(issues, as_of=10, delivery={"window": 3})
    assert model.window_dates == (_day(10), _day(9), _day(8))
    assert _dates(model.window) == [10, 9, 8]
    # Issues after the publication day are in no window, even in a preview that shows them.
    preview = _model(issues, schedule=Schedule(_day(10), future=True), delivery={"window": 3})
    assert _dates(preview.window) == [10, 9, 8]
    assert _model(issues, as_of=10, delivery={"window": 1}).window_dates == (_day(10),)


def test_the_window_has_the_published_issues_of_its_days_only() -> None:
    model = _model(ISSUES, as_of=5, delivery={"window": 4})  # the 2nd to the 5th: the 4th is a draft
    assert _dates(model.window_issues) == [5, 2]


# --- entries, featured and unfeatured ---------------------------------------------------------


def test_an_entry_is_featured_in_the_published_issues_that_show_it_oldest_first() -> None:
    model = _model(ISSUES, as_of=9)
    entropy = model.entry_page("topics", "entropy")
    assert entropy is not None and entropy.path == "topics/entropy/"
    assert [link.date for link in entropy.featured_in] == [_day(1), _day(5)]
    softmax = model.entry_page("topics", "softmax")
    assert softmax is not None and [link.date for link in softmax.featured_in] == [_day(9)]  # not the draft


def test_published_entries_are_those_an_issue_features_by_folder_then_id() -> None:
    model = _model(ISSUES, as_of=7)
    assert [page.key for page in model.entries] == [
        "features/cards",
        "features/search",
        "problems/argmax",
        "problems/logsumexp",
        "topics/attention",
        "topics/entropy",
    ]
    assert model.entry_page("topics", "softmax") is None  # only in a draft and a later issue
    assert model.entry_page("topics", "nothing") is None
    assert model.unfeatured == ()


def test_a_preview_gives_unfeatured_entries_pages_too() -> None:
    model = _model(ISSUES, as_of=7, unfeatured=True)
    assert [page.key for page in model.unfeatured] == ["topics/softmax", "topics/unused"]
    unused = model.entry_page("topics", "unused")
    assert unused is not None and unused.featured_in == ()
    assert model.entry_page("topics", "nothing") is None
    assert model.entry_page("topics", "unused") is unused


def test_an_unfeatured_entry_links_to_its_group_only_if_the_group_has_a_page() -> None:
    model = _model(ISSUES, as_of=7, unfeatured=True)
    # Deep Learning has a published member (attention); Optimisation has none.
    assert model.entry_page("topics", "softmax").group_path == "chapters/deep-learning/"  # type: ignore[union-attr]
    assert model.entry_page("topics", "unused").group_path is None  # type: ignore[union-attr]
    with tracking() as reads:
        model.entry_page("topics", "unused").group_path  # type: ignore[union-attr] # noqa: B018
    assert "group:chapters/optimisation" in reads


def test_results_are_computed_once_and_only_when_read() -> None:
    asked: list[str] = []

    def results(source: EntrySource) -> str:
        asked.append(source.id)
        return f"results of {source.id}"

    model = _model(ISSUES, as_of=7, results=results)
    page = model.entry_page("topics", "entropy")
    assert page is not None and asked == []
    assert page.results == "results of entropy"
    assert page.results == "results of entropy"
    assert asked == ["entropy"]


# --- groups ------------------------------------------------------------------------------------


def test_groups_have_their_published_members_by_title() -> None:
    issues = [
        (1, False, "softmax", "argmax", "cards"),
        (2, False, "attention", "logsumexp", "cards"),
        (3, False, "entropy", "argmax", "cards"),
    ]
    model = _model(issues)
    chapters = model.chapters
    assert [(g.name, g.slug, g.path) for g in chapters] == [
        ("Deep Learning", "deep-learning", "chapters/deep-learning/"),
        ("Information", "information", "chapters/information/"),
    ]
    assert chapters[0].keys == ("topics/attention", "topics/softmax")
    assert [page.key for page in chapters[0].entries] == ["topics/attention", "topics/softmax"]
    assert chapters[0].members[1] is model.entry_page("topics", "softmax")
    assert chapters[0].label == "Chapter"
    (warmups,) = model.collections
    assert (warmups.name, warmups.keys, warmups.label) == (
        "Warm-ups",
        ("problems/argmax", "problems/logsumexp"),
        "Problem collection",
    )
    assert set(model.groups) == {"chapters", "collections"}


def test_members_with_one_title_are_ordered_by_id() -> None:
    entries = [("topics", "b", "Same", "G"), ("topics", "a", "Same", "G"), ("topics", "c", "Alpha", "G")]
    entries += [("problems", "p", "P", "C"), ("features", "f", "F", None)]
    issues = [(1, False, "b", "p", "f"), (2, False, "a", "p", "f"), (3, False, "c", "p", "f")]
    (group,) = _model(issues, entries=entries).chapters
    assert group.keys == ("topics/c", "topics/a", "topics/b")


def test_names_with_one_slug_make_one_group_named_as_its_first_member_by_id() -> None:
    entries = [("topics", "b", "B", "Deep learning"), ("topics", "a", "A", "Deep Learning")]
    entries += [("problems", "p", "P", "C"), ("features", "f", "F", None)]
    issues = [(1, False, "b", "p", "f"), (2, False, "a", "p", "f")]
    (group,) = _model(issues, entries=entries).chapters
    assert (group.name, group.slug, group.keys) == ("Deep Learning", "deep-learning", ("topics/a", "topics/b"))


def test_groups_are_noted_when_read() -> None:
    model = _model(ISSUES, as_of=7)
    with tracking() as reads:
        model.chapters  # noqa: B018
    assert reads == {"groups:chapters"}
    with tracking() as reads:
        model.collections[0].entries  # noqa: B018
    assert reads == {"groups:collections", "group:collections/warm-ups"}


# --- archive months ----------------------------------------------------------------------------


def test_months_group_issues_newest_first() -> None:
    days = [dt.date(2025, 12, 31), dt.date(2026, 9, 3), _day(1), _day(2), _day(30)]
    model = _model([(d, False, "entropy", "argmax", "cards") for d in days])
    assert [(m.title, m.anchor, _dates(m.issues)) for m in model.months] == [
        ("November 2026", "2026-11", [30, 2, 1]),
        ("September 2026", "2026-09", [3]),
        ("December 2025", "2025-12", [31]),
    ]


# --- derived facts -----------------------------------------------------------------------------


def test_derived_facts_of_a_small_site() -> None:
    model = _model(ISSUES, as_of=7, recent_issues=2, delivery={"window": 3})
    facts = model.derived_facts()
    assert facts["issues"] == _sha("2026-11-05", "2026-11-02", "2026-11-01")
    assert facts["recent"] == _sha("2026-11-05", "2026-11-02")
    assert facts["window"] == _sha("2026-11-05")
    assert facts["entries"] == _sha(
        "features/cards",
        "features/search",
        "problems/argmax",
        "problems/logsumexp",
        "topics/attention",
        "topics/entropy",
    )
    assert facts["featured:topics/entropy"] == _sha("2026-11-01", "2026-11-05")
    assert facts["featured:features/search"] == _sha("2026-11-02")
    assert facts["neighbours:2026-11-01"] == _sha("-", "2026-11-02")
    assert facts["neighbours:2026-11-02"] == _sha("2026-11-01", "2026-11-05")
    assert facts["neighbours:2026-11-05"] == _sha("2026-11-02", "-")
    assert facts["groups:chapters"] == _sha("deep-learning=Deep Learning=1", "information=Information=1")
    assert facts["groups:collections"] == _sha("warm-ups=Warm-ups=2")
    assert facts["group:chapters/deep-learning"] == _sha("Deep Learning", "topics/attention")
    assert facts["group:collections/warm-ups"] == _sha("Warm-ups", "problems/argmax", "problems/logsumexp")
    assert len(facts) == 4 + 6 + 3 + 2 + 3


def _changed(before: SiteModel, after: SiteModel) -> set[str]:
    old, new = before.derived_facts(), after.derived_facts()
    return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}


def test_the_next_day_s_issue_changes_what_it_summarises_and_nothing_else() -> None:
    before = _model(ISSUES, as_of=8, recent_issues=5)
    after = _model(ISSUES, as_of=9, recent_issues=5)
    assert _changed(before, after) == {
        "issues",
        "recent",
        "window",
        "entries",  # softmax is published now
        "featured:topics/softmax",
        "featured:problems/argmax",
        "featured:features/search",
        "neighbours:2026-11-05",
        "neighbours:2026-11-09",
        "groups:chapters",  # Deep Learning has two members
        "group:chapters/deep-learning",
    }


def test_a_day_without_a_new_issue_changes_only_the_window() -> None:
    before = _model(ISSUES, as_of=6, delivery={"window": 3})
    after = _model(ISSUES, as_of=8, delivery={"window": 3})
    assert _changed(before, after) == {"window"}


def test_a_longer_recent_list_changes_recent_alone() -> None:
    assert _changed(_model(ISSUES, recent_issues=2), _model(ISSUES, recent_issues=3)) == {"recent"}
    assert _changed(_model(ISSUES, recent_issues=4), _model(ISSUES, recent_issues=5)) == set()


def test_a_renamed_group_changes_its_facts_alone() -> None:
    renamed = [(f, i, t, "Warm ups!" if g == "Warm-ups" else g) for f, i, t, g in ENTRIES]
    assert _changed(_model(ISSUES), _model(ISSUES, entries=renamed)) == {
        "groups:collections",
        "group:collections/warm-ups",
    }


def test_entries_no_issue_features_have_no_page_unless_asked_for() -> None:
    content = _content(ISSUES)
    for model in (SiteModel(content, str, Schedule(_day(7))), build_model(content, str, Schedule(_day(7)))):
        assert model.unfeatured == ()
        assert model.entry_page("topics", "unused") is None


def test_the_model_s_urls_are_under_the_site_s_base_url() -> None:
    urls = _model(ISSUES).urls
    assert urls.base_path == "/news/"
    assert urls.absolute("issues/2026-11-01/") == "https://example.org/news/issues/2026-11-01/"


def test_an_entry_s_back_links_are_titled_from_the_issues_that_feature_it() -> None:
    entropy = _model(ISSUES, as_of=7).entry_page("topics", "entropy")
    assert entropy is not None
    assert [(link.path, link.title) for link in entropy.featured_in] == [
        ("issues/2026-11-01/", "Entropy · Argmax"),
        ("issues/2026-11-05/", "Entropy · Log-sum-exp"),
    ]


def test_looking_up_a_day_without_a_published_issue_names_the_day() -> None:
    with pytest.raises(KeyError) as raised:
        _model(ISSUES, as_of=7).by_date[_day(4)]
    assert raised.value.args == (_day(4),)


@pytest.mark.parametrize("name", ["issues", "entries", "recent", "window"])
def test_each_list_of_the_site_notes_its_own_fact(name: str) -> None:
    model = _model(ISSUES, as_of=7)
    with tracking() as reads:
        getattr(model, name)
    assert reads == {name}
