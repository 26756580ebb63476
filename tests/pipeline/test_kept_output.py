"""The daily job as the publishing workflow runs it: a fresh checkout, and the output and state the last run kept.

The workflow's build job restores ``output/`` and its build state with actions/cache (a tar archive:
times and hard links kept, every file a new inode) into a fresh checkout (every project file a new
file). The build must take the restored tree for the published one and make only what the day
changes, and still publish the clean build's tree byte for byte.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions

from ..conftest import tree_digest
from .conftest import DATE, clean_build
from .publishing import write_issue

KEPT = ("output", ".output.build-state", ".build-cache")


def _next_run(published: Path, run: Path) -> Path:
    """What the next run of the workflow starts from: a fresh checkout, and the kept folders restored from a tar."""
    archive = run.parent / f"{run.name}-kept.tar"
    subprocess.run(["tar", "--posix", "-cf", str(archive), "-C", str(published), *KEPT], check=True)
    for part in ("content", "computed", "templates"):  # every file new: new inodes and times
        if (published / part).is_dir():
            shutil.copytree(published / part, run / part, copy_function=shutil.copyfile)
    subprocess.run(["tar", "-xf", str(archive), "-C", str(run)], check=True)
    return run


def _inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_a_restored_tree_with_nothing_changed_is_kept_as_it_is(published_ejected: Path, tmp_path: Path) -> None:
    root = _next_run(published_ejected, tmp_path / "run")
    before = _inodes(root / "output")
    assert set(before) == set(_inodes(published_ejected / "output"))

    report = build_site(root, root / "output", BuildOptions(date=DATE))

    assert report.rendered == () and report.written == 0, "the restored files are the published ones"
    assert _inodes(root / "output") == before
    assert tree_digest(root / "output") == tree_digest(published_ejected / "output")


def test_the_next_days_build_makes_only_what_the_day_changes(published_ejected: Path, tmp_path: Path) -> None:
    root = _next_run(published_ejected, tmp_path / "run")
    day = DATE + dt.timedelta(days=1)
    write_issue(root, day.isoformat(), intro="The issue of the day after.")
    before = _inodes(root / "output")

    report = build_site(root, root / "output", BuildOptions(date=day))

    after = _inodes(root / "output")
    kept = {path for path, ino in after.items() if before.get(path) == ino}
    assert f"issues/{day}/index.html" in after and f"issues/{day}/index.html" not in before
    assert "index.html" not in kept, "the home page shows the new issue"
    assert len(kept) > len(after) // 2, f"only {len(kept)} of {len(after)} files kept: the tree was made again"
    assert report.written == len(after) - len(kept) - 1, "every file but the marker (.build-site) a build wrote"
    assert tree_digest(root / "output") == clean_build(root, day)


def test_a_restored_file_changed_by_hand_is_made_again(published_ejected: Path, tmp_path: Path) -> None:
    root = _next_run(published_ejected, tmp_path / "run")
    page = root / "output" / "archive" / "index.html"
    published = page.read_bytes()
    page.write_bytes(published.replace(b"</body>", b"<p>edited by hand</p></body>"))

    build_site(root, root / "output", BuildOptions(date=DATE))

    assert page.read_bytes() == published
    assert tree_digest(root / "output") == tree_digest(published_ejected / "output")
