"""Code blocks highlighted at build time (Pygments), once per distinct block and language."""

from __future__ import annotations

import functools
import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pygments.formatters import HtmlFormatter
    from pygments.lexer import Lexer


@functools.lru_cache(maxsize=1)
def _formatter() -> HtmlFormatter:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


@functools.lru_cache(maxsize=1024)  # every HTML edition of an entry highlights the same blocks
def highlight(code: str, language: str) -> str:
    """Highlighted HTML for a code block (no surrounding ``<pre>``); plain escaped text if the language is unknown."""
    from pygments import highlight as pygments_highlight

    lexer = _lexer(language or "text")
    if lexer is None:
        return html.escape(code)
    return pygments_highlight(code, lexer, _formatter())


@functools.lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    """Pygments looks a language up among all its lexers: once per language is enough."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return None


def highlight_css() -> str:
    """Pygments rules for light and dark colour schemes."""
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="friendly").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs(".highlight")
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
