"""``build-site serve``'s server: pages from memory with the live-reload script, redirects, the 404 page, the event
stream that tells the browser of every rebuild and error."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from http import HTTPStatus

from site_builder.serve import server as preview_server
from site_builder.serve.preview import Preview, Snapshot
from site_builder.serve.server import inject_live_reload, respond, start_server

MARKER = b"data-build-site-live-reload"
TIMEOUT = 30.0


# --- what a request gets -------------------------------------------------------------------------------------------

FILES = {
    "index.html": b"<html><body><p>home</p></body></html>",
    "404.html": b"<html><body><p>missing</p></body></html>",
    "issues/2026-11-26/index.html": b"<html><body><p>issue</p></BODY></html>",
    "issues/2026-11-26/index.md": b"# issue\n",
    "static/style.css": b"body{}",
    "feed.xml": b"<feed/>",
}


def _snapshot(base_path: str = "/") -> Snapshot:
    return Snapshot("s-1", FILES, base_path, None)


def test_pages_are_served_from_memory_with_the_script_added_to_html_only() -> None:
    response = respond(_snapshot(), "/issues/2026-11-26/?utm=x")
    assert (response.status, response.content_type) == (HTTPStatus.OK, "text/html; charset=utf-8")
    assert response.body.startswith(b"<html><body><p>issue</p><script data-build-site-live-reload>")
    assert response.body.endswith(b"</script>\n</BODY></html>")
    assert b'const served = "s-1";' in response.body
    for path, content_type in [
        ("/issues/2026-11-26/index.md", "text/markdown; charset=utf-8"),
        ("/static/style.css", "text/css; charset=utf-8"),
        ("/feed.xml", "application/xml; charset=utf-8"),
    ]:
        response = respond(_snapshot(), path)
        assert (response.status, response.content_type) == (HTTPStatus.OK, content_type)
        assert response.body == FILES[path[1:]]


def test_folders_redirect_to_their_slash_and_unknown_paths_get_the_404_page() -> None:
    response = respond(_snapshot(), "/issues/2026-11-26")
    assert (response.status, response.location) == (HTTPStatus.MOVED_PERMANENTLY, "/issues/2026-11-26/")
    response = respond(_snapshot(), "/nothing/here/")
    assert response.status == HTTPStatus.NOT_FOUND and response.body.startswith(b"<html><body><p>missing</p><script")


def test_a_site_under_a_path_is_served_under_that_path() -> None:
    snapshot = _snapshot("/newsletter/")
    assert respond(snapshot, "/").location == "/newsletter/"
    assert respond(snapshot, "/newsletter").location == "/newsletter/"
    assert b"<p>home</p>" in respond(snapshot, "/newsletter/").body
    assert b"<p>issue</p>" in respond(snapshot, "/newsletter/issues/2026-11-26/").body
    assert respond(snapshot, "/issues/2026-11-26/").status == HTTPStatus.NOT_FOUND


def test_before_a_first_good_build_every_page_waits_for_one() -> None:
    response = respond(Snapshot("s-0", {}, "/", "content/site.yaml: file is empty"), "/anything/")
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert b"<h1>No build yet</h1>" in response.body and MARKER in response.body


def test_script_is_appended_when_there_is_no_body_end() -> None:
    assert inject_live_reload(b"<p>fragment", "x").startswith(b"<p>fragment<script data-build-site-live-reload>")


# --- the event stream ----------------------------------------------------------------------------------------------


def _events(port: int) -> Iterator[dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    connection.request("GET", preview_server.EVENTS_PATH)
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
    event = None
    try:
        while True:
            line = response.readline().decode()
            if line.startswith("event: "):
                event = line[7:].strip()
            elif line.startswith("data: ") and event == "build":
                yield json.loads(line[6:])
    finally:
        connection.close()


def test_the_browser_is_told_of_every_rebuild_and_error() -> None:
    preview = Preview(session="t")
    server = start_server(preview, "127.0.0.1", 0)
    try:
        events = _events(server.server_address[1])
        assert next(events) == {"build": "t-0", "error": None}
        preview.succeeded(FILES, "/")
        assert next(events) == {"build": "t-1", "error": None}
        preview.failed("content/topics/x.yaml:3:1: title: required field is missing")
        assert next(events) == {"build": "t-1", "error": "content/topics/x.yaml:3:1: title: required field is missing"}
        preview.succeeded(FILES, "/")  # the same files again: the error clears, no reload needed
        assert next(events) == {"build": "t-1", "error": None}
        preview.succeeded({**FILES, "index.html": b"<p>new</p>"}, "/")
        assert next(events) == {"build": "t-2", "error": None}
    finally:
        preview.close()
        server.shutdown()
        server.server_close()
