"""The preview's HTTP server: pages from memory with the live-reload script added, and the rebuild events it awaits.

The live-reload script is added to HTML responses as they are served, so it
cannot leak into a published page.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import posixpath
import re
import socket
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from ..errors import BuildError, Problem
from .preview import Preview, Snapshot

log = logging.getLogger(__name__)

EVENTS_PATH = "/_build-site/events"
"""Where the browser listens for rebuilds (Server-Sent Events); outside any site's pages."""
KEEPALIVE_SECONDS = 15.0

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
