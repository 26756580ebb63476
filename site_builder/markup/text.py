"""Author Markdown as plain text, for the email's text part, rendered from the parse tree (no HTML parsed back).

- headings are ``#`` lines (``##`` for a level-2 heading), paragraphs one line each
  (mail clients wrap long lines; hard breaks stay), block quotes start with ``> ``;
- lists keep their markers (``-``, ``1.``) and indent what belongs to an item under
  its text, nested lists included;
- code blocks, and displayed formulas, are indented four spaces;
- tables are laid out in columns measured by display width (wcwidth: a combining
  accent takes no column, an East Asian wide character two);
- formulas are Unicode text (``unicodemath``), images ``[image: ALT]``;
- a link keeps its text and gets a *marker*, ``\\ufdd2URL\\ufdd3``: the text of several
  entries is made (and cached) apart, then assembled into one email, and
  ``number_links`` numbers the markers of the whole email at once (``text [1]``,
  the same URL keeping its number) and returns the URLs for the footnotes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .base import Directive, MarkupError, MathRenderer, Role, SiteLink, at_line, directive_parts, same_link
from .reading import LITERAL_BACKTICK, NONCHARACTERS, Fence, Math, Section

if TYPE_CHECKING:
    from markdown_it_pyrs import Node

_LINK_START, _LINK_END, _LINK_END_IN_TABLE = "\ufdd2", "\ufdd3", "\ufdd4"
_LINK = re.compile("\ufdd2([^\ufdd2-\ufdd4]*)([\ufdd3\ufdd4])")
_MARK_WIDTH = len("[999]")
"""Columns a link's number is given in a table, where it is measured before it is known."""
_DISPLAY = "\ufdd5"
"""Starts a line of displayed math inside a paragraph's text: the line is indented, not joined."""
_PLACEHOLDER = re.compile("%\ufdd0(\\d+)\ufdd1%")


def link_marker(url: str) -> str:
    """The marker ``to_text`` puts after a link's text; ``number_links`` makes it ``[N]``."""
    return f"{_LINK_START}{_clean(url)}{_LINK_END}"


def number_links(text: str) -> tuple[str, list[str]]:
    """Number the link markers of a whole text in order of first appearance: (text with ``[N]``, URLs).

    The URL of ``[N]`` is ``urls[N - 1]``; a URL met again keeps its first number.
    """
    numbers: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        label = f"[{numbers.setdefault(match[1], len(numbers) + 1)}]"
        following = match.string[match.end() : match.end() + 1]
        if match[2] == _LINK_END_IN_TABLE and following not in ("", "\n"):
            label = label.ljust(_MARK_WIDTH)  # the column was measured with this width
        return label

    return _LINK.sub(number, text), list(numbers)


def unicode_math(latex: str, display: bool) -> str:
    """The plain text's way to show math: one line of Unicode (displayed formulas are indented by ``to_text``)."""
    from .unicodemath import latex_to_unicode

    return latex_to_unicode(latex)


def to_text(
    text: str | Section,
    *,
    directive: Directive,
    role: Role,
    math: MathRenderer = unicode_math,
    link: SiteLink = same_link,
    allow_html: bool = False,
) -> str:
    """Render author Markdown as plain text with link markers (see ``number_links``).

    ``directive`` returns a directive's block as plain text; ``math`` a formula as one
    line of text; ``link`` maps site paths. ``text`` may be a ``Section`` parsed before.
    """
    section = text if isinstance(text, Section) else Section(text, allow_html=allow_html)
    lines = _TextRenderer(section, directive, role, math, link).blocks(section.tree.children, tight=False)
    return "\n".join(line.rstrip() for line in lines).strip("\n") + "\n"


def inert_text(text: str) -> str:
    """Text that cannot fake a link marker: for author text a template puts beside ``to_text``'s output."""
    return NONCHARACTERS.sub("\ufffd", text) if NONCHARACTERS.search(text) else text


_clean = inert_text


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wcwidth, with link markers as wide as their number will be."""
    import wcwidth

    text = _LINK.sub("x" * _MARK_WIDTH, text) if _LINK_START in text else text
    if text.isascii() and text.isprintable():
        return len(text)
    columns = wcwidth.wcswidth(text)
    return columns if columns >= 0 else sum(max(wcwidth.wcwidth(char), 0) for char in text)


class _TextRenderer:
    def __init__(self, section: Section, directive: Directive, role: Role, math: MathRenderer, link: SiteLink) -> None:
        self.found = section.placeholders
        self.placeheld = bool(section.placeholders) or LITERAL_BACKTICK in section.source
        """The text holds placeholders or stand-ins for backticks, to put back."""
        self.directive = directive
        self.role = role
        self.math = math
        self.link = link

    # --- Blocks: each renders to lines --------------------------------------------------------

    def blocks(self, nodes: list[Node], *, tight: bool) -> list[str]:
        """Block nodes (and, in a tight list item, runs of inline nodes) separated by blank lines unless ``tight``."""
        out: list[str] = []
        run: list[Node] = []
        for node in [*nodes, None]:
            if node is not None and node.name not in _BLOCKS:
                run.append(node)  # a tight list item's paragraph comes as its inline nodes
                continue
            parts = []
            if run:
                parts.append(self.paragraph(itertools.chain.from_iterable(node.walk() for node in run)))
                run = []
            if node is not None:
                parts.append(self.block(node))
            for lines in parts:
                if lines:
                    if out and not tight:
                        out.append("")
                    out += lines
        return out

    def block(self, node: Node) -> list[str]:
        name = node.name
        if name == "paragraph":
            return self.paragraph(node.walk(include_self=False))
        if name in ("heading", "lheading"):
            formula = self._math_block_heading(node)
            if formula is not None:
                return self.display(formula)
            return ["#" * node.meta.get("level", 1) + " " + self.inline_line(node.walk(include_self=False))]
        if name == "blockquote":
            return [f"> {line}" if line else ">" for line in self.blocks(node.children, tight=False)]
        if name in ("bullet_list", "ordered_list"):
            return self.list(node)
        if name == "fence":
            return self.fence(node)
        if name == "code_block":
            return _indented(node.meta.get("content", ""))
        if name == "table":
            return self.table(node)
        if name == "hr":
            return ["---"]
        if name == "html_block":  # raw HTML is only a block when the site allows it: its text, tags dropped
            text = re.sub(r"<[^>]*>", "", node.meta.get("content", ""))
            return [line.strip() for line in text.strip().split("\n")]
        return []  # link reference definitions

    def paragraph(self, nodes: Iterable[Node]) -> list[str]:
        text = "".join(self.inline(nodes))
        if "\n" not in text:
            return [text.strip()] if text.strip() else []
        lines = []
        for line in text.split("\n"):
            if line.startswith(_DISPLAY):
                lines.append("    " + line[1:])
            elif line.strip():
                lines.append(line.strip())
        return lines

    def display(self, formula: Math) -> list[str]:
        return ["    " + self.formula(formula)]

    def fence(self, node: Node) -> list[str]:
        item = self._placeheld(node.meta.get("info", ""))
        if isinstance(item, Math):
            return self.display(item)
        if isinstance(item, Fence) and item.directive:
            name, target = directive_parts(item.info, item.line)
            try:
                # Our own template's text: its link markers (``link_marker``) are meant; author text cannot
                # hold a marker's characters (noncharacters are refused when content is read).
                text = self.directive(name, target)
            except MarkupError as exc:
                raise MarkupError(str(exc), item.line) from exc
            return text.strip("\n").split("\n")
        return _indented(node.meta.get("content", ""))

    def list(self, node: Node) -> list[str]:
        items = node.children
        if node.name == "ordered_list":
            first = node.meta.get("start", 1)
            numbers = [f"{first + index}{node.meta.get('marker', '.')}" for index in range(len(items))]
            markers = [number.rjust(max(map(len, numbers))) for number in numbers]
        else:
            markers = ["-"] * len(items)
        indent = " " * (len(markers[0]) + 1) if markers else ""
        contents = [item.children for item in items]
        # A loose list wraps every item's text in a paragraph; a tight one gives it as inline nodes.
        tight = not any(content[0].name == "paragraph" for content in contents if content)
        out: list[str] = []
        for marker, content in zip(markers, contents, strict=True):
            lines = self.blocks(content, tight=tight) or [""]
            if out and not tight:
                out.append("")
            out.append(f"{marker} {lines[0]}")
            out += [indent + line if line else "" for line in lines[1:]]
        return out

    def table(self, node: Node) -> list[str]:
        rows = [
            [self.cell(cell.walk(include_self=False)) for cell in row.children]
            for part in node.children
            for row in part.children
        ]
        header = len(node.children[0].children) if node.children and node.children[0].name == "thead" else 0
        columns = max(map(len, rows), default=0)
        rows = [row + [""] * (columns - len(row)) for row in rows]
        widths = [max(width(row[column]) for row in rows) for column in range(columns)]
        aligns = list(node.meta.get("alignments", [])) + ["none"] * columns
        lines = []
        for index, row in enumerate(rows):
            lines.append(
                "  ".join(_aligned(cell, size, align) for cell, size, align in zip(row, widths, aligns, strict=False))
            )
            if index == header - 1:
                lines.append("  ".join("-" * size for size in widths))
        return lines

    def cell(self, nodes: Iterable[Node]) -> str:
        text = self.inline_line(nodes)
        return text.replace(_LINK_END, _LINK_END_IN_TABLE)

    # --- Inline: each node appends its text ---------------------------------------------------

    def inline_line(self, nodes: Iterable[Node]) -> str:
        """Inline text on one line (a heading, a table cell): displayed math and line breaks become spaces."""
        text = "".join(self.inline(nodes)).replace(_DISPLAY, "")
        return " ".join(text.split("\n")).strip()

    def inline(self, nodes: Iterable[Node]) -> list[str]:
        """The text of inline nodes, given as ``walk()`` gives them (pre-order, far cheaper than ``children``).

        A link, image or strikethrough ends where its descendants do, counted beforehand:
        ``closers`` holds (index of the node after it, where its text started, kind, URL).
        """
        out: list[str] = []
        closers: list[tuple[int, int, str, str]] = []
        stop = -1  # the index where the innermost link, image or strikethrough ends
        placeheld = self.placeheld
        for index, node in enumerate(nodes):
            if index == stop:
                while closers and closers[-1][0] == index:
                    self._close(out, *closers.pop()[1:])
                stop = closers[-1][0] if closers else -1
            name = node.name
            if name == "text":
                content = node.meta["content"]
                if placeheld and ("\ufdd0" in content or LITERAL_BACKTICK in content):
                    content = _PLACEHOLDER.sub(self._inline_item, content).replace(LITERAL_BACKTICK, "`")
                out.append(content)
            elif name == "softbreak":
                out.append(" ")
            elif name == "hardbreak":
                out.append("\n")
            elif name == "text_special":
                out.append(node.meta["content"])
            elif name in ("link", "image", "strikethrough"):
                stop = index + len(list(node.walk()))
                closers.append((stop, len(out), name, node.meta.get("url", "")))
                out.append("~~" if name == "strikethrough" else "")
        while closers:
            self._close(out, *closers.pop()[1:])
        return out

    def _close(self, out: list[str], start: int, name: str, url: str) -> None:
        """Write what ends a link (its marker), an image (``[image: ALT]`` and its marker) or a strikethrough."""
        if name == "strikethrough":
            out.append("~~")
        elif name == "image":
            alt = "".join(out[start:]).replace(_DISPLAY, "").replace("\n", " ")
            del out[start:]
            out.append(f"[image: {_LINK.sub('', alt).strip()}] " + self._marker(url))
        elif not url.startswith("#"):  # a place on the web page is nowhere in an email
            out.append((" " if "".join(out[start:]).strip() else "") + self._marker(url))

    def _marker(self, url: str) -> str:
        return link_marker(self.link(url) if url.startswith("/") and not url.startswith("//") else url)

    def _inline_item(self, match: re.Match[str]) -> str:
        item = self.found[int(match[1])]
        if isinstance(item, Math):
            formula = self.formula(item)
            return f"\n{_DISPLAY}{formula}\n" if item.display else formula
        try:
            return _clean(self.role(item.name, item.content))  # type: ignore[union-attr]
        except MarkupError as exc:
            raise at_line(exc, item.line, item.column) from exc  # type: ignore[union-attr]

    def formula(self, item: Math) -> str:
        try:
            return _clean(self.math(item.latex, item.display))
        except MarkupError as exc:
            raise at_line(exc, item.line, item.column) from exc

    def _placeheld(self, text: str) -> Math | Fence | None:
        match = re.fullmatch("%?\ufdd0(\\d+)\ufdd1%?", text.strip())
        item = self.found[int(match[1])] if match else None
        return item if isinstance(item, Math | Fence) else None

    def _math_block_heading(self, node: Node) -> Math | None:
        children = node.children
        if len(children) != 1 or children[0].name != "text":
            return None
        item = self._placeheld(children[0].meta.get("content", ""))
        return item if isinstance(item, Math) and item.block else None


_BLOCKS = {"paragraph", "heading", "lheading", "blockquote", "bullet_list", "ordered_list", "code_block", "fence"}
_BLOCKS |= {"html_block", "hr", "definition", "table"}


def _indented(code: str) -> list[str]:
    return [f"    {line}" if line.strip() else "" for line in code.rstrip("\n").split("\n")]


def _aligned(text: str, size: int, align: str) -> str:
    gap = size - width(text)
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap
