"""Measuring one run: a child process's wall and CPU time and peak memory, and what it wrote to its output folder."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import importlib.util
import os
import platform
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Measurement:
    """One timed child process."""

    scenario: str
    n: int
    round: int
    seconds: float
    """Wall-clock time."""
    cpu_seconds: float
    """User + system CPU time of the child (above ``seconds`` when it used several cores)."""
    peak_rss_mb: float
    """Peak resident memory of the largest process (the build, or one of its workers)."""
    files_written: int
    """Files in the output folder that are new or changed (inode, mtime or size) after the run."""
    files_total: int
    imported: tuple[str, ...] = ()
    """Heavy modules the build imported (build-site only)."""
    peak_pss_mb: float = 0.0
    """Peak of the build and its workers together (proportional set size, sampled); 0 where /proc lacks it."""


@dataclass
class Summary:
    """Medians and extremes of one scenario's runs."""

    scenario: str
    runs: int
    median: float
    min: float
    max: float
    cpu_median: float
    peak_rss_mb: float
    files_written: int
    files_total: int
    imported: list[str] = field(default_factory=list)
    peak_pss_mb: float = 0.0


def _peak_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _timed(command: list[str], cwd: Path, env: dict[str, str], log_path: Path) -> tuple[float, float, int, int, float]:
    """Run a child; its wall time, CPU time, peak RSS (kB), exit status and peak PSS of its process tree (MB)."""
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        sampler = _PssSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, process.returncode, sampler.peak_mb


class _PssSampler(threading.Thread):
    """Samples the proportional set size of a process and its descendants (Linux /proc), keeping the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_mb = 0.0
        self._done = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self._done.is_set():
            total = sum(_pss_kb(pid) for pid in _descendants(self.pid))
            self.peak_mb = max(self.peak_mb, total / 1024)
            # Reading /proc/PID/smaps_rollup takes ~6 ms per 300 MB: often at first, then every half second,
            # so the sampling costs the measured build a few percent of a core at most.
            self._done.wait(0.05 if time.monotonic() - started < 1 else 0.5)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        with contextlib.suppress(OSError, ValueError):
            text = Path(f"/proc/{current}/task/{current}/children").read_text()
            pending.extend(int(child) for child in text.split())
    return found


def _pss_kb(pid: int) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def _remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Relative path -> (inode, mtime_ns, size) of every file under ``folder``."""
    found = {}
    for directory, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(directory, name)
            stat = os.stat(path)
            found[os.path.relpath(path, folder)] = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    return found


def page_counts(out: Path) -> dict[str, object]:
    """Files, HTML pages and bytes of an output folder, with HTML pages counted by top-level folder."""
    by_folder: dict[str, int] = {}
    files = html = size = 0
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        files += 1
        size += path.stat().st_size
        if path.suffix == ".html":
            html += 1
            parts = path.relative_to(out).parts
            top = parts[0] if len(parts) > 1 else "/"
            by_folder[top] = by_folder.get(top, 0) + 1
    return {"files": files, "html": html, "mb": round(size / 1e6, 1), "html_by_folder": dict(sorted(by_folder.items()))}


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_gb = None
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        first = meminfo.read_text().splitlines()[0].split()
        memory_gb = round(int(first[1]) / 1024**2, 1)
    versions = {"python": platform.python_version()}
    for package in ("pelican", "markdown", "markdown-it-py", "jinja2"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[package] = importlib.metadata.version(package)
    if shutil.which("hugo"):
        text = subprocess.run(["hugo", "version"], capture_output=True, text=True, check=False).stdout
        versions["hugo"] = text.split()[1] if text.split()[1:] else text.strip()
    return {
        "date": dt.date.today().isoformat(),
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": model or platform.processor(),
        "memory_gb": memory_gb,
        "platform": platform.platform(),
        "versions": versions,
    }


def available_peers(skip: bool, log: Callable[[str], None]) -> list[str]:
    if skip:
        return []
    peers = []
    if importlib.util.find_spec("pelican") and importlib.util.find_spec("markdown"):
        peers.append("pelican")
    else:
        log("Pelican is not installed (pip install -e '.[bench]'): skipping it")
    if shutil.which("hugo"):
        peers.append("hugo")
    else:
        log("hugo is not on PATH (apt-get install -y hugo): skipping it")
    return peers


def byte_compile_build_site() -> None:
    """Byte-compile build-site's modules, as installing a wheel does (and Python on a first import).

    A machine with ``PYTHONDONTWRITEBYTECODE`` set (this one, some CI images) would otherwise
    compile about 80 modules from source in every timed run: 0.2 s that no installed copy pays.
    """
    import compileall

    import site_builder

    compileall.compile_dir(Path(site_builder.__file__).parent, quiet=1)
