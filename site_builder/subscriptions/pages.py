"""The service's pages, in the site's theme (``subscription.html`` extends the site's ``base.html``).

The templates are the project's over the theme's, as for the site; every link points
at the published site by its absolute address, since the pages are served from the
service's own host.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from ..content.settings import SiteConfig
from ..model.urls import Urls
from ..render.templates import load_templates, render_template

TEMPLATE = "subscription.html"


class ServiceUrls(Urls):
    """Links into the site from another host: always absolute."""

    def link(self, path: str) -> str:
        return self.absolute(path)


@dataclass(frozen=True)
class Form:
    """The page's one button: a POST of the token to ``action``."""

    action: str
    token: str
    button: str


class Pages:
    """Renders the service's pages."""

    def __init__(self, root: Path, site: SiteConfig) -> None:
        self.templates = load_templates(root)
        self.site = site
        self.urls = ServiceUrls(site.base_url)
        self.templates.get_template(TEMPLATE)  # a broken template fails at start, not at a reader's click

    def page(self, heading: str, *lines: str, form: Form | None = None) -> str:
        if form is None:  # the same page for everyone (most answers): rendered once
            return self._plain(heading, lines)
        return self._render(heading, lines, form)

    @functools.lru_cache(maxsize=64)  # noqa: B019 (one Pages for the service's life)
    def _plain(self, heading: str, lines: tuple[str, ...]) -> str:
        return self._render(heading, lines, None)

    def _render(self, heading: str, lines: tuple[str, ...], form: Form | None) -> str:
        context = {"site": self.site, "urls": self.urls, "heading": heading, "lines": lines, "form": form}
        return render_template(self.templates, TEMPLATE, context)
