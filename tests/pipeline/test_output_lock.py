"""One build of an output folder at a time: a second build of the bundled project waits for the first, or gives up
with a clear message."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path

from site_builder.errors import OutputError
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions
from site_builder.publish.folders import output_lock

DATE = dt.date(2026, 11, 28)


def test_a_second_build_gives_up_with_a_clear_message(project: Path) -> None:
    out = project / "output"
    errors: list[BaseException] = []

    def second_build() -> None:
        try:
            build_site(project, out, BuildOptions(date=DATE, lock_timeout=0.3))
        except BaseException as exc:
            errors.append(exc)

    with output_lock(out):
        thread = threading.Thread(target=second_build)
        thread.start()
        thread.join()
    assert len(errors) == 1 and isinstance(errors[0], OutputError)
    assert str(errors[0]).splitlines()[0] == (
        f"{project}/.output-build.lock: another build-site command (pid {os.getpid()}) is using the output folder {out}; "
        "gave up after 0.3 s (wait for it to finish, or stop it)"
    )
    assert not out.exists()


def test_a_second_build_waits_for_the_first(project: Path) -> None:
    out = project / "output"
    done: list[float] = []

    def second_build() -> None:
        build_site(project, out, BuildOptions(date=DATE, lock_timeout=30))
        done.append(time.monotonic())

    with output_lock(out):
        thread = threading.Thread(target=second_build)
        thread.start()
        time.sleep(0.3)
        assert not done and not out.exists(), "the second build waits while the first holds the lock"
        released = time.monotonic()
    thread.join()
    assert done and done[0] >= released
    assert (out / "index.html").is_file()
