"""Every output of a site as a job: a name, and how to make its files. What a job depends on is what it reads.

Jobs are listed in a fixed order: the home page, the archive, the search page, the 404 page
and the site's social card (``cards``); then each issue, newest first, with its editions
(``editions``), its card and the pages of its entries, and after the oldest issue of each
shard of the search index, that shard (``search``: spread among the issues, the shards are
made by different workers); then the chapter and collection pages, the feed, the sitemap and
the static files. Jobs that show
the same entries sit next to each other, so a worker rendering a run of them renders each
entry once; of several errors, the one of the first job in this order is reported.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .. import markup
from ..content.kinds import BY_FOLDER, BY_GROUP_FOLDER, ISSUES, KINDS
from ..incremental.deps import Memo, note
from ..incremental.parts import Parts
from ..model.pages import EntryPage, IssuePage
from ..model.site_model import SiteModel
from ..render.entries import WEB, EntryRenderings, RenderedEntry
from ..render.templates import render_template
from ..render.theme import STATIC, find, static_files
from . import search
from .cards import CARD, CardText, card_png, issue_card, site_card
from .devto import DEVTO_FORMAT
from .email.edition import FormulaImages, email_formats


@dataclass
class Job:
    """One output, or a few made together (an issue's email), and how to make them."""

    name: str
    """Unique: the path of its first file (``issues/2026-11-26/index.html``)."""
    make: Callable[[], dict[str, bytes] | Pending]
    """Makes its files (site path -> bytes); what it reads while doing so is what it depends on."""
    away: bool = False
    """Its files are read away from the site (email, dev.to): their links must reach a file, not an element."""
    parts: Parts | None = None
    """Where it keeps parts of its work between builds (``parts``), if it does."""
    early: bool = False
    """``make`` may start a program and return its files ``Pending``: the job is made first in its run
    of jobs and finished last, so that the program runs while the others are made (Pagefind)."""


class Pending:
    """Files a program is still making; ``result()`` waits for them."""

    def __init__(self, wait: Callable[[], dict[str, bytes]]) -> None:
        self._wait = wait

    def then(self, step: Callable[[dict[str, bytes]], dict[str, bytes]]) -> Pending:
        """The files ``step`` makes of these, once they are there."""
        return Pending(lambda: step(self._wait()))

    def result(self) -> dict[str, bytes]:
        return self._wait()


@dataclass(frozen=True)
class IssueView:
    """An issue with its three parts rendered in one format."""

    page: IssuePage
    topic: RenderedEntry
    problem: RenderedEntry
    feature: RenderedEntry

    @property
    def parts(self) -> tuple[RenderedEntry, RenderedEntry, RenderedEntry]:
        return (self.topic, self.problem, self.feature)


class SiteFiles(Mapping[str, bytes]):
    """The files of the site an edition can look up (images to attach, a PNG beside an SVG), without reading output.

    A plot image comes from its entry's results, a static file from the project's
    ``templates/static`` or the theme's, a formula image from the formulas drawn for the
    email; each lookup notes what it read.
    """

    def __init__(self, root: Path, model: SiteModel, images: FormulaImages) -> None:
        self.root = root
        self.model = model
        self.images = images

    def _find(self, path: str) -> Callable[[], bytes] | None:
        if path in self.images.sources:
            return functools.partial(self.images.png, path)
        if path.startswith(STATIC):
            note(f"templates/{path}")
            found = find(self.root, path)
            return found.path.read_bytes if found is not None else None
        folder, _, rest = path.partition("/")
        entry_id, _, name = rest.partition("/")
        stem, _, extension = name.rpartition(".")
        page = self.model.entry_page(folder, entry_id)
        if page is None or extension not in ("svg", "png") or "/" in name:
            return None
        plot = page.results.plots.get(stem)
        return (lambda: getattr(plot, extension)) if plot is not None else None

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._find(path) is not None

    def __getitem__(self, path: str) -> bytes:
        found = self._find(path)
        if found is None:
            raise KeyError(path)
        return found()

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the site's files are looked up, never listed: a listing would depend on every file")

    def __len__(self) -> int:
        raise TypeError("the site's files are looked up, never counted")


class Site:
    """What every job of one build renders with: the model, the templates, and each entry rendered once."""

    def __init__(
        self,
        root: Path,
        model: SiteModel,
        env: jinja2.Environment,
        images: FormulaImages,
        *,
        unsubscribe_url: str | None = None,
    ) -> None:
        self.root = root
        self.unsubscribe_url = unsubscribe_url
        """Replaces ``site.yaml``'s in the email editions (``send`` puts a placeholder there)."""
        self.model = model
        self.env = env
        self.images = images
        self.files = SiteFiles(root, model, images)
        self.entries = EntryRenderings(env, model, {"web": WEB, **email_formats(images), "devto": DEVTO_FORMAT})
        self.globals: dict[str, Any] = {"site": model.site, "urls": model.urls, "model": model}
        self.parts = Parts()
        """Parts of jobs kept from the last build (the plan gives them) and those made now."""
        self._memo = Memo()

    def forget(self) -> None:
        """Let go of what was rendered so far (a run of jobs is done: the next renders other issues)."""
        self._memo.clear()
        self.entries.forget()

    def render(self, template: str, **values: Any) -> str:
        """``template`` with the site's globals and ``values``."""
        return render_template(self.env, template, {**self.globals, **values})

    def view(self, issue: IssuePage, form: str) -> IssueView:
        """``issue`` with its parts in format ``form``."""
        return IssueView(issue, *(self.entries(part, form) for part in issue.parts))

    def issue_html(self, issue: IssuePage) -> Markup:
        """An issue's three parts as HTML, shared by its page, the home page and the feed."""
        return self._memo.get(
            ("issue", issue.date), lambda: Markup(self.render("_issue_content.html", issue=self.view(issue, "web")))
        )


def job_names(site: Site) -> list[str]:
    """The name of every output job, in the order described above, from the model's skeleton: no page is made."""
    from .editions import edition_names

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
                names.append(f"{kind.folder}/{ref}/index.html")
        if date in shards:
            names.append(shards[date])
    names.extend(f"{page.path}index.html" for page in model.unfeatured)  # previews and checks
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
    from .editions import edition_job

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
    if folder in BY_FOLDER and file == "index.html":
        page = model.entry_page(folder, key)
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
        files = {path: site.render("entry.html", entry=site.entries(page, "web")).encode()}
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
            from .feed import feed_html

            return feed_html(self.site, issue)  # str: the feed escapes it
        return self.site.issue_html(issue)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.site.model.by_date)

    def __len__(self) -> int:
        return len(self.site.model.by_date)


def _contents(site: Site, *, feed: bool = False) -> _Contents:
    return _Contents(site, feed)
