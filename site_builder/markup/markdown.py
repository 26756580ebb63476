"""Author Markdown to portable Markdown (``index.md``, dev.to): directives, roles and site links replaced, line for line."""

from __future__ import annotations

import functools
import itertools
import re
from typing import TYPE_CHECKING

from .base import Directive, MarkupError, MathRenderer, Role, SiteLink, at_line, directive_parts, same_link
from .escape import make_inert, safe_target
from .reading import Math, Section

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

MD_SITE_LINK = re.compile(r"(\]\()(/[^)\s]*)")
_BLOCK_OPENER = re.compile(r"\$\$|`{3,}|~{3,}")
# A code span (kept as it is), an escaped dollar, then $$display$$ and $inline$ math, as a pattern reads them.
_MATH_SPAN = re.compile(r"(`+)[\s\S]*?(?<!`)\1(?!`)|\\\$|\$\$([\s\S]+?)\$\$|\$([^$]+?)\$")
_LINK_TARGET = re.compile(r"\]\(\s*([^\s)>]*)")


def to_markdown(
    text: str | Section,
    *,
    directive: Directive,
    role: Role,
    math: MathRenderer | None = None,
    link: SiteLink = same_link,
    allow_html: bool = False,
) -> str:
    """Author Markdown with directives and roles replaced, for cross-posting.

    The author's text is kept line for line; only the directive fences are
    swapped for generated Markdown, the roles for their values, and site paths
    in inline links for ``link(path)`` (absolute urls, read away from the site).
    With ``math``, every ``$...$`` and ``$$...$$`` is swapped for what it returns
    (dev.to, for one, wants KaTeX tags instead of dollars). Links to
    script-capable targets, and raw HTML unless ``allow_html``, are made literal
    text, as they are on the site's pages (see ``escape``). ``text`` may be a
    ``Section`` parsed before.
    """
    section = text if isinstance(text, Section) else Section(text, allow_html=allow_html)
    site_links = "](/" in section.text
    blocks: dict[int, tuple[int, str]] = {}
    if math is not None:
        for first, end, formula in section.block_math:
            blocks[first] = (end, _math_or_error(math, formula))
    for fence in section.fences:
        if fence.directive:
            name, target = directive_parts(fence.info, fence.line)
            try:
                blocks[fence.line] = (fence.end, directive(name, target).rstrip("\n"))
            except MarkupError as exc:
                raise MarkupError(str(exc), fence.line) from exc
    if not blocks and not section.spans and not site_links and (math is None or "$" not in section.text):
        # Most sections: nothing to replace, and often nothing a reader could take for HTML or a script link.
        if not _may_be_unsafe(section.text):
            return section.text.strip("\n") + "\n"
        return "\n".join(_inert(section.text.split("\n"), allow_html=allow_html)).strip("\n") + "\n"
    verbatim = section.verbatim_lines
    lines = _replaced_inline(section, role, math)
    kept = [index for index, line in enumerate(lines) if line is not None]
    for index, line in zip(kept, _inert([lines[i] for i in kept], allow_html=allow_html), strict=True):  # type: ignore[misc]
        lines[index] = line
    if math is not None and "$" in section.text:
        _refuse_stray_math(section, verbatim | {i for first, (end, _) in blocks.items() for i in range(first, end)})
    out: list[str] = []
    index = 0
    while index < len(lines):
        if index in blocks:
            end, block = blocks[index]
            out.append(_in_place_of(block, lines[index] or ""))
            index = end
            continue
        line = lines[index]
        if line is not None:
            if site_links and index not in verbatim:
                line = MD_SITE_LINK.sub(lambda m: m.group(1) + link(m.group(2)), line)
            out.append(line)
        index += 1
    return "\n".join(out).strip("\n") + "\n"


def _replaced_inline(section: Section, role: Role, math: MathRenderer | None) -> list[str | None]:
    """The author's lines with roles (and, with ``math``, inline formulas) replaced where they stand.

    Roles become their values first, so that what is made inert is exactly what readers get.
    A formula written over several lines leaves its later lines as None (joined into its first).
    """
    lines: list[str | None] = list(section.text.split("\n"))
    if not section.spans:
        return lines
    starts = [0, *itertools.accumulate(len(line) + 1 for line in section.text.split("\n"))]
    for start, end, item in reversed(section.spans):
        if isinstance(item, Math):
            if math is None:
                continue
            value = _math_or_error(math, item)
        else:
            try:
                value = role(item.name, item.content)
            except MarkupError as exc:
                raise at_line(exc, item.line, item.column) from exc
        first = item.line
        last = first + section.text.count("\n", start, end)
        head, tail = lines[first], lines[last]
        lines[first] = head[: start - starts[first]] + value + tail[end - starts[last] :]  # type: ignore[index]
        for index in range(first + 1, last + 1):
            lines[index] = None
    return lines


def _math_or_error(math: MathRenderer, item: Math) -> str:
    try:
        return math(item.latex.strip(), item.display)
    except MarkupError as exc:
        raise at_line(exc, item.line, item.column) from exc


def _refuse_stray_math(section: Section, taken: set[int]) -> None:
    """Dollars that read as math to a pattern but not to the parser are an error, rather than a broken formula.

    ``Cost $a`` then ``+ b$ here`` on the next line: the second line starts a list, so
    there is no formula ``a + b``, though the author surely meant one.
    """
    masked = list(section.text)
    for start, end, _ in section.spans:
        masked[start:end] = ["x" if char != "\n" else char for char in masked[start:end]]
    lines = "".join(masked).split("\n")
    for blank, run in itertools.groupby(
        (index for index in range(len(lines)) if index not in taken), key=lambda i: not lines[i].strip()
    ):
        indexes = list(run)
        if blank:
            continue
        paragraph = "\n".join(lines[i] for i in indexes)
        for match in _MATH_SPAN.finditer(paragraph):
            latex = match.group(2) if match.group(2) is not None else match.group(3)
            if latex is not None:
                line = indexes[paragraph.count("\n", 0, match.start())]
                message = f"cannot find the math {latex.strip()!r} where the Markdown parser does; simplify it"
                raise MarkupError(message, line)


def _in_place_of(block: str, first_line: str) -> str:
    """``block`` where a math block or fence opened on ``first_line`` stood: in the same list item or quote.

    What came before the opener (a list marker, a quote's ``>``, indentation) starts the
    first line; the other lines get as much indentation, markers made spaces, so the
    block stays inside the item instead of ending the list.
    """
    opener = _BLOCK_OPENER.search(first_line)
    prefix = first_line[: opener.start()] if opener else ""
    if not prefix:
        return block
    rest = re.sub(r"[^\s>]", " ", prefix)
    first, *others = block.split("\n")
    return "\n".join([prefix + first, *(rest + line if line else rest.rstrip() for line in others)])


@functools.lru_cache(maxsize=1)
def _trusting_reader() -> MarkdownIt:
    """How a careless tool reads cross-posted Markdown: CommonMark, raw HTML on, every link target trusted."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def _inert(lines: list[str], *, allow_html: bool) -> list[str]:
    """Neutralise script links, and raw HTML unless allowed, in everything but code blocks.

    The text is read as a careless tool would; if that finds nothing to fear (the usual
    case, told without parsing when there is no ``<``, no reference definition and no
    link target with a scheme other than http, https or mailto) it is returned as it is.
    Otherwise blocks are scanned by ``escape.make_inert``, and any line that still
    yields HTML or a script link is escaped again without regard to code spans, so the
    guarantee does not rest on the scanner agreeing with every corner of CommonMark.
    """
    if not _may_be_unsafe("\n".join(lines)) or not _unsafe_lines(lines, allow_html=allow_html):
        return lines
    literal: set[int] = set()  # lines of code blocks: left exactly as written
    html: set[int] = set()  # lines where a reader allowing raw HTML finds some
    html_blocks: set[int] = set()
    for token in _trusting_reader().parse("\n".join(lines)):
        if token.map is None:
            continue
        if token.type in ("fence", "code_block"):
            literal.update(range(*token.map))
        elif token.type == "html_block":
            html.update(range(*token.map))
            html_blocks.update(range(*token.map))
        elif any(c.type == "html_inline" for c in token.children or ()):
            html.update(range(*token.map))

    def kind(index: int) -> str:
        if index in literal or not lines[index].strip():
            return ""  # left as it is; also ends a block
        return "html" if index in html_blocks else "text"

    result = list(lines)
    for block_kind, run in itertools.groupby(range(len(lines)), key=kind):
        block = list(run)
        if block_kind:
            text = make_inert(
                "\n".join(lines[i] for i in block),
                literal_html=not allow_html and bool(html & set(block)),
                code_spans=block_kind == "text",
            )
            result[block[0] : block[-1] + 1] = text.split("\n")
    unsafe = _unsafe_lines(result, allow_html=allow_html)
    for index in unsafe:
        result[index] = make_inert(result[index], literal_html=not allow_html, code_spans=False)
    if unsafe:
        for index in _unsafe_lines(result, allow_html=allow_html):  # last resort; the fuzz tests never get here
            result[index] = result[index].replace("<", "&lt;").replace("[", "\\[")
    return result


def _may_be_unsafe(text: str) -> bool:
    """False when no reader can find raw HTML or a script link here: no ``<``, no definition, only safe targets.

    A script link needs a scheme in its target: an autolink (``<``), a reference
    definition (``]:``) or an inline link whose target, as far as a scheme reaches,
    is not relative, http, https or mailto (entities and escapes count as unsafe).
    """
    if "<" in text or "]:" in text:
        return True
    return "](" in text and not all(safe_target(match[1]) for match in _LINK_TARGET.finditer(text))


def _unsafe_lines(lines: list[str], *, allow_html: bool) -> set[int]:
    """Lines of blocks in which a careless reader finds raw HTML (unless allowed) or a script link."""
    found: set[int] = set()
    if not any("<" in line or "]" in line for line in lines):
        return found  # neither HTML nor a link can start without one of these
    for token in _trusting_reader().parse("\n".join(lines)):
        children = token.children or ()
        bad_html = not allow_html and (token.type == "html_block" or any(c.type == "html_inline" for c in children))
        bad_link = any(
            c.type in ("link_open", "image") and not safe_target(str(c.attrs.get("href", c.attrs.get("src", ""))))
            for c in children
        )
        if (bad_html or bad_link) and token.map:
            found.update(range(*token.map))
    return found
