"""What a build is asked to do: ``BuildOptions``, and the one table of the command-line options that run one.

The table is read by click (``cli.common``) and by the no-op fast path (``cli.launch``), which answers a
plain ``build-site`` before click, or anything but the standard library, is imported: an option is
declared here once, with its flags, its value and its help, and parsed by the same functions both ways.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from ..publish.folders import LOCK_TIMEOUT, real_path


@dataclass(frozen=True)
class BuildOptions:
    """What to publish; the defaults are what the scheduled job uses."""

    date: dt.date | None = None
    """Publish as of this day; None: today in the site's time zone, once its publish time has passed."""
    drafts: bool = False
    future: bool = False
    cache: bool = True
    """Reuse and store computed results in ``ROOT/.build-cache``, and what the last build made; off: make everything."""
    lock_timeout: float = LOCK_TIMEOUT
    """Seconds to wait for another build of the same output folder to finish."""
    unfeatured: bool = False
    """Also give pages to entries no published issue features (previews and checks)."""
    explain: bool = False
    """Look at every computation (``--explain`` lists them), not only those of changed entries."""


@dataclass(frozen=True)
class Option:
    """A command-line option of the build and the commands around it."""

    name: str
    """The parameter's name (``date``)."""
    flags: tuple[str, ...]
    help: str
    metavar: str | None = None
    """What its value looks like (``YYYY-MM-DD``); None: a flag, on when given."""

    @property
    def takes_value(self) -> bool:
        return self.metavar is not None


ROOT = Option(
    "root",
    ("--root",),
    "Project folder (holding content/, computed/ and, if it overrides the theme, templates/).",
    "DIR",
)
OUT = Option("out", ("--out",), "Output folder.  [default: ROOT/output]", "DIR")
DATE = Option(
    "date",
    ("--date",),
    "Publish as of this day (YYYY-MM-DD).  [default: today in the site's time zone, after its publish time]",
    "YYYY-MM-DD",
)
DRAFTS = Option("drafts", ("--drafts",), "Also publish drafts (preview).")
FUTURE = Option("future", ("--future",), "Also publish issues dated after the publication day (preview).")
EXPLAIN = Option("explain", ("--explain",), "List every computation and why it ran or was reused.")
NO_CACHE = Option("no_cache", ("--no-cache",), "Run every computation; neither read nor write ROOT/.build-cache.")
DEBUG = Option("debug", ("--debug",), "Show a traceback for errors.")
QUIET = Option("quiet", ("-q", "--quiet"), "Print only errors.")
VERBOSE = Option("verbose", ("-v", "--verbose"), "Print each step.")

OUTPUT = (DEBUG, QUIET, VERBOSE)
"""How much a command says: every command takes these."""
PUBLISH = (DATE, DRAFTS, FUTURE)
"""What a build publishes (``build``, ``check``)."""
BUILD = (ROOT, OUT, *PUBLISH, EXPLAIN, NO_CACHE, *OUTPUT)
"""Every option of ``build-site [build]``."""
NO_OP = (ROOT, OUT, *PUBLISH, *OUTPUT)
"""The options with which a plain build may end in the no-op check (``--explain`` and ``--no-cache`` always build)."""

Key = tuple[str, str, str | None, bool, bool]
"""(project root, output folder, --date or None, drafts, future): what a no-op check is valid for."""


def parse_date(text: str) -> dt.date:
    """A ``--date`` value (``2026-11-28``); ValueError saying what is expected."""
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a date of the form YYYY-MM-DD")


def output_folder(root: Path, out: Path | None) -> Path:
    """Where a build of ``root`` publishes: ``--out``, else ``ROOT/output``, as an absolute path."""
    return real_path(out if out is not None else root / "output")


def options_key(root: Path, out: Path, options: BuildOptions) -> Key:
    """What a no-op check of a build of ``root`` into ``out`` with ``options`` is valid for (see ``noop``)."""
    date = options.date.isoformat() if options.date else None
    return (os.path.abspath(root), str(real_path(out)), date, options.drafts, options.future)
