"""The email edition of each issue: inlined-CSS HTML, a plain-text alternative, and a ready-to-send message.

Email clients show neither MathML nor SVG and ignore most ``<style>`` blocks, so
the email HTML differs from the web page: every formula is a PNG image (its
LaTeX as alt text), every image a PNG, every URL absolute, and every CSS rule
inlined into ``style`` attributes, but for the dark colour scheme's: media queries
cannot be inlined, so they stay in a ``<style>`` block, for the clients that honour
them (Apple Mail, Outlook for Mac, Thunderbird), and the others keep the light
scheme, in which every formula is readable. The plain-text part writes formulas in
Unicode and lists links as numbered footnotes. ``issue.eml`` wraps both, with
the images attached, into a message any mail tool can send.

Per published issue, beside its web page:

- ``issues/<date>/email.html``: the HTML part, images by absolute URL;
- ``issues/<date>/email.txt``: the plain-text part;
- ``issues/<date>/issue.eml``: ``multipart/alternative`` of both, images inline (``cid:``);

and the formula images themselves under ``math/``.
"""

from __future__ import annotations

import contextlib
import functools
import html
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ...errors import Problem, TemplateError
from ...incremental.cache import Cache
from ...markup import number_links
from ...markup.unicodemath import latex_to_unicode
from ...model.pages import IssuePage
from ...model.site_model import SiteModel
from ...render.entries import TEXT, EntryFormat
from ..portable import SiteRendering, image_url, portable_html
from .math_images import formula_image, math_slot

EMAIL_TEMPLATE = "email.html"
"""The HTML part's template."""
TEXT_TEMPLATE = "email.txt"
"""The plain-text part's template."""


@dataclass
class FormulaImages:
    """Draws formulas as PNG files under ``math/`` and gives the markup that shows each, in either colour scheme.

    A formula is shown by two images (see ``math_images``): the light one, and the dark one, hidden
    by its inline style until the email's ``prefers-color-scheme: dark`` rules (``email.css``)
    swap them, in the clients that honour them. Clients that ignore those rules show the light one.
    """

    model: SiteModel
    cache: Cache | None = None
    """Where drawn formulas are kept between builds."""
    files: dict[str, bytes] = field(default_factory=dict)
    """``math/<key>.png`` -> PNG bytes, for every formula drawn so far."""
    sources: dict[str, tuple[str, bool, bool]] = field(default_factory=dict)
    """``math/<key>.png`` -> (LaTeX, display, dark) of every formula image shown so far, drawn or not."""
    _records: list[list[dict[str, Any]]] = field(default_factory=list, init=False, repr=False)
    """The open ``recording`` blocks' records, innermost last."""

    def html(self, latex: str, display: bool) -> str:
        light, dark = (self._img(latex, display, dark=dark) for dark in (False, True))
        # Outlook's Word engine ignores display:none on its own: mso-hide keeps the dark image out of it.
        return f'<span class="math-light">{light}</span><span class="math-dark" style="display:none; mso-hide:all;">{dark}</span>'

    def _img(self, latex: str, display: bool, *, dark: bool) -> str:
        image = formula_image(latex, display=display, cache=self.cache, dark=dark)
        path = f"math/{image.key}.png"
        self.files[path] = image.png
        self.sources[path] = (latex, display, dark)
        for records in self._records:
            slot = math_slot(latex, display=display, dark=dark)
            records.append({"path": path, "latex": latex, "display": display, "dark": dark, "slot": slot})
        style = "border:0; max-width:100%; height:auto;"
        style += " display:block; margin:0 auto;" if display else f" vertical-align:-{image.depth}px;"
        return (
            f'<img class="math" src="{html.escape(self.model.urls.link(path))}" alt="{html.escape(latex.strip())}" '
            f'width="{image.width}" height="{image.height}" style="{style}">'
        )

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[dict[str, Any]]]:
        """The images shown inside the block (see ``render.entries.SideFiles``): a kept rendering shows them again."""
        records: list[dict[str, Any]] = []
        self._records.append(records)
        try:
            yield records
        finally:
            self._records.remove(records)

    def replay(self, records: list[dict[str, Any]]) -> None:
        """Show the images of ``records`` again: each is drawn (or read from the cache) when its file is made."""
        for record in records:
            self.sources.setdefault(record["path"], (record["latex"], record["display"], record["dark"]))

    def png(self, path: str) -> bytes:
        """The image at ``path`` (``math/<key>.png``) of a formula shown before, drawn now if need be."""
        if path not in self.files:
            latex, display, dark = self.sources[path]
            self.files[path] = formula_image(latex, display=display, cache=self.cache, dark=dark).png
        return self.files[path]


def unicode_html(latex: str, display: bool) -> str:
    """A formula as Unicode text, for the plain-text part: displayed ones on their own, indented line."""
    text = html.escape(latex_to_unicode(latex))
    return f'<pre class="math">    {text}</pre>' if display else f'<span class="math">{text}</span>'


def email_formats(images: FormulaImages) -> dict[str, EntryFormat]:
    """How the email's HTML part (formulas as images) and its plain-text part (formulas in Unicode) show entries."""
    return {"email": EntryFormat(math_html=images.html, side=images), "text": TEXT}


def subject(model: SiteModel, issue: IssuePage) -> str:
    """``The Daily Gradient: Perplexity · Batch Normalization Forward Pass``."""
    return f"{model.site.title}: {issue.title}"


def email_context(model: SiteModel, issue: IssuePage, unsubscribe_url: str | None = None) -> dict[str, object]:
    """What the email's template is rendered with, besides the site's globals and the issue."""
    return {
        "subject": subject(model, issue),
        "view_online_url": model.urls.absolute(issue.path),
        "unsubscribe_url": model.site.email.public_unsubscribe_url if unsubscribe_url is None else unsubscribe_url,
    }


def email_html(site: SiteRendering, context: Mapping[str, Any]) -> str:
    """The HTML part: every style inlined, every URL absolute, every image a PNG."""
    where = f"output/{context['issue'].page.path}email.html"
    page = site.render(EMAIL_TEMPLATE, **{**context, "edition": "email"})
    page = portable_html(page, site.model.urls, site.files, where)
    import css_inline  # imported when an email is made: a rebuild that makes none does not load it

    inliner = css_inline.CSSInliner(
        load_remote_stylesheets=False,
        keep_style_tags=False,
        keep_at_rules=True,  # the dark scheme's @media rules cannot be inlined: they stay in a <style> of their own
        keep_link_tags=False,
        extra_css=_highlight_css(),
    )
    try:
        inlined = inliner.inline(page)
    except css_inline.InlineError as exc:
        raise TemplateError(Problem(f"templates/{EMAIL_TEMPLATE}", message=f"cannot inline its CSS: {exc}")) from exc
    return "<!DOCTYPE html>\n" + _at_rules_last(inlined.removeprefix("<!DOCTYPE html>")) + "\n"


def _at_rules_last(page: str) -> str:
    """The ``<style>`` of the rules that could not be inlined moved to the end of ``<head>``.

    css-inline puts it first in ``<head>``, which pushes ``<meta charset>`` past the first 1024 bytes, where an HTML
    parser no longer looks for it (the W3C Nu checker's error).
    """
    head = re.match(r"(.*?<head>)(<style>.*?</style>)(.*?)(</head>)", page, re.DOTALL)
    return page if head is None else head.expand(r"\1\3\2\n\4") + page[head.end() :]


@functools.cache
def _highlight_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="friendly").get_style_defs(".highlight")


def email_text(site: SiteRendering, context: Mapping[str, Any]) -> str:
    """The plain-text part: formulas in Unicode, tables in columns, links numbered as footnotes.

    Made from the entries' own plain-text rendering (``markup.to_text``) and the ``email.txt``
    template, whose links are markers numbered here across the whole text.
    """
    where = f"output/{context['issue'].page.path}email.txt"
    page = site.render(TEXT_TEMPLATE, **context)
    text, urls = number_links(page)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.splitlines())).strip("\n")
    if not urls:
        return f"{text}\n"
    # An image shown as SVG on the web is a PNG here too, as in the HTML part.
    notes = "\n".join(f"[{n}] {_png(url, site, where)}" for n, url in enumerate(urls, 1))
    return f"{text}\n\nLinks\n\n{notes}\n"


def _png(url: str, site: SiteRendering, where: str) -> str:
    return image_url(url, site.model.urls, site.files, where) if url.lower().endswith(".svg") else url


def email_message(site: SiteRendering, issue: IssuePage, html_part: str, text_part: str) -> bytes:
    """``multipart/alternative``: the text, then the HTML with its images attached inline; the same bytes every build."""
    import email.utils

    from .mime import compose, inline_site_images

    model, files = site.model, site.files
    settings = model.site
    host = urlsplit(settings.base_url).hostname or "localhost"
    headers = [("Subject", subject(model, issue)), ("From", settings.email.sender)]
    if settings.email.recipient:
        headers.append(("To", settings.email.recipient))
    headers.append(("Date", email.utils.format_datetime(issue.published_at)))
    message_id = uuid.uuid5(uuid.UUID(settings.feed_id), f"email/{issue.date.isoformat()}")
    headers.append(("Message-ID", f"<{message_id}@{host}>"))
    if re.match(r"(https?|mailto):", settings.email.public_unsubscribe_url):
        headers.append(("List-Unsubscribe", f"<{settings.email.public_unsubscribe_url}>"))
    html, attached = inline_site_images(html_part, files, model.urls.base_url, host)
    return compose(headers, text_part, html, attached)
