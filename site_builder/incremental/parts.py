"""Parts of a job kept between builds: a piece of its work, with what it read, given again while none of that changed.

A job is made again as a whole when anything it read changed, and most jobs are cheap enough
for that. A search shard is not: it indexes the documents of about ninety issues, and
rendering them all again because one entry changed is most of an edit's cost. So the shard
makes each issue's document as a *part*: named after its job (``part:JOB#KEY``), made inside
its own read tracking, and kept in the build state (``state``: the value in ``parts``, what it
read in ``jobs`` and ``reads`` like any job's). The next build that makes the job again gives
it the parts whose reads did not change (``pipeline.rebuild.plan_outputs`` loads them) and makes only
the others; what a kept part read counts as read by the job, so the job is still made again
exactly when one of them changes. Parts are stored compressed (HTML shrinks fourfold). Each is
also kept as a fragment in the build cache (``fragments``, ``v1/fragments/parts/JOB#KEY.z``), so a
build without a state (a fresh CI job) takes it from there while none of its reads changed.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .deps import note_all, tracking
from .fragments import Fragments, note_used

PART = "part:"
"""Prefix of the parts' names among the state's jobs."""
PARTS = "parts"
"""Folder of the parts' copies among the cache's fragments (``fragments``)."""


def part_prefix(job: str) -> str:
    """The start of the name of every part of ``job``."""
    return f"{PART}{job}#"


@dataclass(frozen=True)
class Part:
    """A part as kept: its value (compressed) and the facts it read."""

    value: bytes
    reads: frozenset[str]


class Parts:
    """The parts the jobs of one build may take as kept, and those they took or made (until ``take``)."""

    def __init__(self) -> None:
        self.kept: dict[str, Part] = {}
        self._used: dict[str, Part | None] = {}
        self.fragments: Fragments | None = None
        """Where a part the state does not keep may be kept too (``fragments``): a build without state finds it."""

    def keep(self, parts: Mapping[str, Part]) -> None:
        """Parts that are still what their reads say (the build state's, none of whose reads changed)."""
        self.kept.update(parts)

    def get(self, job: str, key: str, make: Callable[[], str]) -> str:
        """The part ``key`` of ``job``: the kept one, or made now by ``make`` (tracking what it reads)."""
        name = part_prefix(job) + key
        found = self.kept.get(name)
        if found is not None:
            note_all(found.reads)
            self._used[name] = None
            note_used(f"{PARTS}/{name[len(PART) :]}")  # the copy in the cache, if any, stays
            return zlib.decompress(found.value).decode()
        if self.fragments is not None:
            value, _, reads = self.fragments.get(f"{PARTS}/{name[len(PART) :]}", lambda: (make(), ()))
        else:
            with tracking() as reads:
                value = make()
        self._used[name] = Part(zlib.compress(value.encode(), 1), frozenset(reads))
        return value

    def take(self, job: str) -> dict[str, Part | None]:
        """The parts ``job`` used since the last take: name -> the part made now, or None for a kept one."""
        prefix = part_prefix(job)
        taken = {name: part for name, part in self._used.items() if name.startswith(prefix)}
        for name in taken:
            del self._used[name]
        return taken
