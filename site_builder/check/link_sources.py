"""Where an author wrote each link of the site: the file, line, column and field of every link in the content.

The link check finds a broken link in the rendered site; an author fixes it in a YAML file.
This reads the content files again (only when a link is broken) and lists every link they
hold where it is written: the links of each section's Markdown, found by the parser the
renderers use (``markup.where``), and each call to action's ``url``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ..content.kinds import SITE_FILE
from ..content.load import entry_folder
from ..content.yamlsource import Loc, YamlDocument, YamlProblem, dotted, parse_yaml
from ..markup.where import written_links


@dataclass(frozen=True)
class Written:
    """A link target as an author wrote it, and where."""

    url: str
    """As the renderers read it: a site path (``/problems/x/``), a url, or a fragment (``#top``)."""
    written: str
    """As it stands in the file."""
    path: str
    line: int
    column: int
    field: str
    """Dotted path of the field holding it: ``sections[0].body``, ``call_to_action.url``."""


def links_written(sources: Mapping[str, str]) -> Iterator[Written]:
    """Every link in the entries of ``sources`` (display path -> text of each content file), where it is written."""
    allow_html = _allows_html(sources.get(SITE_FILE, ""))
    for path in sorted(sources):
        if entry_folder(path) is None:
            continue
        try:
            doc = parse_yaml(sources[path].encode(), path)
        except YamlProblem:
            continue  # reported by the load stage
        if isinstance(doc.data, dict):
            yield from _entry_links(doc, sources[path].split("\n"), allow_html)


def _entry_links(doc: YamlDocument, lines: list[str], allow_html: bool) -> Iterator[Written]:
    sections = doc.data.get("sections")
    for index, section in enumerate(sections if isinstance(sections, list) else []):
        body = section.get("body") if isinstance(section, dict) else None
        if not isinstance(body, str):
            continue
        loc: Loc = ("sections", index, "body")
        body_lines = body.split("\n")
        for link in written_links(body, allow_html=allow_html):
            line, column = _in_file(doc, lines, loc, body_lines, link.line, link.column, link.raw)
            yield Written(link.url, link.raw, doc.path, line, column, dotted(loc))
    action = doc.data.get("call_to_action")
    if isinstance(action, dict) and isinstance(action.get("url"), str):
        loc = ("call_to_action", "url")
        yield Written(action["url"], action["url"], doc.path, *doc.locate(loc), dotted(loc))


def _in_file(
    doc: YamlDocument, lines: list[str], loc: Loc, body: list[str], line: int, column: int, raw: str
) -> tuple[int, int]:
    """The 1-based (line, column) in the file of (``line``, ``column``) of the text of the field at ``loc``.

    In a literal block (``|``) each line of the text is a line of the file, after the
    indentation: that is checked, and the position follows. Text written otherwise (folded,
    quoted, plain) is joined from several lines, so ``raw`` is looked for from the field on.
    """
    first, indent = doc.locate(loc)
    at = first + line
    if at <= len(lines) and line < len(body) and lines[at - 1][indent - 1 :] == body[line]:
        return at, indent + column
    for number in range(first, len(lines) + 1):
        start = lines[number - 1].find(raw, indent - 1 if number == first else 0) if raw else -1
        if start >= 0:
            return number, start + 1
    return first, indent


def _allows_html(site_text: str) -> bool:
    try:
        data = parse_yaml(site_text.encode(), SITE_FILE).data if site_text else {}
    except YamlProblem:
        return False
    return isinstance(data, dict) and data.get("allow_raw_html") is True


def where_written(
    links: set[str], sources: Mapping[str, str], base_path: str, base_url: str | None
) -> dict[str, list[Written]]:
    """Link as the site shows it -> each place in the content files (``sources``) where an author wrote it."""
    found: dict[str, list[Written]] = {}
    for place in links_written(sources):
        url = place.url
        if base_url and url.startswith(base_url):
            url = base_path + url[len(base_url) :]
        elif url.startswith("/") and not url.startswith("//"):
            url = base_path + url[1:]  # a site path, as ``Urls.target`` turns it into a link
        if url in links:
            found.setdefault(url, []).append(place)
    return found
