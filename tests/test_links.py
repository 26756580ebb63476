"""Link integrity: every internal link, image source and fragment must point at something the build wrote."""

from __future__ import annotations

import logging

import pytest

from site_builder.errors import ContentError
from site_builder.links import check_links, links_in, srcset_urls

BASE_URL = "https://example.org/news/"


def _page(body: str) -> bytes:
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head><title>t</title></head>\n<body>\n{body}\n</body>\n</html>\n'.encode()
    )


def _problems(files: dict[str, bytes], base_path: str = "/news/", base_url: str | None = BASE_URL) -> list[str]:
    with pytest.raises(ContentError) as info:
        check_links(files, base_path, base_url)
    return [str(p) for p in info.value.problems]


def test_srcset_urls() -> None:
    assert srcset_urls("a.png 1x, /b/c.png 2x,d.png") == ["a.png", "/b/c.png", "d.png"]
    assert srcset_urls(" small.png 480w ,\n large.png 1080w ") == ["small.png", "large.png"]
    assert srcset_urls("a.png 1x,b.png 2x, c,d.png (x, y) 3x, e.png,") == ["a.png", "b.png", "c,d.png", "e.png"]
    assert links_in('<img src="a.png" srcset="a.png 1x, b.png 2x"><video poster="p.png"></video>') == [
        ("a.png", 1),
        ("a.png", 1),
        ("b.png", 1),
        ("p.png", 1),
    ]


def test_a_complete_site_passes() -> None:
    files = {
        "index.html": _page(
            '<a href="/news/">home</a> <a href="/news/a/">a</a> <a href="a/#part">part</a> <a href="#top">top</a>'
            ' <a href="#here" id="here">here</a> <img src="/news/static/i.png" srcset="/news/static/i.png 2x">'
            ' <a href="https://elsewhere.org/x">out</a> <a href="mailto:a@b.org">mail</a>'
            f' <link rel="canonical" href="{BASE_URL}a/">'
        ),
        "a/index.html": _page('<h2 id="part">Part</h2> <a href="../">up</a>'),
        "static/i.png": b"\x89PNG",
        "a/index.md": f"Read it at <{BASE_URL}a/>, or [jump]({BASE_URL}a/#part). See {BASE_URL}.".encode(),
    }
    assert check_links(files, "/news/", BASE_URL) is None
    # Every link above was looked at: take away what one points to and that link is reported.
    without_page = {k: v for k, v in files.items() if k != "a/index.html"}
    # (problems come sorted)
    assert _problems(without_page) == [
        "output/a/index.md:1:1: broken link 'https://example.org/news/a/#part'",
        "output/a/index.md:1:1: broken link 'https://example.org/news/a/'",
        "output/index.html:5:1: broken link '/news/a/'",
        "output/index.html:5:1: broken link 'a/#part'",
        "output/index.html:5:1: broken link 'https://example.org/news/a/'",
    ]
    without_image = {k: v for k, v in files.items() if k != "static/i.png"}
    # src and srcset name it on the same line: one problem.
    assert _problems(without_image) == ["output/index.html:5:1: broken link '/news/static/i.png'"]
    no_part = {**files, "a/index.html": _page("<h2>Part</h2>")}
    assert _problems(no_part) == [
        "output/a/index.md:1:1: broken link 'https://example.org/news/a/#part': no element with id 'part' in output/a/index.html",
        "output/index.html:5:1: broken link 'a/#part': no element with id 'part' in output/a/index.html",
    ]


def test_broken_pages_images_and_srcset_are_each_reported_with_their_line() -> None:
    files = {
        "index.html": _page(
            '<a href="/news/missing/">x</a>\n<img src="gone.png">\n<img src="i.png" srcset="i.png 1x, i@2x.png 2x">'
        ),
        "i.png": b"",
    }
    assert _problems(files) == [
        "output/index.html:5:1: broken link '/news/missing/'",
        "output/index.html:6:1: broken link 'gone.png'",
        "output/index.html:7:1: broken link 'i@2x.png'",
    ]


def test_a_root_link_outside_the_sites_path_is_broken() -> None:
    assert _problems({"index.html": _page('<a href="/other/">x</a>')}) == [
        "output/index.html:5:1: broken link '/other/'"
    ]


def test_fragments_must_name_an_element_of_their_page() -> None:
    files = {
        "index.html": _page('<a href="#nowhere">x</a>\n<a href="/news/a/#gone">y</a>\n<a href="a/#part">z</a>'),
        "a/index.html": _page('<h2 id="part">Part</h2>'),
    }
    assert _problems(files) == [
        "output/index.html:5:1: broken link '#nowhere': no element with id 'nowhere' in this page",
        "output/index.html:6:1: broken link '/news/a/#gone': no element with id 'gone' in output/a/index.html",
    ]


def test_absolute_links_into_the_site_are_checked_in_every_text_output() -> None:
    files = {
        "index.html": _page(""),
        "issues/1/index.md": f"first line\nsee <{BASE_URL}issues/2/> and {BASE_URL}.\n".encode(),
        "feed.xml": f'<feed>\n<content type="html">&lt;a href=&quot;{BASE_URL}nope/&quot;&gt;</content>\n</feed>'.encode(),
    }
    assert _problems(files) == [
        "output/feed.xml:2:1: broken link 'https://example.org/news/nope/'",
        "output/issues/1/index.md:2:1: broken link 'https://example.org/news/issues/2/'",
    ]
    check_links(files, "/news/")  # without a base url only HTML links are checked


def test_an_id_used_twice_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="site_builder"):
        check_links({"index.html": _page('<p id="a"></p><p id="a"></p><p id="b"></p>')}, "/news/")
    assert caplog.messages == ["output/index.html: ids used more than once: a"]


def test_a_broken_link_an_author_wrote_is_reported_where_it_was_written() -> None:
    files = {
        "index.html": _page('<a href="/news/a/">a</a>'),
        "a/index.html": _page('<p>See <a href="/news/gone/">gone</a>.</p>\n<a href="/news/template-made/">t</a>'),
        "feed.xml": f"<feed>&lt;a href=&quot;{BASE_URL}gone/&quot;&gt;</feed>".encode(),
    }
    sources = {"content/topics/a.yaml": "id: a\nsections:\n  - body: |\n      See [gone](/news/gone/).\n"}
    with pytest.raises(ContentError) as info:
        check_links(files, "/news/", BASE_URL, sources=lambda: sources)
    assert [str(p) for p in info.value.problems] == [
        "content/topics/a.yaml:4:18: broken link '/news/gone/'",
        "output/a/index.html:6:1: broken link '/news/template-made/'",
    ]


def test_sources_are_read_only_when_a_link_is_broken() -> None:
    def sources() -> dict[str, str]:
        raise AssertionError("read although every link resolves")

    check_links({"index.html": _page('<a href="/news/">home</a>')}, "/news/", BASE_URL, sources=sources)
