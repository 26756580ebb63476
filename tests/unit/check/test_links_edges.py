"""Link checking at its edges: what mutation testing found no test for (hand-written pages, expected problems)."""

from __future__ import annotations

import logging

import pytest

from site_builder.check.links import check_links, page_links, srcset_urls
from site_builder.errors import ContentError

BASE_URL = "https://example.org/news/"


def _page(body: str) -> bytes:
    # The body starts on line 5.
    return (
        f"<!DOCTYPE html>\n<html lang='en'>\n<head><title>t</title></head>\n<body>\n{body}\n</body>\n</html>\n".encode()
    )


def _problems(files: dict[str, bytes], sources: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ContentError) as info:
        check_links(files, "/news/", BASE_URL, sources=(lambda: sources) if sources is not None else None)
    return [str(p) for p in info.value.problems]


def test_srcset_urls_split_at_a_comma_after_a_url_and_outside_parentheses_only() -> None:
    assert srcset_urls("a.png, b.png 2x") == ["a.png", "b.png"]
    assert srcset_urls("sizeX, b.png") == ["sizeX", "b.png"]
    # A stray closing parenthesis in a descriptor opens nothing: the next comma still separates.
    assert srcset_urls("a.png 1x), b.png 2x") == ["a.png", "b.png"]


def test_line_numbers_count_from_the_first_line_of_the_file() -> None:
    files = {"index.html": b'\n\n<a href="/news/gone/">x</a>', "feed.xml": f"\n\n<link>{BASE_URL}nope/</link>".encode()}
    assert _problems(files) == [
        "output/feed.xml:3:1: broken link 'https://example.org/news/nope/'",
        "output/index.html:3:1: broken link '/news/gone/'",
    ]


def test_links_in_comments_and_scripts_are_not_checked_but_links_after_them_are() -> None:
    body = (
        '<!-- <a href="commented.html"> -->\n<script>let s = \'<a href="scripted.html">\';</script>\n'
        '<style>a { background: url("styled.png") }</style>\n<a href="gone.html">x</a>'
    )
    assert _problems({"index.html": _page(body)}) == ["output/index.html:8:1: broken link 'gone.html'"]


@pytest.mark.parametrize(
    "tag",
    [
        '<a class="c" href="gone.html">',  # another attribute first
        "<a href=gone.html>",  # unquoted
        '<a id href="gone.html">',  # an id without a value first
    ],
)
def test_a_link_attribute_is_found_wherever_it_stands_in_its_tag(tag: str) -> None:
    assert _problems({"index.html": _page(tag)}) == ["output/index.html:5:1: broken link 'gone.html'"]


def test_a_query_alone_points_at_its_own_page() -> None:
    check_links({"about.html": _page('<a href="?page=2">2</a>')}, "/news/", BASE_URL)


def test_duplicate_ids_are_warned_of_only_when_there_are_some_and_warnings_are_wanted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="site_builder"):
        check_links({"index.html": _page('<p id="a"></p><p id="b"></p>')}, "/news/")
        assert caplog.messages == []
        twice = _page('<p id="b"></p><p id="a"></p><p id="b"></p><p id="a"></p>')
        check_links({"index.html": twice}, "/news/", warn=False)
        assert caplog.messages == []
        check_links({"index.html": twice}, "/news/")
    assert caplog.messages == ["output/index.html: ids used more than once: a, b"]


def test_an_absolute_url_an_author_wrote_is_reported_where_it_was_written() -> None:
    files = {"a/index.html": _page(f'<p>See <a href="{BASE_URL}gone/">gone</a>.</p>')}
    sources = {"content/topics/a.yaml": f"id: a\nsections:\n  - body: |\n      See [gone]({BASE_URL}gone/).\n"}
    assert _problems(files, sources) == [
        "content/topics/a.yaml:4:18: sections[0].body: broken link 'https://example.org/news/gone/'"
    ]


def test_a_relative_link_an_author_wrote_is_reported_once_where_it_was_written() -> None:
    # The feed shows the same missing page by its absolute url: not reported a second time.
    files = {
        "a/index.html": _page('<p>See <a href="../gone/">gone</a>.</p>'),
        "feed.xml": f"<feed>&lt;a href=&quot;{BASE_URL}gone/index.html&quot;&gt;</feed>".encode(),
    }
    sources = {"content/topics/a.yaml": "id: a\nsections:\n  - body: |\n      See [gone](../gone/).\n"}
    assert _problems(files, sources) == ["content/topics/a.yaml:4:18: sections[0].body: broken link '../gone/'"]


def test_absolute_links_in_text_keep_capitals_and_lose_a_sentences_punctuation() -> None:
    files = {
        "index.html": _page(""),
        "a/index.html": _page(""),
        "a.png": b"\x89PNG",  # sorted before the text outputs: not read, and not the end of the scan
        "b.md": f"See {BASE_URL}a/. Or {BASE_URL}a/! Or {BASE_URL}a/?\nNot {BASE_URL}Issues/ nor {BASE_URL}a/index.htmlX.\n".encode(),
        # Not UTF-8 (a Latin-1 byte): read anyway.
        "c.txt": b"caf\xe9 " + f"{BASE_URL}missing/".encode(),
    }
    assert _problems(files) == [
        "output/b.md:2:1: broken link 'https://example.org/news/Issues/'",
        "output/b.md:2:1: broken link 'https://example.org/news/a/index.htmlX'",
        "output/c.txt:1:1: broken link 'https://example.org/news/missing/'",
    ]
    # What a rebuild records of the same outputs.
    markdown = page_links("b.md", files["b.md"], "/news/", BASE_URL)
    assert sorted(markdown.targets) == [("Issues/index.html", ""), ("a/index.html", ""), ("a/index.htmlX", "")]
    assert page_links("c.txt", files["c.txt"], "/news/", BASE_URL).targets == (("missing/index.html", ""),)


@pytest.mark.parametrize(
    "hidden",
    [
        '<!-- <a href="commented.html"> -->',
        "<script>let s = '<a href=\"scripted.html\">';</script>",
        "<style>a::after { content: '<a href=\"styled.html\">' }</style>",
    ],
    ids=["comment", "script", "style"],
)
def test_a_rebuild_records_no_link_inside_a_comment_a_script_or_a_style(hidden: str) -> None:
    links = page_links("index.html", _page(f'{hidden}<a href="b.html">b</a>'), "/news/", None)
    assert links.targets == (("b.html", ""),)


def test_a_rebuild_records_ids_and_anchor_names_once_each_unescaped() -> None:
    page = _page(
        '<p id="one"></p><a name="a&amp;b"></a><a name="twice"></a><a name="twice"></a>'
        '<p id="also"></p><a name="also"></a>'
    )
    links = page_links("index.html", page, "/news/", None)
    assert links.ids == {"one", "a&b", "twice", "also"}
    assert links.duplicates == ("also", "twice")


def test_a_rebuild_reads_a_page_with_an_unquoted_value_whatever_its_first_letter() -> None:
    links = page_links("index.html", _page('<a href=Xy.html>x</a><p id="one"></p>'), "/news/", None)
    assert (links.targets, links.ids) == ((("Xy.html", ""),), {"one"})
