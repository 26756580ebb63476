"""Markdown output that shows author text as written: nothing in it turns into markup, HTML or a script link.

Cross-posted Markdown is rendered by other tools (dev.to, static site generators,
mail clients), many of which allow raw HTML and trust link targets. So:

- a line of plain author text (a title, caption or label) placed into generated
  Markdown has every character escaped that Markdown, HTML, math or template
  tags would read, and a line start that would make a heading, list or rule;
- in author Markdown, a link, image or autolink whose target has a scheme other
  than http, https or mailto is made literal text (our pages never link them);
- unless the site allows raw HTML, raw HTML in author Markdown is made literal
  (``<tag`` becomes ``&lt;tag``), as it is on our pages.

Code spans are left alone throughout: their text is literal already.
"""

from __future__ import annotations

import re

# "&" only where it would start an entity; "#" everywhere, as a heading's closing "#" is dropped.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$#{}]|&(?=#?[A-Za-z0-9]+;))")
# Line starts that would make a list item, a thematic break or a setext underline.
_LIST_NUMBER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_BLOCK_MARK = re.compile(r"^[-+=](?=\s|$|[-=])")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9\-.]+)>")
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_LINK_TARGET = re.compile(r"\]\(\s*<?\s*([^\s)>]*)")
# A link reference definition, also inside a list item or quote ("- [r]: target").
_REFERENCE = re.compile(r"(^|[^\\])(\[[^\]]+\]:\s*<?\s*)(\S*)", re.MULTILINE)
# A scheme other tools may follow, or a relative target (no ":" before its path; no entity or
# backslash that a reader could decode into one, as in "jav&#x09;ascript:").
_SAFE_TARGET = re.compile(r"(?i)(?:https?:|mailto:|[^:/?#&\\]*(?:[/?#]|$))")


def escape_text(text: str, *, line_start: bool = True) -> str:
    """A line of plain author text as Markdown that renders exactly as written (up to outer whitespace).

    ``line_start``: the text may begin a line, so a start that would make a list or a
    rule is escaped too (not needed inside a table cell or after other text).
    """
    text = _SPECIAL.sub(r"\\\1", text.strip(" \t"))
    if not line_start:
        return text
    if _BLOCK_MARK.match(text):
        return "\\" + text
    return _LIST_NUMBER.sub(r"\1\\\2", text)


def safe_target(target: str) -> bool:
    """A link target other tools may turn into a link: relative, or http(s) or mailto."""
    return bool(_SAFE_TARGET.match(target))


def make_inert(block: str, *, literal_html: bool, code_spans: bool = True) -> str:
    """Neutralise script-capable links (and, if ``literal_html``, raw HTML) in a block of author Markdown.

    Code spans are skipped unless ``code_spans`` is false (for raw HTML blocks, which have none).
    """
    block = _REFERENCE.sub(
        lambda m: m.group() if safe_target(m.group(3)) else f"{m.group(1)}\\{m.group(2)}{m.group(3)}", block
    )
    out: list[str] = []
    index = 0
    length = len(block)
    while index < length:
        char = block[index]
        if char == "\\":
            out.append(block[index : index + 2])
            index += 2
        elif char == "`" and code_spans:
            end = _code_span_end(block, index)
            out.append(block[index:end])
            index = end
        elif char == "<" and (autolink := _AUTOLINK.match(block, index)):
            out.append(autolink.group() if safe_target(autolink.group(1)) else "&lt;" + autolink.group()[1:])
            index = autolink.end()
        elif char == "<" and literal_html and _TAG_START.match(block, index):
            out.append("&lt;")
            index += 1
        elif char == "]" and (link := _LINK_TARGET.match(block, index)) and not safe_target(link.group(1)):
            out.append("\\]")
            index += 1
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _code_span_end(text: str, start: int) -> int:
    """End of the code span opened by the backtick run at ``start`` (CommonMark: closed by a run of equal length)."""
    end = start
    while end < len(text) and text[end] == "`":
        end += 1
    run = end - start
    for match in re.finditer(r"`+", text[end:]):
        if len(match.group()) == run:
            return end + match.end()
    return end
