"""Where a cold build-site build spends its time and memory, stage by stage.

    python -m benchmarks.profile_build [--n 1000] [--seed 1] [--workdir DIR] [--top 20]

Two in-process builds of a generated project: the first times each stage of
``site_builder.build`` (wall clock, and peak RSS after the stage) without a
profiler; the second runs under cProfile and splits the time among the
libraries and steps inside the stages (YAML, validation, Markdown, MathML,
highlighting, Jinja, link check, write). cProfile slows pure-Python code
unevenly, so read its seconds as shares, and the first table as the real times.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import DEFAULT_SEED, generate_project

STAGES = ("load_content", "compute_all", "build_model", "load_templates", "render_site", "check_links", "write_output")
"""Stage functions that ``site_builder.build`` calls; those it no longer has are left out."""

# (label, file suffix, function name): cumulative time of these functions in the profile.
STEPS = (
    ("YAML load (yamlsource.read_yaml)", "site_builder/yamlsource.py", "read_yaml"),
    ("validation: pydantic model_validate", "pydantic/main.py", "model_validate"),
    ("validation: Markdown references (markup.references)", "site_builder/markup.py", "references"),
    ("compute stage (compute.compute_all)", "site_builder/compute.py", "compute_all"),
    ("  solution source (inspect.getsource)", "inspect.py", "getsource"),
    ("model stage (model.build_model)", "site_builder/model.py", "build_model"),
    ("Markdown -> HTML (markup.to_html, incl. math and code)", "site_builder/markup.py", "to_html"),
    ("Markdown -> Markdown (markup.to_markdown)", "site_builder/markup.py", "to_markdown"),
    ("  markdown-it parsing, all callers (MarkdownIt.parse)", "markdown_it/main.py", "parse"),
    ("  markdown-it HTML rendering (RendererHTML.render)", "markdown_it/renderer.py", "render"),
    ("  MathML, all callers (markup.latex_to_mathml)", "site_builder/markup.py", "latex_to_mathml"),
    ("  code highlighting, all callers (markup.highlight)", "site_builder/markup.py", "highlight"),
    ("  Jinja partials inside entries (_formula, _example)", "site_builder/render.py", "directive_html"),
    ("Jinja page templates (_SiteRenderer._template)", "site_builder/render.py", "_template"),
    ("link check (links.check_links)", "site_builder/links.py", "check_links"),
    ("  HTML parsing for links (HTMLParser.feed)", "html/parser.py", "feed"),
    ("write (write.write_output)", "site_builder/write.py", "write_output"),
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_build(root: Path, date: Any) -> list[tuple[str, float, float]]:
    """Build once with each stage wrapped in a timer: (stage, seconds, peak RSS after it)."""
    from site_builder import build

    rows: list[tuple[str, float, float]] = []
    originals = {name: getattr(build, name) for name in STAGES if hasattr(build, name)}

    def timer(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                rows.append((name, time.perf_counter() - started, peak_rss_mb()))

        return wrapper

    try:
        for name, function in originals.items():
            setattr(build, name, timer(name, function))
        started = time.perf_counter()
        build.build_site(root, root / "output", build.BuildOptions(date=date))
        rows.append(("total build_site", time.perf_counter() - started, peak_rss_mb()))
    finally:
        for name, function in originals.items():
            setattr(build, name, function)
    return rows


def profiled_build(root: Path, date: Any) -> pstats.Stats:
    from site_builder import build

    profile = cProfile.Profile()
    profile.runcall(build.build_site, root, root / "output", build.BuildOptions(date=date))
    return pstats.Stats(profile)


def step_times(stats: pstats.Stats) -> list[tuple[str, float, int]]:
    """(label, cumulative seconds, calls) of each step found in the profile."""
    found = []
    table = stats.stats  # type: ignore[attr-defined]
    for label, suffix, function in STEPS:
        cumulative = calls = 0
        for (filename, _, name), (_, ncalls, _, ct, _) in table.items():
            if name == function and filename.replace("\\", "/").endswith(suffix):
                cumulative += ct
                calls += ncalls
        if calls:
            found.append((label, cumulative, calls))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="number of daily issues (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--workdir", type=Path, help="where to generate the project (kept); default: a temporary folder"
    )
    parser.add_argument("--top", type=int, default=20, help="functions to list by own time (default %(default)s)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="build-site-profile-"))
    try:
        root = workdir / f"n{args.n}" / "site"
        archive = generate_project(root, args.n, args.seed)
        started = time.perf_counter()
        import site_builder.build  # noqa: F401  (timed: what every build pays before its first stage)

        import_seconds = time.perf_counter() - started
        print(
            f"cold build of N={args.n} issues ({3 * args.n} entries), in process; importing site_builder.build: {import_seconds:.2f} s"
        )
        print(f"\n{'stage':<22}{'seconds':>9}{'share':>8}{'peak RSS after':>16}")
        rows = timed_build(root, archive.last_date)
        total = rows[-1][1]
        for name, seconds, rss in rows:
            print(f"{name:<22}{seconds:>9.2f}{seconds / total:>8.0%}{rss:>13.0f} MB")

        shutil.rmtree(root / "output", ignore_errors=True)
        stats = profiled_build(root, archive.last_date)
        profiled_total = stats.total_tt  # type: ignore[attr-defined]
        print(f"\nunder cProfile ({profiled_total:.1f} s in all; seconds are inflated, shares are what count):")
        print(f"{'step':<58}{'seconds':>9}{'share':>8}{'calls':>9}")
        for label, seconds, calls in step_times(stats):
            print(f"{label:<58}{seconds:>9.2f}{seconds / profiled_total:>8.0%}{calls:>9}")
        print(f"\ntop {args.top} functions by own time:")
        stats.sort_stats("tottime").print_stats(args.top)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
