"""Work spread over the machine's cores, in forked worker processes that inherit the build's state.

Rendering is pure Python, so threads would share one core; processes do not.
Workers are forked (not spawned) after the content is loaded and the model
made, so they start with all of it and nothing is pickled but the numbers of
the items to work on and what comes back. Results arrive in order. On one core,
or for little work, everything runs in the calling process instead.

``BUILD_SITE_WORKERS`` sets the number of workers (``1``: none).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

WORKERS_VARIABLE = "BUILD_SITE_WORKERS"
MIN_ITEMS_PER_WORKER = 40
"""Below this much work per worker, forking costs more than it saves."""

_task: Callable[[Sequence[Any]], Any] | None = None
_items: Sequence[Any] = ()
_forbidden = 0
"""How many ``in_process()`` blocks are open: while one is, nothing is forked."""


@contextlib.contextmanager
def in_process() -> Iterator[None]:
    """Run every ``map_chunks`` inside this block in the calling process.

    For callers with threads of their own (the preview server): a process forked
    while another thread holds a lock inherits the lock held, forever.
    """
    global _forbidden
    _forbidden += 1
    try:
        yield
    finally:
        _forbidden -= 1


def workers() -> int:
    """How many processes to render with: the cores this process may use, or ``BUILD_SITE_WORKERS``."""
    value = os.environ.get(WORKERS_VARIABLE, "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def map_chunks(task: Callable[[Sequence[T]], R], items: Sequence[T], *, chunk: int = 25) -> Iterator[R]:
    """``task(part)`` for consecutive parts of ``items``, in order, in worker processes when that pays.

    Parts have at most ``chunk`` items. With ``BUILD_SITE_WORKERS`` set, workers are used for any
    amount of work (so the tests exercise them on small sites).
    """
    count = workers()
    forced = bool(os.environ.get(WORKERS_VARIABLE))
    if (
        count < 2
        or _forbidden
        or (not forced and len(items) < 2 * MIN_ITEMS_PER_WORKER)
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        yield from (task(items[start : start + chunk]) for start in range(0, len(items), chunk))
        return
    chunk = max(1, min(chunk, -(-len(items) // count)))
    parts = [items[start : start + chunk] for start in range(0, len(items), chunk)]
    count = min(count, len(parts))
    if count < 2:
        yield from (task(part) for part in parts)
        return
    global _task, _items
    _task, _items = task, items
    log.debug("rendering %d items in %d worker processes", len(items), count)
    bounds = [(start, start + len(part)) for start, part in zip(range(0, len(items), chunk), parts, strict=True)]
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            yield from pool.imap(_run, bounds)  # only the bounds are sent: workers have the items already
    finally:
        _task, _items = None, ()


def _run(bounds: tuple[int, int]) -> Any:
    assert _task is not None, "a worker is forked with its task and items set"
    return _task(_items[bounds[0] : bounds[1]])
