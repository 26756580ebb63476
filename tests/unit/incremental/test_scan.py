"""The scan given the files that may have changed (``serve``'s watcher): only they are stat-ed."""

from __future__ import annotations

import time
from pathlib import Path

from site_builder.incremental.scan import RACY_NS, file_stats, scan


def _project(tmp_path: Path) -> tuple[Path, dict[str, tuple[tuple[int, int, int, int], str]]]:
    (tmp_path / "content" / "topics").mkdir(parents=True)
    (tmp_path / "templates").mkdir()
    for name in ("content/topics/a.yaml", "content/topics/b.yaml", "templates/page.html"):
        (tmp_path / name).write_text(name, encoding="utf-8")
    first = scan(tmp_path, {})
    return tmp_path, {p: (first.stats[p], first.digests[p]) for p in first.stats}


def test_only_the_files_named_are_looked_at(tmp_path: Path) -> None:
    root, recorded = _project(tmp_path)
    (root / "content/topics/a.yaml").write_text("a, saved", encoding="utf-8")
    (root / "content/topics/b.yaml").write_text("b, saved", encoding="utf-8")
    later = time.time_ns() + 3 * RACY_NS  # as if recorded long after the first save: b's stat is trusted
    found = scan(root, recorded, later, only={"content/topics/a.yaml", "output/index.html"})
    assert found.changed == {"content/topics/a.yaml"}  # b's save is in the next batch of the watcher
    assert found.stats["content/topics/b.yaml"] == recorded["content/topics/b.yaml"][0]
    assert found.stats.keys() == recorded.keys() and not found.gone


def test_a_file_named_and_gone_or_new(tmp_path: Path) -> None:
    root, recorded = _project(tmp_path)
    (root / "content/topics/a.yaml").unlink()
    (root / "content/topics/c.yaml").write_text("c", encoding="utf-8")
    found = scan(root, recorded, only={"content/topics/a.yaml", "content/topics/c.yaml"})
    assert found.gone == {"content/topics/a.yaml"} and found.changed == {"content/topics/c.yaml"}


def test_a_folder_or_an_unknown_path_named_scans_every_file(tmp_path: Path) -> None:
    root, recorded = _project(tmp_path)
    (root / "content/issues").mkdir()
    (root / "content/issues/2026-01-01.yaml").write_text("issue", encoding="utf-8")
    (root / "templates/page.html").unlink()
    assert scan(root, recorded, only={"content/issues"}).changed == {"content/issues/2026-01-01.yaml"}
    found = scan(root, recorded, only={"templates/gone-folder"})
    assert found.gone == {"templates/page.html"} and found.stats == file_stats(root)
