"""``build-site serve``: an in-memory preview that rebuilds on save, reloads the page and shows errors over it."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http import HTTPStatus
from pathlib import Path

from site_builder.serve import server as preview_server
from site_builder.serve.preview import Preview, Snapshot
from site_builder.serve.server import inject_live_reload, respond, start_server

from ..conftest import REPO, edit_file, run_cli

TOPIC = "content/topics/perplexity.yaml"
ISSUE_PATH = "issues/2026-11-26/"
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


def test_published_output_never_has_the_live_reload_script(built_site: Path) -> None:
    files = [p for p in built_site.rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        data = path.read_bytes()
        assert MARKER not in data and b"/_build-site/" not in data, path


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


def test_a_taken_port_is_a_clean_error(project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--root", project, "--port", str(port))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"127.0.0.1:{port}: cannot listen: Address already in use (another program uses it; pick another with --port, or --port 0 for any free one)",
        "1 problem found (server).",
    ]


# --- the real command, in a subprocess -----------------------------------------------------------------------------


class ServeProcess:
    """``build-site serve`` running in a subprocess, its log lines collected as they come."""

    def __init__(self, root: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "site_builder", "serve", "--root", str(root), "--port", "0", *args],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
            env=env,
        )
        self.lines: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        served = self.wait_for_line(re.compile(r"^serving (http://\S+) "))
        self.url = served.group(1)

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))
            self._new.put(line)

    def wait_for_line(self, pattern: re.Pattern[str]) -> re.Match[str]:
        deadline = time.monotonic() + TIMEOUT
        seen = 0
        while time.monotonic() < deadline:
            for line in self.lines[seen:]:
                match = pattern.search(line)
                if match:
                    return match
            seen = len(self.lines)
            if self.process.poll() is not None and self._new.empty():
                break
            with suppress(queue.Empty):
                self._new.get(timeout=0.2)
        raise AssertionError(f"no line matching {pattern.pattern!r}; got:\n" + "\n".join(self.lines))

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=TIMEOUT)


@contextmanager
def serving(root: Path, *args: str) -> Iterator[ServeProcess]:
    server = ServeProcess(root, *args)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_serve_rebuilds_on_save_keeps_the_last_good_pages_and_writes_nothing(project: Path) -> None:
    with serving(project) as server:
        status, page = _get(server.url + ISSUE_PATH)
        assert status == 200 and "<h1>Perplexity · Batch Normalization Forward Pass</h1>" in page
        assert "data-build-site-live-reload" in page

        edit_file(project, TOPIC, "title: Perplexity", "title: Perplexity, explained")
        _until(lambda: "<h1>Perplexity, explained · Batch" in _get(server.url + ISSUE_PATH)[1], "the rebuilt page")

        edit_file(project, TOPIC, "title: Perplexity, explained", "title: [Perplexity")
        error = server.wait_for_line(re.compile(rf"^{re.escape(TOPIC)}:\d+:\d+: YAML syntax"))
        server.wait_for_line(re.compile(r"^1 problem found \(content\)\.$"))
        status, page = _get(server.url + ISSUE_PATH)
        assert status == 200 and "<h1>Perplexity, explained · Batch" in page, "the last good build stays up"
        state = next(_events(int(server.url.rsplit(":", 1)[1].strip("/"))))
        assert state["error"].startswith(error.group(0))

        edit_file(project, TOPIC, "title: [Perplexity", "title: Perplexity, fixed")
        _until(lambda: "<h1>Perplexity, fixed · Batch" in _get(server.url + ISSUE_PATH)[1], "recovery")
        assert server.stop() == 0
    assert server.lines[-1] == "stopped"
    assert not (project / "output").exists(), "serve never writes the output folder"


def test_serve_starts_even_when_the_first_build_fails(project: Path) -> None:
    (project / "content/site.yaml").write_text("")
    with serving(project) as server:
        server.wait_for_line(re.compile(r"^content/site\.yaml:1:1: file is empty$"))
        status, page = _get(server.url + ISSUE_PATH)
        assert status == 503 and "<h1>No build yet</h1>" in page
        (project / "content/site.yaml").write_text((REPO / "content/site.yaml").read_text())
        _until(lambda: _get(server.url + ISSUE_PATH)[0] == 200, "the first good build")


def test_serve_reloads_the_open_page_and_shows_errors_over_it(project: Path, browser, tmp_path: Path) -> None:
    """The whole loop in a real browser: save, see the page reload; break it, see the overlay; fix it."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    with serving(project) as server:
        page.goto(server.url + ISSUE_PATH)
        title = page.locator("#topics-title")
        assert title.inner_text() == "Perplexity"
        page.evaluate("window.notReloaded = true")

        edit_file(project, TOPIC, "title: Perplexity", "title: Perplexity, explained")
        page.wait_for_function(
            "document.querySelector('#topics-title').textContent === 'Perplexity, explained'", timeout=TIMEOUT * 1000
        )
        assert page.evaluate("window.notReloaded") is None, "the page reloaded itself"

        edit_file(project, TOPIC, "title: Perplexity, explained", "title: [Perplexity")
        overlay = page.locator("#build-site-error")
        overlay.wait_for(state="visible", timeout=TIMEOUT * 1000)
        text = overlay.inner_text()
        assert "Build failed" in text and f"{TOPIC}:" in text and "YAML syntax" in text
        page.screenshot(path=tmp_path / "serve-error-overlay.png")
        assert title.inner_text() == "Perplexity, explained", "the last good page stays under the overlay"

        edit_file(project, TOPIC, "title: [Perplexity", "title: Perplexity, fixed")
        page.wait_for_function(
            "document.querySelector('#topics-title').textContent === 'Perplexity, fixed'", timeout=TIMEOUT * 1000
        )
        assert overlay.count() == 0
    page.close()
    assert errors == []


def test_a_save_makes_again_only_what_it_changed_and_serves_what_a_fresh_build_makes(project: Path) -> None:
    # The preview keeps its site in memory between saves: a save costs what its change calls for,
    # not a build of the whole archive.
    import datetime as dt

    from site_builder.pipeline.build import make_site
    from site_builder.pipeline.options import BuildOptions
    from site_builder.serve.preview import Session

    options = BuildOptions(date=dt.date(2026, 11, 28))
    session = Session(project, options)
    files, _ = session.build()
    everything = set(session.rendered)
    assert len(everything) == len(files) > 100
    edit_file(project, TOPIC, "title: Perplexity", "title: Perplexity, explained")
    files, _ = session.build()
    remade = set(session.rendered)
    assert f"{ISSUE_PATH}index.html" in remade and "topics/perplexity/index.html" in remade
    assert "topics/softmax-temperature/index.html" not in remade and len(remade) < len(everything) / 4
    assert files == make_site(project, options).files


def test_a_save_reloads_the_pages_before_the_search_index_is_made_again(project: Path) -> None:
    # Pagefind is most of a save's time, and the page being written does not show the index: the pages
    # reload after a build that leaves the shards as they were, and a second build makes them at once,
    # without reloading the pages again.
    import datetime as dt

    from site_builder.pipeline.build import make_site
    from site_builder.pipeline.options import BuildOptions
    from site_builder.serve.preview import Session, rebuild

    options = BuildOptions(date=dt.date(2026, 11, 28))
    session = Session(project, options)
    preview = Preview("test")
    assert rebuild(preview, project, options, session)
    first = preview.snapshot
    shard = "pagefind/pagefind-entry.json"
    assert shard in first.files

    seen: list[tuple[str, bytes]] = []
    succeeded = preview.succeeded

    def watching(files: dict[str, bytes], base_path: str, *, reload: bool = True) -> None:
        succeeded(files, base_path, reload=reload)
        seen.append((preview.snapshot.build, files[shard]))

    preview.succeeded = watching  # type: ignore[method-assign]
    edit_file(project, TOPIC, "  - heading: The definition", "  - heading: The definitions")
    assert rebuild(preview, project, options, session)
    (reloaded, index_then), (after, index_after) = seen
    assert reloaded != first.build and after == reloaded, "the pages reload once, when the save shows"
    assert index_then == first.files[shard] and index_after != index_then, "the index is made again after the reload"
    assert preview.snapshot.files == make_site(project, options).files
    assert rebuild(preview, project, options, session) and preview.snapshot.build == reloaded  # nothing left to do
