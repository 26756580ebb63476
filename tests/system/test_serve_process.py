"""``build-site serve`` as a process of its own: it rebuilds on save, keeps the last good pages, shows errors over the
page in a real browser, and watches folders made while it runs."""

from __future__ import annotations

import datetime as dt
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from ..conftest import REPO, copy_project, edit_file, run_cli
from ..pipeline.publishing import write_issue, write_topic
from ..pipeline.test_theme import FOOTER
from ..unit.serve.test_server import _events

TOPIC = "content/topics/perplexity.yaml"
ISSUE_PATH = "issues/2026-11-26/"
TIMEOUT = 30.0
DATE = dt.date(2026, 11, 28)
NEW = "topics/fresh-idea/"


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


def test_serve_shows_a_new_topic_until_an_issue_features_it(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    write_topic(root, "fresh-idea", "Fresh Idea", "Brand New Chapter", r"y = \frac{1}{2} x")
    with serving(root, "--date", DATE.isoformat()) as server:
        status, page = _get(server.url + NEW)
        assert status == 200, page
        assert "Not in any issue yet." in page
        assert _get(server.url + "chapters/brand-new-chapter/")[0] == 404
        assert "fresh-idea" not in _get(server.url + "archive/")[1]

        write_issue(root, "2026-11-29", topic="fresh-idea")  # --future is on in a preview: it is shown at once
        _until(lambda: "Not in any issue yet." not in _get(server.url + NEW)[1], "the topic featured")
        status, page = _get(server.url + NEW)
        assert re.search(r'From the <a href="/chapters/brand-new-chapter/">Brand New Chapter</a> chapter', page)
        assert _get(server.url + "chapters/brand-new-chapter/")[0] == 200
        assert server.stop() == 0


def test_serve_watches_templates_made_while_it_runs(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")  # with the session's computed results: the first build renders only
    shutil.rmtree(root / "templates")  # the bundled project on the theme alone
    with serving(root) as server:
        assert "our own footer line" not in _get(server.url + ISSUE_PATH)[1]
        assert run_cli("theme", "eject", "base.html", "--root", root, "-q").exit_code == 0
        server.wait_for_line(re.compile(r"^changed: now watching content/, templates/, computed/$"))
        FOOTER(root)  # an edit of the new folder's file, after it is watched
        _until(lambda: "our own footer line" in _get(server.url + ISSUE_PATH)[1], "the override in the preview")
        shutil.rmtree(root / "templates")
        _until(lambda: "our own footer line" not in _get(server.url + ISSUE_PATH)[1], "the theme back in the preview")
        assert server.stop() == 0
    assert not (root / "output").exists()
