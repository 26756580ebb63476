"""Site paths and the links pages need: ``/issues/2026-11-26/`` for the site, absolute urls for everything read away."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..content.kinds import SITE_FILE
from ..incremental.deps import note


@dataclass(frozen=True)
class Urls:
    """Turns a path inside the site into the url forms pages need."""

    base_url: str
    """Absolute url of the site root, ending in ``/``."""

    @property
    def base_path(self) -> str:
        """Path part of the base url (``/`` or ``/newsletter/``): the prefix of every internal link."""
        note(f"{SITE_FILE}#base_url")
        return urlsplit(self.base_url).path or "/"

    def link(self, path: str) -> str:
        """Site path (``issues/2026-11-26/``) -> link for pages (``/issues/2026-11-26/``)."""
        return self.base_path + path

    def absolute(self, path: str) -> str:
        """Site path -> absolute url, for feeds, emails and cross-posts."""
        note(f"{SITE_FILE}#base_url")
        return self.base_url + path

    def target(self, url: str) -> str:
        """An author-written link target: ``/problems/x/`` is a site path, anything else is kept."""
        return self.link(url[1:]) if url.startswith("/") else url

    def absolute_target(self, url: str) -> str:
        """Like ``target``, but absolute, for text read away from the site."""
        return self.absolute(url[1:]) if url.startswith("/") else url


def issue_path(date: dt.date) -> str:
    """Site path of the issue of ``date``."""
    return f"issues/{date.isoformat()}/"
