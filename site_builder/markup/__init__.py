"""Author Markdown to HTML (MathML math, highlighted code), to portable Markdown and to plain text.

Entries place computed things with MyST-style syntax, so plain Markdown tools
still show something sensible:

- a fence whose info string is ``{formula} ID``, ``{example} ID`` or ``{plot} ID``
  is a *directive*: it is replaced by that formula, worked-example table or figure;
- ``{value}`EXAMPLE.OUTPUT:FORMAT``` is a *role*: it is replaced by a computed number.

A ``Section`` is read once (``reading``: markdown-it-pyrs, with math and roles found
as mdit-py-plugins finds them) and rendered by every edition: ``to_html``,
``to_markdown``, ``to_text`` (with ``number_links`` for the email's footnotes).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from .base import DIRECTIVE_INFO, ROLE, Directive, MarkupError, MathRenderer, Reference, Role, SiteLink
from .code import highlight, highlight_css
from .html import to_html
from .latex import latex_to_mathml, mathml
from .markdown import MD_SITE_LINK, to_markdown
from .reading import Section
from .refs import parsed_references, references
from .text import inert_text, link_marker, number_links, to_text, unicode_math
from .text import width as text_width

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

__all__ = [
    "DIRECTIVE_INFO",
    "MD_SITE_LINK",
    "ROLE",
    "Directive",
    "MarkupError",
    "MathRenderer",
    "Reference",
    "Role",
    "Section",
    "SiteLink",
    "highlight",
    "highlight_css",
    "inert_text",
    "latex_to_mathml",
    "link_marker",
    "mathml",
    "number_links",
    "parsed_references",
    "parser",
    "references",
    "text_width",
    "to_html",
    "to_markdown",
    "to_text",
    "unicode_math",
]


@functools.lru_cache(maxsize=4)
def parser(allow_html: bool = False) -> MarkdownIt:
    """markdown-it-py with dollarmath and myst_role: how this dialect was read before pyrs, now the tests' reference.

    Needs mdit-py-plugins (the ``test`` extra); the build never calls it.
    """
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.myst_role import myst_role_plugin

    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(dollarmath_plugin, allow_space=True, double_inline=True)
    md.use(myst_role_plugin)
    return md
