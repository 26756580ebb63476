"""The daily-job scenario: the scheduled build of the next day's issue, from what the job before it kept.

It runs as the publishing workflow's build job runs (``.github/workflows/publish.yml``): every
morning a fresh checkout of the repository (every content, template and ``computed/`` file a new
file, with a new modification time), into which the cache step restores what the job before kept
(``output/``, the build state ``.output.build-state/`` and ``.build-cache/``, as one tar archive
with their times and hard links, as actions/cache does it), then ``build-site --date DAY``; the
job keeps the same three folders again. Only the build is timed: the checkout, the restore and
the saving stay outside, as they do in the workflow's timings. Each round is the next day: the
repository gains that day's issue and its three entries, and the build publishes as of that day.

The project lives in its own folder (``n{N}/daily``), so the other scenarios' edits never reach
it; it is built as of the day before the archive's last, then as of that last day (not timed), before
its first round: the first timed job has a job before it, as every day but the very first has.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.generate import generate_archive, write_project

if TYPE_CHECKING:
    from benchmarks.archive import Archive, Project

KEPT = ("output", ".output.build-state", ".build-cache")
"""What the workflow's build job keeps between runs (its actions/cache paths), relative to the project."""


class DailyJob:
    """The daily build of one generated project, one day further at each round."""

    def __init__(self, project: Project, log: Callable[[str], None]) -> None:
        self.project = project
        self.log = log
        self.root = project.ours.parent / "daily"
        self.kept = project.ours.parent / "daily-kept.tar"
        self.days = 0
        """Days published after the generated archive's last one."""

    def prepare(self, build: Callable[[Path, str], None]) -> tuple[Path, str]:
        """Check out the next day's repository and restore what the last job kept; the root and the day to build.

        ``build(root, day)`` makes a build that is not timed: the first job's, from the project's caches.
        """
        if not self.kept.exists():
            started = time.perf_counter()
            write_project(self.project.archive, self.root)
            cache = self.project.ours / ".build-cache"
            if cache.is_dir():  # the computed results of the same entries: the first build need not run them again
                shutil.copytree(cache, self.root / ".build-cache", symlinks=True)
            # Two days, as the job before ran: a job after the first has a previous tree and a state that knows it.
            last = self.project.archive.last_date
            for day in (last - dt.timedelta(days=1), last):
                build(self.root, str(day))
            self.save()
            self.log(f"  N={self.project.n} daily job: first build in {time.perf_counter() - started:.1f} s")
        self.days += 1
        archive = self.archive()
        write_project(archive, self.root)  # a fresh checkout: every file new
        subprocess.run(["tar", "-xf", str(self.kept), "-C", str(self.root)], check=True)
        return self.root, str(archive.last_date)

    def archive(self) -> Archive:
        """The repository as of today: the generated archive with one issue more for each day published since."""
        if self.days == 0:
            return self.project.archive
        # The same seed gives the same issues before.
        return generate_archive(self.project.n + self.days, self.project.archive.seed)

    def save(self) -> None:
        """Keep what the workflow keeps, as actions/cache does: one POSIX tar archive, times and hard links kept."""
        present = [name for name in KEPT if (self.root / name).exists()]
        command = ["tar", "--posix", "-cf", str(self.kept), "-C", str(self.root), *present]
        subprocess.run(command, check=True)
