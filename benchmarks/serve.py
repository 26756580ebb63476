"""The serve scenario of the benchmark: ``build-site serve`` running, a save timed until the open page has reloaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.generate import append_to_last_section, entry_path
from benchmarks.measure import Measurement, _peak_rss_kb, _PssSampler

if TYPE_CHECKING:
    from benchmarks.archive import Project


class ServeSession:
    """``build-site serve`` on a project, as an author runs it: a save is timed until the open page has reloaded.

    The page reloads when the server's event stream announces a new build (what the live-reload
    script listens to); the time runs from the save to the page's new content, fetched after that.
    """

    def __init__(self, process: subprocess.Popen[str], url: str, project: Project, sampler: _PssSampler) -> None:
        self.process = process
        self.url = url
        self.project = project
        self.sampler = sampler

    @classmethod
    def start(cls, project: Project, workdir: Path, log: Callable[[str], None]) -> ServeSession:
        command = [sys.executable, "-m", "site_builder", "serve", "--root", str(project.ours), "--port", "0"]
        command += ["--date", str(project.archive.last_date)]
        started = time.perf_counter()
        process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("serving "):
                url = line.split()[1]
                break
        else:
            raise SystemExit(f"serve (N={project.n}) ended before serving")
        threading.Thread(target=process.stderr.read, daemon=True).start()  # keep its pipe drained
        sampler = _PssSampler(process.pid)
        sampler.start()
        log(f"  N={project.n} serve: first build in {time.perf_counter() - started:.1f} s, at {url}")
        return cls(process, url, project, sampler)

    def save(self, round_: int) -> Measurement:
        """Append a paragraph to a topic and time until its page, fetched again, shows it."""
        issues = self.project.archive.issues
        topic = issues[(len(issues) // 3 + round_) % len(issues)].topic
        marker = f"Saved by the benchmark in round {round_ + 1}."
        return self._timed("serve-reload", round_, topic.id, marker, lambda: self._append_to(topic, marker))

    def edit_template(self, round_: int) -> Measurement:
        """Add a comment to ``templates/entry.html`` (every entry's page) and time until a topic's page shows it."""
        issues = self.project.archive.issues
        topic = issues[(len(issues) // 2 + round_) % len(issues)].topic
        marker = f"edited by the benchmark in round {round_ + 1}"
        template = self.project.ours / "templates" / "entry.html"

        def edit() -> None:
            text = template.read_text(encoding="utf-8")
            at = text.rindex("{% endblock %}")  # inside the page's last block: a child template shows only blocks
            template.write_text(f"{text[:at]}<!-- {marker} -->\n{text[at:]}", encoding="utf-8")

        return self._timed("serve-template", round_, topic.id, marker, edit)

    def _append_to(self, topic: Any, marker: str) -> None:
        append_to_last_section(entry_path(self.project.ours, topic), marker)

    def _timed(self, scenario: str, round_: int, topic: str, marker: str, change: Callable[[], None]) -> Measurement:
        """Make ``change`` into the idle preview; the seconds until the topic's page, fetched again, holds ``marker``."""
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        events = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        events.request("GET", "/_build-site/events")
        stream = events.getresponse()
        # The other scenarios change the project too (the next day's issue is added and removed): the
        # server rebuilds after them. An author saves into an idle preview, so the save waits for that.
        _wait_idle(self.process.pid)
        served = _next_build(stream, None)
        started = time.perf_counter()
        change()
        # A build announced first may be a late one of the save before (an editor's write can be
        # seen as two changes): the time runs until a build shows this save, three builds at most.
        build = served
        for _ in range(3):
            build = _next_build(stream, build)
            page = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            page.request("GET", f"{parts.path}topics/{topic}/")
            body = page.getresponse().read().decode()
            page.close()
            if marker in body:
                break
        seconds = time.perf_counter() - started
        events.close()
        if marker not in body:
            raise SystemExit(f"serve: build {build} does not show the change ({scenario})")
        rss = _peak_rss_kb(self.process.pid)
        return Measurement(scenario, self.project.n, round_, seconds, 0.0, rss / 1024, 0, 0, (), self.sampler.peak_mb)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.sampler.stop()


def _wait_idle(pid: int, quiet: float = 1.5, busy: float = 0.1, timeout: float = 300.0) -> None:
    """Wait until process ``pid`` has used less than ``busy`` of a core for ``quiet`` seconds (its rebuilds are done).

    Not "no CPU at all": an idle preview's watcher wakes a few times a second (a few % of a core
    with 4,000 content files), while a rebuild keeps a core busy.
    """
    tick = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = _cpu_ticks(pid)
        time.sleep(quiet)
        if (_cpu_ticks(pid) - before) / tick < busy * quiet:
            return


def _cpu_ticks(pid: int) -> int:
    """User + system clock ticks of ``pid`` and its threads (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _next_build(stream: Any, seen: str | None) -> str:
    """Read the event stream until a build other than ``seen`` is announced without an error; its id."""
    data = ""
    while True:
        line = stream.readline().decode()
        if not line:
            raise SystemExit("serve: the event stream ended")
        if line.startswith("data: "):
            data += line[len("data: ") :]
        elif line in ("\n", "\r\n") and data:
            state = json.loads(data)
            data = ""
            if state.get("error"):
                raise SystemExit(f"serve: the build failed: {state['error']}")
            if state["build"] != seen:
                return str(state["build"])
