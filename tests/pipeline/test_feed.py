"""The Atom feed against RFC 4287: required elements, stable ids, content-derived dates, readable math."""

from __future__ import annotations

import datetime as dt
import re
import uuid
import xml.etree.ElementTree as ET

import html5lib
import pytest

from ..conftest import copy_project, run_cli
from .publishing import ensure_bundled_three

ATOM = "{http://www.w3.org/2005/Atom}"
FEED_ID = "e877c43b-2724-4295-9a81-d436c47564a7"  # content/site.yaml
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> ET.Element:
    """The feed of the project with issues on 26, 27 and 28 November, built as of the 28th."""
    root = copy_project(tmp_path_factory.mktemp("feed") / "project")
    ensure_bundled_three(root)
    out = root / "output"
    assert run_cli("--root", root, "--date", "2026-11-28").exit_code == 0
    return ET.parse(out / "feed.xml").getroot()


def _one(parent: ET.Element, name: str) -> ET.Element:
    found = parent.findall(f"{ATOM}{name}")
    assert len(found) == 1, f"exactly one atom:{name} in {parent.tag}"
    return found[0]


def test_feed_has_the_required_elements(feed: ET.Element) -> None:
    assert feed.tag == f"{ATOM}feed"
    assert _one(feed, "id").text == f"urn:uuid:{FEED_ID}"
    assert _one(feed, "title").text == "The Daily Gradient"
    assert RFC3339.match(_one(feed, "updated").text)
    assert feed.findall(f"{ATOM}author/{ATOM}name"), "a feed-level author covers every entry"
    links = {(link.get("rel"), link.get("type")): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links[("self", "application/atom+xml")] == "https://daily-gradient.example.org/feed.xml"
    assert links[("alternate", "text/html")] == "https://daily-gradient.example.org/"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_entries_have_the_required_elements_and_stable_ids(feed: ET.Element) -> None:
    entries = feed.findall(f"{ATOM}entry")
    dates = ["2026-11-28", "2026-11-27", "2026-11-26"]
    assert len(entries) >= 3
    for entry, date in zip(entries, dates, strict=False):
        expected_id = uuid.uuid5(uuid.UUID(FEED_ID), f"issue/{date}").urn
        assert _one(entry, "id").text == expected_id
        assert _one(entry, "title").text
        link = _one(entry, "link")
        assert (link.get("rel"), link.get("type")) == ("alternate", "text/html")
        assert link.get("href") == f"https://daily-gradient.example.org/issues/{date}/"
        for name in ("updated", "published"):
            assert RFC3339.match(_one(entry, name).text)
        assert _one(entry, "summary").text
        assert len(entry.findall(f"{ATOM}content")) == 1
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == len(entries)


def test_updated_comes_from_the_issue_date_not_the_build_time(feed: ET.Element) -> None:
    newest = feed.findall(f"{ATOM}entry")[0]
    # 28 November 2026 at the site's publish time, 07:00 in Europe/Berlin (CET, UTC+1).
    published = dt.datetime(2026, 11, 28, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert dt.datetime.fromisoformat(_one(newest, "updated").text) == published
    assert dt.datetime.fromisoformat(_one(feed, "updated").text) == published


def test_content_is_full_html_with_mathml_and_absolute_links(feed: ET.Element) -> None:
    oldest = next(e for e in feed.findall(f"{ATOM}entry") if "2026-11-26" in e.find(f"{ATOM}link").get("href"))
    content = _one(oldest, "content")
    assert content.get("type") == "html"
    html = content.text
    html5lib.HTMLParser(strict=False).parse(html)
    assert html.count("<math") > 10 and 'display="block"' in html, "formulas as MathML, readable without scripts"
    assert "<script" not in html.lower() and "$" not in html
    assert not re.search(r'(href|src)="/', html), "no root-relative links: readers see them away from the site"
    for part in ("Perplexity", "Batch Normalization Forward Pass", "Implementation Walkthroughs"):
        assert part in html, "the whole issue, not an excerpt"
