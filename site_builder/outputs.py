"""Every output of a site as a job: what it is rendered from (its key), which entries it shows, and how to render it.

The render stage used to be one loop writing every page. Here each output (or a
few written together, such as an issue's email parts) is a ``Job`` whose key
digests everything it is made from, computed without rendering anything:

- build-site's own code and the versions of the libraries that shape output;
- the template and every template it pulls in (``template_deps``);
- the values of the context variables those templates read (``fingerprint``):
  an issue, an entry rendered for an edition, the site settings, the model;
- for editions, the site files they looked up (a PNG beside an SVG, an image
  attached to the message), recorded while rendering.

A job whose key equals the one recorded with the published output is not
rendered again. Entries are rendered on demand, once per build for all edition
formats (``render.EntryRenderings``), and their fragments kept in the fragment
cache under a key of the same kind.

Jobs are listed in the order the pages were always written, and rendered in
it, so that of several errors the same one is reported first.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import markup
from .devto import DEVTO_FORMAT, check_tags, devto_markdown
from .email import EMAIL_TEMPLATE, FormulaImages, email_formats, email_html, email_message, email_text, subject
from .errors import Problem, TemplateError
from .fingerprint import Fingerprints, Lazy, LazyMapping, digest_bytes, digest_text
from .model import EntryPage, IssuePage, SiteModel
from .portable import site_path
from .render import WEB, EntryRenderings, FragmentStore, IssueView, absolute_links, render_template, static_files
from .template_deps import TemplateIndex

SITE, EDITIONS = 0, 1
"""Phases: the site's own pages are rendered and link-checked before the editions that point into them."""

FRAGMENT_TEMPLATES = ("_formula.html", "_example.html", "_plot.html", "_formula.md", "_example.md", "_plot.md")
"""Templates of the directives placed inside an entry's text."""

RENDERING_PACKAGES = (
    "jinja2",
    "markupsafe",
    "markdown-it-py",
    "mdit-py-plugins",
    "pygments",
    "latex2mathml",
    "matplotlib",
    "css-inline",
    "inscriptis",
    "lxml",
    "pydantic",
    "pyyaml",
    "python-slugify",
)
"""Libraries whose version can change the bytes of an output."""


@functools.cache
def builder_digest() -> str:
    """build-site's code and the libraries it renders with: a new version of either re-renders everything."""
    import platform

    here = Path(__file__).resolve().parent
    parts = [f"python={platform.python_version()}"]
    for path in sorted(here.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml") and "__pycache__" not in path.parts:
            parts.append(f"{path.relative_to(here).as_posix()}={digest_bytes(path.read_bytes())}")
    for package in RENDERING_PACKAGES:
        try:
            parts.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package}=missing")
    return digest_text("builder", *parts)


@dataclass
class Job:
    """One output, or a few rendered together, and everything needed to decide whether to render it."""

    id: str
    """Unique name, usually the output path (``issues/2026-11-26/index.html``)."""
    phase: int
    paths: tuple[str, ...]
    """What it writes; an email job also writes the formula images it shows, found when rendered."""
    key: str
    needs: tuple[tuple[EntryPage, str], ...]
    """The entry formats it shows, rendered (or taken from the fragment cache) before it."""
    render: Callable[[], dict[str, bytes]]
    files_used: dict[str, str | None] = field(default_factory=dict)
    """Site path -> digest (None: absent) of each file it looked up, filled when it is rendered."""


class SiteFiles(Mapping[str, bytes]):
    """The site's files as the editions see them, recording each lookup (part of the looking job's key).

    Formula images drawn for the email are available too, but not recorded: they are
    named after their content and made from the job's own entries.
    """

    def __init__(self, digests: Mapping[str, str], read: Callable[[str], bytes], images: FormulaImages) -> None:
        self.digests = digests
        self.read = read
        self.images = images
        self.used: dict[str, str | None] = {}

    def _note(self, path: str) -> bool:
        if path in self.images.sources:
            return True
        digest = self.digests.get(path)
        self.used[path] = digest
        return digest is not None

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._note(path)

    def __getitem__(self, path: str) -> bytes:
        if not self._note(path):
            raise KeyError(path)
        return self.images.png(path) if path in self.images.sources else self.read(path)

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the site's files are looked up, never listed: a listing would depend on every file")

    def __len__(self) -> int:
        return len(self.digests)


class Plan:
    """The jobs of one site, keyed; entry renderings shared by all of them."""

    def __init__(
        self,
        model: SiteModel,
        env: jinja2.Environment,
        root: Path,
        images: FormulaImages,
        fragments: FragmentStore | None = None,
    ) -> None:
        self.model = model
        self.env = env
        self.root = root
        self.images = images
        self.fps = Fingerprints()
        self.templates = TemplateIndex(env, root / "templates", fragments)
        self.builder = builder_digest()
        self.entries = EntryRenderings(
            env, model, {"web": WEB, **email_formats(images), "devto": DEVTO_FORMAT}, fragments, self.fragment_key
        )
        self.globals = {"site": model.site, "urls": model.urls, "model": model}
        self._fragment_keys: dict[tuple[str, str, str], str] = {}
        self._lazy: dict[tuple[str, str, str], Lazy] = {}
        self._fragment_base: str | None = None
        self._fragment_templates = digest_text(*(self.templates.deps(t).digest for t in FRAGMENT_TEMPLATES))

    # --- keys ----------------------------------------------------------------------------------

    def fragment_keys(self) -> set[str]:
        """Keys of every entry fragment this build computed: the fragment cache keeps these and drops the rest."""
        return set(self._fragment_keys.values()) | set(self.templates.keys.values())

    def fragment_key(self, page: EntryPage, form: str) -> str:
        """Key of an entry's text rendered in format ``form``: what the fragment cache stores it under."""
        return self._fragment_key((page.kind, page.id, form), page)

    def _fragment_key(self, memo: tuple[str, str, str], page: EntryPage) -> str:
        key = self._fragment_keys.get(memo)
        if key is None:
            if self._fragment_base is None:  # what every entry's fragments share: the same for the whole build
                site, urls = self.fps.of(self.model.site), self.fps.of(self.model.urls)
                self._fragment_base = digest_text("fragments", self.builder, site, urls, self._fragment_templates)
            key = self._fragment_keys[memo] = digest_text("fragment", self._fragment_base, memo[2], self.fps.of(page))
        return key

    def rendered(self, page: EntryPage, form: str) -> Lazy:
        """An entry as format ``form`` shows it, known by its key until a template uses it."""
        memo = (page.kind, page.id, form)
        lazy = self._lazy.get(memo)
        if lazy is None:
            key = self._fragment_key(memo, page)
            lazy = self._lazy[memo] = Lazy(key, functools.partial(self.entries, page, form))
        return lazy

    def view(self, issue: IssuePage, form: str) -> Lazy:
        """An issue with its three parts in format ``form``."""
        memo = ("issue", issue.date.isoformat(), form)
        if memo not in self._lazy:
            parts = [self.rendered(part, form) for part in issue.parts]
            fingerprint = digest_text("view", self.fps.of(issue), *(p.fingerprint for p in parts))
            self._lazy[memo] = Lazy(fingerprint, lambda: IssueView(issue, *(p.value for p in parts)))
        return self._lazy[memo]

    def template_key(self, template: str, context: Mapping[str, Any], *extra: str) -> str:
        """Key of rendering ``template`` with ``context`` (values or ``Lazy``): only the variables it reads count."""
        deps = self.templates.deps(template)
        names = sorted(context) if deps.names is None else sorted(n for n in context if n in deps.names)
        values = (f"{name}={self.fps.of(context[name])}" for name in names)
        return digest_text("template", self.builder, template, deps.digest, *extra, *values)

    def _page(self, template: str, context: Mapping[str, Any]) -> Callable[[], bytes]:
        def render() -> bytes:
            resolved = {k: v.value if isinstance(v, Lazy) else v for k, v in context.items()}
            return render_template(self.env, template, resolved).encode()

        return render

    # --- the site ------------------------------------------------------------------------------

    def site_jobs(self) -> list[Job]:
        """The site's own pages, plots and static files, in the order they were always written."""
        model = self.model
        jobs: list[Job] = []

        def page(path: str, template: str, needs: tuple[tuple[EntryPage, str], ...] = (), **values: Any) -> None:
            context = {**self.globals, **values}
            render = self._page(template, context)
            jobs.append(
                Job(
                    path,
                    SITE,
                    (path,),
                    self.template_key(template, context),
                    needs,
                    lambda: {path: render()},
                )
            )

        issue_html = {issue.date: self._issue_html(issue) for issue in model.issues}
        recent_needs = tuple((p, "web") for issue in model.recent[:1] for p in issue.parts)
        page("index.html", "index.html", recent_needs, issues=model.recent, contents=LazyMapping(issue_html))
        page("archive/index.html", "archive.html", months=model.months)
        page("404.html", "404.html")
        for issue in model.issues:
            needs = tuple((p, "web") for p in issue.parts)
            view = self.view(issue, "web")
            page(f"{issue.path}index.html", "issue.html", needs, issue=view, content=issue_html[issue.date])
            page(f"{issue.path}index.md", "issue.md", needs, issue=view)
        for entry in model.entries:
            page(f"{entry.path}index.html", "entry.html", ((entry, "web"),), entry=self.rendered(entry, "web"))
            for plot in entry.results.plots.values():
                for extension in ("svg", "png"):
                    path, data = entry.plot_path(plot.id, extension), getattr(plot, extension)
                    key = digest_text("file", digest_bytes(data))
                    jobs.append(Job(path, SITE, (path,), key, (), functools.partial(dict, [(path, data)])))
        for group in (*model.chapters, *model.collections):
            page(f"{group.path}index.html", "group.html", group=group)
        origin = _origin(model.site.base_url)
        feed_content = {
            date: Lazy(digest_text("feed", lazy.fingerprint, origin), functools.partial(_absolute, lazy, origin))
            for date, lazy in issue_html.items()
        }
        feed_needs = tuple((p, "web") for issue in model.recent for p in issue.parts)
        page("feed.xml", "feed.xml", feed_needs, issues=model.recent, contents=LazyMapping(feed_content))
        page("sitemap.xml", "sitemap.xml")
        claimed = {path for job in jobs for path in job.paths}
        if len(claimed) < sum(len(job.paths) for job in jobs):
            seen: set[str] = set()
            for job in jobs:
                for path in job.paths:
                    if path in seen:
                        raise TemplateError(Problem(path, message="two pages claim this output path"))
                    seen.add(path)
        for path, data in static_files(self.root / "templates" / "static"):
            if path in claimed:
                raise TemplateError(Problem(path, message="a static file has the same path as a page"))
            if path == "static/highlight.css":
                continue  # build-site's own highlight rules take that name
            key = digest_text("file", digest_bytes(data))
            jobs.append(Job(path, SITE, (path,), key, (), functools.partial(dict, [(path, data)])))
        highlight = "static/highlight.css"
        jobs.append(Job(highlight, SITE, (highlight,), digest_text("highlight", self.builder), (), _highlight_css))
        return jobs

    def _issue_html(self, issue: IssuePage) -> Lazy:
        """An issue's three parts as HTML, shared by its page, the home page and the feed."""
        context = {**self.globals, "issue": self.view(issue, "web")}
        key = self.template_key("_issue_content.html", context)

        def make() -> Markup:
            resolved = {k: v.value if isinstance(v, Lazy) else v for k, v in context.items()}
            return Markup(render_template(self.env, "_issue_content.html", resolved))

        return Lazy(key, make)

    # --- the editions --------------------------------------------------------------------------

    def edition_jobs(self, files: Callable[[], SiteFiles]) -> list[Job]:
        """The email and dev.to editions of every issue; ``files`` gives a fresh view of the site's files."""
        model = self.model
        jobs: list[Job] = []
        for issue in model.issues:
            views = {edition: self.view(issue, form) for edition, form in (("email", "email"), ("text", "text"))}
            contexts = {
                edition: {**self.globals, **_email_context(model, issue), "issue": views[edition], "edition": edition}
                for edition in views
            }
            key = digest_text("email", *(self.template_key(EMAIL_TEMPLATE, context) for context in contexts.values()))
            paths = (f"{issue.path}email.html", f"{issue.path}email.txt", f"{issue.path}issue.eml")
            needs = tuple((p, form) for form in ("email", "text") for p in issue.parts)
            job = Job(f"email:{issue.path}", EDITIONS, paths, key, needs, lambda: {})
            job.render = functools.partial(self._render_email, job, issue, views, files)
            jobs.append(job)
        for issue in model.issues:
            view = self.view(issue, "devto")
            context = {**self.globals, "issue": view}
            key = self.template_key("devto.md", context)
            path = f"{issue.path}devto.md"
            needs = tuple((p, "devto") for p in issue.parts)
            job = Job(path, EDITIONS, (path,), key, needs, lambda: {})
            job.render = functools.partial(self._render_devto, job, issue, view, files)
            jobs.append(job)
        return jobs

    def _render_email(
        self, job: Job, issue: IssuePage, views: Mapping[str, Lazy], files: Callable[[], SiteFiles]
    ) -> dict[str, bytes]:
        site = files()
        html_part = email_html(self.model, self.env, views["email"].value, site)
        text_part = email_text(self.model, self.env, views["text"].value, site)
        message = email_message(self.model, issue, html_part, text_part, site)
        job.files_used = dict(site.used)
        out = {path: self.images.png(path) for path in _math_images(html_part, self.model)}
        out.update(zip(job.paths, (html_part.encode(), text_part.encode(), message), strict=True))
        return out

    def _render_devto(self, job: Job, issue: IssuePage, view: Lazy, files: Callable[[], SiteFiles]) -> dict[str, bytes]:
        check_tags(issue)
        site = files()
        text = devto_markdown(self.model, self.env, view.value, site)
        job.files_used = dict(site.used)
        return {job.paths[0]: text.encode()}


def _email_context(model: SiteModel, issue: IssuePage) -> dict[str, Any]:
    return {
        "subject": subject(model, issue),
        "view_online_url": model.urls.absolute(issue.path),
        "unsubscribe_url": model.site.email.unsubscribe_url,
    }


_MATH_SRC = re.compile(r'<img\b[^>]*?\ssrc="([^"]*)"', re.IGNORECASE)


def _math_images(html: str, model: SiteModel) -> list[str]:
    """The formula images (``math/<key>.png``) an email's HTML part shows, in order."""
    found: dict[str, None] = {}
    for match in _MATH_SRC.finditer(html):
        path = site_path(match.group(1), model.urls)
        if path is not None and path.startswith("math/"):
            found[path] = None
    return list(found)


def _absolute(lazy: Lazy, origin: str) -> str:
    return absolute_links(lazy.value, origin)


def _highlight_css() -> dict[str, bytes]:
    return {"static/highlight.css": markup.highlight_css().encode()}


def _origin(base_url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"
