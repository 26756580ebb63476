"""Render stage: the jobs to make, made into a sink, each with the facts it read and the links its files hold.

Jobs run in the order listed (``outputs.site_jobs``), in worker processes when there are many (see
``parallel``): each worker makes a run of jobs, puts their files into the sink itself (a
staging folder, never the output folder) and sends back only digests, reads and links. A
job that starts a program (a search shard's Pagefind, ``Job.early``) is made first in its run
and finished last, so the program runs while the other jobs are made. A job that fails ends
its run; of all failures, the one of the earliest job is raised.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .. import progress
from ..check.links import PageLinks, page_links
from ..check.wellformed import XML_SUFFIXES, check_xml
from ..errors import BuildError, Problem, TemplateError
from ..incremental.deps import digest, tracking
from ..incremental.fragments import take_used
from ..incremental.parts import Part, Parts
from ..parallel import map_chunks

log = logging.getLogger(__name__)

CHUNK = 16
"""Jobs a worker makes in one go: next to each other in the list, they share entries."""


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


class Sink(Protocol):
    """Where rendered files go: a staging folder or memory (``publish.Publication``, ``publish.MemoryOutput``)."""

    shared: bool
    """True if worker processes can put files themselves (a folder); False: they send the bytes back."""

    def put(self, path: str, data: bytes, digest: str) -> None:
        """Place ``data`` (whose digest is ``digest``) at ``path``."""


@dataclass
class Made:
    """What making one job gave."""

    name: str
    digests: dict[str, str] = field(default_factory=dict)
    """Its files: site path -> digest."""
    reads: frozenset[str] = frozenset()
    links: dict[str, PageLinks] = field(default_factory=dict)
    malformed: list[Problem] = field(default_factory=list)
    """XML outputs that are not well-formed: reported after the links, as a clean build does."""
    data: dict[str, bytes] | None = None
    """The files' bytes, when the sink is not shared with workers."""
    parts: dict[str, Part | None] = field(default_factory=dict)
    """The parts it used (see ``parts``): made now, or None if kept from the last build."""
    error: BuildError | None = None
    used: set[str] = field(default_factory=set)
    """The kept renderings (``fragments``) it used or made, and the cache slots they rely on."""


@dataclass
class Rendered:
    """What the render stage made."""

    made: dict[str, Made] = field(default_factory=dict)
    """Job name -> what it made, in the order of the jobs."""

    @property
    def digests(self) -> dict[str, str]:
        return {path: d for made in self.made.values() for path, d in made.digests.items()}

    @property
    def used(self) -> set[str]:
        """The fragments (and their slots) the jobs made used: in workers too."""
        return {name for made in self.made.values() for name in made.used}


def render_jobs(
    jobs: Sequence[Job], sink: Sink, base_path: str, base_url: str, forget: Callable[[], None] | None = None
) -> Rendered:
    """Make ``jobs`` into ``sink``; raise the error of the first job that failed.

    ``forget`` is called after each run of jobs: what the jobs of a run share (their entries) is
    rendered for them, and kept for the whole build it would only grow the workers' memory.
    """
    out = Rendered()
    task = functools.partial(_make, sink=sink, base_path=base_path, base_url=base_url, forget=forget)
    errors: list[BuildError] = []
    with progress.stage("render", total=len(jobs)):
        for chunk in map_chunks(task, list(jobs), chunk=CHUNK):
            for made in chunk:
                if made.error is not None:
                    errors.append(made.error)
                    continue
                if made.data is not None:
                    for path, data in made.data.items():
                        sink.put(path, data, made.digests[path])
                    made.data = None
                out.made[made.name] = made
                progress.advance(made.name)
    if errors:
        raise errors[0]  # chunks arrive in order, and each stops at its first error
    _check_claims(out)
    return out


def _make(
    jobs: Sequence[Job], *, sink: Sink, base_path: str, base_url: str, forget: Callable[[], None] | None
) -> list[Made]:
    """Make a run of jobs (in a worker, or here); stop at the first that fails.

    Jobs that start a program (``Job.early``) are made first and finished last, so that the
    program runs while the others are made; the run's jobs are returned in their order.
    """
    order = sorted(range(len(jobs)), key=lambda index: not jobs[index].early)  # stable: early ones first
    made: dict[int, Made] = {}
    pending: dict[int, Pending] = {}
    try:
        for index in order:
            job, result = jobs[index], Made(jobs[index].name)
            made[index] = result
            try:
                with tracking() as reads:
                    files = job.make()
            except BuildError as exc:
                result.error = exc
                break
            finally:
                result.used = take_used()
            result.reads = frozenset(reads)
            if job.parts is not None:
                result.parts = job.parts.take(job.name)
            if isinstance(files, Pending):
                pending[index] = files
            else:
                _record(result, files, job, sink, base_path, base_url)
    finally:  # each program started is waited for, even after a failure (it cleans up after itself)
        for index, later in pending.items():
            try:
                _record(made[index], later.result(), jobs[index], sink, base_path, base_url)
            except BuildError as exc:
                made[index].error = exc
            made[index].used |= take_used()
    found = []
    for index in sorted(made):
        found.append(made[index])
        if made[index].error is not None:
            break
    if forget is not None:
        forget()
    return found


def _record(made: Made, files: dict[str, bytes], job: Job, sink: Sink, base_path: str, base_url: str) -> None:
    """Note what a job made (digests, links, XML problems) and put its files into ``sink`` (or keep their bytes)."""
    xml = {}
    for path, data in files.items():
        made.digests[path] = digest(data)
        made.links[path] = page_links(path, data, base_path, base_url, edition=job.away)
        if path.endswith(XML_SUFFIXES):
            xml[path] = data
    if xml:
        try:
            check_xml(xml)
        except TemplateError as exc:
            made.malformed = exc.problems
    if sink.shared:
        for path, data in files.items():
            sink.put(path, data, made.digests[path])
    else:
        made.data = files


def _check_claims(rendered: Rendered) -> None:
    """Two jobs may not write one path (formula images excepted: the same formula is the same file)."""
    owner: dict[str, str] = {}
    for name, made in rendered.made.items():
        for path, found in made.digests.items():
            if path in owner and not (path.startswith("math/") and rendered.made[owner[path]].digests[path] == found):
                raise TemplateError(Problem(path, message="two outputs claim this path"))
            owner[path] = name


def claimed_paths(rendered: Rendered, kept: Mapping[str, tuple[str, ...]]) -> set[str]:
    """Every path of the new tree: those made now, and those of the jobs kept as published."""
    paths = set(rendered.digests)
    for files in kept.values():
        paths.update(files)
    return paths
