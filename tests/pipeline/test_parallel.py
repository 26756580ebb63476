"""Rendering in worker processes gives the same site, and the same first error, as rendering in one process."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from pathlib import Path

import pytest

from site_builder import parallel
from site_builder.errors import ContentError
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions

from ..conftest import copy_project, tree_digest

DATE = dt.date(2026, 11, 28)


def _build(root: Path, out: Path, workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.WORKERS_VARIABLE, str(workers))
    build_site(root, out, BuildOptions(date=DATE))


def test_workers_render_the_same_site_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "project")
    pools: list[str] = []
    real = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context", lambda method=None: pools.append(method) or real(method))
    _build(root, tmp_path / "one", 1, monkeypatch)
    assert pools == []
    _build(root, tmp_path / "three", 3, monkeypatch)
    assert pools and set(pools) == {"fork"}
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "three")


def test_a_worker_reports_the_first_error_as_one_process_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "project")
    for name in ("topics/softmax-temperature.yaml", "topics/adam-optimizer.yaml"):  # two broken entries
        path = root / "content" / name
        path.write_text(path.read_text().replace("    body: |\n", "    body: |\n      Broken $\\frac{1}{$ math.\n", 1))
    messages = []
    for workers in (1, 2):
        with pytest.raises(ContentError) as info:
            _build(root, tmp_path / f"out-{workers}", workers, monkeypatch)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "content/topics/adam-optimizer.yaml" in messages[0] and "unbalanced braces" in messages[0]


def test_map_chunks_keeps_order_and_runs_in_process_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    items = list(range(100))
    monkeypatch.setenv(parallel.WORKERS_VARIABLE, "2")
    assert [x for part in parallel.map_chunks(lambda part: [i * i for i in part], items, chunk=7) for x in part] == [
        i * i for i in items
    ]
    with parallel.in_process():
        pids = set(parallel.map_chunks(lambda part: os.getpid(), items, chunk=7))
    assert pids == {os.getpid()}
