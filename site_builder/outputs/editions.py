"""The editions of an issue: the ways it goes out, each one concept with its template, files and entry formats.

- ``web``: the issue's page, ``issues/DATE/index.html`` (the "view online" link of the others);
- ``markdown``: ``issues/DATE/index.md``, Markdown with front matter for cross-posting;
- ``email``: ``email.html`` (CSS inlined, formulas as PNG), ``email.txt`` (plain text) and
  ``issue.eml`` (both, with the images inline, ready to send);
- ``devto``: ``devto.md``, a dev.to post.

The web page and the Markdown copy are made for every published issue. The email and the
dev.to post are made for the issues of the *delivery window* (``site.yaml``
``delivery.window``: the issues of the last days up to the publication day, 7 by default),
and on demand for any published day (``build-site editions --date D``): nobody sends an old
issue again, so an archive of a thousand issues does not make four thousand files for nobody.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..check.links import links_in
from ..errors import ContentError, Problem
from ..render.jobs import Job
from .devto import check_tags, devto_markdown
from .email.edition import email_context, email_html, email_message, email_text
from .portable import site_path
from .site import Site

if TYPE_CHECKING:
    from ..model.pages import IssuePage
    from ..model.site_model import SiteModel
    from ..model.urls import Urls


@dataclass(frozen=True)
class Edition:
    """One way an issue goes out."""

    name: str
    template: str
    """The template it is made from."""
    files: tuple[str, ...]
    """Its files, in the issue's folder."""
    forms: tuple[str, ...]
    """The formats its entries are rendered in (see ``entries``)."""
    windowed: bool
    """Made only for the issues of the delivery window (and on demand)."""
    make: Callable[[Site, IssuePage, Edition], dict[str, str | bytes]]
    """Its files' contents (by file name, or by site path for shared files such as formula images)."""

    def context(self, site: Site, issue: IssuePage) -> dict[str, Any]:
        """What its template is rendered with."""
        context: dict[str, Any] = {"issue": site.view(issue, self.forms[0])}
        if self.name == "web":
            context["content"] = site.issue_html(issue)
        elif self.name == "email":
            context.update(email_context(site.model, issue, site.unsubscribe_url))
        return context

    def paths(self, issue: IssuePage) -> tuple[str, ...]:
        return tuple(f"{issue.path}{name}" for name in self.files)


def _page(site: Site, issue: IssuePage, edition: Edition) -> dict[str, str | bytes]:
    return {edition.files[0]: site.render(edition.template, **edition.context(site, issue))}


def _email(site: Site, issue: IssuePage, edition: Edition) -> dict[str, str | bytes]:
    context = edition.context(site, issue)
    html_part = email_html(site, context)
    text_part = email_text(site, {**context, "issue": site.view(issue, "text")})
    message = email_message(site, issue, html_part, text_part)
    images: dict[str, str | bytes] = {path: site.images.png(path) for path in _math_images(html_part, site.model)}
    return {**dict(zip(edition.files, (html_part, text_part, message), strict=True)), **images}


def _devto(site: Site, issue: IssuePage, edition: Edition) -> dict[str, str | bytes]:
    check_tags(issue)
    text = devto_markdown(site, edition.context(site, issue))
    return {edition.files[0]: text}


EDITIONS: tuple[Edition, ...] = (
    Edition("web", "issue.html", ("index.html",), ("web",), False, _page),
    Edition("markdown", "issue.md", ("index.md",), ("web",), False, _page),
    Edition("email", "email.html", ("email.html", "email.txt", "issue.eml"), ("email", "text"), True, _email),
    Edition("devto", "devto.md", ("devto.md",), ("devto",), True, _devto),
)


def editions_of(model: SiteModel, date: dt.date) -> list[Edition]:
    """The editions a build makes of the issue of ``date``: the windowed ones only inside the delivery window."""
    inside = date in model.window_dates
    return [edition for edition in EDITIONS if inside or not edition.windowed]


def edition_names(model: SiteModel, date: dt.date) -> list[str]:
    """The names of the jobs of the editions a build makes of the issue of ``date``."""
    return [f"issues/{date.isoformat()}/{edition.files[0]}" for edition in editions_of(model, date)]


def edition_job(site: Site, issue: IssuePage, file: str, editions: Iterable[Edition] | None = None) -> Job | None:
    """The job of ``issue``'s edition whose first file is ``file``, if it is one of ``editions`` (default: a build's)."""

    for edition in editions_of(site.model, issue.date) if editions is None else editions:
        if edition.files[0] == file:

            def make(edition: Edition = edition) -> dict[str, bytes]:
                made = edition.make(site, issue, edition)
                return {
                    (f"{issue.path}{name}" if name in edition.files else name): (
                        data if isinstance(data, bytes) else data.encode()
                    )
                    for name, data in made.items()
                }

            return Job(edition.paths(issue)[0], make, away=edition.windowed)
    return None


_MATH_SRC = re.compile(r'<img\b[^>]*?\ssrc="([^"]*)"', re.IGNORECASE)


def _math_images(html: str, model: SiteModel) -> list[str]:
    """The formula images (``math/<key>.png``) an email's HTML part shows, in order."""
    found: dict[str, None] = {}
    for match in _MATH_SRC.finditer(html):
        path = site_path(match.group(1), model.urls)
        if path is not None and path.startswith("math/"):
            found[path] = None
    return list(found)


def window_days(model: SiteModel) -> tuple[dt.date, dt.date]:
    """The first and last day of the delivery window."""
    return model.schedule.as_of - dt.timedelta(days=model.window_days - 1), model.schedule.as_of


def check_edition_links(editions: Mapping[str, bytes], urls: Urls, site: Collection[str]) -> None:
    """Every link of an HTML edition that points into the site must reach a file of it."""

    problems = []
    for path in sorted(p for p in editions if p.endswith(".html")):
        for link, line in links_in(editions[path].decode()):
            target = site_path(link, urls)
            if target is None:
                continue
            target = target + "index.html" if target == "" or target.endswith("/") else target
            if target not in site:
                problems.append(Problem(f"output/{path}", line, 0, message=f"broken link {link!r}"))
    if problems:
        raise ContentError(problems)
