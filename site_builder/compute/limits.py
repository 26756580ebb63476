"""How long the author's code in ``computed/`` may run: a computation that never returns fails the build.

A scheduled build runs unattended; without a limit, one endless loop in a
reference implementation would hold the daily job and its lock for good. The
limit is a ``SIGALRM`` timer, so it applies in the main thread of the build, of
its worker processes (where computations run) and of ``serve`` (which rebuilds
there while its HTTP server runs in another thread); code that builds from any
other thread runs its computations without a limit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

SECONDS_VARIABLE = "BUILD_SITE_COMPUTE_SECONDS"
DEFAULT_SECONDS = 120.0
"""Reference implementations are small teaching code: two minutes is far beyond any of them."""


class ComputationTimeout(Exception):
    """A computation ran longer than the limit; raised inside it, so the traceback shows where it was."""


def seconds() -> float:
    """The limit: ``BUILD_SITE_COMPUTE_SECONDS`` if set to a positive number, else two minutes."""
    try:
        value = float(os.environ.get(SECONDS_VARIABLE, ""))
    except ValueError:
        return DEFAULT_SECONDS
    return value if value > 0 else DEFAULT_SECONDS


@contextlib.contextmanager
def time_limit() -> Iterator[None]:
    """Raise ``ComputationTimeout`` in the code run inside this block once it has run for ``seconds()``."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    limit = seconds()

    def expire(signum: int, frame: FrameType | None) -> None:
        raise ComputationTimeout(f"still running after {limit:g} s (set {SECONDS_VARIABLE} for a longer limit)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
