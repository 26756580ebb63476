"""Reading only what changed: unchanged content files are neither read nor parsed again, and every edit is seen."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from site_builder.errors import ContentError
from site_builder.incremental import scan
from site_builder.incremental.state import NAME, state_folder
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions
from site_builder.pipeline.stages import BuildReport

TOPIC = "content/topics/perplexity.yaml"
DATE = dt.date(2026, 11, 28)


def _build(root: Path) -> BuildReport:
    return build_site(root, root / "output", BuildOptions(date=DATE))


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stats are recorded a minute after now, so no file edited by the test is 'racy' (see ``scan.is_racy``)."""
    real = scan.clock
    monkeypatch.setattr(scan, "clock", lambda: real() + 60_000_000_000)


def _title(root: Path) -> str:
    page = (root / "output/topics/perplexity/index.html").read_text()
    return page.split("<h1>", 1)[1].split("</h1>", 1)[0]


def test_a_second_build_reads_nothing_and_a_first_reads_everything(project: Path) -> None:
    first = _build(project)
    assert len(first.read) == len(list((project / "content").rglob("*.yaml")))
    assert _build(project).read == ()


def test_an_edited_file_is_read_again_and_only_it(project: Path) -> None:
    _build(project)
    path = project / TOPIC
    path.write_text(path.read_text().replace("title: Perplexity", "title: Perplexity, edited", 1))
    assert _build(project).read == (TOPIC,)
    assert _title(project) == "Perplexity, edited"


def test_an_edit_that_keeps_size_and_modification_time_is_still_seen(project: Path, later: None) -> None:
    _build(project)
    path = project / TOPIC
    before = path.stat()
    path.write_text(path.read_text().replace("title: Perplexity", "title: Perplexitz", 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` or `touch -r` would leave it
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert _build(project).read == (TOPIC,)
    assert _title(project) == "Perplexitz"


def test_a_file_whose_stat_is_unchanged_is_not_read(
    project: Path, monkeypatch: pytest.MonkeyPatch, later: None
) -> None:
    _build(project)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        # The site settings are read by every build (the model is made from them); entries and issues are not.
        assert not str(self).endswith(".yaml") or self.name == "site.yaml", f"{self} was read again"
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    assert _build(project).read == ()


def test_a_file_changed_just_before_its_stat_was_recorded_is_hashed_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Within the timestamp granularity an edit may leave the whole stat as it was: simulate exactly that.
    _build(project)
    stats = scan.file_stats(project)
    path = project / TOPIC
    path.write_text(path.read_text().replace("title: Perplexity", "title: Perplexitz", 1))
    real = scan.file_stats
    monkeypatch.setattr(scan, "file_stats", lambda root: {**real(root), TOPIC: stats[TOPIC]})
    assert scan.is_racy(stats[TOPIC], stats[TOPIC][2] + 1_000_000)
    _build(project)
    assert _title(project) == "Perplexitz"


def test_errors_in_a_file_read_again_point_at_the_same_lines(project: Path) -> None:
    _build(project)
    path = project / TOPIC
    path.write_text(path.read_text().replace("```{formula}", "```{formulx}", 1))
    messages = []
    for _ in range(2):
        with pytest.raises(ContentError) as info:
            _build(project)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "content/topics/perplexity.yaml:" in messages[0] and "unknown directive {formulx}" in messages[0]


def test_an_unreadable_state_is_ignored(project: Path) -> None:
    first = _build(project)
    state = state_folder(project / "output") / NAME
    assert state.is_file()
    state.write_bytes(b"not a database")
    again = _build(project)
    assert again.read == first.read and again.files == first.files
