"""Check that every internal link and image source in the rendered site points at a rendered file."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from .errors import ContentError, Problem


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append((value, self.getpos()[0]))


def links_in(html: str) -> list[tuple[str, int]]:
    """(link, line) for every ``href`` and ``src`` in an HTML document."""
    collector = _LinkCollector()
    collector.feed(html)
    collector.close()
    return collector.links


def resolve(link: str, page: str, base_path: str) -> str | None:
    """The output file an internal link points at, or None for an external link."""
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


def check_links(files: Mapping[str, bytes], base_path: str) -> None:
    """Raise ``ContentError`` listing every internal link in an HTML file that resolves to nothing."""
    problems = []
    for page in sorted(files):
        if not page.endswith(".html"):
            continue
        for link, line in links_in(files[page].decode()):
            target = resolve(link, page, base_path)
            if target is not None and target not in files:
                problems.append(Problem(f"output/{page}", line, 0, message=f"broken link {link!r}"))
    if problems:
        raise ContentError(problems)
