"""The render stage: every job of the plan rendered, except those whose published output is still right.

A job is reused when the tree in ``output/`` was published with a record (see
``record``) holding the same key for it, every file it wrote is still there as
recorded, and (for editions) every site file it looked up has the digest it
had. Everything else is rendered, in the order of the plan, and handed to a
``Sink``: the publication being staged (``publish.Publication``) or, for
``check`` and ``serve``, memory.

Links are checked as before, in two steps: the site's pages against the site,
then the editions against both. Pages that were not rendered again are checked
from their recorded links; when a link is broken, every page is read and
checked in full, so the report is the same as that of a clean build.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from . import progress
from .editions import check_edition_links, edition_targets
from .errors import BuildError, Problem, TemplateError
from .links import broken_targets, check_links, targets_of
from .model import EntryPage, Urls
from .outputs import SITE, Job, Plan, SiteFiles
from .parallel import map_chunks
from .publish import PublishedTree
from .record import JobState, LinkState
from .wellformed import check_xml

log = logging.getLogger(__name__)


class Sink(Protocol):
    """Where rendered files go."""

    def put(self, path: str, data: bytes) -> str:
        """Place ``data`` at ``path``; return its digest."""

    def keep(self, path: str) -> None:
        """``path`` is unchanged: keep the published file."""

    def read(self, path: str) -> bytes:
        """The bytes placed at ``path`` so far."""


class MemorySink:
    """A site in memory (``check``, ``serve``): nothing is ever kept from a published tree."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, path: str, data: bytes) -> str:
        from .fingerprint import digest_bytes

        self.files[path] = data
        return digest_bytes(data)

    def keep(self, path: str) -> None:
        raise AssertionError(f"{path}: an in-memory site has no published file to keep")

    def read(self, path: str) -> bytes:
        return self.files[path]


@dataclass
class Rendered:
    """What the render stage made: every output's digest, and what the record needs to know."""

    digests: dict[str, str] = field(default_factory=dict)
    """Output path -> digest, for the whole new tree."""
    jobs: dict[str, JobState] = field(default_factory=dict)
    links: dict[str, LinkState] = field(default_factory=dict)
    rendered: dict[str, None] = field(default_factory=dict)
    """Paths of the outputs rendered by this build, in order (the others were kept)."""
    malformed: list[Problem] = field(default_factory=list)


def render_outputs(
    plan: Plan,
    sink: Sink,
    previous: PublishedTree | None = None,
    sources: Callable[[], Mapping[str, str]] | None = None,
) -> Rendered:
    """Render the jobs of ``plan`` into ``sink``, reusing what ``previous`` (the published tree) still has right.

    ``sources`` gives the text of the content files, to report a broken link where an author wrote it.
    """
    out = Rendered()
    model = plan.model
    urls = model.urls
    with _long_lived():
        site_jobs = plan.site_jobs()
    with progress.stage("render", total=len(site_jobs)):
        todo = [job for job in site_jobs if not _reusable(job, previous, None)]
        _prepare_entries(plan, todo, ("web",))
        _run(site_jobs, todo, sink, previous, out, plan, urls.base_path, urls.base_url)
    with progress.stage("links", total=None):
        site = dict(out.digests)
        _check_site_links(out, site, sink, urls.base_path, urls.base_url, sources, previous)
        if out.malformed:
            raise TemplateError(out.malformed)
    plan.entries.forget("web")
    with progress.stage("editions"):
        files = lambda: SiteFiles(site, sink.read, plan.images)  # noqa: E731
        with _long_lived():
            edition_jobs = plan.edition_jobs(files)
        todo = [job for job in edition_jobs if not _reusable(job, previous, site)]
        emails = [job for job in todo if job.id.startswith("email:")]
        devto = [job for job in todo if not job.id.startswith("email:")]
        # As before: every email format's error, then the plain text's, then the emails; then dev.to.
        _prepare_entries(plan, emails, ("email", "text"))
        _run([j for j in edition_jobs if j.id.startswith("email:")], emails, sink, previous, out, plan, "", None, site)
        plan.entries.forget("email", "text")
        _prepare_entries(plan, devto, ("devto",))
        _run(
            [j for j in edition_jobs if not j.id.startswith("email:")], devto, sink, previous, out, plan, "", None, site
        )
        _check_edition_links(out, site, sink, plan, previous)
    log.debug("rendered %d of %d outputs", len(out.rendered), len(out.digests))
    return out


@contextlib.contextmanager
def _long_lived() -> Iterator[None]:
    """Keying the jobs makes thousands of objects that live to the end of the build, and no garbage.

    The collector is kept off while they are made, then they are frozen (as ``build.long_lived_objects``
    does with the content and the model): its passes would otherwise walk them again and again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _reusable(job: Job, previous: PublishedTree | None, site: Mapping[str, str] | None) -> bool:
    if previous is None or previous.record is None:
        return False
    recorded = previous.record.jobs.get(job.id)
    if recorded is None or recorded.key != job.key:
        return False
    if not all(path in previous.intact for path in recorded.paths):
        return False
    # An edition looked up site files: reused only if each is still what it was (or still missing).
    return not recorded.files_used or (
        site is not None and all(site.get(p) == d for p, d in recorded.files_used.items())
    )


def _prepare_entries(plan: Plan, jobs: Iterable[Job], forms: Iterable[str]) -> None:
    """Render the entries ``jobs`` show, in the model's order, raising the first error of each format in turn.

    Entries not in the fragment cache are rendered (in worker processes when there are many) for
    every format at once; errors are kept per format and raised here in a clean build's order.
    """
    needed: dict[tuple[str, str], EntryPage] = {}
    for job in jobs:
        for page, _ in job.needs:
            needed[(page.kind, page.id)] = page
    pages = [page for page in plan.model.entries if (page.kind, page.id) in needed]
    entries = plan.entries
    entries.load(pages)
    missing = entries.incomplete(pages)
    done = 0
    for results in map_chunks(entries.render_payloads, missing, chunk=20):
        for rendered in results:
            page = missing[done]
            entries.adopt(page, rendered)
            done += 1
    for form in forms:
        for page in pages:
            entries(page, form)


@dataclass
class _JobResult:
    """What rendering one job gives, as a worker process sends it back."""

    files: dict[str, bytes]
    links: dict[str, LinkState]
    files_used: dict[str, str | None]
    error: BuildError | None = None
    malformed: list[Problem] = field(default_factory=list)
    """XML outputs that are not well-formed: reported after the links, as a clean build does."""


def _render_jobs(jobs: Sequence[Job], base_path: str, base_url: str | None, urls: Urls) -> list[_JobResult]:
    """Render ``jobs`` in order, with the links of each output; stop at the first error (the last result)."""
    results = []
    for job in jobs:
        try:
            files = job.render()
            links: dict[str, LinkState] = {}
            xml: dict[str, bytes] = {}
            for path, data in files.items():
                if job.phase == SITE:
                    links[path] = LinkState(*targets_of(path, data, base_path, base_url))
                    if path.endswith((".xml", ".svg", ".atom", ".rss")):
                        xml[path] = data
                elif path.endswith(".html"):
                    links[path] = LinkState(edition_targets(data, urls), edition=True)
            malformed: list[Problem] = []
            if xml:
                try:
                    check_xml(xml)
                except TemplateError as exc:
                    malformed = exc.problems
        except BuildError as exc:
            results.append(_JobResult({}, {}, {}, exc))
            break
        results.append(_JobResult(files, links, job.files_used, None, malformed))
    return results


def _run(
    jobs: list[Job],
    todo: list[Job],
    sink: Sink,
    previous: PublishedTree | None,
    out: Rendered,
    plan: Plan,
    base_path: str,
    base_url: str | None,
    site: Mapping[str, str] | None = None,
) -> None:
    rendering = {job.id for job in todo}
    task = functools.partial(_render_jobs, base_path=base_path, base_url=base_url, urls=plan.model.urls)
    results = (result for chunk in map_chunks(task, todo, chunk=25) for result in chunk)
    for job in jobs:
        if job.id not in rendering:
            assert previous is not None and previous.record is not None
            recorded = previous.record.jobs[job.id]
            for path in recorded.paths:
                _claim(out, path, site, previous.intact[path].digest)
                sink.keep(path)
                out.links[path] = previous.record.links.get(path, LinkState([]))
            out.jobs[job.id] = recorded
        else:
            result = next(results)
            if result.error is not None:
                raise result.error
            out.malformed.extend(result.malformed)
            for path, data in result.files.items():
                digest = sink.put(path, data)
                _claim(out, path, site, digest)
                out.rendered[path] = None
                if path in result.links:
                    out.links[path] = result.links[path]
            out.jobs[job.id] = JobState(job.key, list(result.files), result.files_used)
        for path in out.jobs[job.id].paths:
            progress.advance(path)


def _claim(out: Rendered, path: str, site: Mapping[str, str] | None, digest: str) -> None:
    """Two outputs may not share a path (formula images excepted: the same formula is the same file)."""
    if path in out.digests and not (path.startswith("math/") and out.digests[path] == digest):
        message = "two pages claim this output path" if site is None else "two outputs claim this path"
        raise TemplateError(Problem(path, message=message))
    if site is not None and path in site and not path.startswith("math/"):
        raise TemplateError(Problem(path, message="two outputs claim this path"))
    out.digests[path] = digest


def _check_site_links(
    out: Rendered,
    site: Mapping[str, str],
    sink: Sink,
    base_path: str,
    base_url: str | None,
    sources: Callable[[], Mapping[str, str]] | None,
    previous: PublishedTree | None,
) -> None:
    links = {p: s for p, s in out.links.items() if not s.edition}
    for path in sorted(links):
        if links[path].duplicate_ids:
            log.warning("output/%s: ids used more than once: %s", path, ", ".join(links[path].duplicate_ids))
    checked = links
    if previous is not None and previous.record is not None:
        before = previous.record.links
        same_files = site.keys() == {p for p, s in before.items() if not s.edition}
        if same_files and all(p in before and before[p].ids == links[p].ids for p in out.rendered if p in links):
            # Every page kept was whole before, and every file and id it can point at is still there.
            checked = {p: links[p] for p in out.rendered if p in links}
    ids = {p: set(s.ids) for p, s in links.items() if s.ids is not None}
    if broken_targets({p: s.targets for p, s in checked.items()}, site, ids):
        # Read the whole site and check it as a clean build would, for the same report.
        files = {path: sink.read(path) for path in site}
        check_links(files, base_path, base_url, sources=sources, warn=False)
        raise AssertionError("a link the record says is broken was found whole")  # pragma: no cover


def _check_edition_links(
    out: Rendered, site: Mapping[str, str], sink: Sink, plan: Plan, previous: PublishedTree | None
) -> None:
    links = {p: s.targets for p, s in out.links.items() if s.edition}
    if previous is not None and previous.record is not None and out.digests.keys() == previous.record.files.keys():
        links = {p: t for p, t in links.items() if p in out.rendered}  # the rest pointed at files all still there
    if broken_targets(links, out.digests, {}):
        editions = {p: sink.read(p) for p in out.digests if p not in site and p.endswith(".html")}
        check_edition_links(editions, plan.model.urls, out.digests)
        raise AssertionError("a link the record says is broken was found whole")  # pragma: no cover
