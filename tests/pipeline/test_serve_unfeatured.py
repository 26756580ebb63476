"""The preview shows entries no issue features yet: each on its own page, marked, and listed nowhere."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest

from site_builder import parallel
from site_builder.pipeline.build import make_site
from site_builder.pipeline.options import BuildOptions
from site_builder.serve.preview import Session

from ..conftest import copy_project, edit_file
from .publishing import write_topic

DATE = dt.date(2026, 11, 28)
NEW = "topics/fresh-idea/"


@pytest.fixture(scope="module")
def with_new_topic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled project with a topic that no issue features, in a chapter of its own."""
    root = copy_project(tmp_path_factory.mktemp("unfeatured") / "project")
    write_topic(root, "fresh-idea", "Fresh Idea", "Brand New Chapter", r"y = \frac{1}{2} x")
    return root


class _Text(HTMLParser):
    """The text of a page, and the targets of its links."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value or "" for name, value in attrs if tag == "a" and name == "href"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _read(page: bytes) -> _Text:
    parser = _Text()
    parser.feed(page.decode())
    return parser


def test_the_preview_adds_the_page_of_an_unfeatured_entry_and_changes_nothing_else(with_new_topic: Path) -> None:
    published = make_site(with_new_topic, BuildOptions(date=DATE)).files
    preview = make_site(with_new_topic, BuildOptions(date=DATE, unfeatured=True)).files
    added = sorted(set(preview) - set(published))
    assert added and all(path.startswith(NEW) for path in added), added
    assert f"{NEW}index.html" in added
    # Every published file is the same in the preview: no list, feed, sitemap or chapter page shows the new topic.
    assert [p for p in published if preview[p] != published[p]] == []
    assert not any(b"fresh-idea" in data for path, data in preview.items() if not path.startswith(NEW))

    page = _read(preview[f"{NEW}index.html"])
    text = " ".join(" ".join(page.text).split())
    assert "Not in any issue yet. This page is a preview" in text
    assert "From the Brand New Chapter chapter" in text  # named, not linked: the chapter has no page yet
    assert not any("chapters/" in link for link in page.links)
    assert "Featured in" not in text


def test_a_featured_entry_has_no_preview_notice(with_new_topic: Path) -> None:
    files = make_site(with_new_topic, BuildOptions(date=DATE, unfeatured=True)).files
    text = " ".join(_read(files["topics/perplexity/index.html"]).text)
    assert "Featured in" in text and "Not in any issue yet" not in text


def test_the_chapter_link_appears_on_the_rebuild_that_gives_the_chapter_a_page(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    write_topic(root, "fresh-idea", "Fresh Idea", "Brand New Chapter", r"y = \frac{1}{2} x")
    session = Session(root, BuildOptions(date=DATE, drafts=True, future=True, unfeatured=True))
    with parallel.in_process():
        files, _ = session.build()
        assert "chapters/" not in " ".join(_read(files[f"{NEW}index.html"]).links)
        # A published topic moves into the new chapter: the chapter gets a page, the preview links to it.
        edit_file(
            root, "content/topics/perplexity.yaml", "chapter: Evaluation & Benchmarks", "chapter: Brand New Chapter"
        )
        files, _ = session.build()
    assert "chapters/brand-new-chapter/index.html" in files
    assert "/chapters/brand-new-chapter/" in _read(files[f"{NEW}index.html"]).links
