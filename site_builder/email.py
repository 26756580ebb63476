"""The email edition of each issue: inlined-CSS HTML, a plain-text alternative, and a ready-to-send message.

Email clients show neither MathML nor SVG and ignore most ``<style>`` blocks, so
the email HTML differs from the web page: every formula is a PNG image (its
LaTeX as alt text), every image a PNG, every URL absolute, and every CSS rule
inlined into ``style`` attributes. The plain-text part writes formulas in
Unicode and lists links as numbered footnotes. ``issue.eml`` wraps both, with
the images attached, into a message any mail tool can send.

Per published issue, beside its web page:

- ``issues/<date>/email.html``: the HTML part, images by absolute URL;
- ``issues/<date>/email.txt``: the plain-text part;
- ``issues/<date>/issue.eml``: ``multipart/alternative`` of both, images inline (``cid:``);

and the formula images themselves under ``math/``.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jinja2

from .cache import Cache
from .entries import EntryFormat
from .errors import Problem, TemplateError
from .mathimage import formula_image
from .model import IssuePage, SiteModel
from .portable import portable_html, site_path
from .templates import render_template
from .unicodemath import latex_to_unicode

EMAIL_TEMPLATE = "email.html"
"""One template for both parts: ``edition`` is ``email`` for the HTML part and ``text`` for the plain-text one."""


@dataclass
class FormulaImages:
    """Draws formulas as PNG files under ``math/`` and gives the ``<img>`` that shows each."""

    model: SiteModel
    cache: Cache | None = None
    """Where drawn formulas are kept between builds."""
    files: dict[str, bytes] = field(default_factory=dict)
    """``math/<key>.png`` -> PNG bytes, for every formula drawn so far."""
    sources: dict[str, tuple[str, bool]] = field(default_factory=dict)
    """``math/<key>.png`` -> (LaTeX, display) of every formula shown so far, drawn or not."""

    def html(self, latex: str, display: bool) -> str:
        image = formula_image(latex, display=display, cache=self.cache)
        path = f"math/{image.key}.png"
        self.files[path] = image.png
        self.sources[path] = (latex, display)
        style = "border:0; max-width:100%; height:auto;"
        style += " display:block; margin:0 auto;" if display else f" vertical-align:-{image.depth}px;"
        return (
            f'<img class="math" src="{html.escape(self.model.urls.link(path))}" alt="{html.escape(latex.strip())}" '
            f'width="{image.width}" height="{image.height}" style="{style}">'
        )

    def png(self, path: str) -> bytes:
        """The image at ``path`` (``math/<key>.png``) of a formula shown before, drawn now if need be."""
        if path not in self.files:
            latex, display = self.sources[path]
            self.files[path] = formula_image(latex, display=display, cache=self.cache).png
        return self.files[path]


def unicode_html(latex: str, display: bool) -> str:
    """A formula as Unicode text, for the plain-text part: displayed ones on their own, indented line."""
    text = html.escape(latex_to_unicode(latex))
    return f'<pre class="math">    {text}</pre>' if display else f'<span class="math">{text}</span>'


def email_formats(images: FormulaImages) -> dict[str, EntryFormat]:
    """How the email's HTML part (formulas as images) and its plain-text part (formulas in Unicode) show entries."""
    return {"email": EntryFormat(math_html=images.html), "text": EntryFormat(math_html=unicode_html)}


def subject(model: SiteModel, issue: IssuePage) -> str:
    """``The Daily Gradient: Perplexity · Batch Normalization Forward Pass``."""
    return f"{model.site.title}: {issue.title}"


def email_context(model: SiteModel, issue: IssuePage) -> dict[str, object]:
    """What the email's template is rendered with, besides the site's globals and the issue."""
    return {
        "subject": subject(model, issue),
        "view_online_url": model.urls.absolute(issue.path),
        "unsubscribe_url": model.site.email.unsubscribe_url,
    }


def email_html(
    model: SiteModel,
    env: jinja2.Environment,
    globals_: Mapping[str, Any],
    context: Mapping[str, Any],
    files: Mapping[str, bytes],
) -> str:
    """The HTML part: every style inlined, every URL absolute, every image a PNG."""
    where = f"output/{context['issue'].page.path}email.html"
    page = render_template(env, EMAIL_TEMPLATE, {**globals_, **context, "edition": "email"})
    page = portable_html(page, model.urls, files, where)
    import css_inline  # imported when an email is made: a rebuild that makes none does not load it

    inliner = css_inline.CSSInliner(
        load_remote_stylesheets=False,
        keep_style_tags=False,
        keep_link_tags=False,
        extra_css=_highlight_css(),
    )
    try:
        inlined = inliner.inline(page)
    except css_inline.InlineError as exc:
        raise TemplateError(Problem(f"templates/{EMAIL_TEMPLATE}", message=f"cannot inline its CSS: {exc}")) from exc
    return "<!DOCTYPE html>\n" + inlined.removeprefix("<!DOCTYPE html>") + "\n"


@functools.cache
def _highlight_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="friendly").get_style_defs(".highlight")


def email_text(
    model: SiteModel,
    env: jinja2.Environment,
    globals_: Mapping[str, Any],
    context: Mapping[str, Any],
    files: Mapping[str, bytes],
) -> str:
    """The plain-text part: formulas in Unicode, tables laid out in columns, links as numbered footnotes."""
    import lxml.html
    from inscriptis import Inscriptis
    from inscriptis.css_profiles import CSS_PROFILES
    from inscriptis.model.config import ParserConfig

    where = f"output/{context['issue'].page.path}email.txt"
    page = render_template(env, EMAIL_TEMPLATE, {**globals_, **context, "edition": "text"})
    tree = lxml.html.document_fromstring(portable_html(page, model.urls, files, where))
    for level in range(1, 5):  # Markdown-like headings stand out in plain text
        for heading in tree.iter(f"h{level}"):
            heading.text = "#" * level + " " + (heading.text or "")
    notes: dict[str, int] = {}
    for element in tree.iter("a", "img"):
        url = element.get("href" if element.tag == "a" else "src") or ""
        label = element.text_content().strip() if element.tag == "a" else element.get("alt", "")
        if not url or url.startswith("#") or url == label:
            continue
        number = notes.setdefault(url, len(notes) + 1)
        if element.tag == "img":
            marker = lxml.html.Element("span")
            marker.text = f"[image: {label}] [{number}]"
            marker.tail = element.tail
            element.getparent().replace(element, marker)
        else:
            element.tail = f" [{number}]" + (element.tail or "")
    body = Inscriptis(tree, ParserConfig(css=CSS_PROFILES["strict"])).get_text()
    lines = [line.rstrip() for line in body.splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    footnotes = "\n".join(f"[{number}] {url}" for url, number in notes.items())
    return f"{text}\n\nLinks\n\n{footnotes}\n" if notes else f"{text}\n"


def email_message(
    model: SiteModel, issue: IssuePage, html_part: str, text_part: str, files: Mapping[str, bytes]
) -> bytes:
    """``multipart/alternative``: the text, then the HTML with its images attached inline; the same bytes every build."""
    import email.policy
    import email.utils
    from email.message import EmailMessage

    site = model.site
    host = urlsplit(site.base_url).hostname or "localhost"
    namespace = uuid.UUID(site.feed_id)
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = subject(model, issue)
    message["From"] = site.email.sender
    if site.email.recipient:
        message["To"] = site.email.recipient
    message["Date"] = email.utils.format_datetime(issue.published_at)
    message["Message-ID"] = f"<{uuid.uuid5(namespace, f'email/{issue.date.isoformat()}')}@{host}>"
    if re.match(r"(https?|mailto):", site.email.unsubscribe_url):
        message["List-Unsubscribe"] = f"<{site.email.unsubscribe_url}>"
    message.set_content(text_part, cte="quoted-printable")

    attached: dict[str, str] = {}  # site path -> Content-ID

    def inline_image(match: re.Match[str]) -> str:
        path = site_path(match.group(2), model.urls)
        if path is None or path not in files:
            return match.group(0)
        cid = attached.setdefault(path, f"{hashlib.sha256(path.encode()).hexdigest()[:16]}@{host}")
        return f"{match.group(1)}cid:{cid}{match.group(3)}"

    message.add_alternative(_IMG_SRC.sub(inline_image, html_part), subtype="html", cte="quoted-printable")
    html_message = message.get_payload()[1]
    for path, cid in attached.items():
        maintype, subtype = _image_type(path)
        html_message.add_related(
            files[path],
            maintype=maintype,
            subtype=subtype,
            cid=f"<{cid}>",
            disposition="inline",
            filename=path.rsplit("/", 1)[-1],
        )
    # The email package picks MIME boundaries at random; derive them from the issue instead.
    for index, part in enumerate(p for p in message.walk() if p.is_multipart()):
        part.set_boundary(f"=_{hashlib.sha256(f'{site.feed_id}/{issue.date}/{index}'.encode()).hexdigest()[:32]}")
    return message.as_bytes()


_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)(")', re.IGNORECASE)
_IMAGE_TYPES = {"png": ("image", "png"), "jpg": ("image", "jpeg"), "jpeg": ("image", "jpeg"), "gif": ("image", "gif")}


def _image_type(path: str) -> tuple[str, str]:
    return _IMAGE_TYPES.get(path.rsplit(".", 1)[-1].lower(), ("application", "octet-stream"))
