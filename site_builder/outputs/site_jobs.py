"""Every output of a site as a job: a name, and how to make its files. What a job depends on is what it reads.

Jobs are listed in a fixed order: the home page, the archive, the search page, the 404 page
and the site's social card (``cards``); then each issue, newest first, with its editions
(``editions``), its card and the pages of its entries with their cards, and after the oldest issue of each
shard of the search index, that shard (``search``: spread among the issues, the shards are
made by different workers); then the chapter and collection pages, the feed, the sitemap and
the static files. Jobs that show
the same entries sit next to each other, so a worker rendering a run of them renders each
entry once; of several errors, the one of the first job in this order is reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from .. import markup
from ..content.kinds import BY_FOLDER, BY_GROUP_FOLDER, ISSUES, KINDS
from ..incremental.deps import note
from ..model.pages import EntryPage
from ..render.jobs import Job
from ..render.theme import find, static_files
from . import search
from .cards import CARD, CardText, card_png, entry_card, issue_card, site_card
from .editions import edition_job, edition_names
from .feed import feed_html
from .site import Site


def job_names(site: Site) -> list[str]:
    """The name of every output job, in the order described above, from the model's skeleton: no page is made."""

    model = site.model
    names = ["index.html", "archive/index.html", search.SEARCH_PAGE, "404.html", CARD]
    placed: set[tuple[str, str]] = set()
    shards = search.job_names(model)
    for date in reversed(model.dates):
        names.extend(edition_names(model, date))
        names.append(f"{ISSUES}/{date.isoformat()}/{CARD}")
        for kind, ref in zip(KINDS, model.content.issues[date].parts, strict=True):
            if (kind.folder, ref) not in placed:
                placed.add((kind.folder, ref))
                names.extend((f"{kind.folder}/{ref}/index.html", f"{kind.folder}/{ref}/{CARD}"))
        if date in shards:
            names.append(shards[date])
    names.extend(name for page in model.unfeatured for name in (f"{page.path}index.html", f"{page.path}{CARD}"))
    names.extend(f"{group.path}index.html" for groups in model.groups.values() for group in groups)
    names.extend(["feed.xml", "sitemap.xml"])
    names.extend(file.name for file in static_files(site.root) if file.name != HIGHLIGHT)
    names.append(HIGHLIGHT)
    return names


def site_jobs(site: Site, names: Iterable[str] | None = None) -> list[Job]:
    """The jobs of ``names`` (default: every output of the site), in that order."""
    jobs = []
    for name in job_names(site) if names is None else names:
        job = job_named(site, name)
        if job is not None:
            jobs.append(job)
    return jobs


def job_named(site: Site, name: str) -> Job | None:
    """The job of that name, if the site has it."""

    model = site.model
    fixed = {
        "index.html": lambda: page_job(
            site, "index.html", "index.html", issues=lambda: model.recent, contents=lambda: _contents(site)
        ),
        "archive/index.html": lambda: page_job(site, "archive/index.html", "archive.html", months=lambda: model.months),
        "404.html": lambda: page_job(site, "404.html", "404.html"),
        search.SEARCH_PAGE: lambda: page_job(
            site, search.SEARCH_PAGE, "search.html", bundles=lambda: search.search_bundles(model)
        ),
        "feed.xml": lambda: page_job(
            site, "feed.xml", "feed.xml", issues=lambda: model.recent, contents=lambda: _contents(site, feed=True)
        ),
        "sitemap.xml": lambda: page_job(site, "sitemap.xml", "sitemap.xml"),
        HIGHLIGHT: lambda: Job(HIGHLIGHT, lambda: {HIGHLIGHT: markup.highlight_css().encode()}),
        CARD: lambda: card_job(site, "", lambda: site_card(model)),
    }
    if name in fixed:
        return fixed[name]()
    folder, _, rest = name.partition("/")
    key, _, file = rest.partition("/")
    if folder == "static":
        return _static_job(site, name)
    if name.startswith(search.BUNDLE):
        return search.shard_job(site, name)
    if folder == ISSUES and key and file and "/" not in file:
        issue = model.issue_page(_date(key))
        if issue is not None and file == CARD:
            return card_job(site, issue.path, lambda: issue_card(model, issue))
        return edition_job(site, issue, file) if issue is not None else None
    if folder in BY_FOLDER and file in ("index.html", CARD):
        page = model.entry_page(folder, key)
        if page is not None and file == CARD:
            return card_job(site, page.path, lambda: entry_card(model, page))
        return entry_job(site, page) if page is not None else None
    if folder in BY_GROUP_FOLDER and file == "index.html":
        group = next((g for g in model.groups.get(folder, ()) if g.slug == key), None)
        return page_job(site, name, "group.html", group=lambda: group) if group is not None else None
    return None


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return dt.date.min


def page_job(site: Site, path: str, template: str, **values: Callable[[], Any]) -> Job:
    """A page made from ``template``; each value is made when the page is (so what it reads counts)."""

    def make() -> dict[str, bytes]:
        return {path: site.render(template, **{name: value() for name, value in values.items()}).encode()}

    return Job(path, make)


def entry_job(site: Site, page: EntryPage) -> Job:
    """An entry's page, with its plots as images beside it."""
    path = f"{page.path}index.html"

    def make() -> dict[str, bytes]:
        # topic.html, problem.html, feature.html: entry.html with the page's own social card (card_path)
        files = {path: site.render(f"{page.info.part}.html", entry=site.entries(page, "web")).encode()}
        for plot in page.results.plots.values():
            for extension in ("svg", "png"):
                files[page.plot_path(plot.id, extension)] = getattr(plot, extension)
        return files

    return Job(path, make)


def card_job(site: Site, page: str, text: Callable[[], CardText]) -> Job:
    """The social card of the page at ``page`` (``""``: the site's), drawn from ``text`` (see ``cards``)."""
    path = f"{page}{CARD}"
    return Job(path, lambda: {path: card_png(text(), page, site.images.cache)})


HIGHLIGHT = "static/highlight.css"
"""build-site's own rules of code highlighting (a static file of that name is not copied)."""


def _static_job(site: Site, path: str) -> Job | None:
    """A static file (the project's, else the theme's) copied as it is."""
    file = find(site.root, path)
    if file is None:
        return None

    def copy() -> dict[str, bytes]:
        note(file.fact)
        return {path: file.path.read_bytes()}

    return Job(path, copy)


class _Contents(Mapping[Any, Any]):
    """Issue date -> the issue's parts as HTML, rendered when a template shows one (for a feed: text to escape)."""

    def __init__(self, site: Site, feed: bool) -> None:
        self.site = site
        self.feed = feed

    def __getitem__(self, date: Any) -> Any:
        issue = self.site.model.by_date[date]
        if self.feed:
            return feed_html(self.site, issue)  # str: the feed escapes it
        return self.site.issue_html(issue)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.site.model.by_date)

    def __len__(self) -> int:
        return len(self.site.model.by_date)


def _contents(site: Site, *, feed: bool = False) -> _Contents:
    return _Contents(site, feed)
