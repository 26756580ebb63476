"""The blocks of a section as markdown-it-pyrs's tree gives them, for finding math and roles.

- the *regions* markdown-it reads as inline text (paragraphs, headings, table cells), with
  the containers they are in, so that a continuation line loses exactly what markdown-it
  strips from it (a quote's ``>``, a list item's indent);
- fenced and indented code, and link reference labels;
- dollarmath's math blocks: ``$$`` opening a paragraph, closed by a line ending in ``$$``.

Offsets are ``str`` indexes of the text (pyrs counts UTF-8 bytes; they are converted).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it_pyrs import Node

_BLOCKS = {"paragraph", "heading", "lheading", "blockquote", "bullet_list", "ordered_list", "code_block", "fence"}
_BLOCKS |= {"html_block", "hr", "definition", "table"}
_LIST_MARKER = re.compile(r"[ \t]*(?:[*+-]|\d{1,9}[.)])")
_QUOTE_MARKER = re.compile(r" {0,3}> ?")
_HEADING_MARKS = re.compile(r"#{1,6}[ \t]*")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_EQUATION_LABEL_REVERSED = re.compile(r"^\s*\)([^)$\r\n]+?)\(\s*\${2}")  # dollarmath's DOLLAR_EQNO_REV


@dataclass
class Region:
    """Text that markdown-it parses as inline content: a paragraph, a heading, a table cell."""

    start: int
    end: int
    kind: str
    """``paragraph`` (may start a math block), ``heading`` or ``cell``."""
    chain: tuple[int, ...]
    """Its containers, outermost first: -1 for a block quote, else a list item's indent (columns past its parent's)."""
    bound: int
    """The line a math block starting here must close before (the end of its block quote)."""


@dataclass
class Layout:
    """What pyrs's tree says about the blocks of one text."""

    regions: list[Region]
    fences: list[tuple[int, int, str, str]]
    """(start, end, info, content)."""
    code_blocks: list[tuple[int, int]]
    labels: set[str]


class Lines:
    """Line starts of a text, to turn offsets into lines and back."""

    def __init__(self, text: str) -> None:
        self.text = text

    @functools.cached_property
    def starts(self) -> list[int]:
        return [0, *itertools.accumulate(len(line) + 1 for line in self.text.split("\n")[:-1])]

    def line(self, offset: int) -> int:
        if "starts" not in self.__dict__:  # a few look-ups need no table
            return self.text.count("\n", 0, offset)
        return bisect.bisect_right(self.starts, offset) - 1

    def end(self, line: int) -> int:
        """Offset of the end of ``line`` (its newline, or the end of the text)."""
        return self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)


def _char_offsets(text: str) -> Callable[[int], int]:
    """pyrs counts UTF-8 bytes; this maps its offsets to ``str`` indexes."""
    if text.isascii():
        return lambda offset: offset
    data = text.encode()
    return lambda offset: len(data[:offset].decode())


_MARKS = re.compile(rb"[$`~{\[\]]")
"""Bytes without which a block holds nothing to find: math, code, roles, fences, links."""


def read_blocks(tree: Node, text: str, lines: Lines) -> Layout:
    """Regions, fences, code blocks and reference labels of ``text``, from pyrs's tree of its blocks.

    Blocks holding none of ``_MARKS`` are passed over: in a typical section most are.
    """
    layout = Layout([], [], [], set())
    to_char = _char_offsets(text)
    marks = [match.start() for match in _MARKS.finditer(text.encode())]

    def span(node: Node) -> tuple[int, int]:
        start, end = node.srcmap or (0, 0)
        return to_char(start), to_char(end)

    def worth(node: Node) -> bool:
        start, end = node.srcmap or (0, 0)
        index = bisect.bisect_left(marks, start)
        return index < len(marks) and marks[index] < end

    def region(start: int, end: int, kind: str, chain: tuple[int, ...], bound: int) -> None:
        while start < end and text[start] in " \t\n>":
            start += 1
        while end > start and text[end - 1] in " \t\n":
            end -= 1
        if start < end:
            layout.regions.append(Region(start, end, kind, chain, bound))

    def block(node: Node, chain: tuple[int, ...], bound: int, column: int) -> None:
        """``column``: where the innermost container's content starts on its first line."""
        name = node.name
        if name == "code_block":
            layout.code_blocks.append(span(node))
        elif not worth(node):
            return
        elif name == "paragraph":
            region(*span(node), "paragraph", chain, bound)
        elif name == "lheading":
            start, end = span(node)
            region(start, text.rfind("\n", start, end), "paragraph", chain, bound)
        elif name == "heading":
            start, end = span(node)
            start += _HEADING_MARKS.match(text, start).end() - start  # type: ignore[union-attr]
            end = start + len(_CLOSING_HASHES.sub("", text[start:end]))
            region(start, end, "heading", chain, bound)
        elif name == "table":
            for cell in (cell for part in node.children for row in part.children for cell in row.children):
                region(*span(cell), "cell", chain, bound)
        elif name == "fence":
            meta = node.meta
            if not meta.get("info", "").startswith("\ufdd0"):  # not a math block put in place before
                layout.fences.append((*span(node), meta.get("info", ""), meta.get("content", "")))
        elif name == "definition":
            from markdown_it.common.utils import normalizeReference

            layout.labels.add(normalizeReference(node.meta.get("label", "")))
        elif name == "blockquote":
            start, end = span(node)
            marker = _QUOTE_MARKER.match(text, start)
            inside = _column(text, lines, marker.end() if marker else start)
            for child in node.children:
                block(child, (*chain, -1), lines.line(max(end - 1, 0)) + 1, inside)
        elif name in ("bullet_list", "ordered_list"):
            for item in node.children:
                list_item(item, chain, bound, column)

    def list_item(item: Node, chain: tuple[int, ...], bound: int, column: int) -> None:
        # Items of a tight list hold their paragraphs' inline nodes directly: group them back.
        start, end = span(item)
        marker = _LIST_MARKER.match(text, start)
        group: int | None = None
        after = marker.end() if marker else start
        spaces = len(text[after : lines.end(lines.line(after))]) - len(
            text[after : lines.end(lines.line(after))].lstrip(" ")
        )
        inside = _column(text, lines, after) + (
            1 if spaces > 4 or after + spaces >= lines.end(lines.line(after)) else spaces
        )
        chain = (*chain, inside - column)
        for child in item.children:
            if child.name in _BLOCKS:
                child_start, child_end = span(child)
                if group is not None:
                    region(group, child_start, "paragraph", chain, bound)
                    group = None
                block(child, chain, bound, inside)
                after = child_end
            elif group is None:
                group = after
        if group is not None:
            region(group, end, "paragraph", chain, bound)

    for node in tree.children:
        block(node, (), len(lines.starts), 0)
    return layout


def _column(text: str, lines: Lines, offset: int) -> int:
    return offset - lines.starts[lines.line(offset)]


def _prefix_length(line: str, chain: tuple[int, ...], *, quotes_only: bool = False) -> int:
    """How much of a continuation line its containers take (markdown-it's ``bMarks`` and ``blkIndent``).

    ``quotes_only``: the block quotes' markers only (where a math block's lines start). A
    lazy line (a quote's marker missing) loses the indentation of the list items inside.
    """
    position = after_quotes = 0
    for index, indent in enumerate(chain):
        if indent < 0:
            marker = _QUOTE_MARKER.match(line, position)
            if marker is None:  # a lazy line: from its start, the indent of the items inside the quote
                position = _skip_columns(line, after_quotes, sum(i for i in chain[index:] if i > 0))
                break
            position = after_quotes = marker.end()
        else:
            position = _skip_columns(line, position, indent)
    return after_quotes if quotes_only else position


def _skip_columns(line: str, position: int, columns: int) -> int:
    """Past up to ``columns`` columns of indentation (a tab reaches the next multiple of four)."""
    column = 0
    while position < len(line) and line[position] in " \t" and column < columns:
        column += 4 - column % 4 if line[position] == "\t" else 1
        position += 1
    return position


def continuation(chain: tuple[int, ...]) -> str:
    """A line's start that keeps it in ``chain``'s containers: ``> `` per quote, spaces per list item."""
    return "".join("> " if indent < 0 else " " * indent for indent in chain)


def inline_content(raw: str, start: int, kind: str, chain: tuple[int, ...]) -> tuple[str, list[tuple[int, int]]]:
    """A region's text as markdown-it's inline rules see it, and (content offset, source offset) pieces.

    Continuation lines lose what their containers take (``>``, a list item's indent); a
    table cell's ``\\|`` is ``|``.
    """
    pieces = [(0, start)]
    if kind == "cell":
        parts = raw.split("\\|")
        content, source = parts[0], start + len(parts[0]) + 1
        for part in parts[1:]:
            pieces.append((len(content), source))
            content += "|" + part
            source += len(part) + 2
        return content, pieces
    first, *others = raw.split("\n")
    out = [first]
    length, source = len(first) + 1, start + len(first) + 1
    for line in others:
        stripped = line[_prefix_length(line, chain) :]
        pieces.append((length, source + len(line) - len(stripped)))
        out.append(stripped)
        length += len(stripped) + 1
        source += len(line) + 1
    return "\n".join(out), pieces


def to_source(pieces: list[tuple[int, int]], index: int) -> int:
    content_start, source_start = pieces[bisect.bisect_right(pieces, (index, float("inf"))) - 1]
    return source_start + index - content_start


def math_block(text: str, lines: Lines, region: Region) -> tuple[int, str] | None:
    """dollarmath's ``math_block`` rule at the paragraph ``region``: (its last line, its LaTeX), or None."""
    first = lines.line(region.start)
    line_end = lines.end(first)
    line_text = text[region.start : line_end]
    stripped = line_text.strip()
    end = -1
    last = first
    if len(stripped) > 3:
        if stripped.endswith("$$"):
            end = line_end - 2 - (len(line_text) - len(stripped))
        else:
            label = _EQUATION_LABEL_REVERSED.match(line_text[::-1])
            if label:
                end = line_end - label.end()
            elif "$$" in line_text[2:]:
                return None
    if end < 0:
        for last in range(first + 1, region.bound):  # the loop's last value is the block's
            start, line_end = _content_start(text, lines, last, region.chain), lines.end(last)
            line_text = text[start:line_end].lstrip(" \t")
            stripped = line_text.strip()
            if stripped.endswith("$$"):
                end = line_end - 2 - (len(line_text) - len(stripped))
                break
            label = _EQUATION_LABEL_REVERSED.match(line_text[::-1])
            if label:
                end = line_end - label.end()
                break
        else:
            return None
    if last == first:
        return first, text[region.start + 2 : end]
    parts = [text[region.start + 2 : lines.end(first)]]
    parts += [
        text[_content_start(text, lines, line, region.chain) : lines.end(line)] for line in range(first + 1, last)
    ]
    parts.append(text[_content_start(text, lines, last, region.chain) : end])
    return last, "\n".join(parts)


def _content_start(text: str, lines: Lines, line: int, chain: tuple[int, ...]) -> int:
    """Where a line's content starts after its block quotes' markers (markdown-it's ``bMarks``)."""
    start = lines.starts[line]
    return start + _prefix_length(text[start : lines.end(line)], chain, quotes_only=True)
