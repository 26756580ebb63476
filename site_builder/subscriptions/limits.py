"""Sign-ups limited per address and per client, so the form cannot be used to flood a stranger's mailbox.

Counted in memory over a sliding hour (a restart forgets the counts: the limits
are against floods, not a record). Keys are hashed, so no address is kept here.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW = 3600.0


class RateLimit:
    """At most ``limit`` events per key within ``window`` seconds."""

    def __init__(self, limit: int, window: float = WINDOW, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.events: dict[bytes, deque[float]] = {}
        self.lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count an event for ``key``; False (and not counted) when the key is over its limit."""
        digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
        now = self.clock()
        with self.lock:
            if len(self.events) > 100_000:  # forget the quiet keys before the table grows without end
                self.events = {k: v for k, v in self.events.items() if v and v[-1] > now - self.window}
            times = self.events.setdefault(digest, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True
