"""A section of author Markdown read once: markdown-it-pyrs parses it, math and roles are found as mdit-py-plugins finds them.

markdown-it-pyrs (Rust) parses CommonMark ten times faster than markdown-it-py but has
neither dollar math nor MyST roles. So a section is read in two steps:

1. Its math and roles are found by ``inline`` (a port of the inline rules markdown-it-py
   applies with both plugins) in each region markdown-it reads as inline text, never in
   code. Where no block can change that (no fence, table, math block, indented code,
   reference definition or raw HTML), the runs of lines between blank lines are those
   regions, as long as nothing found runs over a line end. Otherwise pyrs parses the
   blocks (``layout``): a paragraph starting with ``$$`` is a math block if dollarmath
   would close it; it is put in place of its lines (as a fence, or a one-line heading,
   standing for it) and the text parsed again when that changes what follows.
2. Each formula, role and fence is swapped for an inert placeholder
   (``%\\ufdd0N\\ufdd1%``; a fence's info string ``\\ufdd0N\\ufdd1``) that Markdown
   reads as plain text, and that text (``source``) is what the renderers parse: pyrs
   renders it to HTML, and its tree gives the plain text. The placeholders are then
   replaced by what each edition makes of the formula, role or code block.

Sections without ``$``, fence or role are not read at all. Everything found keeps its
line in the author's text, for error messages. U+FDD0 to U+FDEF are Unicode
noncharacters: author text holding one gets U+FFFD instead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .inline import Reading, read_inline
from .layout import Layout, Lines, Region, continuation, inline_content, math_block, read_blocks, to_source

if TYPE_CHECKING:
    from markdown_it_pyrs import MarkdownIt, Node

NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
PLACEHOLDER = "\ufdd0{}\ufdd1"
_CORE = ["blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph", "reference"]
_CORE += ["autolink", "backticks", "emphasis", "entity", "escape", "image", "link", "newline"]
_CORE += ["table", "strikethrough"]
_FENCE_MARKER = re.compile(r"[ \t]*(`{3,}|~{3,})")


@functools.cache
def pyrs_parser(allow_html: bool, *, inline: bool = True) -> MarkdownIt:
    """The one Markdown dialect: CommonMark + tables + strikethrough, raw HTML only if allowed."""
    from markdown_it_pyrs import MarkdownIt

    rules = (_CORE if inline else [*_CORE[:9], "table"]) + (["html_block", "html_inline"] if allow_html else [])
    return MarkdownIt("zero").enable_many(rules)


LITERAL_BACKTICK = "\ufdd6"
"""Stands in ``source`` for a backtick that opens no code span, where pyrs could misread it (see ``_Reader._take``)."""


def parse(text: str, allow_html: bool, *, html: bool = False) -> Any:
    """pyrs's tree of ``text``, or its HTML; a panic of pyrs is an error, not a crash."""
    parser = pyrs_parser(allow_html)
    try:
        return parser.render(text) if html else parser.tree(text)
    except BaseException as exc:  # pyo3's PanicException is a BaseException
        if type(exc).__name__ != "PanicException":
            raise
        from .base import MarkupError

        raise MarkupError(f"the Markdown parser (markdown-it-pyrs) fails on this text: {exc}") from None


@dataclass(frozen=True)
class Math:
    """A formula: ``$...$`` or ``$$...$$`` in text, or a ``$$`` block of its own."""

    latex: str
    """As dollarmath reads it, surrounding spaces included."""
    display: bool
    line: int
    """0-based line of the author's text where it starts."""
    block: bool = False
    column: int = 0
    """0-based column of that line where it starts (its first ``$``)."""


@dataclass(frozen=True)
class Role:
    """``{name}`content```: replaced by a computed value."""

    name: str
    content: str
    line: int
    column: int = 0
    """0-based column of that line where it starts."""


@dataclass(frozen=True)
class Fence:
    """A fenced block: code, or a directive if its info string starts with ``{``."""

    info: str
    content: str
    line: int
    end: int
    """The line after its closing fence."""

    @property
    def directive(self) -> bool:
        return self.info.startswith("{")


Placeheld = Math | Role | Fence


class Section:
    """A piece of author Markdown read once, to be rendered as HTML, Markdown and text as often as editions need."""

    def __init__(self, text: str, *, allow_html: bool) -> None:
        self.text = _normalized(text)
        self.allow_html = allow_html
        self.fences: list[Fence] = []
        self.code_blocks: list[range] = []
        """Lines of indented code blocks."""
        self.math_blocks: list[Math] = []
        self.spans: list[tuple[int, int, Math | Role]] = []
        """Inline formulas and roles: (start, end) in ``text``, and what is there."""
        self.placeholders: list[Placeheld] = []
        self.source = self.text
        """The text with placeholders, as the renderers parse it."""
        self._block_lines: list[tuple[int, int, Math]] = []
        self._tree: Node | None = None
        self._html: str | None = None
        self._read = False
        self.plain = not _may_need_reading(self.text)
        """No math, fence or role can be in it: renderers may skip the reading."""
        if not self.plain:
            self.read()

    def read(self) -> None:
        """Find blocks, math and roles (done at once for text that may hold math, code or a role; else on demand)."""
        if self._read:
            return
        self._read = True
        _Reader(self).run()

    @property
    def tree(self) -> Node:
        """pyrs's tree of ``source``."""
        if self._tree is None:
            self._tree = parse(self.source, self.allow_html)
        return self._tree

    @property
    def html(self) -> str:
        """pyrs's HTML of ``source``, placeholders still in it."""
        if self._html is None:
            self._html = parse(self.source, self.allow_html, html=True)
        return self._html

    @property
    def roles(self) -> list[Role]:
        return [found for _, _, found in self.spans if isinstance(found, Role)]

    @property
    def verbatim_lines(self) -> set[int]:
        """Lines of code blocks and code fences, which no conversion may touch."""
        if self.plain and not _INDENTED.search(self.text):
            return set()  # no fence, and no line indented enough for a code block
        self.read()
        lines = {line for block in self.code_blocks for line in block}
        lines.update(line for fence in self.fences if not fence.directive for line in range(fence.line, fence.end))
        return lines

    @property
    def block_math(self) -> list[tuple[int, int, Math]]:
        """Math blocks: (first line, line after the last, formula)."""
        return self._block_lines


_INDENTED = re.compile(r"^[ >]*(?:\t| {4})", re.MULTILINE)
_ROLE_START = re.compile(r"\{[A-Za-z0-9_+:\-]+\}`")


def _may_need_reading(text: str) -> bool:
    """Math, a fence or a role may be in ``text``, or a backtick pyrs may choke on (see ``_Reader._inline``)."""
    if "$" in text or "```" in text or "~~~" in text:
        return True
    return "`" in text and ("[" in text or _ROLE_START.search(text) is not None)


def _normalized(text: str) -> str:
    """Line ends as markdown-it reads them, no noncharacter (they make placeholders), one newline at the end.

    Blank lines at the end mean nothing to Markdown, but pyrs and markdown-it-py disagree on
    whether an unclosed fence or a code block keeps them.
    """
    if "\r" in text or "\0" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    if NONCHARACTERS.search(text):
        text = NONCHARACTERS.sub("\ufffd", text)
    end = text.find("\n", len(text.rstrip(" \t\n")))
    return (text if end < 0 else text[:end]) + "\n"


_FoundBlock = tuple[int, int, Math, str, tuple[int, ...]]
"""A math block: first and last line, formula, what precedes it on its first line, its containers."""


class _Reader:
    """Reads one section: fills its fences, code blocks, math, roles, placeholders and source."""

    def __init__(self, section: Section) -> None:
        self.section = section
        self.text = section.text
        self.lines = Lines(self.text)

    def run(self) -> None:
        if self.quick():
            return
        blocks, layout, current = self._math_blocks()
        section = self.section
        if current is self.text:
            shift: Callable[[int], int] = lambda offset: offset  # noqa: E731
        else:
            now = Lines(current)

            def shift(offset: int) -> int:  # from ``current`` (math blocks in place) to the author's text
                line = now.line(offset)
                return self.lines.starts[line] + offset - now.starts[line]

        edits: list[tuple[int, int, str]] = []
        for first, last, formula, prefix, chain in blocks:
            lines = _block_lines(prefix, chain, last - first, self._placeholder(formula))
            edits.append((self.lines.starts[first], self.lines.end(last), lines))
            section._block_lines.append((first, last + 1, formula))
            section.math_blocks.append(formula)
        in_blocks = {line for first, last, *_ in blocks for line in range(first, last + 1)}
        for start, end, info, content in layout.fences:
            start, end = shift(start), shift(end)
            if self.lines.line(start) in in_blocks:
                continue
            first, last = self.lines.line(start), self.lines.line(max(end - 1, start))
            fence = Fence(info, content, first, last + 1)
            section.fences.append(fence)
            marker = _FENCE_MARKER.match(self.text, start)
            edits.append((marker.end() if marker else start, self.lines.end(first), self._placeholder(fence)))
        for start, end in layout.code_blocks:
            start, end = shift(start), shift(end)
            if self.lines.line(start) not in in_blocks:
                section.code_blocks.append(range(self.lines.line(start), self.lines.line(max(end - 1, start)) + 1))
        labels = frozenset(layout.labels)
        for region in layout.regions:
            if self.lines.line(shift(region.start)) not in in_blocks:
                self._inline(region, shift, labels, edits)
        if edits:
            section.source = _apply(self.text, edits)

    def _placeholder(self, found: Placeheld) -> str:
        self.section.placeholders.append(found)
        return PLACEHOLDER.format(len(self.section.placeholders) - 1)

    def _math_blocks(self) -> tuple[list[_FoundBlock], Layout, str]:
        """Math blocks in order, the layout of the text with them in place, and that text.

        A block that ends where pyrs's paragraph ends leaves everything after it as pyrs
        read it; otherwise the text is parsed again with the blocks found so far in place.
        """
        found: list[_FoundBlock] = []
        current = self.text
        while True:
            lines = self.lines if current is self.text else Lines(current)
            layout = read_blocks(pyrs_parser(self.section.allow_html, inline=False).tree(current), current, lines)
            reparse = False
            for region in layout.regions:
                first = lines.line(region.start)
                if region.kind != "paragraph" or not current.startswith("$$", region.start):
                    continue
                if found and first <= found[-1][1]:
                    continue
                block = math_block(current, lines, region)
                if block is None:
                    continue
                last, latex = block
                prefix = current[lines.starts[first] : region.start]
                formula = Math(latex, True, first, block=True, column=len(prefix))
                found.append((first, last, formula, prefix, region.chain))
                if last != lines.line(region.end - 1):
                    reparse = True
                    break
            if not reparse:
                return found, layout, current
            # The author's lines with the blocks found so far in place (placeholders not numbered yet).
            edits = [
                (
                    self.lines.starts[first],
                    self.lines.end(last),
                    _block_lines(prefix, chain, last - first, "\ufdd0\ufdd1"),
                )
                for first, last, _, prefix, chain in found
            ]
            current = _apply(self.text, edits)

    def _inline(self, region: Region, shift: Callable[[int], int], labels: frozenset[str], edits: list[Any]) -> None:
        start, end = shift(region.start), shift(region.end)
        raw = self.text[start:end]
        if _holds_inline(raw):
            content, pieces = inline_content(raw, start, region.kind, region.chain)
            reading = read_inline(content, allow_html=self.section.allow_html, references=labels)
            self._take(reading, lambda index: to_source(pieces, index), edits, brackets="[" in raw)

    def _take(self, reading: Reading, to_source: Callable[[int], int], edits: list[Any], *, brackets: bool) -> None:
        """Record what ``read_inline`` found, and the placeholders and stand-ins the renderers get."""
        for item in reading.found:
            start, end = to_source(item.start), to_source(item.end - 1) + 1
            line = self.lines.line(start)
            column = start - self.lines.starts[line]
            what: Math | Role
            if item.kind == "role":
                what = Role(item.name, item.content, line, column)
            else:
                what = Math(item.content, item.kind == "math_double", line, column=column)
            self.section.spans.append((start, end, what))
            edits.append((start, end, f"%{self._placeholder(what)}%"))
        if brackets or reading.found:
            # Backticks that open no code span are literal text; the renderers get a stand-in for
            # them, so that pyrs cannot pair them once a placeholder took a formula or role away
            # from between them, and because pyrs 0.4.0 (markdown-it.rs 0.6.0) panics on one in a
            # paragraph with a "[" it looks ahead from (markdown-it.rs issue #40, fixed in 0.6.1).
            taken = [(a, b) for a, b, _ in self.section.spans]
            for index in reading.unmatched:
                position = to_source(index)
                if not any(a <= position < b for a, b in taken):
                    edits.append((position, position + 1, LITERAL_BACKTICK))

    def quick(self) -> bool:
        """Read text whose blocks cannot change what the inline rules see, without parsing it; False if it can't.

        No fence, code block, table, math block, reference definition, raw HTML or
        trailing backslash: then each run of lines between blank lines can be read as
        one inline text, as long as nothing read runs over a line end (a list item or
        heading there would have cut it).
        """
        if not _blocks_are_simple(self.text, self.section.allow_html):
            return False
        edits: list[tuple[int, int, str]] = []
        for match in _CHUNK.finditer(self.text):
            chunk = match.group()
            if _holds_inline(chunk):
                reading = read_inline(chunk, allow_html=False, references=frozenset())
                if reading.multiline:
                    self.section.spans.clear()
                    self.section.placeholders.clear()
                    return False
                at = match.start()
                self._take(reading, lambda index, at=at: at + index, edits, brackets="[" in chunk)
        if edits:
            self.section.source = _apply(self.text, edits)
        return True


def _holds_inline(text: str) -> bool:
    """``text`` may hold math, a role, or a backtick pyrs may choke on."""
    return "$" in text or ("`" in text and ("{" in text or "[" in text))


_CHUNK = re.compile(r"[^\n]+(?:\n[ \t]*[^\s][^\n]*)*")
"""Lines between blank lines."""
_BLOCK_MATH_START = re.compile(r"^[ \t>]*(?:(?:[*+-]|\d{1,9}[.)])[ \t]+)*\$\$", re.MULTILINE)


def _blocks_are_simple(text: str, allow_html: bool) -> bool:
    """No block in ``text`` can hide math or roles from inline rules, or make them in a line of its own."""
    if "```" in text or "~~~" in text or "|" in text or "]:" in text or "\\\n" in text:
        return False
    if allow_html and "<" in text:
        return False
    if "$$" in text and _BLOCK_MATH_START.search(text):
        return False
    return not (("    " in text or "\t" in text) and _INDENTED.search(text))


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end) range replaced; the ranges do not overlap."""
    out, position = [], 0
    for start, end, replacement in sorted(edits):
        out += (text[position:start], replacement)
        position = end
    out.append(text[position:])
    return "".join(out)


def _block_lines(prefix: str, chain: tuple[int, ...], extra_lines: int, mark: str) -> str:
    """Lines that read as one block where a math block stood: a heading, or a fence over as many lines."""
    if not extra_lines:
        return f"{prefix}# %{mark}%"
    inside = continuation(chain)
    return "\n".join([f"{prefix}```{mark}", *[inside] * (extra_lines - 1), f"{inside}```"])
