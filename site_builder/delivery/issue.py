"""The one way in from the build: the email edition of one day, as ``send`` needs it.

Everything else in ``delivery`` uses only ``EmailEdition``. The build makes the day's
editions on demand (``build.make_editions``: only the editions, not the site), with a
placeholder where each reader's unsubscribe link goes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ..content.settings import UNSUBSCRIBE_PLACEHOLDER
from ..outputs.email.edition import subject
from ..outputs.email.mime import image_urls
from ..pipeline.build import make_editions
from ..pipeline.options import BuildOptions


@dataclass(frozen=True)
class EmailEdition:
    """The email edition of one issue, the same for every reader but for the unsubscribe placeholder."""

    date: dt.date
    subject: str
    html: str
    """The HTML part: CSS inlined, links and images by absolute URL, ``UNSUBSCRIBE_PLACEHOLDER`` in the footer."""
    text: str
    """The plain-text part, ``UNSUBSCRIBE_PLACEHOLDER`` in the footer."""
    images: Mapping[str, bytes]
    """Site path -> bytes of every site image the HTML part shows (formulas, plots), to attach inline."""
    base_url: str
    """The site's absolute URL, ending in ``/``: an image at ``base_url + path`` is ``images[path]``."""
    view_online_url: str
    """The issue's web page."""


def email_edition(root: Path, date: dt.date, options: BuildOptions | None = None) -> EmailEdition:
    """The email edition of the issue of ``date`` in the project at ``root``, as published on that day.

    Reads the caches (``options.cache``) but writes nothing. The issue must be published as of ``date``.
    """
    options = options or BuildOptions(date=date)
    made = make_editions(root, date, options, unsubscribe_url=UNSUBSCRIBE_PLACEHOLDER)
    issue, urls = made.issue, made.model.urls
    html = made.files[f"{issue.path}email.html"].decode("utf-8")
    text = made.files[f"{issue.path}email.txt"].decode("utf-8")
    images = {}
    for url in image_urls(html):
        path = url[len(urls.base_url) :]
        if url.startswith(urls.base_url) and path in made.images:
            images[path] = made.images[path]
    return EmailEdition(
        date=date,
        subject=subject(made.model, issue),
        html=html,
        text=text,
        images=MappingProxyType(images),
        base_url=urls.base_url,
        view_online_url=urls.absolute(issue.path),
    )
