"""The build, read top to bottom: scan -> load -> compute -> model -> plan -> render -> check -> write.

Every build runs these stages; what the last build left in the state (``state``) makes each
of them do only what the changes call for (``rebuild``). ``build_site`` publishes into an
output folder; ``run`` is the same pipeline for any output, so ``serve`` keeps a site in
memory and rebuilds it the same way after every save.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import os
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..compute.computer import Computation
from ..errors import ContentError, Problem
from ..incremental.builder import builder_digest
from ..incremental.cache import Cache
from ..incremental.fragments import prune_kept
from ..incremental.state import BuildState, OutputRow, StateUpdate, state_folder
from ..model.pages import IssuePage
from ..model.site_model import SiteModel
from ..outputs.editions import EDITIONS, edition_job
from ..outputs.email.edition import FormulaImages
from ..outputs.email.math_images import MATH_SLOTS
from ..outputs.site import Site, SiteFiles
from ..publish.folders import (
    MARKER,
    intact_or_moved,
    intact_outputs,
    marker_tree,
    output_lock,
    read_output,
    real_path,
)
from ..publish.memory import MemoryOutput
from ..publish.publication import Publication
from ..render.jobs import render_jobs
from ..render.templates import load_templates
from . import noop
from .options import BuildOptions, options_key
from .rebuild import scan_changes, stale_paths
from .stages import (
    BuildReport,
    Output,
    check_stage,
    compute_stage,
    load_stage,
    model_stage,
    plan_stage,
    render_stage,
    schedule_for,
    write_stage,
)

log = logging.getLogger(__name__)


def build_site(root: Path, out: Path, options: BuildOptions, now: dt.datetime | None = None) -> BuildReport:
    """Build the project at ``root`` into ``out``; on any error ``out`` is left as it was.

    Builds of one output folder run one after the other: the second starts (and reads
    the content) only once the first has published, so an older build never wins.
    """
    out = real_path(out)
    with output_lock(out, options.lock_timeout), long_lived_objects():
        state = open_state(state_folder(out), marker_tree(out), fresh=not options.cache)
        try:
            # Without a state, the files published are read once: unchanged ones are kept, not written again.
            if state.meta("tree"):
                published, intact = published_files(out, state)
            else:
                published = read_output(out)
                intact = intact_outputs(out, published)
            output = Publication(out, state_folder(out), published, intact)
            report = run(root, options, state, output, now)
            site = report.model.site_source.loaded.model  # type: ignore[union-attr]
            key = options_key(root, out, options)
            stamp = noop.stamp(key, out, report.as_of, site.timezone, site.publish_time, report.issues)
            state.commit(StateUpdate(meta=stamp))
            return report
        finally:
            state.close()


def published_files(out: Path, state: BuildState) -> tuple[dict[str, OutputRow], set[str]]:
    """The files the state says were published in ``out`` (under their inodes now if the whole tree was moved), and
    those still as published; one ``lstat`` of each.

    A build knows the files it published by inode, size and modification time (a file replaced by hand is
    made again). A tree copied as a whole with its times (restored from a CI job's cache, ``cp -a``,
    ``rsync -a``) has every file under a new inode: when the output's marker has the size and time the
    last build gave it but another inode, each file with its recorded size and time is taken for the one
    published, and the state is told its new inode. A file changed since has another time: it is made again.
    """
    published = state.outputs()
    recorded = state.meta("marker")
    try:
        info = os.lstat(out / MARKER)
        tree_moved = bool(recorded) and recorded[0] != info.st_ino
        tree_moved = tree_moved and tuple(recorded[1:]) == (info.st_size, info.st_mtime_ns)
    except OSError:
        tree_moved = False
    intact, moved = intact_or_moved(out, published, tree_moved=tree_moved)
    if tree_moved:
        state.commit(StateUpdate(outputs=moved))
        log.debug("the output folder was moved: %d published files found under new inodes", len(moved))
    return {**published, **moved} if moved else published, intact


def open_state(folder: Path | None, tree: str | None, *, fresh: bool = False) -> BuildState:
    """The build state in ``folder`` (None: in memory), empty unless it describes the tree ``tree``."""
    state = BuildState.open(folder, builder_digest)
    if fresh or state.meta("tree") != tree:
        state.reset(builder_digest())
    return state


def run(
    root: Path,
    options: BuildOptions,
    state: BuildState,
    output: Output,
    now: dt.datetime | None = None,
    cache: Cache | None = None,
    *,
    defer: tuple[str, ...] = (),
    only: Collection[str] | None = None,
) -> BuildReport:
    """One build into ``output``, doing what the changes since ``state`` call for; ``state`` is updated.

    ``cache``: where computed results are kept (default: ``ROOT/.build-cache``, unless ``options.cache`` is off).
    ``defer``: prefixes of outputs that, if they were made before, may stay as they are until the next build.
    ``only``: the project's files that may have changed since ``state``'s build (None: any of them).
    """
    cache = cache or (Cache.at(root) if options.cache else Cache(None))
    changes = scan_changes(root, state, getattr(output, "rows", None) or state.outputs(), only)
    content = load_stage(root, changes, state)
    computer = compute_stage(root, content, changes, state, cache, every=options.explain)
    model = model_stage(content, computer, changes, state, schedule_for(content, options, now, log_it=True), options)
    plan = plan_stage(root, model, changes, state, output, cache, defer)
    try:
        if plan.dirty or plan.gone:
            stale = stale_paths(state, changes.published, set(output.published))
            output.start(state.meta("previous_tree"), stale, state.meta("previous_folders"))
        rendered = render_stage(plan, output)
        tree = check_stage(root, plan, rendered, changes, state, output)
        prune_kept(cache, rendered.used, [MATH_SLOTS], every=len(plan.dirty) == len(plan.names))  # (#26)
        return write_stage(plan, rendered, tree, changes, content, computer, state, output)
    except BaseException:
        output.abort()
        raise


@contextlib.contextmanager
def long_lived_objects() -> Iterator[None]:
    """Keep the garbage collector off what a build keeps to the end (modules, content, the model).

    Python's collector walks every live object now and then; with the content of a
    thousand issues alive that is a large share of a rebuild's time. Objects frozen
    here (``gc.freeze``) are skipped until the build ends.
    """
    enabled = gc.isenabled()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class RenderedSite:
    """A whole site in memory: what ``check`` inspects."""

    model: SiteModel
    files: dict[str, bytes]
    computations: tuple[Computation, ...] = ()


def make_site(
    root: Path, options: BuildOptions, now: dt.datetime | None = None, cache: Cache | None = None
) -> RenderedSite:
    """Every stage but the write, into memory, from scratch."""
    output = MemoryOutput()
    state = open_state(None, None)
    try:
        report = run(root, options, state, output, now, cache)
    finally:
        state.close()
    assert report.model is not None
    return RenderedSite(report.model, output.files, report.computations)


@dataclass(frozen=True)
class Editions:
    """The editions of one issue made on demand (``build-site editions``, ``send``)."""

    model: SiteModel
    issue: IssuePage
    files: dict[str, bytes]
    """Site path -> bytes of each edition's files (and the formula images they show)."""
    images: SiteFiles
    """The site's images as the editions attach them (plots, formulas, static files)."""


def make_editions(
    root: Path,
    date: dt.date,
    options: BuildOptions | None = None,
    now: dt.datetime | None = None,
    *,
    unsubscribe_url: str | None = None,
) -> Editions:
    """The email and dev.to editions of the issue of ``date``, which must be published as ``options`` publish.

    Only those editions are made (in memory): the site's pages are not. ``unsubscribe_url`` replaces
    the one of ``site.yaml`` (``send`` puts a placeholder there, and each reader's own link in it).
    """
    options = options or BuildOptions()
    cache = Cache.at(root, read_only=True) if options.cache else Cache(None)
    state = open_state(None, None)
    try:
        changes = scan_changes(root, state, {})
        content = load_stage(root, changes, state)
        computer = compute_stage(root, content, changes, state, cache)
        model = model_stage(content, computer, changes, state, schedule_for(content, options, now), options)
    finally:
        state.close()
    issue = model.by_date.get(date)
    if issue is None:
        why = "it is not published" if date in content.issues else "there is no issue of that day"
        raise ContentError(Problem(f"content/issues/{date}.yaml", message=f"no editions of {date}: {why}"))
    site = Site(root, model, load_templates(root), FormulaImages(model, cache), unsubscribe_url=unsubscribe_url)
    output = MemoryOutput()
    windowed = [e for e in EDITIONS if e.windowed]
    jobs = [edition_job(site, issue, e.files[0], windowed) for e in windowed]
    render_jobs(jobs, output, model.urls.base_path, model.urls.base_url)
    return Editions(model, issue, output.files, site.files)
