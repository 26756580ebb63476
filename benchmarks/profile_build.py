"""Where a cold build-site build spends its time and memory, stage by stage and step by step.

    python -m benchmarks.profile_build [--n 1000] [--seed 1] [--workdir DIR] [--top 20] [--no-cprofile]

Builds a generated project in process:

1. each stage of ``site_builder.pipeline.build`` timed (wall clock), with the peak RSS after it;
2. in the same build, the expensive steps inside the stages (YAML, Markdown parsing and
   rendering, MathML, highlighting, Jinja, HTML parsing for the link check) timed by
   wrapping the functions that do them, with their call counts; a step called inside
   another (MathML inside Markdown -> HTML) counts in both, so the rows overlap;
3. a second build under cProfile, listing the functions with the most own time.
   cProfile slows pure-Python code unevenly: read its seconds as shares, the first
   two tables as times.

The wrapped names are looked up where their callers find them; a name that a
refactor removed is simply left out of the tables.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
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

STAGES = (
    ("site_builder.pipeline.build", "scan_changes", "scan"),
    ("site_builder.pipeline.build", "load_stage", "load"),
    ("site_builder.pipeline.build", "compute_stage", "compute"),
    ("site_builder.pipeline.build", "model_stage", "model"),
    ("site_builder.pipeline.build", "plan_stage", "plan"),
    ("site_builder.pipeline.build", "render_stage", "render"),
    ("site_builder.pipeline.build", "check_stage", "check"),
    ("site_builder.pipeline.build", "write_stage", "write"),
)
"""(module, function, label) of the stages ``site_builder.pipeline.build`` runs, timed where it looks them up."""

# (module, attribute, label): functions wrapped with a timer where their callers look them up.
STEPS = (
    ("site_builder.content.load", "parse_yaml", "YAML parse (yamlsource.parse_yaml)"),
    ("site_builder.markup", "references", "Markdown parse for validation (markup.references)"),
    ("inspect", "getsource", "solution source (inspect.getsource)"),
    ("site_builder.render.entries", "render_entry", "entries, one format each (entries.render_entry)"),
    ("site_builder.markup", "to_html", "  Markdown -> HTML (markup.to_html)"),
    ("site_builder.markup", "to_markdown", "  Markdown -> Markdown (markup.to_markdown)"),
    ("site_builder.markup", "latex_to_mathml", "  LaTeX -> MathML, all callers (markup.latex_to_mathml)"),
    ("site_builder.markup", "highlight", "  code highlighting, all callers (markup.highlight)"),
    ("site_builder.render.entries", "render_template", "Jinja, directives in entries (entries.render_template)"),
    ("site_builder.outputs.site_jobs", "render_template", "Jinja, pages (pages.render_template)"),
    ("site_builder.outputs.editions", "email_html", "email HTML parts, CSS inlined (email.email_html)"),
    ("site_builder.outputs.editions", "email_text", "email text parts (email.email_text)"),
    ("site_builder.outputs.editions", "email_message", "email messages (email.email_message)"),
    ("site_builder.render.jobs", "page_links", "links and ids of each output (links.page_links)"),
)

Stage = tuple[str, float, float]
"""(stage, seconds, peak RSS in MB after it)."""
Step = tuple[str, float, int]
"""(step, seconds, calls)."""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_build(root: Path, date: Any) -> tuple[list[Stage], list[Step]]:
    """Build once with the stages and the steps inside them wrapped in timers."""
    from site_builder.pipeline import build

    stages: list[Stage] = []
    steps: dict[str, list[float]] = {}
    patched: list[tuple[Any, str, Any]] = []

    def stage_timer(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                stages.append((name, time.perf_counter() - started, peak_rss_mb()))

        return wrapper

    def step_timer(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        record = steps.setdefault(label, [0.0, 0])
        depth = [0]  # a nested call (a partial inside a template) is already inside its caller's time

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            depth[0] += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                depth[0] -= 1
                record[1] += 1
                if depth[0] == 0:
                    record[0] += time.perf_counter() - started

        return wrapper

    def patch(
        owner: Any, name: str, timer: Callable[[str, Callable[..., Any]], Callable[..., Any]], label: str
    ) -> None:
        if hasattr(owner, name):
            patched.append((owner, name, getattr(owner, name)))
            setattr(owner, name, timer(label, getattr(owner, name)))

    try:
        for module, name, label in STAGES:
            owner = importlib.import_module(module)
            if "." in name:
                owner_name, name = name.split(".")
                owner = getattr(owner, owner_name)
            patch(owner, name, stage_timer, label)
        for module, name, label in STEPS:
            patch(importlib.import_module(module), name, step_timer, label)
        started = time.perf_counter()
        build.build_site(root, root / "output", build.BuildOptions(date=date))
        stages.append(("total build_site", time.perf_counter() - started, peak_rss_mb()))
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)
    return stages, [(label, seconds, int(calls)) for label, (seconds, calls) in steps.items() if calls]


def profiled_build(root: Path, date: Any) -> pstats.Stats:
    from site_builder.pipeline import build

    profile = cProfile.Profile()
    profile.runcall(build.build_site, root, root / "output", build.BuildOptions(date=date))
    return pstats.Stats(profile)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="number of daily issues (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--workdir", type=Path, help="where to generate the project (kept); default: a temporary folder"
    )
    parser.add_argument("--top", type=int, default=20, help="functions to list by own time (default %(default)s)")
    parser.add_argument("--no-cprofile", dest="cprofile", action="store_false", help="skip the cProfile build")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="build-site-profile-"))
    try:
        root = workdir / f"n{args.n}" / "site"
        archive = generate_project(root, args.n, args.seed)
        started = time.perf_counter()
        import site_builder.pipeline.build  # noqa: F401  (timed: what every build pays before its first stage)

        import_seconds = time.perf_counter() - started
        print(f"cold build of N={args.n} issues ({3 * args.n} entries), in process")
        print(
            f"importing site_builder.pipeline.build: {import_seconds:.2f} s; RSS after imports: {peak_rss_mb():.0f} MB"
        )

        stages, steps = timed_build(root, archive.last_date)
        total = stages[-1][1]
        print(f"\n{'stage':<22}{'seconds':>9}{'share':>8}{'peak RSS after':>16}")
        for name, seconds, rss in stages:
            print(f"{name:<22}{seconds:>9.2f}{seconds / total:>8.0%}{rss:>13.0f} MB")
        print(f"\n{'step (indented rows are inside the row above)':<62}{'seconds':>9}{'share':>8}{'calls':>9}")
        for label, seconds, calls in steps:
            print(f"{label:<62}{seconds:>9.2f}{seconds / total:>8.0%}{calls:>9}")

        if args.cprofile:
            shutil.rmtree(root / "output", ignore_errors=True)
            stats = profiled_build(root, archive.last_date)
            print(f"\nunder cProfile, the top {args.top} functions by own time (seconds inflated by the profiler):")
            stats.sort_stats("tottime").print_stats(args.top)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
