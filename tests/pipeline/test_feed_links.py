"""The feed's content read away from the site, as a feed reader shows it: every link absolute and reaching what it
names (the issue's page and the element of a fragment), every image a PNG the site has."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import html5lib

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "https://daily-gradient.example.org/"


def _contents(built_site: Path) -> dict[str, str]:
    """Issue url -> the HTML of its feed entry."""
    feed = ET.parse(built_site / "feed.xml").getroot()
    return {
        entry.find(f"{ATOM}link").get("href"): entry.find(f"{ATOM}content").text for entry in feed.iter(f"{ATOM}entry")
    }


def _parse(html: str):
    return html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)


def _ids(page: Path) -> set[str]:
    return {element.get("id") for element in _parse(page.read_text()).iter() if element.get("id")}


def test_every_link_in_the_feed_is_absolute_and_reaches_its_page_and_element(built_site: Path) -> None:
    contents = _contents(built_site)
    assert len(contents) == 3
    for issue_url, html in contents.items():
        tree = _parse(html)
        links = [a.get("href") for a in tree.iter("a")]
        assert f"{issue_url}#topics" in links, "the table of contents points at the issue's page"
        for link in links:
            parts = urlsplit(link)
            assert parts.scheme in ("https", "mailto"), f"{link}: a feed reader has no base url to resolve it with"
            if not link.startswith(BASE):
                continue
            path = parts.path[len(urlsplit(BASE).path) :]
            page = built_site / (path + "index.html" if path.endswith("/") or not path else path)
            assert page.is_file(), link
            if parts.fragment:
                assert parts.fragment in _ids(page), f"{link}: no element with that id"


def test_every_image_in_the_feed_is_a_png_the_site_has(built_site: Path) -> None:
    sources = [img.get("src") for html in _contents(built_site).values() for img in _parse(html).iter("img")]
    assert any(src.endswith("/pp-vs-ce.png") for src in sources), "the perplexity plot, as PNG"
    for src in sources:
        assert src.startswith(BASE) and src.endswith(".png"), f"{src}: many feed readers do not show SVG"
        assert (built_site / src[len(BASE) :]).read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), src
