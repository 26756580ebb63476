"""Benchmark build-site on a generated archive, side by side with Pelican and Hugo.

    python -m benchmarks.run [--n 1000] [--runs 3] [--scale 100,1000,3000] [--skip-peers]
                             [--workdir DIR] [--json FILE] [--seed 1]

Runs alternate: every round runs each scenario once, in the same order, so a
slow minute on the machine hits every tool alike. Scenarios of build-site, each
saying exactly what it keeps:

- cold:           nothing: no output/, no .output.build-state/ (the previous tree
                  and the dependency records), no .build-cache/;
- warm-cache:     the computed results only (.build-cache/v1: worked examples, test
                  cases, formula checks, plots, formula images); output/, its state
                  and .build-cache/render/ (parsed sources, rendered fragments,
                  compiled templates) deleted: every page is rendered and written;
- warm-full:      every cache (.build-cache/), but no output/ and no state: pages
                  are made from cached fragments and all written;
- no-op:          everything: run again, nothing changed;
- edit-entry:     everything; one topic (of the middle issue) gets a paragraph appended;
- edit-template:  everything; templates/entry.html gets a Jinja comment appended.

Peers: Pelican cold (output/ and cache/ deleted) and Hugo cold (public/,
resources/ and its cache deleted). Each run is a child process: wall time, CPU
time and peak RSS (``os.wait4``) are its own. The output folder is compared
before and after each run to count the files written (new or changed inode,
mtime or size).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import importlib.util
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import DEFAULT_SEED, Archive, append_to_last_section, entry_path, generate_project, word_count
from benchmarks.peers import write_hugo, write_pelican

OURS = ("cold", "warm-cache", "warm-full", "no-op", "edit-entry", "edit-template")
PEERS = ("pelican", "hugo")
ROUND_ORDER = ("cold", "pelican", "warm-cache", "hugo", "warm-full", "no-op", "edit-entry", "edit-template")
SCALE_ORDER = ("cold", "pelican", "warm-cache", "hugo", "no-op", "edit-entry")
SCALE_COLUMNS = ("cold", "warm-cache", "no-op", "edit-entry", "pelican", "hugo")
LABELS = {
    "cold": "build-site cold (no output, no cache)",
    "warm-cache": "build-site warm compute cache",
    "warm-full": "build-site warm full cache, no output",
    "no-op": "build-site no-op rebuild",
    "edit-entry": "build-site one entry edited",
    "edit-template": "build-site one template edited",
    "pelican": "Pelican cold",
    "hugo": "Hugo cold",
}
HEAVY_MODULES = (
    "numpy",
    "matplotlib",
    "sympy",
    "pygments",
    "latex2mathml",
    "jinja2",
    "pydantic",
    "markdown_it",
    "yaml",
)
TARGETS = (
    # (description, scenario, compared with, limit): the issue's targets for a 2-core machine.
    ("warm-cache build ≤ 1/2 of Hugo cold", "warm-cache", "hugo", 0.5),
    ("warm-cache build ≤ 1/6 of Pelican cold", "warm-cache", "pelican", 1 / 6),
    ("no-op rebuild ≤ 0.3 s", "no-op", None, 0.3),
    ("one entry edited ≤ 0.6 s", "edit-entry", None, 0.6),
)
PEAK_RSS_LIMIT_MB = 300

# Runs ``build-site`` as its console script does and, at exit, records which heavy modules the build imported.
OURS_WRAPPER = """\
import atexit, json, os, sys
def _record():
    heavy = json.loads(os.environ["BENCH_HEAVY"])
    found = sorted({m.split(".")[0] for m in sys.modules} & set(heavy))
    with open(os.environ["BENCH_MODULES_FILE"], "w") as handle:
        json.dump(found, handle)
atexit.register(_record)
from site_builder.launch import run
run()
"""


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


@dataclass
class Project:
    """The generated projects for one N."""

    n: int
    archive: Archive
    ours: Path
    pelican: Path
    hugo: Path


class Bench:
    """Runs scenarios on generated projects and collects measurements."""

    def __init__(self, workdir: Path, peers: Sequence[str], log: Callable[[str], None]) -> None:
        self.workdir = workdir
        self.peers = tuple(peers)
        self.log = log
        self.measurements: list[Measurement] = []
        self.pages: dict[str, dict[str, object]] = {}

    def project(self, n: int, seed: int) -> Project:
        base = self.workdir / f"n{n}"
        started = time.perf_counter()
        archive = generate_project(base / "site", n, seed)
        if "pelican" in self.peers:
            write_pelican(archive, base / "pelican")
        if "hugo" in self.peers:
            write_hugo(archive, base / "hugo")
        self.log(f"generated N={n} in {time.perf_counter() - started:.1f} s under {base}")
        return Project(n, archive, base / "site", base / "pelican", base / "hugo")

    def run(self, project: Project, scenario: str, round_: int) -> Measurement:
        if scenario in PEERS:
            command, cwd, out = self._prepare_peer(project, scenario)
            env = dict(os.environ)
            modules_file = None
        else:
            command, cwd, out = self._prepare_ours(project, scenario, round_)
            modules_file = self.workdir / "modules.json"
            env = {**os.environ, "BENCH_MODULES_FILE": str(modules_file), "BENCH_HEAVY": json.dumps(HEAVY_MODULES)}
        before = _snapshot(out)
        log_path = self.workdir / "last-run.log"
        seconds, cpu, rss_kb, status, pss_mb = _timed(command, cwd, env, log_path)
        if status != 0:
            tail = log_path.read_text(errors="replace").splitlines()[-30:]
            raise SystemExit(f"{scenario} (N={project.n}) failed with status {status}:\n" + "\n".join(tail))
        after = _snapshot(out)
        written = sum(1 for path, stat in after.items() if before.get(path) != stat)
        imported = tuple(json.loads(modules_file.read_text())) if modules_file else ()
        measurement = Measurement(
            scenario, project.n, round_, seconds, cpu, rss_kb / 1024, written, len(after), imported, pss_mb
        )
        self.measurements.append(measurement)
        if scenario in ("cold", *PEERS):
            self.pages[f"{scenario}@{project.n}"] = page_counts(out)
        self.log(
            f"  N={project.n} round {round_ + 1} {scenario:<13} {seconds:7.2f} s  "
            f"cpu {cpu:6.2f} s  rss {rss_kb / 1024:6.0f} MB  pss {pss_mb:6.0f} MB  wrote {written}/{len(after)} files"
        )
        return measurement

    def _prepare_ours(self, project: Project, scenario: str, round_: int) -> tuple[list[str], Path, Path]:
        root = project.ours
        out = root / "output"
        state = root / ".output.build-state"
        if scenario == "cold":
            _remove(out, state, root / ".build-cache")
        elif scenario == "warm-cache":
            _remove(out, state, root / ".build-cache" / "render")
        elif scenario == "warm-full":
            _remove(out, state)
        elif scenario == "edit-entry":
            topic = project.archive.issues[len(project.archive.issues) // 2].topic
            append_to_last_section(entry_path(root, topic), f"Edited by the benchmark in round {round_ + 1}.")
        elif scenario == "edit-template":
            with (root / "templates" / "entry.html").open("a", encoding="utf-8") as handle:
                handle.write(f"{{# edited by the benchmark in round {round_ + 1} #}}\n")
        command = [sys.executable, "-c", OURS_WRAPPER, "--root", str(root), "--date", str(project.archive.last_date)]
        return [*command, "-q"], root, out

    def _prepare_peer(self, project: Project, peer: str) -> tuple[list[str], Path, Path]:
        if peer == "pelican":
            root = project.pelican
            _remove(root / "output", root / "cache", root / "__pycache__")
            command = [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "output", "-q"]
            return command, root, root / "output"
        root = project.hugo
        _remove(root / "public", root / "resources", root / ".hugo-cache", root / ".hugo_build.lock")
        command = ["hugo", "--quiet", "--source", str(root), "--destination", "public"]
        return [*command, "--cacheDir", str(root / ".hugo-cache")], root, root / "public"

    def summaries(self, n: int) -> dict[str, Summary]:
        found: dict[str, Summary] = {}
        for scenario in (*OURS, *PEERS):
            runs = [m for m in self.measurements if m.n == n and m.scenario == scenario]
            if not runs:
                continue
            times = [m.seconds for m in runs]
            found[scenario] = Summary(
                scenario,
                len(runs),
                statistics.median(times),
                min(times),
                max(times),
                statistics.median(m.cpu_seconds for m in runs),
                max(m.peak_rss_mb for m in runs),
                runs[-1].files_written,
                runs[-1].files_total,
                list(runs[-1].imported),
                max(m.peak_pss_mb for m in runs),
            )
        return found


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


def format_report(
    info: dict[str, object],
    load_start: object,
    n: int,
    runs: int,
    words: float,
    summaries: dict[str, Summary],
    pages: dict[str, dict[str, object]],
    scaling: list[dict[str, object]],
) -> str:
    versions = info["versions"]
    assert isinstance(versions, dict)
    peers = ", ".join(f"{k} {v}" for k, v in versions.items() if k in ("pelican", "markdown", "hugo"))
    lines = [
        f"build-site benchmark, {info['date']}: N={n} daily issues ({3 * n} entries, ~{words:.0f} words each), "
        f"{runs} interleaved run{'s' if runs != 1 else ''} per scenario",
        f"machine: {info['nproc']} cores ({info['cpu']}), {info['memory_gb']} GB, Python {versions['python']}, "
        f"{info['platform']}" + (f"; {peers}" if peers else ""),
        f"load average at the start: {load_start}, at the end: {info['load_average']} "
        "(cpu = user + system seconds of the child and its workers; above wall time when it used both cores; "
        "peak RSS: the largest process; all procs: the build and its workers together, as PSS)",
        "",
        f"{'scenario':<40}{'median':>9}{'min':>9}{'max':>9}{'cpu':>9}{'peak RSS':>10}{'all procs':>11}  files written",
    ]
    for scenario, s in summaries.items():
        pss = f"{s.peak_pss_mb:>8.0f} MB" if s.peak_pss_mb else f"{'-':>11}"
        lines.append(
            f"{LABELS[scenario]:<40}{s.median:>8.2f}s{s.min:>8.2f}s{s.max:>8.2f}s{s.cpu_median:>8.2f}s"
            f"{s.peak_rss_mb:>7.0f} MB{pss}  {s.files_written}/{s.files_total}"
        )
    ratios = ratio_lines(summaries)
    if ratios:
        lines += ["", "ratios of medians measured in this run (build-site / peer):", *ratios]
    lines += ["", "targets (issue 6):", *target_lines(summaries)]
    if "no-op" in summaries:
        lines.append(f"heavy modules imported by the no-op rebuild: {', '.join(summaries['no-op'].imported) or 'none'}")
    lines += ["", "output (same text; build-site also writes a page per entry and a Markdown copy per issue):"]
    for key, count in pages.items():
        scenario, _, size = key.partition("@")
        if int(size) == n:
            name = {"cold": "build-site"}.get(scenario, scenario.capitalize())
            folders = ", ".join(f"{k} {v}" for k, v in count["html_by_folder"].items())  # type: ignore[union-attr]
            lines.append(
                f"  {name:<11}{count['html']:>6} HTML pages, {count['files']:>6} files, {count['mb']:>6} MB ({folders})"
            )
    if scaling:
        lines += ["", *format_scaling(scaling)]
    return "\n".join(lines)


def ratio_lines(summaries: dict[str, Summary]) -> list[str]:
    lines = []
    for ours in ("cold", "warm-cache"):
        for peer in PEERS:
            if ours in summaries and peer in summaries:
                wall = summaries[ours].median / summaries[peer].median
                cpu = summaries[ours].cpu_median / summaries[peer].cpu_median
                lines.append(f"  {LABELS[ours]:<40} / {LABELS[peer]:<13} = {wall:6.2f}   (cpu time: {cpu:.2f})")
    return lines


def target_lines(summaries: dict[str, Summary]) -> list[str]:
    lines = []
    for text, scenario, peer, limit in TARGETS:
        if scenario not in summaries or (peer and peer not in summaries):
            continue
        value = summaries[scenario].median / (summaries[peer].median if peer else 1)
        shown = f"{value:.2f}×" if peer else f"{value:.2f} s"
        lines.append(f"  {'met    ' if value <= limit else 'NOT met'}  {text}: {shown}")
    peak = max((s.peak_rss_mb for k, s in summaries.items() if k in OURS), default=None)
    if peak is not None:
        total = max((s.peak_pss_mb for k, s in summaries.items() if k in OURS), default=0.0)
        together = f" (build and workers together: {total:.0f} MB)" if total else ""
        lines.append(
            f"  {'met    ' if peak <= PEAK_RSS_LIMIT_MB else 'NOT met'}  peak RSS ≤ {PEAK_RSS_LIMIT_MB} MB, "
            f"largest process: {peak:.0f} MB{together}"
        )
    return lines


def format_scaling(rows: list[dict[str, object]]) -> list[str]:
    columns = [s for s in SCALE_COLUMNS if any(s in row for row in rows)]
    header = f"{'N':>6}" + "".join(f"{s:>12}" for s in columns) + f"{'cold/issue':>12}{'peak RSS':>10}"
    lines = ["scaling (median seconds; build-site cold per issue; build-site peak RSS):", header]
    for row in rows:
        n = int(row["n"])  # type: ignore[call-overload]
        cells = "".join(f"{row[s]:>11.2f}s" if s in row else f"{'-':>12}" for s in columns)
        per_issue = float(row["cold"]) / n * 1000 if "cold" in row else float("nan")  # type: ignore[arg-type]
        lines.append(f"{n:>6}{cells}{per_issue:>9.1f} ms{row['peak_rss_mb']:>7.0f} MB")
    points = [(int(r["n"]), float(r["cold"])) for r in rows if "cold" in r]  # type: ignore[call-overload,arg-type]
    steps = marginal_costs(points)
    if steps:
        shown = ", ".join(f"{a}→{b}: {cost * 1000:.1f} ms" for a, b, cost in steps)
        lines.append(f"build-site cold, cost of each further issue: {shown} (about equal when cost grows linearly)")
    return lines


def marginal_costs(points: list[tuple[int, float]]) -> list[tuple[int, int, float]]:
    """(N1, N2, seconds per issue added) between consecutive sizes: equal steps mean linear growth."""
    ordered = sorted(points)
    return [(n1, n2, (t2 - t1) / (n2 - n1)) for (n1, t1), (n2, t2) in itertools.pairwise(ordered) if n2 > n1]


def parse_sizes(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "0"):
        return []
    return sorted({int(part) for part in text.split(",") if part.strip()})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark build-site against Pelican and Hugo on a generated archive.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--n", type=int, default=1000, help="number of daily issues")
    parser.add_argument("--runs", type=int, default=3, help="runs of each scenario (interleaved)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generated archive")
    parser.add_argument(
        "--scale", default="100,1000,3000", help="comma-separated N for the scaling table ('none' to skip)"
    )
    parser.add_argument("--scale-runs", type=int, default=1, help="runs per scenario in the scaling table")
    parser.add_argument("--skip-peers", action="store_true", help="run build-site only")
    parser.add_argument("--workdir", type=Path, help="where projects are generated (kept); default: a temporary folder")
    parser.add_argument("--json", type=Path, help="also write every measurement and the summary to this file")
    args = parser.parse_args(argv)
    if args.n < 1 or args.runs < 1 or args.scale_runs < 1:
        parser.error("--n, --runs and --scale-runs must be at least 1")

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    load_start = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="build-site-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        peers = available_peers(args.skip_peers, log)
        bench = Bench(workdir.resolve(), peers, log)
        order = [s for s in ROUND_ORDER if s in OURS or s in peers]
        project = bench.project(args.n, args.seed)
        for round_ in range(args.runs):
            for scenario in order:
                bench.run(project, scenario, round_)
        summaries = bench.summaries(args.n)
        words = statistics.fmean(word_count(issue) for issue in project.archive.issues)

        scaling = []
        for n in parse_sizes(args.scale):
            if n != args.n:
                scaled = bench.project(n, args.seed)
                for round_ in range(args.scale_runs):
                    for scenario in (s for s in SCALE_ORDER if s in order):
                        bench.run(scaled, scenario, round_)
            row: dict[str, object] = {"n": n}
            for scenario, summary in bench.summaries(n).items():
                if scenario in SCALE_ORDER:
                    row[scenario] = summary.median
            row["peak_rss_mb"] = max(m.peak_rss_mb for m in bench.measurements if m.n == n and m.scenario in OURS)
            scaling.append(row)

        info = machine()
        report = format_report(info, load_start, args.n, args.runs, words, summaries, bench.pages, scaling)
        print(report)
        if args.json:
            data = {
                "machine": info,
                "load_average_start": load_start,
                "n": args.n,
                "runs": args.runs,
                "seed": args.seed,
                "words_per_issue": round(words, 1),
                "summary": {k: asdict(v) for k, v in summaries.items()},
                "ratios": {
                    f"{ours}/{peer}": {
                        "wall": summaries[ours].median / summaries[peer].median,
                        "cpu": summaries[ours].cpu_median / summaries[peer].cpu_median,
                    }
                    for ours in ("cold", "warm-cache")
                    for peer in PEERS
                    if ours in summaries and peer in summaries
                },
                "pages": bench.pages,
                "scaling": scaling,
                "measurements": [asdict(m) for m in bench.measurements],
                "report": report,
            }
            args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            log(f"wrote {args.json}")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
