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

import re
from typing import TYPE_CHECKING, Any

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
    from ..unicodemath import latex_to_unicode

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
    lines = _TextRenderer(section, directive, role, math, link).render(section.tree)
    return "\n".join(line.rstrip() for line in lines).strip("\n") + "\n"


def _clean(text: str) -> str:
    """Text from a callback, unable to fake a marker."""
    return NONCHARACTERS.sub("\ufffd", text) if NONCHARACTERS.search(text) else text


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wcwidth, with link markers as wide as their number will be."""
    import wcwidth

    text = _LINK.sub("x" * _MARK_WIDTH, text) if _LINK_START in text else text
    if text.isascii() and text.isprintable():
        return len(text)
    columns = wcwidth.wcswidth(text)
    return columns if columns >= 0 else sum(max(wcwidth.wcwidth(char), 0) for char in text)


class _Frame:
    """A container open in the walk (the root, a quote, a list, an item, a table or one of its parts)."""

    __slots__ = ("blocks", "end", "loose", "meta", "name", "rows")

    def __init__(self, name: str, end: float, meta: dict[str, Any] | None = None) -> None:
        self.name = name
        self.end = end
        """Index of the first node after it in the walk."""
        self.meta = meta or {}
        self.blocks: list[list[str]] = []
        """Rendered blocks inside it (for a list: its items; for a row: its cells, one line each)."""
        self.rows: list[list[str]] = []
        self.loose = False


class _TextRenderer:
    """One pass over ``walk()`` (pre-order, far cheaper than recursing into ``children``).

    Containers know where they end by the size of their subtree; a run of inline nodes
    ends at the next block; a link, image or strikethrough ends where its subtree does.
    """

    def __init__(self, section: Section, directive: Directive, role: Role, math: MathRenderer, link: SiteLink) -> None:
        self.found = section.placeholders
        self.directive = directive
        self.role = role
        self.math = math
        self.link = link
        self.block_math: Math | None = None
        """The math block a placeholder heading stands for, met in the current inline run."""

    def render(self, root: Node) -> list[str]:
        frames = [_Frame("root", float("inf"))]
        run: list[str] | None = None  # the text of the current inline run
        owner = ("paragraph", 0)  # what the run is: (paragraph, heading, lheading or tcell; heading level)
        closers: list[tuple[int, int, str, str]] = []  # (end index, where its text started, kind, URL)
        index = 0
        for node in root.walk(include_self=False):
            while closers and closers[-1][0] == index:
                self._close(run, *closers.pop()[1:])  # type: ignore[arg-type]
            if frames[-1].end == index:
                self._end_run(run, owner, frames)
                run = None
                while frames[-1].end == index:
                    self._close_frame(frames)
            index += 1
            name = node.name
            if name not in _BLOCKS:
                if run is None:  # a tight list item's paragraph comes as its inline nodes
                    run, owner = [], ("paragraph", 0)
                if name == "text":
                    content = node.meta["content"]
                    if "\ufdd0" in content or LITERAL_BACKTICK in content:
                        content = _PLACEHOLDER.sub(self._inline_item, content).replace(LITERAL_BACKTICK, "`")
                    run.append(content)
                elif name == "softbreak":
                    run.append(" ")
                elif name == "hardbreak":
                    run.append("\n")
                elif name == "text_special":
                    run.append(node.meta["content"])
                elif name in ("link", "image", "strikethrough"):
                    end = index + sum(1 for _ in node.walk()) - 1
                    closers.append((end, len(run), name, node.meta.get("url", "")))
                    run.append("~~" if name == "strikethrough" else "")
                continue  # em, strong, code spans, autolinks: their text follows; raw HTML: dropped
            self._end_run(run, owner, frames)
            run = None
            if name in _INLINE_OWNERS:
                run, owner = [], (name, node.meta.get("level", 0))
                if name == "paragraph" and frames[-1].name == "list_item":
                    frames[-2].loose = True
            elif name in _CONTAINERS:
                meta = node.meta if name in ("ordered_list", "table") else None
                frames.append(_Frame(name, index + sum(1 for _ in node.walk()) - 1, meta))
            else:
                frames[-1].blocks.append(self.leaf(node))
        while closers:
            self._close(run, *closers.pop()[1:])  # type: ignore[arg-type]
        self._end_run(run, owner, frames)
        while len(frames) > 1:
            self._close_frame(frames)
        return _joined(frames[0].blocks, tight=False)

    def _end_run(self, run: list[str] | None, owner: tuple[str, int], frames: list[_Frame]) -> None:
        """Put the inline run's text where its owner goes: a paragraph's lines, a heading, a table cell."""
        if run is None:
            return
        text = "".join(run)
        name, level = owner
        formula, self.block_math = self.block_math, None
        if name == "tcell":
            frames[-1].blocks.append([_one_line(text).replace(_LINK_END, _LINK_END_IN_TABLE)])
        elif name in ("heading", "lheading"):
            if formula is not None and text.strip() == _DISPLAY + self.formula(formula):
                frames[-1].blocks.append(["    " + self.formula(formula)])  # a math block's placeholder
            else:
                frames[-1].blocks.append(["#" * level + " " + _one_line(text)])
        elif "\n" not in text:
            if text.strip():
                frames[-1].blocks.append([text.strip()])
        else:
            lines = []
            for line in text.split("\n"):
                if line.startswith(_DISPLAY):
                    lines.append("    " + line[1:])
                elif line.strip():
                    lines.append(line.strip())
            if lines:
                frames[-1].blocks.append(lines)

    def _close_frame(self, frames: list[_Frame]) -> None:
        frame = frames.pop()
        parent = frames[-1]
        name = frame.name
        if name == "blockquote":
            parent.blocks.append([f"> {line}" if line else ">" for line in _joined(frame.blocks, tight=False)])
        elif name == "list_item":
            parent.rows.append(frame.blocks)  # type: ignore[arg-type]  # joined when the list knows if it is tight
            parent.loose |= frame.loose
        elif name in ("bullet_list", "ordered_list"):
            parent.blocks.append(self.list(frame))
        elif name == "trow":
            parent.rows.append([cell[0] for cell in frame.blocks])
        elif name in ("thead", "tbody"):
            parent.rows += frame.rows
            if name == "thead":
                parent.meta = {**parent.meta, "header": len(frame.rows)}
        elif name == "table":
            parent.blocks.append(_table(frame.rows, frame.meta))

    def leaf(self, node: Node) -> list[str]:
        """A block without inline content: code, a directive, a math block, a rule, raw HTML."""
        name = node.name
        if name == "fence":
            return self.fence(node)
        if name == "code_block":
            return _indented(node.meta.get("content", ""))
        if name == "hr":
            return ["---"]
        if name == "html_block":  # raw HTML is only a block when the site allows it: its text, tags dropped
            text = re.sub(r"<[^>]*>", "", node.meta.get("content", ""))
            return [line.strip() for line in text.strip().split("\n")]
        return []  # link reference definitions

    def fence(self, node: Node) -> list[str]:
        match = _FENCE_INFO.fullmatch(node.meta.get("info", "").strip())
        item = self.found[int(match[1])] if match else None
        if isinstance(item, Math):
            return ["    " + self.formula(item)]
        if isinstance(item, Fence) and item.directive:
            name, target = directive_parts(item.info, item.line)
            try:
                text = _clean(self.directive(name, target))
            except MarkupError as exc:
                raise MarkupError(str(exc), item.line) from exc
            return text.strip("\n").split("\n")
        return _indented(node.meta.get("content", ""))

    def list(self, frame: _Frame) -> list[str]:
        items = frame.rows
        if frame.name == "ordered_list":
            first = frame.meta.get("start", 1)
            numbers = [f"{first + index}{frame.meta.get('marker', '.')}" for index in range(len(items))]
            markers = [number.rjust(max(map(len, numbers))) for number in numbers]
        else:
            markers = ["-"] * len(items)
        indent = " " * (len(markers[0]) + 1) if markers else ""
        out: list[str] = []
        for marker, blocks in zip(markers, items, strict=True):
            lines = _joined(blocks, tight=not frame.loose) or [""]  # type: ignore[arg-type]
            if out and frame.loose:
                out.append("")
            out.append(f"{marker} {lines[0]}")
            out += [indent + line if line else "" for line in lines[1:]]
        return out

    # --- Inline ---------------------------------------------------------------------------------

    def _close(self, out: list[str], start: int, name: str, url: str) -> None:
        """Write what ends a link (its marker), an image (``[image: ALT]`` and its marker) or a strikethrough."""
        if name == "strikethrough":
            out.append("~~")
        elif name == "image":
            alt = _one_line("".join(out[start:]))
            del out[start:]
            out.append(f"[image: {_LINK.sub('', alt).strip()}] " + self._marker(url))
        elif not url.startswith("#"):  # a place on the web page is nowhere in an email
            out.append((" " if "".join(out[start:]).strip() else "") + self._marker(url))

    def _marker(self, url: str) -> str:
        return link_marker(self.link(url) if url.startswith("/") and not url.startswith("//") else url)

    def _inline_item(self, match: re.Match[str]) -> str:
        item = self.found[int(match[1])]
        if isinstance(item, Math):
            if item.block:
                self.block_math = item
            formula = self.formula(item)
            return f"\n{_DISPLAY}{formula}\n" if item.display else formula
        try:
            return _clean(self.role(item.name, item.content))  # type: ignore[union-attr]
        except MarkupError as exc:
            raise at_line(exc, item.line) from exc  # type: ignore[union-attr]

    def formula(self, item: Math) -> str:
        try:
            return _clean(self.math(item.latex, item.display))
        except MarkupError as exc:
            raise MarkupError(str(exc), item.line) from exc


_INLINE_OWNERS = {"paragraph", "heading", "lheading", "tcell"}
_CONTAINERS = {"blockquote", "bullet_list", "ordered_list", "list_item", "table", "thead", "tbody", "trow"}
_BLOCKS = _INLINE_OWNERS | _CONTAINERS | {"code_block", "fence", "html_block", "hr", "definition"}
_FENCE_INFO = re.compile("\ufdd0(\\d+)\ufdd1")


def _joined(blocks: list[list[str]], *, tight: bool) -> list[str]:
    """Blocks one after the other, a blank line between them unless ``tight``."""
    out: list[str] = []
    for lines in blocks:
        if lines:
            if out and not tight:
                out.append("")
            out += lines
    return out


def _one_line(text: str) -> str:
    """Inline text on one line (a heading, a table cell, alt text): displayed math and breaks become spaces."""
    return " ".join(text.replace(_DISPLAY, "").split("\n")).strip()


def _table(rows: list[list[str]], meta: dict[str, Any]) -> list[str]:
    columns = max(map(len, rows), default=0)
    rows = [row + [""] * (columns - len(row)) for row in rows]
    widths = [max(width(row[column]) for row in rows) for column in range(columns)]
    aligns = list(meta.get("alignments", [])) + ["none"] * columns
    lines = []
    for index, row in enumerate(rows):
        lines.append(
            "  ".join(_aligned(cell, size, align) for cell, size, align in zip(row, widths, aligns, strict=False))
        )
        if index == meta.get("header", 0) - 1:
            lines.append("  ".join("-" * size for size in widths))
    return lines


def _indented(code: str) -> list[str]:
    return [f"    {line}" if line.strip() else "" for line in code.rstrip("\n").split("\n")]


def _aligned(text: str, size: int, align: str) -> str:
    gap = size - width(text)
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap
