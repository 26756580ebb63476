"""The dev.to edition of each issue (``issues/<date>/devto.md``), ready to paste or post through dev.to's API.

dev.to reads front matter (title, published, description, tags, canonical_url,
series), shows math written as KaTeX liquid tags rather than dollars, and takes
at most four lower-case alphanumeric tags. Links and images are absolute and
point at our site; the canonical url sends search engines to our page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import ContentError, Problem
from ..model.pages import IssuePage
from ..render.entries import EntryFormat
from .portable import SiteRendering, portable_markdown

DEVTO_TEMPLATE = "devto.md"
MAX_TAGS = 4
TAG = re.compile(r"^[a-z0-9]+$")


def katex(latex: str, display: bool) -> str:
    """dev.to's math: ``{% katex %}`` for display, ``{% katex inline %}`` within text."""
    # Liquid reads "{{" as the start of a variable, even inside a tag's body; a space keeps the LaTeX the same.
    latex = latex.strip().replace("{{", "{ {")
    return f"{{% katex %}}\n{latex}\n{{% endkatex %}}" if display else f"{{% katex inline %}}{latex}{{% endkatex %}}"


DEVTO_FORMAT = EntryFormat(html=False, markdown=True, math_md=katex)
"""dev.to reads Markdown, with math as KaTeX tags."""


def devto_markdown(site: SiteRendering, context: Mapping[str, Any]) -> str:
    """One issue's dev.to post; ``files`` is the site it links into (an SVG image needs a PNG beside it)."""
    text = site.render(DEVTO_TEMPLATE, **context)
    path = f"{context['issue'].page.path}devto.md"
    return liquid_safe(portable_markdown(text, site.model.urls, site.files, f"output/{path}"))


_OUR_TAGS = re.compile(r"\{% (?:katex(?: inline)?|endkatex|details [^%{}\n]*|enddetails) %\}")
_LIQUID = re.compile(r"\{[{%]")


def liquid_safe(text: str) -> str:
    """Keep dev.to's Liquid away from author text: every ``{{`` or ``{%`` that is not one of our own tags is raw.

    dev.to runs Liquid over the whole post, code blocks included, before reading the Markdown,
    so ``{{ x }}`` in an author's text would be replaced (or fail the post) without this.
    """
    out: list[str] = []
    position = 0
    for tag in _OUR_TAGS.finditer(text):
        out.append(_raw(text[position : tag.start()]))
        out.append(tag.group())
        position = tag.end()
    out.append(_raw(text[position:]))
    return "".join(out)


def _raw(text: str) -> str:
    return _LIQUID.sub(lambda m: "{% raw %}" + m.group() + "{% endraw %}", text)


def check_tags(issue: IssuePage) -> None:
    """dev.to refuses a post with more than four tags or a tag that is not lower-case alphanumeric: fail now instead."""
    tags = issue.tags
    bad = [tag for tag in tags if not TAG.match(tag)]
    if len(tags) <= MAX_TAGS and not bad:
        return
    doc = issue.source.loaded.doc
    loc = ("tags",) if issue.entry.tags else ()
    line, column = doc.locate(loc)
    problem = f"{len(tags)} tags ({', '.join(tags)})" if len(tags) > MAX_TAGS else f"tags {', '.join(bad)}"
    raise ContentError(
        Problem(
            doc.path,
            line,
            column,
            "tags",
            f"dev.to takes at most {MAX_TAGS} lower-case alphanumeric tags; this issue has {problem}",
            hint="set the issue's own tags",
        )
    )
