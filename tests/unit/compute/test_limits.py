"""The time limit of a computation on its own: quick code and other threads are left alone, a hanging block is
stopped with a clear message."""

from __future__ import annotations

import threading
import time

import pytest

from site_builder.compute import limits


def test_the_time_limit_leaves_quick_code_and_other_threads_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(limits.SECONDS_VARIABLE, "0.2")
    with limits.time_limit():
        assert sum(range(1000)) == 499500
    time.sleep(0.4)  # the timer was cancelled: nothing fires after the block
    caught: list[BaseException] = []

    def in_thread() -> None:
        try:
            with limits.time_limit():
                time.sleep(0.4)
        except BaseException as exc:  # any exception is the failure this test looks for
            caught.append(exc)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert caught == []
    with pytest.raises(limits.ComputationTimeout, match=r"still running after 0\.2 s"), limits.time_limit():
        time.sleep(5)
