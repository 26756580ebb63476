"""``build-site serve``: a live preview, rebuilt in memory on every save and reloaded in the open browser.

This module watches the project and rebuilds on each change; ``preview`` holds
the site in memory and ``server`` serves it with the live-reload script.
A failed rebuild shows its problems in the terminal and, over the last good
pages, in the browser; the next good save clears it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import webbrowser
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import watchfiles

from ..pipeline.options import BuildOptions
from .preview import Preview, Session, rebuild
from .server import start_server

log = logging.getLogger(__name__)

WATCHED = ("content", "templates", "computed")
"""Folders of the project that a change in triggers a rebuild."""
WATCH_TIMEOUT_MS = 300
"""How long the watcher waits before saying "no change"; its first such answer means it is live."""


def watched_folders(root: Path) -> list[Path]:
    """The folders whose changes trigger a rebuild."""
    return [root / name for name in WATCHED if (root / name).is_dir()] or [root]


def serve_project(
    root: Path,
    options: BuildOptions,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    stop: threading.Event | None = None,
) -> None:
    """Build, serve and rebuild on every change until interrupted (or until ``stop`` is set)."""
    stop = stop or threading.Event()
    logging.getLogger("watchfiles").setLevel(logging.ERROR)  # its own chatter about Ctrl-C and changes
    preview = Preview()
    server = start_server(preview, host, port)  # first, so a taken port fails before a long build
    restore = _stop_on_sigterm(stop)
    try:
        folders = watched_folders(root)
        before = _fingerprint(folders)
        session = Session(root, options)
        rebuild(preview, root, options, session)
        watching, since, url = False, "the first build", ""
        while True:
            for changes in watchfiles.watch(
                *folders, stop_event=stop, raise_interrupt=False, yield_on_timeout=True, rust_timeout=WATCH_TIMEOUT_MS
            ):
                if not watching:
                    # The watcher is live only now: catch up with saves made during the first build.
                    watching = True
                    if changes or _fingerprint(folders) != before:
                        log.info("changed during %s", since)
                        rebuild(preview, root, options, session)
                    if not url:
                        url = server.url(preview.snapshot.base_path)
                        log.info(
                            "serving %s (watching %s; Ctrl-C to stop)", url, ", ".join(f"{p.name}/" for p in folders)
                        )
                        if open_browser:
                            webbrowser.open(url)
                elif changes:
                    log.info("changed: %s", _describe(changes, root))
                    rebuild(preview, root, options, session, _project_paths(changes, root))
                if watched_folders(root) != folders:  # templates/ made by a first `theme eject`: watch it too
                    folders, watching, since = watched_folders(root), False, "the rebuild"
                    before = _fingerprint(folders)
                    log.info("changed: now watching %s", ", ".join(f"{p.name}/" for p in folders))
                    rebuild(preview, root, options, session)
                    break
            else:
                break  # stopped
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a preview ends
    finally:
        restore()
        preview.close()
        server.shutdown()
        server.server_close()
        log.info("stopped")


def _fingerprint(folders: Iterable[Path]) -> dict[Path, tuple[int, int]]:
    """Modification time and size of every watched file."""
    stamps = {}
    for folder in folders:
        for path in folder.rglob("*"):
            if "__pycache__" in path.parts:
                continue
            try:
                stat = path.stat()
            except OSError:  # deleted while we looked
                continue
            stamps[path] = (stat.st_mtime_ns, stat.st_size)
    return stamps


def _describe(changes: Iterable[tuple[watchfiles.Change, str]], root: Path) -> str:
    kinds: dict[str, set[watchfiles.Change]] = {}
    for change, path in changes:
        kinds.setdefault(_relative(Path(path), root), set()).add(change)
    # An editor's temporary file, created and deleted within one batch, is not news.
    transient = {watchfiles.Change.added, watchfiles.Change.deleted}
    paths = sorted(path for path, seen in kinds.items() if not transient <= seen) or sorted(kinds)
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    return ", ".join(paths[:3]) + more


def _project_paths(changes: Iterable[tuple[watchfiles.Change, str]], root: Path) -> set[str] | None:
    """The changed files as paths relative to ``root``; None if one is not under it (the rebuild then looks at all)."""
    found = set()
    for _, path in changes:
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
        if relative.startswith(".."):
            return None
        found.add(Path(relative).as_posix())
    return found


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _stop_on_sigterm(stop: threading.Event) -> Any:
    """Make SIGTERM stop the server like Ctrl-C does; returns a function restoring the old handler."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    return lambda: signal.signal(signal.SIGTERM, previous)
