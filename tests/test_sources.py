"""The source cache: unchanged content files are neither read nor parsed again, and every edit is seen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from site_builder import sources
from site_builder.errors import ContentError
from site_builder.load import load_content
from site_builder.sources import SourceCache, file_stat, is_racy

TOPIC = "content/topics/perplexity.yaml"


def _load(root: Path) -> tuple[SourceCache, object]:
    cache = SourceCache.at(root)
    return cache, load_content(root, cache)


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stats are recorded a minute after now, so no file edited by the test is 'racy' (see ``is_racy``)."""
    real = sources.clock
    monkeypatch.setattr(sources, "clock", lambda: real() + 60_000_000_000)


def test_a_second_load_parses_nothing_and_gives_the_same_content(project: Path) -> None:
    first_cache, first = _load(project)
    assert first_cache.parsed == len(list((project / "content").rglob("*.yaml")))
    second_cache, second = _load(project)
    assert second_cache.parsed == 0
    assert second == first


def test_an_edited_file_is_parsed_again_and_only_it(project: Path) -> None:
    _load(project)
    path = project / TOPIC
    path.write_text(path.read_text().replace("title: Perplexity", "title: Perplexity, edited", 1))
    cache, content = _load(project)
    assert cache.parsed == 1
    assert content.topics["perplexity"].model.title == "Perplexity, edited"


def test_an_edit_that_keeps_size_and_modification_time_is_still_seen(project: Path, later: None) -> None:
    _load(project)
    path = project / TOPIC
    before = path.stat()
    text = path.read_text()
    path.write_text(text.replace("title: Perplexity", "title: Perplexitz", 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` or `touch -r` would leave it
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    cache, content = _load(project)
    assert content.topics["perplexity"].model.title == "Perplexitz"
    assert cache.parsed == 1


def test_a_file_whose_stat_is_unchanged_is_not_read(
    project: Path, monkeypatch: pytest.MonkeyPatch, later: None
) -> None:
    _load(project)
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        assert not str(self).endswith(".yaml"), f"{self} was read again"
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    cache, _ = _load(project)
    assert cache.parsed == 0


def test_a_file_changed_just_before_its_stat_was_recorded_is_hashed_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Within the timestamp granularity an edit may leave the whole stat as it was: simulate exactly that.
    _load(project)
    path = project / TOPIC
    stat = file_stat(path)
    path.write_text(path.read_text().replace("title: Perplexity", "title: Perplexitz", 1))
    monkeypatch.setattr(sources, "file_stat", lambda p: stat if Path(p) == path else file_stat(p))
    assert is_racy(stat, stat[2] + 1_000_000)
    _, content = _load(project)
    assert content.topics["perplexity"].model.title == "Perplexitz"


def test_errors_found_in_cached_files_point_at_the_same_lines(project: Path) -> None:
    path = project / TOPIC
    path.write_text(path.read_text().replace("```{formula}", "```{formulx}", 1))
    messages = []
    for _ in range(2):
        with pytest.raises(ContentError) as info:
            load_content(project, SourceCache.at(project))
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "content/topics/perplexity.yaml:" in messages[0] and "unknown directive {formulx}" in messages[0]


def test_an_unreadable_cache_is_ignored(project: Path) -> None:
    cache, content = _load(project)
    assert cache.path is not None and cache.path.is_file()
    cache.path.write_bytes(b"not marshal data")
    again, second = _load(project)
    assert second == content and again.parsed > 0


def test_a_read_only_cache_is_not_written(project: Path) -> None:
    cache = SourceCache.at(project, read_only=True)
    load_content(project, cache)
    assert cache.path is not None and not cache.path.exists()
