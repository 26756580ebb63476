"""Seeded generator of a synthetic build-site project with N daily issues of realistic size.

Each issue has its own topic, problem and feature spotlight; together about 1,500
words of Markdown with section headings, a subheading, lists, a table, a fenced
code block, inline math and two links. Every problem runs its reference solution
on one test case (the schema requires it); about one entry in fifty also has a
worked example and displayed formulas computed by the bundled ``computed/``
modules, so, as in a real archive, rendering dominates the cost.

The same seed gives the same bytes. Usage::

    python -m benchmarks.generate DIR [--n 1000] [--seed 1] [--start 2023-01-01] [--peers]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from site_builder.render.theme import THEME

from .archive import Archive, GeneratedEntry, GeneratedIssue
from .vocabulary import SITE_YAML
from .writer import ComputedFunctions, EntryWriter

REPO = Path(__file__).resolve().parent.parent
DEFAULT_N = 1000
DEFAULT_SEED = 1
DEFAULT_START = dt.date(2023, 1, 1)
"""One topic and one problem in this many get a worked example and displayed formulas (issues 2 and 3, 52 and 53, ...)."""


def generate_archive(n: int = DEFAULT_N, seed: int = DEFAULT_SEED, start: dt.date = DEFAULT_START) -> Archive:
    """N issues on consecutive days from ``start``; the same arguments give the same archive."""
    if n < 1:
        raise ValueError("n must be at least 1")
    writer = EntryWriter(random.Random(seed), ComputedFunctions(REPO / "computed"))
    issues = []
    for index in range(n):
        date = start + dt.timedelta(days=index)
        previous_topic = issues[-1].topic.id if issues else None
        topic = writer.topic(index, previous_topic)
        problem = writer.problem(index)
        feature = writer.feature(index, problem.id)
        tags = tuple(dict.fromkeys((*topic.tags, *problem.tags, *feature.tags)))[:4]
        intro = f"Today: {topic.title.lower()}, then {problem.title.lower()}."
        issues.append(GeneratedIssue(date, intro, tags, topic, problem, feature))
    return Archive(seed, tuple(issues))


def write_project(archive: Archive, root: Path) -> None:
    """Write a build-site project (content/, computed/ copied from this repository, and the theme as its templates/).

    The theme is copied so that the template scenario edits a project's template, as an author would.
    """
    if root.exists():
        shutil.rmtree(root)
    content = root / "content"
    for folder in ("topics", "problems", "features", "issues"):
        (content / folder).mkdir(parents=True)
    (content / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    for entry in archive.entries():
        (content / entry.kind / f"{entry.id}.yaml").write_text(entry.yaml, encoding="utf-8")
    for issue in archive.issues:
        (content / "issues" / f"{issue.date.isoformat()}.yaml").write_text(issue.yaml, encoding="utf-8")
    shutil.copytree(REPO / "computed", root / "computed", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(THEME, root / "templates")


def generate_project(
    root: Path, n: int = DEFAULT_N, seed: int = DEFAULT_SEED, start: dt.date = DEFAULT_START
) -> Archive:
    """Generate an archive and write it as a build-site project at ``root``."""
    archive = generate_archive(n, seed, start)
    write_project(archive, root)
    return archive


def entry_path(root: Path, entry: GeneratedEntry) -> Path:
    """Where ``write_project`` put an entry's YAML file."""
    return root / "content" / entry.kind / f"{entry.id}.yaml"


def append_to_last_section(path: Path, text: str) -> None:
    """Append a paragraph to the last section's body of a generated entry (its block scalar ends the file)."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n      {text}\n")


def word_count(issue: GeneratedIssue) -> int:
    """Words of Markdown in an issue: intro, titles, summaries, headings and section bodies."""
    texts = [issue.intro]
    for entry in issue.parts:
        texts += [entry.title, entry.summary]
        texts += [f"{s.heading}\n{s.body}" for s in entry.sections]
    return sum(len(text.split()) for text in texts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="folder to create (replaced if it exists)")
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="number of daily issues (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=DEFAULT_START,
        help="date of the first issue (default %(default)s)",
    )
    parser.add_argument("--peers", action="store_true", help="also write DEST-pelican/ and DEST-hugo/")
    args = parser.parse_args(argv)
    archive = generate_project(args.dest, args.n, args.seed, args.start)
    print(
        f"wrote {args.dest}: {len(archive.issues)} issues; build with: build-site --root {args.dest} --date {archive.last_date}"
    )
    if args.peers:
        from .peers import write_hugo, write_pelican

        for name, write in (("pelican", write_pelican), ("hugo", write_hugo)):
            dest = args.dest.with_name(f"{args.dest.name}-{name}")
            write(archive, dest)
            print(f"wrote {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
