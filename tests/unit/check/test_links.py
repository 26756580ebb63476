"""Link integrity: every internal link, image source and fragment must point at something the build wrote."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import pytest

from site_builder.check.links import (
    _SKIPPED,
    PageLinks,
    _scan,
    _target,
    broken_targets,
    check_links,
    check_site,
    links_in,
    page_links,
    srcset_urls,
)
from site_builder.errors import ContentError

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
    # The author writes site paths from the site's root: the base path is the build's to add.
    sources = {"content/topics/a.yaml": "id: a\nsections:\n  - body: |\n      See [gone](/gone/).\n"}
    with pytest.raises(ContentError) as info:
        check_links(files, "/news/", BASE_URL, sources=lambda: sources)
    assert [str(p) for p in info.value.problems] == [
        "content/topics/a.yaml:4:18: sections[0].body: broken link '/gone/'",
        "output/a/index.html:6:1: broken link '/news/template-made/'",
    ]


def test_sources_are_read_only_when_a_link_is_broken() -> None:
    def sources() -> dict[str, str]:
        raise AssertionError("read although every link resolves")

    check_links({"index.html": _page('<a href="/news/">home</a>')}, "/news/", BASE_URL, sources=sources)


@pytest.mark.parametrize(
    "body",
    [
        '<a HREF="b.html#x">b</a><p ID="here">x</p>',
        "<a href=b.html#x>b</a><p id=here>x</p>",
        '<p>an id=3 in the text, a <a name="anchor" href="#anchor">named anchor</a></p>',
        '<!-- <a href="gone.html"> --><script>let s = \'<a href="no.html">\';</script><a href="b.html">b</a>',
        '<img src="p.png" SrcSet="p.png 1x, q.png 2x"><a href="b.html?a=1&amp;b=2#y" id="&quot;q&quot;">b</a>',
        "<a href='b.html'>b</a><div id='single'></div><svg><use xlink:href=\"#single\"/></svg>",
    ],
)
def test_what_a_rebuild_records_of_a_page_is_what_the_full_check_reads(body: str) -> None:
    # A rebuild checks pages by what page_links recorded (read fast); a failing one is reported by
    # check_links (read exactly). Both must see the same links and ids, or the two disagree.
    data = _page(body)
    recorded = page_links("a.html", data, "/news/", None)
    read = [link for link, _ in links_in(_SKIPPED.sub("", data.decode()))]
    names = [t for link in read if (t := _target(link, "a.html", "/news/")) is not None]
    assert list(recorded.targets) == list(dict.fromkeys(names))
    assert recorded.ids == frozenset(_scan(_SKIPPED.sub("", data.decode())).ids)


@pytest.mark.parametrize("unquoted", ["", '<img src=i.png alt="">'], ids=["quick-scan", "full-scan"])
def test_only_a_name_on_an_a_element_is_an_anchor(unquoted: str) -> None:
    # <a name> is an old anchor a fragment may point to; name= on meta, input or map is not.
    links = '<a href="#old">1</a><a href="#upper">2</a><a href="#meta">3</a><a href="#field">4</a><a href="#m">5</a>'
    page = _page(
        f'{links}{unquoted}\n<a name="old">x</a><A NAME=\'upper\'>y</A>\n<meta name="meta" content="c">'
        '<input name="field"><map name="m"></map><p data-name="old">'
    )
    problems = _problems({"index.html": page, "i.png": b""})
    assert [p.split("broken link ")[1] for p in problems] == [
        "'#field': no element with id 'field' in this page",
        "'#m': no element with id 'm' in this page",
        "'#meta': no element with id 'meta' in this page",
    ]


def test_absolute_links_to_the_site_inside_its_html_pages_are_checked() -> None:
    files = {
        "index.html": _page(
            f'<a href="{BASE_URL}">home</a> <a href="{BASE_URL}gone/">gone</a>\n'
            f'<a href="{BASE_URL}#missing">frag</a> <a href="https://example.org/other/">another site</a>'
        ),
    }
    assert _problems(files) == [
        "output/index.html:5:1: broken link 'https://example.org/news/gone/'",
        "output/index.html:6:1: broken link 'https://example.org/news/#missing': no element with id 'missing' in this page",
    ]


def test_page_links_resolve_targets_and_ids_as_the_check_reads_them() -> None:
    page = _page(
        '<a href="../b/#x">1</a> <a href="/news/c/">2</a> <img src="i.png"> <a href="https://elsewhere.org/">3</a>'
        f' <a href="{BASE_URL}d/">4</a> <p id="here"></p><p id="here"></p><a name="old"></a> <a href="#here">5</a>'
    )
    links = page_links("a/index.html", page, "/news/", BASE_URL)
    assert sorted(links.targets) == [
        ("a/i.png", ""),
        ("a/index.html", "here"),
        ("b/index.html", "x"),
        ("c/index.html", ""),
        ("d/index.html", ""),
    ]
    assert links.ids == {"here", "old"}
    assert links.duplicates == ("here",)
    markdown = page_links("a/index.md", f"see {BASE_URL}b/#x and /news/c/.".encode(), "/news/", BASE_URL)
    assert (markdown.targets, markdown.ids, markdown.duplicates) == ((("b/index.html", "x"),), None, ())
    # An email or dev.to edition is read away from the site: only absolute or root links reach it, and no fragment.
    edition = page_links("email/2026-11-26.html", page, "/news/", BASE_URL, edition=True)
    assert sorted(edition.targets) == [("c/index.html", ""), ("d/index.html", "")]
    assert (edition.ids, edition.duplicates) == (None, ())


def _links(*targets: tuple[str, str], ids: set[str] | None = None, duplicates: tuple[str, ...] = ()) -> PageLinks:
    return PageLinks(tuple(targets), None if ids is None else frozenset(ids), duplicates)


class _Broken(Exception):
    pass


def _check(made: dict[str, PageLinks], recorded: dict[str, PageLinks], removed: tuple[str, ...] = ()) -> bool:
    """Run the incremental check stage over ``made`` and the ``recorded`` pages; True if it found a broken link."""
    tree = {*made, *recorded} - set(removed)

    def linking_to(paths: Iterable[str]) -> set[str]:
        wanted = set(paths)
        return {p for p, links in recorded.items() if any(t in wanted for t, _ in links.targets)}

    def report() -> None:
        raise _Broken

    try:
        check_site(
            made, tree, lambda paths: {p: recorded[p] for p in paths if p in recorded}, linking_to, removed, report
        )
    except _Broken:
        return True
    return False


def test_a_rebuild_checks_what_it_made_and_the_kept_pages_pointing_at_a_change() -> None:
    a = _links(("b/index.html", "x"), ids={"top-a"})
    b = _links(ids={"x"})
    assert not _check({"a/index.html": a}, {"a/index.html": a, "b/index.html": b})
    # A page made now links to an id a kept page does not have.
    assert _check({"a/index.html": _links(("b/index.html", "y"))}, {"b/index.html": b})
    # ... or to a page that does not exist.
    assert _check({"a/index.html": _links(("c/index.html", ""))}, {})
    assert not _check({"a/index.html": _links(("b/index.html", "top"))}, {"b/index.html": b})
    # A kept page links to a page this build removes.
    assert _check({}, {"a/index.html": a, "b/index.html": b}, removed=("b/index.html",))
    # A kept page links to an id that a page made now no longer has.
    assert _check({"b/index.html": _links(ids={"z"})}, {"a/index.html": a, "b/index.html": b})
    assert not _check({"b/index.html": _links(ids={"x", "z"})}, {"a/index.html": a, "b/index.html": b})
    # Links from outputs without ids (Markdown, feeds) reach files only.
    assert _check({"a/index.md": _links(("gone/index.html", ""))}, {})
    assert not _check({"a/index.md": _links(("b/index.html", ""))}, {"b/index.html": b})
    # A page made for the first time (nothing recorded of it) is checked like any other.
    assert not _check({"c/index.html": _links(("b/index.html", "x"), ids={"c"})}, {"b/index.html": b})
    # Kept pages that link to each other and are removed together leave nothing broken.
    assert not _check({}, {"a/index.html": a, "b/index.html": b}, removed=("a/index.html", "b/index.html"))


def test_a_rebuild_warns_of_duplicate_ids_on_the_pages_it_makes(caplog: pytest.LogCaptureFixture) -> None:
    made = {"a/index.html": _links(ids={"p", "q"}, duplicates=("p", "q")), "c/index.html": _links(ids={"r"})}
    # The kept page's duplicates were reported when it was made; it is not read again.
    kept = {"b/index.html": _links(ids={"s"}, duplicates=("s",))}
    with caplog.at_level(logging.WARNING, logger="site_builder"):
        assert not _check(made, {**made, **kept})
    assert caplog.messages == ["output/a/index.html: ids used more than once: p, q"]


def test_broken_targets_names_each_output_with_a_broken_link_once() -> None:
    links = {
        "a.html": [("b.html", ""), ("gone.html", ""), ("gone2.html", "")],
        "b.html": [("a.html", "top"), ("a.html", "here")],
        "c.md": [("b.html", "nowhere")],  # b.html has no ids known: only the file is checked
        "d.html": [("a.html", "nowhere")],
    }
    assert broken_targets(links, {"a.html", "b.html", "c.md", "d.html"}, {"a.html": {"here"}}) == ["a.html", "d.html"]
