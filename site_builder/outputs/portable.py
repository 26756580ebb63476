"""Rendered text made to work away from the site (email, dev.to): absolute URLs, and PNG where the web shows SVG.

Email clients and dev.to do not show SVG, so every image the web shows as
``<name>.svg`` must have a ``<name>.png`` beside it in the site; the portable
editions point at that instead. A site image without one is an error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..errors import Problem, TemplateError
from ..model.site_model import SiteModel
from ..model.urls import Urls
from ..render.templates import absolute_links

log = logging.getLogger(__name__)

_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)(")', re.IGNORECASE)
# [text](url), ![alt](url) or either with a "title"; the text may hold escaped brackets.
_MD_LINK = re.compile(r'(!?)(\[(?:\\.|[^\]\\])*\]\()(\S+?)((?:\s+"[^"]*")?\))')
# [label]: url, a reference-style link definition.
_MD_DEFINITION = re.compile(r"^( {0,3}\[[^\]]+\]:\s*)(\S+)", re.MULTILINE)


class SiteRendering(Protocol):
    """What an edition read away from the site is made with (``site.Site`` is one): the model, the
    templates with the site's globals, and the site's files it may point at."""

    model: SiteModel
    files: Mapping[str, bytes]

    def render(self, template: str, **values: Any) -> str: ...


def origin(base_url: str) -> str:
    """``https://host/newsletter/`` -> ``https://host``."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def site_path(url: str, urls: Urls) -> str | None:
    """The path inside the site of a root-relative or absolute url pointing into it, else None."""
    path = urlsplit(url).path
    if url.startswith(urls.base_url):
        return urlsplit(url[len(urls.base_url) :]).path
    if url.startswith("/") and not url.startswith("//") and path.startswith(urls.base_path):
        return path[len(urls.base_path) :]
    return None


def image_url(url: str, urls: Urls, files: Mapping[str, bytes], where: str) -> str:
    """An image's absolute url, pointing at the PNG beside it if it is an SVG."""
    path = site_path(url, urls)
    if path is None:
        if urlsplit(url).path.lower().endswith(".svg"):
            log.warning("%s: the external image %s is an SVG, which email clients and dev.to do not show", where, url)
        return url
    if path.lower().endswith(".svg"):
        png = path[: -len(".svg")] + ".png"
        if png not in files:
            raise TemplateError(
                Problem(
                    where,
                    message=f"the image {url} has no PNG version {png}",
                    hint="email clients and dev.to do not show SVG; write a PNG beside it",
                )
            )
        path = png
    return urls.absolute(path)


def portable_html(html: str, urls: Urls, files: Mapping[str, bytes], where: str) -> str:
    """Links and image sources absolute; SVG images swapped for their PNG."""
    html = absolute_links(html, origin(urls.base_url))
    return _IMG_SRC.sub(lambda m: m.group(1) + image_url(m.group(2), urls, files, where) + m.group(3), html)


def portable_markdown(text: str, urls: Urls, files: Mapping[str, bytes], where: str) -> str:
    """Markdown links and images (and HTML inside it) by absolute url, SVG images swapped for PNG."""

    def link(match: re.Match[str]) -> str:
        bang, opening, url, closing = match.groups()
        url = image_url(url, urls, files, where) if bang else absolute_url(url, urls)
        return f"{bang}{opening}{url}{closing}"

    text = _MD_LINK.sub(link, text)
    text = _MD_DEFINITION.sub(lambda m: m.group(1) + absolute_url(m.group(2), urls), text)
    return portable_html(text, urls, files, where)


def absolute_url(url: str, urls: Urls) -> str:
    """A root-relative url made absolute; anything else as it is."""
    return origin(urls.base_url) + url if url.startswith("/") and not url.startswith("//") else url
