"""Check that every internal link, image source and fragment in the rendered site points at something rendered.

HTML pages are scanned for ``href``, ``src``, ``srcset`` and ``poster`` (and
``xlink:href`` fragments in inline SVG); a link with a ``#fragment`` must find an
element with that id in its target page. Every other text output (Markdown,
feed, sitemap, email) is scanned for absolute links into the site itself, which
must resolve too: a cross-posted link to a page that was never built is as
broken as one on the site.
"""

from __future__ import annotations

import functools
import html
import logging
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ..errors import ContentError, Problem

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

LINK_ATTRIBUTES = ("href", "src", "poster", "xlink:href")
TEXT_SUFFIXES = (".md", ".xml", ".txt", ".json", ".svg")
"""Outputs besides HTML scanned for absolute links into the site."""


@dataclass
class _Page:
    links: list[tuple[str, int]] = field(default_factory=list)
    ids: Counter[str] = field(default_factory=Counter)


# Start tags, found by regular expressions rather than html.parser: about seven times faster,
# which matters at thousands of pages. Comments and the raw text of script and style
# elements are skipped, as a browser would; everything else in a page is escaped text.
_TAG = re.compile(
    r"""<!--.*?-->|<(script|style)\b.*?</\1\s*>|<([A-Za-z][^\s/>]*)"""
    r"""((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*/?>""",
    re.DOTALL | re.IGNORECASE,
)
_WANTED = {*LINK_ATTRIBUTES, "srcset", "id", "name"}
_MAYBE_WANTED = re.compile(r"href|src|poster|id|name", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


def _scan(page: str) -> _Page:
    found = _Page()
    line, counted = 1, 0
    for tag in _TAG.finditer(page):
        attributes = tag.group(3)
        if not attributes or not _MAYBE_WANTED.search(attributes):
            continue
        line += page.count("\n", counted, tag.start())
        counted = tag.start()
        for attribute in _ATTRIBUTE.finditer(attributes):
            name = attribute.group(1).lower()
            if name not in _WANTED:
                continue
            double, single, bare = attribute.group(2, 3, 4)
            raw = double if double is not None else single if single is not None else bare
            if raw is None:
                continue
            value = html.unescape(raw) if "&" in raw else raw
            if name in LINK_ATTRIBUTES:
                found.links.append((value, line))
            elif name == "srcset":
                found.links.extend((url, line) for url in srcset_urls(value))
            elif name == "id" or (name == "name" and tag.group(2).lower() == "a"):
                found.ids[value] += 1
    return found


def links_in(html: str) -> list[tuple[str, int]]:
    """(link, line) for every link attribute (``href``, ``src``, ``srcset`` urls...) in an HTML document."""
    return _scan(html).links


def srcset_urls(srcset: str) -> list[str]:
    """The urls of a ``srcset`` (``a.png 1x, b.png 2x``), split as the HTML standard does."""
    urls = []
    position, length = 0, len(srcset)
    while True:
        while position < length and (srcset[position].isspace() or srcset[position] == ","):
            position += 1
        if position >= length:
            return urls
        start = position
        while position < length and not srcset[position].isspace():
            position += 1
        url = srcset[start:position]
        urls.append(url.rstrip(","))
        if url.endswith(","):
            continue
        depth = 0  # descriptors run to the next comma outside parentheses
        while position < length and not (srcset[position] == "," and depth == 0):
            depth += {"(": 1, ")": -1 if depth else 0}.get(srcset[position], 0)
            position += 1


def resolve(link: str, page: str, base_path: str) -> str | None:
    """The output file an internal link points at, or None for an external link or a fragment of the same page."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or link.startswith("#") or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        if not path.startswith(base_path):
            return path  # outside the site: reported as broken
        path = path[len(base_path) :]
    else:
        path = posixpath.join(posixpath.dirname(page), path)
    path = posixpath.normpath(path) + ("/" if path.endswith("/") else "")
    if path in (".", "./", "/"):
        path = ""
    return path + "index.html" if path == "" or path.endswith("/") else path


@dataclass(frozen=True)
class _Broken:
    page: str
    """Output file the link is in."""
    line: int
    link: str
    """As it appears in the output."""
    written: str
    """As an author would have written it: absolute links into the site without their origin."""
    reason: str
    """Empty when the target file is missing, else why its fragment does not resolve."""

    @property
    def message(self) -> str:
        return f"broken link {self.link!r}{self.reason}"


def check_links(
    files: Mapping[str, bytes],
    base_path: str,
    base_url: str | None = None,
    sources: Callable[[], Mapping[str, str]] | None = None,
    *,
    warn: bool = True,
) -> None:
    """Raise ``ContentError`` listing every internal link that resolves to no file, or to no element of its page.

    With ``base_url``, absolute links into the site in every text output are checked as well. With
    ``sources`` (called only if a link is broken: display path -> text of each content file), a broken
    link that an author wrote is reported where it was written rather than in every output showing it.
    ``warn``: log a warning for every page with an id used twice.
    """
    pages = {name: _scan(files[name].decode()) for name in sorted(files) if name.endswith(".html")}
    broken = []
    for name, page in pages.items():
        duplicates = sorted(i for i, count in page.ids.items() if count > 1)
        if duplicates and warn:
            log.warning("output/%s: ids used more than once: %s", name, ", ".join(duplicates))
        for link, line in page.links:
            reason = _broken(link, name, base_path, files, pages)
            if reason is not None:
                broken.append(_Broken(name, line, link, link, reason))
    if base_url:
        broken.extend(_absolute_links(files, base_url, base_path, pages))
    if not broken:
        return
    from .link_sources import where_written  # reads the content files again: only when a link is broken

    written = where_written({b.written for b in broken}, sources() if sources else {}, base_path, base_url)
    # An edition showing a located link in another form (the feed's absolute links) is not reported again.
    located = {_target(b.written, b.page, base_path) for b in broken if b.written in written}
    problems = [
        Problem(f"output/{b.page}", b.line, 0, message=b.message)
        for b in broken
        if b.written not in written and _target(b.written, b.page, base_path) not in located
    ]
    for item in broken:
        for place in written.get(item.written, ()):
            message = f"broken link {place.written!r}{item.reason}"
            problems.append(Problem(place.path, place.line, place.column, place.field, message))
    raise ContentError(problems)


def _broken(link: str, page: str, base_path: str, files: Mapping[str, bytes], pages: Mapping[str, _Page]) -> str | None:
    """None if ``link`` on ``page`` resolves (or is external); else "" (no such file) or why its fragment does not."""
    found = _target(link, page, base_path)
    if found is None:
        return None
    target, fragment = found
    if target not in files:
        return ""
    if fragment and fragment != "top" and target in pages and fragment not in pages[target].ids:
        where = "this page" if target == page else f"output/{target}"
        return f": no element with id {fragment!r} in {where}"
    return None


def _absolute_links(
    files: Mapping[str, bytes], base_url: str, base_path: str, pages: Mapping[str, _Page]
) -> list[_Broken]:
    # Site urls are made of slugs, dates and file names; a sentence's final period is not part of one.
    pattern = re.compile(re.escape(base_url) + r"[A-Za-z0-9\-._~/%#?=+:@]*")
    origin = len(base_url) - len(base_path)
    broken = []
    for name in sorted(files):
        if not name.endswith((".html", *TEXT_SUFFIXES)):
            continue
        text = files[name].decode(errors="replace")
        for match in pattern.finditer(text):
            url = match.group().rstrip(".,;:!?")
            reason = _broken(url[origin:], name, base_path, files, pages)
            if reason is not None:
                line = text.count("\n", 0, match.start()) + 1
                broken.append(_Broken(name, line, url, url[origin:], reason))
    return broken


# --- Links of pages not read again ---------------------------------------------------------------


@dataclass(frozen=True)
class PageLinks:
    """What one output links to, and the ids it holds, as the check stage needs them without reading it again."""

    targets: tuple[tuple[str, str], ...]
    """(site path, fragment) of each internal link (fragment "" when there is none, or not checked)."""
    ids: frozenset[str] | None = None
    """Ids of its elements (HTML pages of the site; None for other outputs)."""
    duplicates: tuple[str, ...] = ()
    """Ids used more than once."""


def page_links(name: str, data: bytes, base_path: str, base_url: str | None, *, edition: bool = False) -> PageLinks:
    """The links of output ``name``; an ``edition`` is read away from the site: its links must reach a file, not an id."""
    if edition and name.endswith(".html"):
        # Read away from the site: only links by absolute url (or from the site's root) point into it.
        found: dict[Target, None] = {}
        for link, _ in links_in(data.decode()):
            if base_url and link.startswith(base_url):
                link = base_path + link[len(base_url) :]
            if link.startswith("/") and not link.startswith("//"):
                target = _target(link, name, base_path)
                if target is not None:
                    found[(target[0], "")] = None
        return PageLinks(tuple(found), None, ())
    targets, ids, duplicates = targets_of(name, data, base_path, base_url)
    return PageLinks(tuple(targets), None if ids is None else frozenset(ids), tuple(duplicates))


#
# A rebuild renders a few pages and keeps the rest. The links of a page it keeps are known
# from the record (``record.LinkState``): what each page points at, resolved, and which ids
# it holds. ``targets_of`` extracts that from a page as ``check_links`` reads it, and
# ``broken_targets`` checks them all against the new site; only when something is broken
# are the pages read again, to report it exactly as ``check_links`` does.

Target = tuple[str, str]
"""(site path, fragment) a link points at; the fragment is "" when there is none."""


def targets_of(
    name: str, data: bytes, base_path: str, base_url: str | None
) -> tuple[list[Target], list[str] | None, list[str]]:
    """What output ``name`` links to, as ``check_links`` checks it, with its ids and duplicated ids (HTML only)."""
    found: dict[Target, None] = {}
    ids: list[str] | None = None
    duplicates: list[str] = []
    text: str | None = None
    if name.endswith(".html"):
        text = data.decode()
        page = _quick_scan(text)
        ids = sorted(page.ids)
        duplicates = sorted(i for i, count in page.ids.items() if count > 1)
        for link, _ in page.links:
            target = _target(link, name, base_path)
            if target is not None:
                found[target] = None
    if base_url and name.endswith((".html", *TEXT_SUFFIXES)):
        text = text if text is not None else data.decode(errors="replace")
        pattern = re.compile(re.escape(base_url) + r"[A-Za-z0-9\-._~/%#?=+:@]*")
        origin = len(base_url) - len(base_path)
        for match in pattern.finditer(text):
            target = _target(match.group().rstrip(".,;:!?")[origin:], name, base_path)
            if target is not None:
                found[target] = None
    return list(found), ids, duplicates


_SKIPPED = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
# Case-insensitive by character classes: several times faster than re.IGNORECASE over a whole page.
_ATTRIBUTE_VALUE = re.compile(
    r"""\s([hH][rR][eE][fF]|[sS][rR][cC](?:[sS][eE][tT])?|[iI][dD]|[nN][aA][mM][eE]|[pP][oO][sS][tT][eE][rR]"""
    r"""|[xX][lL][iI][nN][kK]:[hH][rR][eE][fF])\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>])"""
)
_ANCHOR_NAME = re.compile(r"""<a\s[^<>]*?\bname\s*=\s*("[^"]*"|'[^']*')""", re.IGNORECASE)


def _quick_scan(page: str) -> _Page:
    """``_scan`` without line numbers, in one pass, for pages whose attributes are all quoted (what templates write).

    Text and code never hold a bare quote (escaped, it is ``&quot;``), so an attribute is found
    by its name, an equals sign and a quoted value wherever it is. A page with an unquoted
    attribute value is read by ``_scan`` itself.
    """
    if "<!--" in page or "<script" in page or "<style" in page:
        page = _SKIPPED.sub("", page)
    found = _Page()
    for attribute in _ATTRIBUTE_VALUE.finditer(page):
        raw = attribute.group(2)
        if raw[0] not in "\"'":
            return _scan(page)
        name = attribute.group(1).lower()
        if name == "name":
            continue  # only an <a>'s name is an id: below
        raw = raw[1:-1]
        value = html.unescape(raw) if "&" in raw else raw
        if name == "id":
            found.ids[value] += 1
        elif name == "srcset":
            found.links.extend((url, 0) for url in srcset_urls(value))
        else:
            found.links.append((value, 0))
    if "name" in page:
        for anchor in _ANCHOR_NAME.finditer(page):
            raw = anchor.group(1)[1:-1]
            found.ids[html.unescape(raw) if "&" in raw else raw] += 1
    return found


@functools.lru_cache(maxsize=65536)
def _target(link: str, page: str, base_path: str) -> Target | None:
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    target = page if link.startswith("#") else resolve(link, page, base_path)
    if target is None:
        return None
    return target, unquote(parts.fragment)


def broken_targets(
    links: Mapping[str, list[Target]], files: Collection[str], ids: Mapping[str, Collection[str]]
) -> list[str]:
    """Outputs (of ``links``) with a link to no file of ``files``, or to no element of an HTML page of ``ids``."""
    broken = []
    for name, targets in links.items():
        for target, fragment in targets:
            if target not in files or (
                fragment and fragment != "top" and target in ids and fragment not in ids[target]
            ):
                broken.append(name)
                break
    return broken


def check_site(
    made: Mapping[str, PageLinks],
    tree: Collection[str],
    recorded: Callable[[Iterable[str]], Mapping[str, PageLinks]],
    linking_to: Callable[[Iterable[str]], set[str]],
    removed: Iterable[str],
    report: Callable[[], None],
) -> None:
    """The check stage: every link of the outputs made now, and of the kept pages pointing where something changed.

    ``made``: the links of the outputs made by this build; ``tree``: every path of the new tree;
    ``recorded``: the links of published pages as the state holds them; ``linking_to``: the
    published pages linking to some paths; ``removed``: published paths the new tree drops.
    On a broken link, ``report`` checks the whole site as a clean build does, for the same message.
    """
    for path in sorted(made):
        if made[path].duplicates:
            log.warning("output/%s: ids used more than once: %s", path, ", ".join(made[path].duplicates))
    html = [p for p in made if made[p].ids is not None]
    before = recorded(html)
    moved = {p for p in html if p in before and before[p].ids != made[p].ids}
    pages = dict(made)
    kept = {p for p in linking_to({*removed, *moved}) if p in tree and p not in made}
    pages.update(recorded(kept))
    wanted = {t for links in pages.values() for t, fragment in links.targets if fragment and t not in pages}
    ids = {p: links.ids for p, links in pages.items() if links.ids is not None}
    ids.update({p: links.ids for p, links in recorded(wanted).items() if links.ids is not None})
    if broken_targets({p: list(links.targets) for p, links in pages.items()}, tree, ids):
        report()
        raise AssertionError("a link found broken was found whole by the full check")  # pragma: no cover
