"""The editions that go out beside each issue's web page: email (HTML, text, message) and dev.to Markdown.

They run after the site's own link check, on the finished site: their links are
absolute, so they are checked here, against the files the site will hold.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import ContentError, Problem
from .links import links_in
from .model import Urls
from .portable import site_path


def check_edition_links(editions: Mapping[str, bytes], urls: Urls, site: Mapping[str, bytes]) -> None:
    """Every link of an HTML edition that points into the site must reach a file of it."""
    problems = []
    for path in sorted(p for p in editions if p.endswith(".html")):
        for link, line in links_in(editions[path].decode()):
            target = site_path(link, urls)
            if target is None:
                continue
            target = target + "index.html" if target == "" or target.endswith("/") else target
            if target not in site:
                problems.append(Problem(f"output/{path}", line, 0, message=f"broken link {link!r}"))
    if problems:
        raise ContentError(problems)


def edition_targets(data: bytes, urls: Urls) -> list[tuple[str, str]]:
    """The site files an edition's HTML links to, as ``check_edition_links`` resolves them (no fragments)."""
    found: dict[tuple[str, str], None] = {}
    for link, _ in links_in(data.decode()):
        target = site_path(link, urls)
        if target is not None:
            found[(target + "index.html" if target == "" or target.endswith("/") else target, "")] = None
    return list(found)
