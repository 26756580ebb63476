"""Author Markdown to an HTML fragment: pyrs renders it, then formulas, roles, code and directives take their places."""

from __future__ import annotations

import html
import re

from .base import Directive, MarkupError, MathRenderer, Role, SiteLink, at_line, directive_parts, same_link
from .code import highlight
from .latex import mathml
from .reading import LITERAL_BACKTICK, Fence, Math, Section

_PLACEHOLDER = re.compile(
    r'<pre><code class="language-\ufdd0(\d+)\ufdd1">.*?</code></pre>\n|<h1>%\ufdd0(\d+)\ufdd1%</h1>\n|%\ufdd0(\d+)\ufdd1%',
    re.DOTALL,
)
_IN_TEXT = re.compile(r"%\ufdd0(\d+)\ufdd1%")
_ALT = re.compile(r'(<img src="[^"]*" alt=")([^"]*)"')
# Links and images pyrs made from the author's Markdown, to site paths ("/x", not "//host").
_SITE_LINK = re.compile(r'(<a href="|<img src=")(/(?!/)[^"]*)"')


def to_html(
    text: str | Section,
    *,
    allow_html: bool,
    directive: Directive,
    role: Role,
    math: MathRenderer = mathml,
    link: SiteLink = same_link,
) -> str:
    """Render author Markdown to an HTML fragment.

    ``math`` renders each formula (default: MathML); ``link`` maps site paths in links and images.
    ``text`` may be a ``Section`` parsed before, so that one parse serves every edition.
    """
    section = text if isinstance(text, Section) else Section(text, allow_html=allow_html)
    out = section.html
    if LITERAL_BACKTICK in out:
        out = out.replace(LITERAL_BACKTICK, "`")
    if link is not same_link and ('<a href="/' in out or '<img src="/' in out):
        out = _SITE_LINK.sub(lambda m: f'{m[1]}{_attribute(link(html.unescape(m[2])))}"', out)
    if not section.placeholders:
        return out
    found = section.placeholders

    def in_attribute(match: re.Match[str]) -> str:
        item = found[int(match[1])]
        shown = item.latex.strip() if isinstance(item, Math) else _role(role, item)  # type: ignore[union-attr, arg-type]
        return _attribute(shown)

    def rendered(match: re.Match[str]) -> str:
        number = match[1] or match[2] or match[3]
        item = found[int(number)]
        if isinstance(item, Fence):
            return _fence(item, directive)
        if isinstance(item, Math):
            try:
                formula = math(item.latex, item.display)
            except MarkupError as exc:
                raise at_line(exc, item.line, item.column) from exc
            return f'<div class="math">{formula}</div>\n' if item.block else formula
        return html.escape(_role(role, item))

    if "<img" in out:  # an image's alt text is an attribute: formulas and values as plain text there
        out = _ALT.sub(lambda m: m[1] + _IN_TEXT.sub(in_attribute, m[2]) + '"', out)
    return _PLACEHOLDER.sub(rendered, out)


def _role(role: Role, item: object) -> str:
    try:
        return role(item.name, item.content)  # type: ignore[attr-defined]
    except MarkupError as exc:
        raise at_line(exc, item.line, item.column) from exc  # type: ignore[attr-defined]


def _fence(fence: Fence, directive: Directive) -> str:
    if fence.directive:
        name, target = directive_parts(fence.info, fence.line)
        try:
            return directive(name, target)
        except MarkupError as exc:
            raise MarkupError(str(exc), fence.line) from exc
    language = fence.info.split(maxsplit=1)[0] if fence.info.strip() else ""
    css = f' class="language-{html.escape(language)}"' if language else ""
    return f'<pre class="highlight"><code{css}>{highlight(fence.content, language)}</code></pre>\n'


def _attribute(text: str) -> str:
    """Text escaped for a double-quoted attribute, as markdown-it writes them."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
