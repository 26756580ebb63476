"""``build-site serve``: a live preview, rebuilt in memory on every save and reloaded in the open browser.

The preview is served from memory and never written: a preview shows drafts
and future issues, and must not overwrite (or half-overwrite) the published
``output/``. The live-reload script is added to HTML responses as they are
served, so it cannot leak into a published page. A failed rebuild keeps the
last good pages, shows the problems in the terminal and, over them, in the
browser; the next good save clears it.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import posixpath
import re
import signal
import socket
import threading
import time
import uuid
import webbrowser
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import watchfiles

from . import parallel
from .build import BuildOptions, open_state, run
from .errors import BuildError, Problem
from .publish import MemoryOutput

log = logging.getLogger(__name__)

EVENTS_PATH = "/_build-site/events"
"""Where the browser listens for rebuilds (Server-Sent Events); outside any site's pages."""
WATCHED = ("content", "templates", "computed")
"""Folders of the project that a change in triggers a rebuild."""
KEEPALIVE_SECONDS = 15.0
WATCH_TIMEOUT_MS = 300
"""How long the watcher waits before saying "no change"; its first such answer means it is live."""

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webp": "image/webp",
}


class ServeError(BuildError):
    """The preview server could not start (e.g. the port is taken); not the content's fault."""

    exit_code = 1

    @property
    def kind(self) -> str:
        return "server"


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

    def succeeded(self, files: Mapping[str, bytes], base_path: str) -> None:
        """A rebuild worked: serve its files (pages reload only if something changed)."""
        with self._changed:
            old = self._snapshot
            if old.files == files and old.base_path == base_path:
                self._snapshot = Snapshot(old.build, old.files, old.base_path, None)
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
    """A site kept in memory between rebuilds: each save makes again only what it changed (see ``engine``)."""

    def __init__(self, root: Path, options: BuildOptions) -> None:
        self.root = root
        self.options = options
        self.state = open_state(None, None)
        self.output = MemoryOutput()

    def build(self) -> tuple[dict[str, bytes], str]:
        """Rebuild; the served files and the site's base path. On an error the last good site is kept."""
        files = dict(self.output.files)
        try:
            report = run(self.root, self.options, self.state, self.output)
        except BaseException:
            self.output.files = files  # a failed build may have put some files: serve the last good site
            raise
        assert report.model is not None
        return self.output.files, report.model.urls.base_path


def rebuild(preview: Preview, root: Path, options: BuildOptions, session: Session | None = None) -> bool:
    """Build ``root`` in memory into ``preview``; report the outcome in the terminal; True if it worked."""
    started = time.monotonic()
    session = session or Session(root, options)
    try:
        with parallel.in_process():  # the server's threads make forking unsafe
            files, base_path = session.build()
    except BuildError as exc:
        log.error("%s", exc)
        preview.failed(str(exc))
        return False
    except Exception as exc:  # keep serving whatever an author's code raised
        log.debug("internal error", exc_info=True)
        message = f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"
        log.error("%s", message)
        preview.failed(message)
        return False
    preview.succeeded(files, base_path)
    log.info("built %d pages in %.2f s", len(files), time.monotonic() - started)
    return True


@dataclass(frozen=True)
class Response:
    """What the preview answers to one request."""

    status: HTTPStatus
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    location: str | None = None


def respond(snapshot: Snapshot, request_path: str) -> Response:
    """The response to a GET of ``request_path`` (path and query) from the preview."""
    path = unquote(urlsplit(request_path).path) or "/"
    if not snapshot.files:
        return Response(HTTPStatus.SERVICE_UNAVAILABLE, _html_page(snapshot, "No build yet"), CONTENT_TYPES[".html"])
    base = snapshot.base_path
    if not path.startswith(base):
        if path == "/" or path + "/" == base:
            return Response(HTTPStatus.FOUND, location=base)
        return _not_found(snapshot)
    relative = path[len(base) :]
    if relative == "" or relative.endswith("/"):
        relative += "index.html"
    if relative in snapshot.files:
        return _file(snapshot, relative, HTTPStatus.OK)
    if f"{relative}/index.html" in snapshot.files:
        return Response(HTTPStatus.MOVED_PERMANENTLY, location=quote(path + "/"))
    return _not_found(snapshot)


def _not_found(snapshot: Snapshot) -> Response:
    if "404.html" in snapshot.files:
        return _file(snapshot, "404.html", HTTPStatus.NOT_FOUND)
    return Response(HTTPStatus.NOT_FOUND, _html_page(snapshot, "Not found"), CONTENT_TYPES[".html"])


def _file(snapshot: Snapshot, relative: str, status: HTTPStatus) -> Response:
    body = snapshot.files[relative]
    content_type = content_type_of(relative)
    if content_type.startswith("text/html"):
        body = inject_live_reload(body, snapshot.build)
    return Response(status, body, content_type)


def content_type_of(path: str) -> str:
    """The Content-Type of an output file, with a charset for text."""
    suffix = posixpath.splitext(path)[1].lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def _html_page(snapshot: Snapshot, title: str) -> bytes:
    page = f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>{title}</title></head><body><h1>{title}</h1></body></html>\n"
    return inject_live_reload(page.encode(), snapshot.build)


LIVE_RELOAD_SCRIPT = """<script data-build-site-live-reload>
(() => {
  const served = %(build)s;
  let overlay = null;
  function show(text) {
    if (!overlay) {
      // Inline "all:initial" keeps the site's own CSS from restyling the overlay.
      const box = (tag, css) => {
        const element = document.createElement(tag);
        element.style.cssText = "all:initial;display:block;box-sizing:border-box;" +
          "font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;color:#f2f2f2;" + css;
        return element;
      };
      overlay = box("div", "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:1.5rem;background:#18181c");
      overlay.id = "build-site-error";
      overlay.setAttribute("role", "alert");
      const title = box("h1", "margin:0 0 .5rem;font-size:1.25rem;font-weight:bold;color:#ff8a80");
      title.textContent = "Build failed";
      const note = box("p", "margin:0 0 1rem;color:#b8b8c0");
      note.textContent = "Fix the problem and save: this page reloads by itself.";
      const pre = box("pre", "margin:0 0 1rem;white-space:pre-wrap;overflow-wrap:anywhere");
      const button = box("button", "display:inline-block;padding:.3rem .8rem;border:1px solid #6b6b75;" +
        "border-radius:4px;cursor:pointer;color:#f2f2f2");
      button.type = "button";
      button.textContent = "Show the last good build";
      button.addEventListener("click", hide);
      overlay.append(title, note, pre, button);
      document.body.appendChild(overlay);
    }
    overlay.querySelector("pre").textContent = text;
  }
  function hide() {
    if (overlay) { overlay.remove(); overlay = null; }
  }
  const source = new EventSource(%(events)s);
  source.addEventListener("build", (event) => {
    const state = JSON.parse(event.data);
    if (state.error) show(state.error);
    else if (state.build !== served) location.reload();
    else hide();
  });
})();
</script>
"""

_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


def inject_live_reload(html: bytes, build: str) -> bytes:
    """``html`` with the live-reload script before its last ``</body>`` (or at its end)."""
    script = (LIVE_RELOAD_SCRIPT % {"build": json.dumps(build), "events": json.dumps(EVENTS_PATH)}).encode()
    ends = list(_BODY_END.finditer(html))
    if not ends:
        return html + script
    at = ends[-1].start()
    return html[:at] + script + html[at:]


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer

    def do_GET(self) -> None:
        if urlsplit(self.path).path == EVENTS_PATH:
            self._events()
        else:
            self._send(respond(self.server.preview.snapshot, self.path), head=False)

    def do_HEAD(self) -> None:
        self._send(respond(self.server.preview.snapshot, self.path), head=True)

    def _send(self, response: Response, *, head: bool) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        if response.location:
            self.send_header("Location", response.location)
        self.end_headers()
        if not head:
            self.wfile.write(response.body)

    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen: str | None = None
        try:
            self.wfile.write(b"retry: 1000\n\n")
            while True:
                snapshot = self.server.preview.wait(seen, KEEPALIVE_SECONDS)
                if snapshot is None:
                    return
                event = snapshot.event()
                if event == seen:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    data = "".join(f"data: {line}\n" for line in event.splitlines())
                    self.wfile.write(f"event: build\n{data}\n".encode())
                    seen = event
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class PreviewServer(ThreadingHTTPServer):
    """An HTTP server for one ``Preview``; each request runs in its own daemon thread."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], preview: Preview) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.preview = preview
        super().__init__(address, _Handler)

    def url(self, path: str = "/") -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else str(host)
        return f"http://{host}:{port}{path}"


def start_server(preview: Preview, host: str, port: int) -> PreviewServer:
    """Listen on ``host:port`` (0: any free port) and serve ``preview`` from a background thread."""
    try:
        server = PreviewServer((host, port), preview)
    except OSError as exc:
        hint = "another program uses it; pick another with --port, or --port 0 for any free one"
        if exc.errno not in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            hint = ""
        raise ServeError(Problem(f"{host}:{port}", message=f"cannot listen: {exc.strerror or exc}", hint=hint)) from exc
    threading.Thread(target=server.serve_forever, name="preview-server", daemon=True).start()
    return server


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
                    rebuild(preview, root, options, session)
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
