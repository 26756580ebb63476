"""Code blocks highlighted at build time (Pygments), once per distinct block and language."""

from __future__ import annotations

import functools
import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pygments.formatters import HtmlFormatter


@functools.lru_cache(maxsize=1)
def _formatter() -> HtmlFormatter:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


@functools.lru_cache(maxsize=1024)  # every HTML edition of an entry highlights the same blocks
def highlight(code: str, language: str) -> str:
    """Highlighted HTML for a code block (no surrounding ``<pre>``); plain escaped text if the language is unknown."""
    from pygments import highlight as pygments_highlight
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language or "text")
    except ClassNotFound:
        return html.escape(code)
    return pygments_highlight(code, lexer, _formatter())


def highlight_css() -> str:
    """Pygments rules for light and dark colour schemes."""
    from pygments.formatters import HtmlFormatter

    light = HtmlFormatter(style="friendly").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs(".highlight")
    return f"{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
