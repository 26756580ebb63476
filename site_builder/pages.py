"""Every output of a site as a job: a name, and how to make its files. What a job depends on is what it reads.

Jobs are listed in a fixed order: the home page, the archive and the 404 page; then each
issue, newest first, with its editions (``editions``) and the pages of its entries; then the
chapter and collection pages, the feed, the sitemap and the static files. Jobs that show
the same entries sit next to each other, so a worker rendering a run of them renders each
entry once; of several errors, the one of the first job in this order is reported.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import markup
from .deps import Memo, note
from .devto import DEVTO_FORMAT
from .email import FormulaImages, email_formats
from .entries import WEB, EntryRenderings, RenderedEntry
from .model import EntryPage, IssuePage, SiteModel
from .templates import absolute_links, render_template
from .theme import STATIC, find, static_files


@dataclass
class Job:
    """One output, or a few made together (an issue's email), and how to make them."""

    name: str
    """Unique: the path of its first file (``issues/2026-11-26/index.html``)."""
    make: Callable[[], dict[str, bytes]]
    """Makes its files (site path -> bytes); what it reads while doing so is what it depends on."""
    away: bool = False
    """Its files are read away from the site (email, dev.to): their links must reach a file, not an element."""


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
        self._memo = Memo()

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


def site_jobs(site: Site) -> list[Job]:
    """Every output of the site, in the order described above."""
    from .editions import edition_jobs

    model = site.model
    jobs: list[Job] = [
        page_job(site, "index.html", "index.html", issues=lambda: model.recent, contents=lambda: _contents(site)),
        page_job(site, "archive/index.html", "archive.html", months=lambda: model.months),
        page_job(site, "404.html", "404.html"),
    ]
    placed: set[str] = set()
    for issue in model.all_issues:
        jobs.extend(edition_jobs(site, issue))
        for part in issue._parts:
            if part.key not in placed:
                placed.add(part.key)
                jobs.extend(entry_jobs(site, part))
    for page in model.unfeatured:  # previews and checks
        jobs.extend(entry_jobs(site, page))
    for groups in model.groups.values():
        for group in groups:
            jobs.append(page_job(site, f"{group.path}index.html", "group.html", group=lambda group=group: group))
    jobs.append(
        page_job(site, "feed.xml", "feed.xml", issues=lambda: model.recent, contents=lambda: _contents(site, feed=True))
    )
    jobs.append(page_job(site, "sitemap.xml", "sitemap.xml"))
    jobs.extend(static_jobs(site))
    return jobs


def page_job(site: Site, path: str, template: str, **values: Callable[[], Any]) -> Job:
    """A page made from ``template``; each value is made when the page is (so what it reads counts)."""

    def make() -> dict[str, bytes]:
        return {path: site.render(template, **{name: value() for name, value in values.items()}).encode()}

    return Job(path, make)


def entry_jobs(site: Site, page: EntryPage) -> list[Job]:
    """An entry's page, and its plots as images."""
    jobs = [page_job(site, f"{page.path}index.html", "entry.html", entry=lambda: site.entries(page, "web"))]

    def plots() -> dict[str, bytes]:
        return {
            page.plot_path(plot.id, extension): getattr(plot, extension)
            for plot in page.results.plots.values()
            for extension in ("svg", "png")
        }

    jobs.append(Job(f"{page.path}plots", plots))
    return jobs


def static_jobs(site: Site) -> list[Job]:
    """The static files (the project's and the theme's, the project's first), copied, and the rules of code highlighting."""
    jobs = []
    for file in static_files(site.root):
        if file.name == "static/highlight.css":
            continue  # build-site's own highlight rules take that name

        def copy(name: str = file.name, fact: str = file.fact, source: Path = file.path) -> dict[str, bytes]:
            note(fact)
            return {name: source.read_bytes()}

        jobs.append(Job(file.name, copy))
    jobs.append(Job("static/highlight.css", lambda: {"static/highlight.css": markup.highlight_css().encode()}))
    return jobs


class _Contents(Mapping[Any, Any]):
    """Issue date -> the issue's parts as HTML, rendered when a template shows one (for a feed: text to escape)."""

    def __init__(self, site: Site, feed: bool) -> None:
        self.site = site
        self.feed = feed

    def __getitem__(self, date: Any) -> Any:
        issue = self.site.model.by_date[date]
        html = self.site.issue_html(issue)
        if self.feed:
            from .portable import origin

            return absolute_links(str(html), origin(self.site.model.urls.base_url))  # str: the feed escapes it
        return html

    def __iter__(self) -> Iterator[Any]:
        return iter(self.site.model.by_date)

    def __len__(self) -> int:
        return len(self.site.model.by_date)


def _contents(site: Site, *, feed: bool = False) -> _Contents:
    return _Contents(site, feed)
