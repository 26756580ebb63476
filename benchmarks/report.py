"""The benchmark's report: medians, ratios to the peers measured in the same run, targets, scaling."""

from __future__ import annotations

import itertools

from benchmarks.measure import Summary
from benchmarks.scenarios import (
    FLAT,
    FLAT_WITHIN,
    LABELS,
    MEMORY_LIMITS_MB,
    OURS,
    PEERS,
    SCALE_COLUMNS,
    SCALE_TARGETS,
    TARGETS,
)


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
    lines += ["", "targets (issue 26):", *target_lines(summaries, n)]
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
    for ours in ("cold", "warm-cache", "warm-full", "edit-template", "daily-job"):
        for peer in PEERS:
            if ours in summaries and peer in summaries:
                wall = summaries[ours].median / summaries[peer].median
                cpu = summaries[ours].cpu_median / summaries[peer].cpu_median
                lines.append(f"  {LABELS[ours]:<40} / {LABELS[peer]:<13} = {wall:6.2f}   (cpu time: {cpu:.2f})")
    return lines


def target_lines(summaries: dict[str, Summary], n: int) -> list[str]:
    lines = []
    for text, scenario, peer, limit in TARGETS:
        if scenario not in summaries or (peer and peer not in summaries):
            continue
        value = summaries[scenario].median / (summaries[peer].median if peer else 1)
        shown = f"{value:.2f}×" if peer else f"{value:.2f} s"
        lines.append(f"  {'met    ' if value <= limit else 'NOT met'}  {text}: {shown}")
    warm = {k: s for k, s in summaries.items() if k in OURS and k != "cold"}
    if warm:
        worst = max(warm, key=lambda k: warm[k].peak_pss_mb or warm[k].peak_rss_mb)
        total = warm[worst].peak_pss_mb or warm[worst].peak_rss_mb
        limit = MEMORY_LIMITS_MB.get(n)
        verdict = "       " if limit is None else "met    " if total <= limit else "NOT met"
        bound = f" ≤ {limit} MB" if limit else ""
        lines.append(
            f"  {verdict}  memory of all processes together (PSS), warm builds and serve{bound}:"
            f" {total:.0f} MB at most ({LABELS[worst]})"
        )
    if "cold" in summaries:
        cold = summaries["cold"]
        lines.append(f"  (cold build, all processes: {cold.peak_pss_mb or cold.peak_rss_mb:.0f} MB)")
    return lines


def format_scaling(rows: list[dict[str, object]]) -> list[str]:
    columns = [s for s in SCALE_COLUMNS if any(s in row for row in rows)]
    header = f"{'N':>6}" + "".join(f"{s:>13}" for s in columns) + f"{'cold/issue':>12}{'peak RSS':>10}{'warm PSS':>10}"
    lines = ["scaling (median seconds; build-site cold per issue; peak RSS; warm builds' and serve's PSS):", header]
    for row in rows:
        n = int(row["n"])  # type: ignore[call-overload]
        cells = "".join(f"{row[s]:>12.2f}s" if s in row else f"{'-':>13}" for s in columns)
        per_issue = float(row["cold"]) / n * 1000 if "cold" in row else float("nan")  # type: ignore[arg-type]
        pss = float(row.get("warm_pss_mb", 0))  # type: ignore[arg-type]
        lines.append(f"{n:>6}{cells}{per_issue:>9.1f} ms{row['peak_rss_mb']:>7.0f} MB{pss:>7.0f} MB")
    points = [(int(r["n"]), float(r["cold"])) for r in rows if "cold" in r]  # type: ignore[call-overload,arg-type]
    steps = marginal_costs(points)
    if steps:
        shown = ", ".join(f"{a}→{b}: {cost * 1000:.1f} ms" for a, b, cost in steps)
        lines.append(f"build-site cold, cost of each further issue: {shown} (about equal when cost grows linearly)")
    for scenario in FLAT:
        times = [float(row[scenario]) for row in rows if scenario in row]  # type: ignore[arg-type]
        if len(times) > 1:
            spread = max(times) / min(times) - 1
            verdict = "met    " if spread <= FLAT_WITHIN else "NOT met"
            lines.append(
                f"  {verdict}  {LABELS[scenario]}, at every size within {FLAT_WITHIN:.0%} of each other:"
                f" {spread:.0%} apart"
            )
    by_n = {int(row["n"]): row for row in rows}  # type: ignore[call-overload]
    for text, scenario, n, limit in SCALE_TARGETS:
        if scenario in by_n.get(n, {}):
            value = float(by_n[n][scenario])  # type: ignore[arg-type]
            lines.append(f"  {'met    ' if value <= limit else 'NOT met'}  {text}: {value:.2f} s")
    for n, limit in MEMORY_LIMITS_MB.items():
        if by_n.get(n, {}).get("warm_pss_mb"):
            value = float(by_n[n]["warm_pss_mb"])  # type: ignore[arg-type]
            verdict = "met    " if value <= limit else "NOT met"
            lines.append(f"  {verdict}  memory at N={n}, warm builds and serve (PSS) ≤ {limit} MB: {value:.0f} MB")
    return lines


def marginal_costs(points: list[tuple[int, float]]) -> list[tuple[int, int, float]]:
    """(N1, N2, seconds per issue added) between consecutive sizes: equal steps mean linear growth."""
    ordered = sorted(points)
    return [(n1, n2, (t2 - t1) / (n2 - n1)) for (n1, t1), (n2, t2) in itertools.pairwise(ordered) if n2 > n1]


def parse_sizes(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "0"):
        return []
    return sorted({int(part) for part in text.split(",") if part.strip()})
