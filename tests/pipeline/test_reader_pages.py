"""What a reader finds: the front page's card and list, titled prev/next links, the subscribe box, and the seed's
parts (practical applications, connection to the chapter, a call to action per part)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import html5lib
import pytest
import yaml

from ..conftest import REPO, edit_file, line_of, run_cli

TITLES = {
    "2026-11-26": "Perplexity · Batch Normalization Forward Pass",
    "2026-11-27": "Softmax and Temperature · Scaled Dot-Product Attention",
    "2026-11-28": "The Adam Optimizer · Non-Maximum Suppression",
}


def _page(path: Path):
    return html5lib.parse(path.read_bytes(), namespaceHTMLElements=False)


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _words(*texts: str) -> int:
    return sum(len(text.split()) for text in texts)


def _issue_words(date: str) -> int:
    """Words of an issue's three parts, counted from the YAML by whitespace (the site counts words by letters)."""
    issue = yaml.safe_load((REPO / f"content/issues/{date}.yaml").read_text())
    words = 0
    for folder, key in (("topics", "topic"), ("problems", "problem"), ("features", "feature")):
        entry = yaml.safe_load((REPO / f"content/{folder}/{issue[key]}.yaml").read_text())
        sections = [s["heading"] + " " + s["body"] for s in entry["sections"]]
        words += _words(
            entry["summary"], *sections, *entry.get("applications", []), entry.get("chapter_connection", "")
        )
    return words


def test_the_front_page_shows_the_latest_issue_as_a_card_then_the_others(built_site: Path) -> None:
    page = _page(built_site / "index.html")
    card = page.find(".//article[@class='issue-card']")
    assert card is not None
    assert _text(card.find(".//h2")) == TITLES["2026-11-28"]
    assert card.find(".//h2/a").get("href") == "/issues/2026-11-28/"
    assert "Saturday, 28 November 2026" in _text(card.find(".//p[@class='kicker']"))
    intro = yaml.safe_load((REPO / "content/issues/2026-11-28.yaml").read_text())["intro"]
    assert _text(card.find(".//p[@class='summary']")) == intro
    parts = [
        (_text(li.find("span[@class='part-label']")), _text(li.find("a")), li.find("a").get("href"))
        for li in card.iterfind(".//ul[@class='card-parts']/li")
    ]
    assert parts == [
        ("Topic deep dive", "The Adam Optimizer", "/issues/2026-11-28/#topics"),
        ("Problem of the day", "Non-Maximum Suppression", "/issues/2026-11-28/#problems"),
        ("Feature spotlight", "Browse by Chapter", "/issues/2026-11-28/#features"),
    ]
    minutes = int(re.fullmatch(r"(\d+) min read", _text(card.find(".//span[@class='reading-time']"))).group(1))
    assert abs(minutes - math.ceil(_issue_words("2026-11-28") / 200)) <= 1, "about 200 words a minute"
    assert "<math" not in (built_site / "index.html").read_text(), "the card, not the whole issue"

    recent = page.findall(".//ol[@class='recent-list']/li")
    assert [_text(li.find("a")) for li in recent] == [TITLES["2026-11-27"], TITLES["2026-11-26"]]
    assert [li.find("time").get("datetime") for li in recent] == ["2026-11-27", "2026-11-26"]
    intro = yaml.safe_load((REPO / "content/issues/2026-11-26.yaml").read_text())["intro"]
    assert _text(recent[1].find("span[@class='issue-summary']")) == intro


def test_issue_pages_name_the_previous_and_next_issue_and_the_reading_time(built_site: Path) -> None:
    middle = _page(built_site / "issues/2026-11-27/index.html")
    pager = middle.find(".//nav[@class='pager']")
    previous, following = pager.find("a[@rel='prev']"), pager.find("a[@rel='next']")
    assert (previous.get("href"), _text(previous)) == (
        "/issues/2026-11-26/",
        f"← Previous issue {TITLES['2026-11-26']}",
    )
    assert (following.get("href"), _text(following)) == ("/issues/2026-11-28/", f"Next issue → {TITLES['2026-11-28']}")
    first = _page(built_site / "issues/2026-11-26/index.html").find(".//nav[@class='pager']")
    assert first.find("a[@rel='prev']") is None and _text(first.find("a[@rel='next']")).endswith(TITLES["2026-11-27"])
    kicker = _text(middle.find(".//article/p[@class='kicker']"))
    assert re.fullmatch(r"Friday, 27 November 2026 · \d+ min read", kicker)
    featured = _page(built_site / "topics/perplexity/index.html").find(".//aside[@class='featured-in']//li")
    assert _text(featured) == f"{TITLES['2026-11-26']} · 2026-11-26"


def test_the_subscribe_box_posts_to_the_subscription_service_and_offers_the_feed(built_site: Path) -> None:
    for name in ("index.html", "issues/2026-11-26/index.html"):
        box = _page(built_site / name).find(".//aside[@class='subscribe']")
        form = box.find(".//form")  # email.service_url of content/site.yaml: double opt-in at the service
        assert (form.get("action"), form.get("method")) == (
            "https://lists.daily-gradient.example.org/subscribe",
            "post",
        )
        assert [field.get("name") for field in form.iter("input")] == ["email", "website"], "the address, the honeypot"
        assert box.find(".//a").get("href") == "/feed.xml"


def test_with_a_sign_up_address_the_subscribe_box_has_an_email_form(project: Path) -> None:
    url = "https://buttondown.com/api/emails/embed-subscribe/daily-gradient"
    service = "  service_url: https://lists.daily-gradient.example.org/\n"  # else the form posts to the service
    edit_file(project, "content/site.yaml", service, f"  subscribe_url: {url}\n  subscribe_field: EMAIL\n")
    assert run_cli("--root", project, "--date", "2026-11-28").exit_code == 0
    for name in ("index.html", "issues/2026-11-28/index.html"):
        form = _page(project / "output" / name).find(".//aside[@class='subscribe']//form")
        assert (form.get("action"), form.get("method")) == (url, "post")
        field = form.find(".//input")
        assert (field.get("type"), field.get("name"), field.get("id")) == ("email", "EMAIL", "subscribe-address")
        assert form.find(".//label").get("for") == "subscribe-address"
        assert _text(form.find(".//button")) == "Subscribe"


@pytest.mark.parametrize("url", ["http://example.org/subscribe", "javascript:alert(1)", "https://example.org/a b"])
def test_a_sign_up_address_must_be_https(project: Path, url: str) -> None:
    edit_file(project, "content/site.yaml", "email:\n", f"email:\n  subscribe_url: '{url}'\n")
    result = run_cli("--root", project, "--date", "2026-11-28")
    assert result.exit_code == 2
    line = line_of(project, "content/site.yaml", "subscribe_url:")
    assert f"content/site.yaml:{line}:18: email.subscribe_url: String should match pattern" in result.stderr


def test_a_topic_shows_its_applications_its_chapter_and_an_invitation_to_explore_it(built_site: Path) -> None:
    topic = yaml.safe_load((REPO / "content/topics/perplexity.yaml").read_text())
    page = _page(built_site / "topics/perplexity/index.html")
    headings = [_text(h) for h in page.iterfind(".//article/h2")]
    assert headings[-2:] == ["Practical applications", "Connection to Evaluation & Benchmarks"], "after the sections"
    assert [_text(li) for li in page.iterfind(".//ul[@class='applications']/li")] == topic["applications"]
    connection = page.findall(".//article/h2")[-1]
    assert connection.find("a").get("href") == "/chapters/evaluation-benchmarks/"
    assert " ".join(topic["chapter_connection"].split()) in _text(page.find(".//article"))
    cta = page.find(".//p[@class='cta']/a")
    assert (_text(cta), cta.get("href")) == (
        "Explore the Evaluation & Benchmarks chapter",
        "/chapters/evaluation-benchmarks/",
    )


def test_a_problem_invites_the_reader_to_try_it_against_its_test_cases(built_site: Path) -> None:
    page = _page(built_site / "problems/batch-norm-forward/index.html")
    cta = page.find(".//p[@class='cta']/a")
    assert cta.get("href") == "/problems/batch-norm-forward/#test-cases"
    assert _text(page.find(".//*[@id='test-cases']")) == "Worked test cases"
    feature = _page(built_site / "features/chapter-pages/index.html").find(".//p[@class='cta']/a")
    assert (_text(feature), feature.get("href")) == ("Open the archive and browse the chapters", "/archive/")


def test_an_issue_shows_a_call_to_action_per_part_and_its_markdown_keeps_the_new_parts(built_site: Path) -> None:
    page = _page(built_site / "issues/2026-11-26/index.html")
    for kind in ("topics", "problems", "features"):
        assert page.find(f".//section[@id='{kind}']//p[@class='cta']/a") is not None, kind
    md = (built_site / "issues/2026-11-26/index.md").read_text()
    assert "### Practical applications\n\n- Pre-training runs are watched" in md
    assert "### Connection to Evaluation & Benchmarks\n\nEvaluation & Benchmarks is about" in md
    assert (
        "[Explore the Evaluation & Benchmarks chapter](<https://daily-gradient.example.org/chapters/evaluation-benchmarks/>)"
        in md
    )


def test_an_authors_own_call_to_action_replaces_the_default(project: Path) -> None:
    edit_file(
        project,
        "content/topics/perplexity.yaml",
        "chapter_connection: >",
        "call_to_action:\n  text: Compute a perplexity yourself\n  url: /problems/batch-norm-forward/\n\nchapter_connection: >",
    )
    assert run_cli("--root", project, "--date", "2026-11-26").exit_code == 0
    cta = _page(project / "output/topics/perplexity/index.html").find(".//p[@class='cta']/a")
    assert (_text(cta), cta.get("href")) == ("Compute a perplexity yourself", "/problems/batch-norm-forward/")
