"""The render stage's runs of jobs: a job that starts a program is made first and finished last, results in order."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from site_builder.errors import OutputError, Problem
from site_builder.outputs.search import pagefind_index
from site_builder.publish.memory import MemoryOutput
from site_builder.render.jobs import Job, Pending, render_jobs


def _jobs(log: list[str], fail_later: bool = False) -> list[Job]:
    def plain(name: str) -> Job:
        return Job(name, lambda: log.append(f"make {name}") or {name: name.encode()})

    def early() -> Pending:
        log.append("start b.txt")

        def wait() -> dict[str, bytes]:
            log.append("wait b.txt")
            if fail_later:
                raise OutputError(Problem("b.txt", message="the program failed"))
            return {"b.txt": b"b"}

        return Pending(wait)

    return [plain("a.txt"), Job("b.txt", early, early=True), plain("c.txt")]


def test_a_job_that_starts_a_program_is_made_first_and_finished_after_the_others() -> None:
    log: list[str] = []
    sink = MemoryOutput()
    rendered = render_jobs(_jobs(log), sink, "/", "https://example.org/")
    assert log == ["start b.txt", "make a.txt", "make c.txt", "wait b.txt"]
    assert list(rendered.made) == ["a.txt", "b.txt", "c.txt"]
    assert sink.files == {"a.txt": b"a.txt", "b.txt": b"b", "c.txt": b"c.txt"}


def test_a_program_that_fails_is_the_run_s_error() -> None:
    log: list[str] = []
    with pytest.raises(OutputError, match="the program failed"):
        render_jobs(_jobs(log, fail_later=True), MemoryOutput(), "/", "https://example.org/")
    assert log == ["start b.txt", "make a.txt", "make c.txt", "wait b.txt"]


def test_pagefind_exiting_with_an_error_is_reported_and_its_folder_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = tmp_path / "pagefind"
    program.write_text("#!/bin/sh\necho 'no such selector' >&2\nexit 3\n")
    program.chmod(0o755)
    monkeypatch.setattr("pagefind_bin.get_executable", lambda: program)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    os.mkdir(tmp_path / "tmp")
    with pytest.raises(OutputError) as failed:
        pagefind_index({"issues/2026-11-26/index.html": "<html><body><p>words</p></body></html>"})
    assert str(failed.value).startswith("pagefind/: Pagefind could not index the issues: no such selector")
    assert os.listdir(tmp_path / "tmp") == []


def test_a_started_program_is_waited_for_even_when_a_job_raises_something_else() -> None:
    log: list[str] = []
    jobs = _jobs(log)
    jobs[2] = Job("c.txt", lambda: log.append("make c.txt") or 1 / 0)  # a bug, not a build error
    with pytest.raises(ZeroDivisionError):
        render_jobs(jobs, MemoryOutput(), "/", "https://example.org/")
    assert log == ["start b.txt", "make a.txt", "make c.txt", "wait b.txt"]
