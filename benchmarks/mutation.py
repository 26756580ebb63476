"""Mutation testing of the modules that carry correctness: mutmut over one target at a time.

    python -m benchmarks.mutation [TARGET...] [--jobs 2] [--keep] [--markdown]

A target (``benchmarks/mutation.toml``) names the modules to mutate and the fast tests
that exercise them. For each target, in turn, a scratch copy of the checkout is made in
``.mutation/TARGET/`` with a ``[tool.mutmut]`` table for that target alone, ``mutmut run``
mutates only its modules and runs, per mutant, the target's tests that call the mutated
function. Survivors listed in ``benchmarks/mutation_equivalent.toml`` (same function, same
changed lines) count as equivalent; the others are printed with their diff. The table at
the end (killed / survived / equivalent / score) is the one in docs/testing.md.

Not in CI: like the benchmark, it is a measurement (minutes per target on two cores).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CONFIG = Path(__file__).with_name("mutation.toml")
EQUIVALENT = Path(__file__).with_name("mutation_equivalent.toml")
SCRATCH = REPO / ".mutation"
# mutmut's statuses that mean a test noticed the mutant (a hang or a crash is noticed too).
KILLED = {"killed", "timeout", "segfault", "caught by type check"}
SURVIVED = {"survived", "no tests", "suspicious", "skipped"}

log = logging.getLogger("benchmarks.mutation")


@dataclass(frozen=True)
class Target:
    """Modules mutated together and the tests run against their mutants."""

    name: str
    mutate: tuple[str, ...]
    tests: tuple[str, ...]


@dataclass(frozen=True)
class Equivalent:
    """A mutant that behaves like the original: its function, its changed lines, and why."""

    function: str
    removed: tuple[str, ...]
    added: tuple[str, ...]
    reason: str


@dataclass
class Outcome:
    """What mutmut found for one target."""

    target: str
    killed: int = 0
    equivalent: int = 0
    survivors: list[tuple[str, str]] = field(default_factory=list)
    """Name and diff of each surviving mutant not recorded as equivalent."""

    @property
    def score(self) -> float:
        """Killed share of the mutants that are not equivalent, in percent."""
        counted = self.killed + len(self.survivors)
        return 100.0 * self.killed / counted if counted else 100.0


def load_targets(path: Path = CONFIG) -> dict[str, Target]:
    """The targets of ``mutation.toml``, by name."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {name: Target(name, tuple(spec["mutate"]), tuple(spec["tests"])) for name, spec in data["targets"].items()}


def load_equivalents(path: Path = EQUIVALENT) -> list[Equivalent]:
    """The mutants recorded as equivalent, each with its reason."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Equivalent(item["function"], tuple(item.get("removed", ())), tuple(item.get("added", ())), item["reason"])
        for item in data.get("equivalent", [])
    ]


def changed_lines(diff: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The removed and added lines of a unified diff, stripped of indentation."""
    removed = tuple(
        line[1:].strip() for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")
    )
    added = tuple(line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++"))
    return removed, added


def function_of(mutant: str) -> str:
    """``site_builder.content.slugs.x_group_slug__mutmut_3`` -> ``site_builder.content.slugs.x_group_slug``."""
    return re.sub(r"__mutmut_\d+$", "", mutant)


def is_equivalent(mutant: str, diff: str, equivalents: list[Equivalent]) -> bool:
    """Whether a surviving mutant is one recorded as equivalent (same function, same changed lines)."""
    removed, added = changed_lines(diff)
    return any(e.function == function_of(mutant) and e.removed == removed and e.added == added for e in equivalents)


def mutmut_table(target: Target, settings: dict[str, object]) -> str:
    """The ``[tool.mutmut]`` table of one target."""

    def toml_list(items: object) -> str:
        return "[" + ", ".join(f'"{item}"' for item in items) + "]"  # type: ignore[union-attr]

    return "\n".join(
        [
            "",
            "[tool.mutmut]",
            'source_paths = ["site_builder"]',
            f"only_mutate = {toml_list(target.mutate)}",
            f"pytest_add_cli_args_test_selection = {toml_list(target.tests)}",
            'pytest_add_cli_args = ["-p", "no:randomly", "-p", "no:cacheprovider"]',
            f"also_copy = {toml_list(settings['also_copy'])}",
            f"timeout_multiplier = {settings['timeout_multiplier']}",
            f"timeout_constant = {settings['timeout_constant']}",
            "use_git_change_detection = false",
            # Mutants run in processes forked from a server that ran no test: a cache warmed by
            # the stats run (functools.lru_cache in links, slugs) would hide the mutated function.
            'process_isolation = "forkserver"',
            "",
        ]
    )


def prepare(target: Target, settings: dict[str, object]) -> Path:
    """A fresh scratch checkout for one target: the package, the tests, what they read, and its pyproject."""
    scratch = SCRATCH / target.name
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for part in ["site_builder", "tests", *settings["also_copy"]]:  # type: ignore[misc]
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, scratch / part, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, scratch / part)
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    (scratch / "pyproject.toml").write_text(pyproject + mutmut_table(target, settings), encoding="utf-8")
    return scratch


def mutmut(scratch: Path, *args: str) -> str:
    """Run a mutmut command in the scratch checkout; its standard output."""
    result = subprocess.run(
        [sys.executable, "-m", "mutmut", *args], cwd=scratch, capture_output=True, text=True, check=False
    )
    if result.returncode != 0 and "could not find any test case for any mutant" not in result.stdout:
        raise RuntimeError(f"mutmut {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


# Run inside the scratch checkout: every mutant's status and, for those not killed, its diff.
RESULTS = """
import json
from mutmut.__main__ import SourceFileMutationData, get_diff_for_mutant, status_by_exit_code, walk_mutatable_files
found = []
for path in walk_mutatable_files():
    data = SourceFileMutationData(path=path)
    data.load()
    for name, code in data.exit_code_by_key.items():
        status = status_by_exit_code[code]
        diff = "" if status == "killed" else get_diff_for_mutant(name, path=path)
        found.append([name, status, diff])
print(json.dumps(found))
"""


def mutant_results(scratch: Path) -> list[tuple[str, str, str]]:
    """Name, status and diff (empty if killed) of every mutant of the last run."""
    result = subprocess.run([sys.executable, "-c", RESULTS], cwd=scratch, capture_output=True, text=True, check=True)
    return [tuple(item) for item in json.loads(result.stdout)]


def run_target(target: Target, settings: dict[str, object], equivalents: list[Equivalent], jobs: int) -> Outcome:
    """Mutate one target, run its tests against every mutant, and sort the survivors."""
    scratch = prepare(target, settings)
    log.info("%s: mutating %s against %s", target.name, " ".join(target.mutate), " ".join(target.tests))
    run_log = mutmut(scratch, "run", "--max-children", str(jobs))
    (scratch / "run.log").write_text(run_log, encoding="utf-8")
    outcome = Outcome(target.name)
    for name, status, diff in mutant_results(scratch):
        if status in KILLED:
            outcome.killed += 1
        elif status not in SURVIVED:
            raise RuntimeError(f"{name}: mutmut left it {status!r}")
        elif is_equivalent(name, diff, equivalents):
            outcome.equivalent += 1
        else:
            outcome.survivors.append((f"{name} ({status})", diff))
    return outcome


def table(outcomes: list[Outcome]) -> str:
    """The per-target figures as a Markdown table."""
    rows = ["| target | killed | survived | equivalent | score |", "| --- | ---: | ---: | ---: | ---: |"]
    rows += [f"| {o.target} | {o.killed} | {len(o.survivors)} | {o.equivalent} | {o.score:.1f}% |" for o in outcomes]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Run the named targets (all by default) one after the other and print their figures."""
    targets = load_targets()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mutation", description=__doc__.split("\n")[0])
    parser.add_argument("targets", nargs="*", choices=[[], *targets], metavar="TARGET", help=", ".join(targets))
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep .mutation/TARGET/ (mutmut browse works there)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    data = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    equivalents = load_equivalents()
    outcomes = []
    for name in args.targets or list(targets):
        outcome = run_target(targets[name], data["mutmut"], equivalents, args.jobs)
        for mutant, diff in outcome.survivors:
            sys.stdout.write(f"\nsurvived: {mutant}\n{diff}\n")
        outcomes.append(outcome)
        log.info(
            "%s: %d killed, %d survived, %d equivalent",
            name,
            outcome.killed,
            len(outcome.survivors),
            outcome.equivalent,
        )
        if not args.keep:
            shutil.rmtree(SCRATCH / name, ignore_errors=True)
    sys.stdout.write("\n" + table(outcomes) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
