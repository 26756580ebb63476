"""The rows of the build state (``state``): what a build read and published, and what it changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Stat = tuple[int, int, int, int]
"""(inode, size, mtime_ns, ctime_ns)."""


@dataclass(frozen=True)
class InputRow:
    """A project file as the last build read it."""

    stat: Stat
    digest: str
    skeleton: Any = None


@dataclass(frozen=True)
class OutputRow:
    """A published file."""

    digest: str
    ino: int
    size: int
    mtime: int
    owners: int = 1
    """How many jobs write it (the same bytes)."""
    job: str = ""
    """One of them."""


@dataclass(frozen=True)
class LinkRow:
    """What a page links to, and the ids it holds (None for outputs that are not HTML pages)."""

    targets: tuple[tuple[str, str], ...]
    """(site path, fragment) of each internal link."""
    ids: frozenset[str] | None


@dataclass
class StateUpdate:
    """What a build changes in the state, written in one transaction by ``BuildState.commit``."""

    meta: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, InputRow] = field(default_factory=dict)
    restated: dict[str, Stat] = field(default_factory=dict)
    """Inputs whose bytes (and so the rest of their row) are as recorded, under a new stat (a fresh checkout)."""
    gone_inputs: set[str] = field(default_factory=set)
    facts: dict[str, str | None] = field(default_factory=dict)
    """Fact -> its digest now (None: it no longer exists)."""
    jobs: dict[str, tuple[tuple[str, ...], frozenset[str]]] = field(default_factory=dict)
    """Job made by this build -> (its paths, the facts it read)."""
    gone_jobs: set[str] = field(default_factory=set)
    """Jobs (and parts) no longer made."""
    parts: dict[str, bytes] = field(default_factory=dict)
    """Part made by this build -> its value (what it read is in ``jobs``)."""
    outputs: dict[str, OutputRow] = field(default_factory=dict)
    gone_outputs: set[str] = field(default_factory=set)
    links: dict[str, LinkRow] = field(default_factory=dict)
    gone_links: set[str] = field(default_factory=set)
