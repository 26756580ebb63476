"""The service's changes to the store, made by one thread, many to a transaction: one ``fsync`` for all.

Each change is committed (``synchronous=FULL``) before its request is answered, so a
service killed at any moment has lost no change it confirmed. A commit waits for the
disk (a few milliseconds); made one by one on the event loop, every request would wait
for every earlier one's. Here the changes that arrive while one transaction commits
go into the next, each in a savepoint of its own (one that fails is undone alone,
and its request gets the error), and the event loop goes on meanwhile.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from ..delivery.store import Store

T = TypeVar("T")
BATCH = 128
"""Changes in one transaction at most."""


class Writer:
    """Runs ``change(store)`` for the requests on its own thread and connection (``start``, ``stop``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.queue: queue.Queue[
            tuple[Callable[[Store], Any], asyncio.Future[Any], asyncio.AbstractEventLoop] | None
        ] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="store-writer", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.queue.put(None)
        self.thread.join(timeout=30)

    async def change(self, change: Callable[[Store], T]) -> T:
        """``change(store)``'s result once it is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self.queue.put((change, future, loop))
        return await future

    def _run(self) -> None:
        while True:
            first = self.queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < BATCH:
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self.queue.put(None)  # stop after this batch
                    break
                batch.append(item)
            outcomes: list[tuple[Any, BaseException | None]] = []
            try:
                with self.store.transaction():
                    for change, _, _ in batch:
                        try:
                            with self.store.transaction():  # a savepoint: a change that fails is undone alone
                                outcomes.append((change(self.store), None))
                        except Exception as exc:
                            outcomes.append((None, exc))
            except Exception as exc:  # the commit itself failed: nothing of the batch was made
                outcomes = [(None, exc)] * len(batch)
            for (_, future, loop), (result, error) in zip(batch, outcomes, strict=True):
                loop.call_soon_threadsafe(_settle, future, result, error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
