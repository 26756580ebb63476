"""The one way in from the build: the email edition of one day, as ``send`` needs it.

Everything else in ``delivery`` uses only ``EmailEdition``. ``email_edition`` is
written over the build as it is today (the whole site rendered in memory, then
the day's ``email.html``, ``email.txt`` and the images they show taken from
it); the engine's on-demand editions can replace its body without touching
anything else.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ..build import BuildOptions, Project, load_project, render_project
from ..email import subject
from ..errors import ContentError, Problem
from ..mime import image_urls
from ..schedule import Schedule

UNSUBSCRIBE_PLACEHOLDER = "{{unsubscribe_url}}"
"""Stands for the reader's unsubscribe link in both parts of an edition; ``send`` puts each recipient's own there."""


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
    options = options or BuildOptions()
    project = load_project(root, cache=options.cache, read_only=True)
    project = _with_placeholder(project)
    site = render_project(project, Schedule(date, reason="the issue being sent"))
    issue = next((page for page in site.model.issues if page.date == date), None)
    if issue is None:
        raise ContentError(Problem(f"content/issues/{date}.yaml", message=f"no issue is published on {date}"))
    html = site.files[f"{issue.path}email.html"].decode("utf-8")
    text = site.files[f"{issue.path}email.txt"].decode("utf-8")
    urls = site.model.urls
    images = {
        url[len(urls.base_url) :]: site.files[url[len(urls.base_url) :]]
        for url in image_urls(html)
        if url.startswith(urls.base_url) and url[len(urls.base_url) :] in site.files
    }
    return EmailEdition(
        date=date,
        subject=subject(site.model, issue),
        html=html,
        text=text,
        images=MappingProxyType(images),
        base_url=urls.base_url,
        view_online_url=urls.absolute(issue.path),
    )


def _with_placeholder(project: Project) -> Project:
    """``project`` with the placeholder as its unsubscribe link, whatever ``site.yaml`` says, so each reader gets theirs."""
    loaded = project.content.site
    site = loaded.model
    email = site.email.model_copy(update={"unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER})
    site_loaded = dataclasses.replace(loaded, model=site.model_copy(update={"email": email}))
    return dataclasses.replace(project, content=dataclasses.replace(project.content, site=site_loaded))
