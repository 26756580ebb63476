"""Benchmark build-site on a generated archive, side by side with Pelican and Hugo.

    python -m benchmarks.run [--n 1000] [--runs 3] [--scale 100,1000,3000] [--skip-peers]
                             [--workdir DIR] [--json FILE] [--seed 1] [--quick]

Runs alternate: every round runs each scenario once, in the same order, so a
slow minute on the machine hits every tool alike. Scenarios of build-site, each
saying exactly what it keeps:

- cold:           nothing: no output/, no .output.build-state/ (the previous tree
                  and the dependency records), no .build-cache/;
- warm-cache:     the computed results only (.build-cache/v1: worked examples, test
                  cases, formula checks, plots, formula images); output/, its state
                  (.output.build-state/), the compiled templates (.build-cache/jinja) and
                  the entries' kept renderings (.build-cache/v1/fragments) deleted: every
                  page is rendered from Markdown and written;
- warm-full:      all of .build-cache/ (what a CI job restores), but no output/ and no
                  state: every page is rendered and written;
- no-op:          everything: run again, nothing changed;
- edit-entry:     everything; one topic (of the middle issue) gets a paragraph appended;
- edit-template:  everything; templates/entry.html gets a Jinja comment appended;
- next-day:       everything; the daily publish: the next day's issue and its three
                  entries appear, and the build publishes as of that day (then they
                  are removed again, for the next round);
- daily-job:      what the publishing workflow's build job keeps (output/, the build
                  state and .build-cache/), restored into a fresh checkout of the next
                  day's repository, then the build as of that day (``benchmarks.daily``);
- serve-reload:   ``build-site serve`` running (started once, its first build not
                  timed): a paragraph is appended to a topic, and the time runs until
                  the server has announced the rebuild (what reloads an open page)
                  and the topic's page, fetched again, shows the paragraph;
- serve-template: the same server; an HTML comment is added to templates/entry.html
                  (every entry's page), timed until a topic's page shows it.

build-site runs byte-compiled, as installed (``measure.byte_compile_build_site``).
Peers: Pelican cold (output/ and cache/ deleted) and Hugo cold (public/,
resources/ and its cache deleted). Each run is a child process: wall time, CPU
time and peak RSS (``os.wait4``) are its own. The output folder is compared
before and after each run to count the files written (new or changed inode,
mtime or size).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.archive import Project
from benchmarks.daily import DailyJob
from benchmarks.generate import (
    DEFAULT_SEED,
    append_to_last_section,
    entry_path,
    generate_archive,
    generate_project,
    word_count,
)
from benchmarks.measure import (
    Measurement,
    Summary,
    _remove,
    _snapshot,
    _timed,
    available_peers,
    byte_compile_build_site,
    machine,
    page_counts,
)
from benchmarks.peers import write_hugo, write_pelican
from benchmarks.report import format_report, marginal_costs, parse_sizes
from benchmarks.scenarios import (
    HEAVY_MODULES,
    OURS,
    OURS_WRAPPER,
    PEERS,
    ROUND_ORDER,
    SCALE_ORDER,
)
from benchmarks.serve import ServeSession

__all__ = ["main", "marginal_costs"]


class Bench:
    """Runs scenarios on generated projects and collects measurements."""

    def __init__(self, workdir: Path, peers: Sequence[str], log: Callable[[str], None]) -> None:
        self.workdir = workdir
        self.peers = tuple(peers)
        self.log = log
        self.measurements: list[Measurement] = []
        self.pages: dict[str, dict[str, object]] = {}
        self._serves: dict[int, ServeSession] = {}
        self._dailies: dict[int, DailyJob] = {}

    def project(self, n: int, seed: int) -> Project:
        base = self.workdir / f"n{n}"
        started = time.perf_counter()
        archive = generate_project(base / "site", n, seed)
        if "pelican" in self.peers:
            write_pelican(archive, base / "pelican")
        if "hugo" in self.peers:
            write_hugo(archive, base / "hugo")
        self.log(f"generated N={n} in {time.perf_counter() - started:.1f} s under {base}")
        tomorrow = generate_archive(n + 1, seed).issues[-1]  # the same seed gives the same first n issues
        return Project(n, archive, base / "site", base / "pelican", base / "hugo", tomorrow)

    def run(self, project: Project, scenario: str, round_: int) -> Measurement:
        if scenario == "serve-reload":
            return self._record(self.serve(project).save(round_), project, scenario, round_)
        if scenario == "serve-template":
            return self._record(self.serve(project).edit_template(round_), project, scenario, round_)
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
        if scenario == "next-day":  # the archive as it was, for the next round and the other scenarios
            for path in _tomorrow_files(project):
                path.unlink()
        if scenario == "daily-job":  # what the workflow keeps for tomorrow's job
            self._dailies[project.n].save()
        measurement = Measurement(
            scenario, project.n, round_, seconds, cpu, rss_kb / 1024, written, len(after), imported, pss_mb
        )
        return self._record(measurement, project, scenario, round_)

    def _record(self, measurement: Measurement, project: Project, scenario: str, round_: int) -> Measurement:
        seconds, cpu, written, pss_mb = (
            measurement.seconds,
            measurement.cpu_seconds,
            measurement.files_written,
            measurement.peak_pss_mb,
        )
        rss_kb, total = measurement.peak_rss_mb * 1024, measurement.files_total
        self.measurements.append(measurement)
        if scenario in ("cold", *PEERS):
            out = project.ours / "output" if scenario == "cold" else self._prepare_peer_out(project, scenario)
            self.pages[f"{scenario}@{project.n}"] = page_counts(out)
        self.log(
            f"  N={project.n} round {round_ + 1} {scenario:<13} {seconds:7.2f} s  "
            f"cpu {cpu:6.2f} s  rss {rss_kb / 1024:6.0f} MB  pss {pss_mb:6.0f} MB  wrote {written}/{total} files"
        )
        return measurement

    def _prepare_peer_out(self, project: Project, peer: str) -> Path:
        return project.pelican / "output" if peer == "pelican" else project.hugo / "public"

    def serve(self, project: Project) -> ServeSession:
        """The preview server of ``project``, started on first use and kept running until ``close``."""
        if project.n not in self._serves:
            self._serves[project.n] = ServeSession.start(project, self.workdir, self.log)
        return self._serves[project.n]

    def close(self) -> None:
        for session in self._serves.values():
            session.stop()
        self._serves.clear()

    def daily(self, project: Project) -> DailyJob:
        """The daily job of ``project``, a day further at each use."""
        if project.n not in self._dailies:
            self._dailies[project.n] = DailyJob(project, self.log)
        return self._dailies[project.n]

    def _prepare_ours(self, project: Project, scenario: str, round_: int) -> tuple[list[str], Path, Path]:
        root = project.ours
        out = root / "output"
        state = root / ".output.build-state"
        date = project.archive.last_date
        if scenario == "daily-job":
            root, day = self.daily(project).prepare(_untimed_build)
            command = [sys.executable, "-c", OURS_WRAPPER, "--root", str(root), "--date", day, "-q"]
            return command, root, root / "output"
        if scenario == "cold":
            _remove(out, state, root / ".build-cache")
        elif scenario == "warm-cache":
            # every cache but the computed results: no compiled templates, no kept renderings of entries
            _remove(out, state, root / ".build-cache" / "jinja", root / ".build-cache" / "v1" / "fragments")
        elif scenario == "warm-full":
            _remove(out, state)
        elif scenario == "edit-entry":
            topic = project.archive.issues[len(project.archive.issues) // 2].topic
            append_to_last_section(entry_path(root, topic), f"Edited by the benchmark in round {round_ + 1}.")
        elif scenario == "edit-template":
            with (root / "templates" / "entry.html").open("a", encoding="utf-8") as handle:
                handle.write(f"{{# edited by the benchmark in round {round_ + 1} #}}\n")
        elif scenario == "next-day":  # the daily publish: tomorrow's issue and its entries appear, and its day comes
            issue = project.tomorrow
            for entry in issue.parts:
                entry_path(root, entry).write_text(entry.yaml, encoding="utf-8")
            (root / "content" / "issues" / f"{issue.date.isoformat()}.yaml").write_text(issue.yaml, encoding="utf-8")
            date = issue.date
        command = [sys.executable, "-c", OURS_WRAPPER, "--root", str(root), "--date", str(date)]
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


def _untimed_build(root: Path, day: str) -> None:
    command = [sys.executable, "-m", "site_builder", "--root", str(root), "--date", day, "-q"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def _tomorrow_files(project: Project) -> list[Path]:
    issue = project.tomorrow
    return [
        *(entry_path(project.ours, e) for e in issue.parts),
        project.ours / "content" / "issues" / f"{issue.date}.yaml",
    ]


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
    parser.add_argument(
        "--quick", action="store_true", help="one run of each scenario, scaling table at N=100 and 1000 only (~15 min)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.scale = 1, "100,1000"
    if args.n < 1 or args.runs < 1 or args.scale_runs < 1:
        parser.error("--n, --runs and --scale-runs must be at least 1")

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    byte_compile_build_site()
    load_start = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="build-site-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        peers = available_peers(args.skip_peers, log)
        bench = Bench(workdir.resolve(), peers, log)
        order = [s for s in ROUND_ORDER if s in OURS or s in peers]
        project = bench.project(args.n, args.seed)
        try:
            for round_ in range(args.runs):
                for scenario in order:
                    bench.run(project, scenario, round_)
        finally:
            bench.close()
        summaries = bench.summaries(args.n)
        words = statistics.fmean(word_count(issue) for issue in project.archive.issues)

        scaling = []
        for n in parse_sizes(args.scale):
            if n != args.n:
                scaled = bench.project(n, args.seed)
                try:
                    for round_ in range(args.scale_runs):
                        for scenario in (s for s in SCALE_ORDER if s in order):
                            bench.run(scaled, scenario, round_)
                finally:
                    bench.close()  # the preview of this size: its memory is not the next size's
            row: dict[str, object] = {"n": n}
            for scenario, summary in bench.summaries(n).items():
                if scenario in SCALE_ORDER:
                    row[scenario] = summary.median
            ours = [m for m in bench.measurements if m.n == n and m.scenario in OURS]
            row["peak_rss_mb"] = max(m.peak_rss_mb for m in ours)
            row["warm_pss_mb"] = max((m.peak_pss_mb for m in ours if m.scenario != "cold"), default=0.0)
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
                    for ours in ("cold", "warm-cache", "warm-full", "edit-template", "daily-job")
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
