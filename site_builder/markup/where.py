"""Where each link of a section is written: its target as the renderers read it, at its line and column.

Read from the author's own text with the parser the renderers use (markdown-it-pyrs), so a
link is found exactly as it is rendered: inline links and images at their destination, a
reference link at the definition that holds its destination, autolinks, and the ``href``
and ``src`` attributes of raw HTML (where it is allowed). Links inside formulas and roles
are text, not links, and are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .reading import Section, parse

_DEFINITION_HEAD = re.compile(r"\[(?:\\.|[^\\\]])*\]:[ \t]*\n?[ \t]*<?")
_HTML_LINK = re.compile(r"""\s(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


@dataclass(frozen=True)
class WrittenLink:
    """A link target in a section's text."""

    url: str
    """As the renderers read it (markdown-it's normalised destination, e.g. ``/a%20b/``)."""
    line: int
    """0-based line of the text where the destination starts."""
    column: int
    """0-based column of that line where the destination starts."""
    raw: str
    """The destination as written (``/a b/`` inside ``<...>``), to find it again in the file."""


def written_links(text: str, *, allow_html: bool) -> list[WrittenLink]:
    """Every link target of ``text`` (a section's Markdown), in order, where its destination is written."""
    section = Section(text, allow_html=allow_html)
    section.read()
    text = section.text
    data = text.encode()
    taken = [(start, end) for start, end, _ in section.spans]
    math_lines = {line for first, last, _ in section.block_math for line in range(first, last)}
    found: list[tuple[int, str, str]] = []  # (offset in text, url, raw)

    def offset(byte: int) -> int:
        return len(data[:byte].decode(errors="ignore"))

    def visit(node: Any) -> None:
        start, end = (offset(b) for b in node.srcmap) if node.srcmap else (0, 0)
        if node.name in ("link", "image") and "url" in node.meta:
            at = _inline_destination(text, node, start, end, offset)
            if at is not None:  # else a reference link: its definition says where its target is
                found.append((at, node.meta["url"], _raw_at(text, at)))
        elif node.name == "autolink":
            found.append((start + 1, node.meta.get("url", ""), text[start + 1 : end - 1]))
        elif node.name == "definition":
            head = _DEFINITION_HEAD.match(text, start)
            at = head.end() if head else start
            found.append((at, node.meta.get("destination", ""), _raw_at(text, at)))
        elif node.name in ("html_inline", "html_block"):
            for attribute in _HTML_LINK.finditer(text, start, end):
                group = 1 if attribute.group(1) is not None else 2
                found.append((attribute.start(group), attribute.group(group), attribute.group(group)))
        for child in node.children:
            visit(child)

    visit(parse(text, allow_html))
    starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
    links = []
    for at, url, raw in sorted(found):
        if any(a <= at < b for a, b in taken):
            continue  # inside a formula or role: text
        line = max(i for i, s in enumerate(starts) if s <= at)
        if line not in math_lines:
            links.append(WrittenLink(url, line, at - starts[line], raw))
    return links


def _inline_destination(text: str, node: Any, start: int, end: int, offset: Any) -> int | None:
    """Where the destination of an inline link or image starts, or None for a reference link."""
    label_end = offset(node.children[-1].srcmap[1]) if node.children and node.children[-1].srcmap else None
    if label_end is None or text[label_end : label_end + 1] != "]":
        label_end = start + (2 if node.name == "image" else 1)
        while label_end < end and text[label_end] != "]":
            label_end += 1
    if text[label_end + 1 : label_end + 2] != "(":
        return None
    at = label_end + 2
    while at < end and text[at] in " \t\n":
        at += 1
    return at + 1 if text[at : at + 1] == "<" else at


def _raw_at(text: str, at: int) -> str:
    """The destination written at ``at``: up to ``>`` if it was opened with ``<``, else up to a space or ``)``."""
    if at and text[at - 1] == "<":
        close = text.find(">", at)
        return text[at : close if close >= 0 else len(text)]
    match = re.compile(r"[^\s)]*").match(text, at)
    return match.group() if match else ""
