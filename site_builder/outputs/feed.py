"""An issue as the feed carries it: the web page's HTML made to work in a feed reader, away from the site.

Feed readers show an entry's content on a page of their own, often with no base URL, and
many do not show SVG. So every link is absolute: a fragment (the table of contents'
``#topics``, an author's ``#formula-x``) points at the issue's page with that fragment, a
root-relative link at the site; and every image the web shows as SVG is its PNG beside it.
Formulas stay MathML, which feed readers built on a browser engine lay out.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .portable import portable_html
from .site import Site

if TYPE_CHECKING:
    from ..model.pages import IssuePage

_FRAGMENT_LINK = re.compile(r'(\shref=")#', re.IGNORECASE)


def feed_html(site: Site, issue: IssuePage) -> str:
    """``issue``'s three parts as the feed's ``<content type="html">`` shows them (text: the feed escapes it)."""
    page = site.model.urls.absolute(issue.path)
    html = _FRAGMENT_LINK.sub(lambda m: f"{m.group(1)}{page}#", str(site.issue_html(issue)))
    return portable_html(html, site.model.urls, site.files, "output/feed.xml")
