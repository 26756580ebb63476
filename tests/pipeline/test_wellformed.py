"""Markup integrity: every page of the bundled build parses as HTML5 without a single error; XML is well-formed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib
import pytest

from site_builder.check.wellformed import check_xml
from site_builder.errors import TemplateError


def test_every_html_page_parses_without_errors_in_a_strict_html5_parser(built_site: Path) -> None:
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > 8
    for page in pages:
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        try:
            parser.parse(page.read_bytes())
        except html5lib.html5parser.ParseError as exc:
            pytest.fail(f"{page.relative_to(built_site)}: {exc}")


def test_the_strict_parser_would_catch_a_broken_page() -> None:
    with pytest.raises(html5lib.html5parser.ParseError):
        html5lib.HTMLParser(strict=True).parse(
            "<!DOCTYPE html><html><head><title>t</title></head><body><p><b>x</p></i>"
        )


def test_feed_and_sitemap_are_well_formed_xml_naming_pages_that_exist(built_site: Path) -> None:
    base_url = "https://daily-gradient.example.org/"  # content/site.yaml
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(built_site / "feed.xml").getroot()
    entries = feed.findall(f"{atom}entry")
    sitemap = ET.parse(built_site / "sitemap.xml").getroot()
    locations = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    issue_pages = sorted(built_site.glob("issues/*/index.html"))
    assert feed.tag == f"{atom}feed" and len(entries) == len(issue_pages) > 0
    links = [e.find(f"{atom}link").get("href") for e in entries] + locations
    assert all(link.startswith(base_url) for link in links), links
    for link in links:
        assert (built_site / link.removeprefix(base_url) / "index.html").is_file(), link
    # Every issue page is in the sitemap.
    assert {f"{base_url}{p.parent.relative_to(built_site)}/" for p in issue_pages} <= set(locations)


def test_malformed_xml_output_fails_the_build_with_its_position() -> None:
    files = {"feed.xml": b'<?xml version="1.0"?>\n<feed>\n  <title>a <br> b</title>\n</feed>\n', "ok.xml": b"<a/>"}
    with pytest.raises(TemplateError) as info:
        check_xml(files)
    assert [str(p) for p in info.value.problems] == [
        "output/feed.xml:3:20: not well-formed XML (mismatched tag) (check the template that writes it)"
    ]
    check_xml({"index.html": b"<p>not XML, not checked here"})
