"""The preview's site in memory: the last good build, rebuilt on each save and shared with the request threads.

The preview is built in memory and never written: a preview shows drafts and
future issues, and must not overwrite (or half-overwrite) the published
``output/``. A failed rebuild keeps the last good pages and records the
problems, which the browser shows over them until the next good save.
"""

from __future__ import annotations

import gc
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .. import parallel
from ..content.load import let_go
from ..errors import BuildError
from ..outputs.search import BUNDLE
from ..pipeline.build import long_lived_objects, open_state, run
from ..pipeline.options import BuildOptions
from ..pipeline.rebuild import CONTENT
from ..publish.memory import MemoryOutput

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """What the preview serves: the last good build, and the last build's error if it failed."""

    build: str
    """Changes whenever the served files change; pages compare it with the one they were served with."""
    files: Mapping[str, bytes] = field(default_factory=dict)
    """Output path -> bytes of the last good build (empty before the first one)."""
    base_path: str = "/"
    """Path prefix of the site's pages, from its ``base_url``."""
    error: str | None = None
    """The problems of the latest build, if it failed."""

    def event(self) -> str:
        """The state as the browser receives it."""
        return json.dumps({"build": self.build, "error": self.error}, ensure_ascii=False)


class Preview:
    """The state shared by the rebuilding thread and the request threads."""

    def __init__(self, session: str | None = None) -> None:
        self._session = session or uuid.uuid4().hex[:8]
        self._builds = 0
        self._snapshot = Snapshot(f"{self._session}-0")
        self._changed = threading.Condition()
        self._closed = False

    @property
    def snapshot(self) -> Snapshot:
        with self._changed:
            return self._snapshot

    def succeeded(self, files: Mapping[str, bytes], base_path: str, *, reload: bool = True) -> None:
        """A rebuild worked: serve its files (pages reload only if something changed, and ``reload``)."""
        with self._changed:
            old = self._snapshot
            if not reload or (old.files == files and old.base_path == base_path):
                self._snapshot = Snapshot(old.build, dict(files), base_path, None)
            else:
                self._builds += 1
                self._snapshot = Snapshot(f"{self._session}-{self._builds}", dict(files), base_path, None)
            self._changed.notify_all()

    def failed(self, error: str) -> None:
        """A rebuild failed: keep the last good files, and show ``error`` over them."""
        with self._changed:
            old = self._snapshot
            self._snapshot = Snapshot(old.build, old.files, old.base_path, error)
            self._changed.notify_all()

    def wait(self, seen: str | None, timeout: float) -> Snapshot | None:
        """The snapshot once its event differs from ``seen`` (or after ``timeout``); None once closed."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._snapshot.event() != seen, timeout)
            return None if self._closed else self._snapshot

    def close(self) -> None:
        """Let every waiting request end."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()


class Session:
    """A site kept in memory between rebuilds: each save makes again only what it changed (see ``pipeline.rebuild``)."""

    def __init__(self, root: Path, options: BuildOptions) -> None:
        self.root = root
        self.options = options
        self.state = open_state(None, None)
        self.output = MemoryOutput()
        self.rendered: tuple[str, ...] = ()
        """The files the last build made (the others were kept from the build before)."""
        self.later: tuple[str, ...] = ()
        """Outputs the last build left for the next (``LATER``)."""
        self.pending: set[str] | None = None
        """Project files that may have changed since the last good build (None: any, the first build scans all)."""

    def saw(self, paths: Iterable[str] | None) -> None:
        """Files that may have changed (None: any); kept until a build succeeds, as a failed one records nothing."""
        self.pending = None if paths is None or self.pending is None else self.pending | set(paths)

    def build(self, defer: tuple[str, ...] = ()) -> tuple[dict[str, bytes], str]:
        """Rebuild; the served files and the site's base path. On an error the last good site is kept."""
        files = dict(self.output.files)
        try:
            # As a build does: the collector skips what the session keeps (the site, the state), so
            # a save never waits for a pass over the whole preview's memory.
            with long_lived_objects():
                report = run(self.root, self.options, self.state, self.output, defer=defer, only=self.pending)
        except BaseException:
            self.output.files = files  # a failed build may have put some files: serve the last good site
            raise
        self.pending = set()
        assert report.model is not None
        # The next save loads only the files it changed over this content (``load.load_changed``); what the
        # build parsed is let go of, so the preview holds no more between saves than before.
        let_go(self.root, report.model.content)
        self.state.kept[CONTENT] = report.model.content
        self.rendered = report.rendered
        self.later = report.later
        return self.output.files, report.model.urls.base_path


LATER = (BUNDLE,)
"""Outputs a save does not wait for: the search index's shards, made again right after the page reloads
(Pagefind takes most of a rebuild's time, and the page being written does not show the index)."""


def rebuild(
    preview: Preview,
    root: Path,
    options: BuildOptions,
    session: Session | None = None,
    changed: Iterable[str] | None = None,
) -> bool:
    """Build ``root`` in memory into ``preview``; report the outcome in the terminal; True if it worked.

    ``changed``: the project's files (relative paths) saved since the last rebuild, as the watcher
    reported them: only those are looked at (None: every file is, as by a build).

    What the build leaves for later (``LATER``) is made by a second build at once; its files are
    served without reloading the pages.
    """
    started = time.monotonic()
    session = session or Session(root, options)
    session.saw(changed)
    if not _build_into(preview, session, LATER, reload=True):
        return False
    log.info("built %d pages in %.2f s", len(preview.snapshot.files), time.monotonic() - started)
    if session.later:
        count = len(session.later)
        if not _build_into(preview, session, (), reload=False):
            return False  # the next save makes them again: the state still owes them
        log.debug("made %d outputs left for after the reload", count)
    # The builds kept the collector off the session's memory (``Session.build``): what they let go
    # of is collected now, after the page has reloaded, so the preview does not grow save after save.
    gc.collect()
    return True


def _build_into(preview: Preview, session: Session, defer: tuple[str, ...], *, reload: bool) -> bool:
    try:
        with parallel.in_process():  # the server's threads make forking unsafe
            files, base_path = session.build(defer)
    except BuildError as exc:
        # The preview learns first: whoever reads the terminal line may already ask the page for the error.
        preview.failed(str(exc))
        log.error("%s", exc)
        return False
    except Exception as exc:  # keep serving whatever an author's code raised
        log.debug("internal error", exc_info=True)
        message = f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"
        preview.failed(message)
        log.error("%s", message)
        return False
    preview.succeeded(files, base_path, reload=reload)
    return True
