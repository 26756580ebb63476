"""The build state: one SQLite database beside the output folder recording what the last build published.

``.OUTPUT.build-state/state.sqlite`` holds, for the tree in ``output/``:

- ``inputs``: every file of the project a build reads (content, templates, ``computed/``) with its
  stat and sha256, and for content files the few values the model is built from (``skeleton``);
- ``facts``: the digest of every fact (see ``deps``) as that build saw it;
- ``jobs`` and ``reads``: every output job, the files it wrote, and the facts it read (indexed by
  fact, so the jobs reading a changed fact are found without looking at the others);
- ``outputs``: every published file with its digest and stat (a file changed by hand is made again), the
  number of jobs that write it (a formula image several emails show is one file) and one of them;
- ``links`` and ``linked``: what each page links to and which ids it holds, indexed by target, so a
  rebuild checks the links of the pages it did not make again only where their targets changed;
- ``parts``: pieces of jobs kept between builds (``parts``), what each read recorded as for a job;
- ``meta``: the options, the publication day, the tree's digest (also written in the tree's
  ``.build-site`` marker), and the model's derived facts.

The state is used only for the tree whose digest it names, and only by the build-site code and
libraries that wrote it (``builder``); anything else, or a file that cannot be read, is an empty
state: the next build makes everything, which is slower but never wrong. It is written in one
transaction, before the new tree is swapped in.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import marshal
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import OutputError, Problem
from .builder import builder_stats
from .rows import InputRow, LinkRow, OutputRow, StateUpdate

log = logging.getLogger(__name__)

FORMAT = 4
NAME = "state.sqlite"
STATE_SUFFIX = ".build-state"
BATCH = 500
"""Names per ``IN (...)`` query (SQLite allows 32,766 parameters; smaller batches plan faster)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inputs (path TEXT PRIMARY KEY, stat BLOB, digest TEXT, skeleton BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS facts (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, digest TEXT);
CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, paths BLOB, reads BLOB);
CREATE TABLE IF NOT EXISTS reads (fact INTEGER, job INTEGER, PRIMARY KEY (fact, job)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outputs (
    path TEXT PRIMARY KEY, digest TEXT, ino INT, size INT, mtime INT, owners INT, job TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS links (page TEXT PRIMARY KEY, targets BLOB, ids BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS linked (target TEXT, page TEXT, PRIMARY KEY (target, page)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS parts (name TEXT PRIMARY KEY, value BLOB);
"""


def state_folder(out: Path) -> Path:
    """Beside ``out``: the build state and the previous tree."""
    return out.parent / f".{out.name}{STATE_SUFFIX}"


class BuildState:
    """The state of one output folder (or, for ``serve`` and ``check``, of a site in memory)."""

    def __init__(self, db: sqlite3.Connection, path: Path | None) -> None:
        self.db = db
        self.path = path
        self._rows: dict[str, dict[str, Any]] = {}
        """``inputs`` and ``outputs`` as read and committed since: ``serve`` asks for every row at each save."""
        self.kept: dict[str, Any] = {}
        """What the build that committed last derived and the next may reuse while this process lives (``serve``)."""

    @classmethod
    def open(cls, folder: Path | None, builder: Callable[[], str]) -> BuildState:
        """The state in ``folder`` (None: a new one in memory), emptied unless the build-site ``builder()`` names wrote it.

        ``builder()`` is called only if build-site's files or installed packages changed since (their stats,
        ``builder.builder_stats``): hashing the code takes a tenth of a second.
        """

        path = folder / NAME if folder is not None else None
        try:
            if folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
            try:
                state = cls(_connect(path), path)
                same = state.meta("format") == FORMAT and state.meta("builder_stats") == builder_stats()
                if not (same or state.meta("builder") == builder()) or state.meta("format") != FORMAT:
                    state.reset(builder())
            except sqlite3.DatabaseError as exc:  # not a database, or a damaged one
                log.debug("starting a new build state: %s", exc)
                if path is not None:
                    with contextlib.suppress(OSError):
                        path.unlink()
                state = cls(_connect(path), path)
                state.reset(builder())
        except (OSError, sqlite3.Error) as exc:  # e.g. a folder where the database goes: not ours to remove
            where = str(path if path is not None and path.parent.is_dir() else folder)
            raise OutputError(Problem(where, message=f"cannot use the build state: {exc}")) from exc
        return state

    def reset(self, builder: str) -> None:
        """Forget everything: the next build makes every output."""
        self._rows.clear()
        self.kept.clear()
        with self.db:
            for table in ("meta", "inputs", "facts", "jobs", "reads", "outputs", "links", "linked", "parts"):
                self.db.execute(f"DELETE FROM {table}")
            self.db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("format", marshal.dumps(FORMAT)), ("builder", marshal.dumps(builder))],
            )

    def close(self) -> None:
        self.db.close()

    # --- reading ---------------------------------------------------------------------------------

    def meta(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else marshal.loads(row[0])

    def inputs(self) -> dict[str, InputRow]:
        """Every file the last build read."""
        if "inputs" not in self._rows:
            rows = self.db.execute("SELECT path, stat, digest, skeleton FROM inputs")
            self._rows["inputs"] = {path: _input_row(stat, digest, skeleton) for path, stat, digest, skeleton in rows}
        return dict(self._rows["inputs"])

    def facts(self, names: Iterable[str]) -> dict[str, str | None]:
        """The recorded digest of each of ``names`` that has one."""
        found: dict[str, str | None] = {}
        for batch in _batches(names):
            marks = ",".join("?" * len(batch))
            found.update(self.db.execute(f"SELECT name, digest FROM facts WHERE name IN ({marks})", batch))
        return found

    def file_facts(self, path: str) -> dict[str, str | None]:
        """The recorded facts of one file: the file itself and each of its fields (``PATH#FIELD``)."""
        rows = self.db.execute(
            "SELECT name, digest FROM facts WHERE name = ? OR (name >= ? AND name < ?)", (path, f"{path}#", f"{path}$")
        )
        return dict(rows)

    def facts_like(self, prefix: str) -> dict[str, str | None]:
        """Every recorded fact whose name starts with ``prefix`` (``results:``)."""
        rows = self.db.execute("SELECT name, digest FROM facts WHERE name >= ? AND name < ?", (prefix, _after(prefix)))
        return dict(rows)

    def job_paths(self, names: Iterable[str] | None = None) -> dict[str, tuple[str, ...]]:
        """The jobs of the published tree (or those of ``names`` that it has), with the paths each wrote."""
        if names is None:
            rows = self.db.execute("SELECT name, paths FROM jobs")
            return {name: tuple(marshal.loads(paths)) for name, paths in rows}
        found: dict[str, tuple[str, ...]] = {}
        for batch in _batches(names):
            marks = ",".join("?" * len(batch))
            rows = self.db.execute(f"SELECT name, paths FROM jobs WHERE name IN ({marks})", batch)
            found.update((name, tuple(marshal.loads(paths))) for name, paths in rows)
        return found

    def job_names(self) -> set[str]:
        """The names of every job of the published tree."""
        return {name for (name,) in self.db.execute("SELECT name FROM jobs")}

    def readers(self, facts: Iterable[str]) -> set[str]:
        """The jobs that read any of ``facts``."""
        found: set[str] = set()
        for batch in _batches(facts):
            marks = ",".join("?" * len(batch))
            found.update(
                name
                for (name,) in self.db.execute(
                    "SELECT DISTINCT jobs.name FROM facts JOIN reads ON reads.fact = facts.id"
                    f" JOIN jobs ON jobs.id = reads.job WHERE facts.name IN ({marks})",
                    batch,
                )
            )
        return found

    def job_reads(self, name: str) -> frozenset[str]:
        """The facts job ``name`` read (for ``--explain`` and tests)."""
        row = self.db.execute("SELECT reads FROM jobs WHERE name = ?", (name,)).fetchone()
        if row is None:
            return frozenset()
        ids = marshal.loads(row[0])
        names = dict(self.db.execute(f"SELECT id, name FROM facts WHERE id IN ({','.join('?' * len(ids))})", ids))
        return frozenset(names.values())

    def parts(self, prefixes: Iterable[str]) -> dict[str, tuple[bytes, frozenset[str]]]:
        """Every part whose name starts with one of ``prefixes``: its value and the facts it read."""
        rows: list[tuple[str, bytes, bytes]] = []
        for prefix in prefixes:
            rows.extend(
                self.db.execute(
                    "SELECT parts.name, parts.value, jobs.reads FROM parts JOIN jobs ON jobs.name = parts.name"
                    " WHERE parts.name >= ? AND parts.name < ?",
                    (prefix, _after(prefix)),
                )
            )
        reads = {name: marshal.loads(ids) for name, _, ids in rows}
        facts: dict[int, str] = {}
        for batch in _batches({fact for ids in reads.values() for fact in ids}):
            marks = ",".join("?" * len(batch))
            facts.update(self.db.execute(f"SELECT id, name FROM facts WHERE id IN ({marks})", batch))
        return {name: (value, frozenset(facts[i] for i in reads[name])) for name, value, _ in rows}

    def outputs(self) -> dict[str, OutputRow]:
        """Every published file."""
        if "outputs" not in self._rows:
            rows = self.db.execute("SELECT path, digest, ino, size, mtime, owners, job FROM outputs")
            self._rows["outputs"] = {row[0]: OutputRow(*row[1:]) for row in rows}
        return dict(self._rows["outputs"])

    def links(self, pages: Iterable[str]) -> dict[str, LinkRow]:
        """What each of ``pages`` links to, as recorded."""
        found: dict[str, LinkRow] = {}
        for batch in _batches(pages):
            marks = ",".join("?" * len(batch))
            for page, targets, ids in self.db.execute(
                f"SELECT page, targets, ids FROM links WHERE page IN ({marks})",
                batch,
            ):
                stored_ids = marshal.loads(ids)
                found[page] = LinkRow(
                    tuple(marshal.loads(targets)), None if stored_ids is None else frozenset(stored_ids)
                )
        return found

    def linking_to(self, targets: Iterable[str]) -> set[str]:
        """Pages with a link to any of ``targets`` (site paths)."""
        found: set[str] = set()
        for batch in _batches(targets):
            marks = ",".join("?" * len(batch))
            found.update(p for (p,) in self.db.execute(f"SELECT page FROM linked WHERE target IN ({marks})", batch))
        return found

    # --- writing ---------------------------------------------------------------------------------

    def commit(self, update: StateUpdate) -> None:
        """Apply ``update`` in one transaction."""
        db = self.db
        inputs = [
            (p, marshal.dumps(r.stat), r.digest, None if r.skeleton is None else marshal.dumps(r.skeleton))
            for p, r in update.inputs.items()
        ]
        with db:
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, marshal.dumps(v)) for k, v in update.meta.items()]
            )
            db.executemany("DELETE FROM inputs WHERE path = ?", [(p,) for p in update.gone_inputs])
            db.executemany("INSERT OR REPLACE INTO inputs VALUES (?, ?, ?, ?)", inputs)
            db.executemany(
                "UPDATE inputs SET stat = ? WHERE path = ?", [(marshal.dumps(s), p) for p, s in update.restated.items()]
            )
            self._write_facts(update.facts)
            self._write_jobs(update.jobs, update.gone_jobs)
            db.executemany("DELETE FROM parts WHERE name = ?", [(name,) for name in update.gone_jobs])
            db.executemany("INSERT OR REPLACE INTO parts VALUES (?, ?)", list(update.parts.items()))
            db.executemany("DELETE FROM outputs WHERE path = ?", [(p,) for p in update.gone_outputs])
            db.executemany(
                "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(p, r.digest, r.ino, r.size, r.mtime, r.owners, r.job) for p, r in update.outputs.items()],
            )
            self._write_links(update.links, update.gone_links)
        # The rows kept in memory as a new read would give them (a stored skeleton's tuples are lists).
        for table, gone, rows in (
            ("inputs", update.gone_inputs, {row[0]: _input_row(*row[1:]) for row in inputs}),
            ("outputs", update.gone_outputs, update.outputs),
        ):
            kept = self._rows.get(table)
            if kept is not None:
                for path in gone:
                    kept.pop(path, None)
                kept.update(rows)
        kept = self._rows.get("inputs")
        for path, stat in update.restated.items() if kept is not None else ():
            kept[path] = dataclasses.replace(kept[path], stat=tuple(stat))

    def _write_facts(self, facts: Mapping[str, str | None]) -> None:
        gone = [(name,) for name, value in facts.items() if value is None]
        self.db.executemany("UPDATE facts SET digest = NULL WHERE name = ?", gone)
        self.db.executemany(
            "INSERT INTO facts (name, digest) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET digest = excluded.digest",
            [(name, value) for name, value in facts.items() if value is not None],
        )

    def _fact_ids(self, names: set[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for batch in _batches(names):
            marks = ",".join("?" * len(batch))
            ids.update(self.db.execute(f"SELECT name, id FROM facts WHERE name IN ({marks})", batch))
        missing = [(name,) for name in names if name not in ids]
        if missing:
            self.db.executemany("INSERT INTO facts (name) VALUES (?)", missing)
            ids.update(self._fact_ids({name for (name,) in missing}))
        return ids

    def _write_jobs(self, jobs: Mapping[str, tuple[tuple[str, ...], frozenset[str]]], gone: set[str]) -> None:
        db = self.db
        old: list[tuple[int, bytes]] = []
        for batch in _batches([*gone, *jobs]):
            marks = ",".join("?" * len(batch))
            old.extend(db.execute(f"SELECT id, reads FROM jobs WHERE name IN ({marks})", batch))
        db.executemany(
            "DELETE FROM reads WHERE fact = ? AND job = ?", [(f, i) for i, r in old for f in marshal.loads(r)]
        )
        db.executemany("DELETE FROM jobs WHERE id = ?", [(i,) for i, _ in old])
        ids = self._fact_ids({fact for _, reads in jobs.values() for fact in reads})
        # Ids given here rather than by SQLite, so that all rows go in with one statement each.
        (last,) = db.execute("SELECT COALESCE(MAX(id), 0) FROM jobs").fetchone()
        rows, reads_rows = [], []
        for job, (name, (paths, reads)) in enumerate(jobs.items(), start=last + 1):
            fact_ids = sorted(ids[fact] for fact in reads)
            rows.append((job, name, marshal.dumps(list(paths)), marshal.dumps(fact_ids)))
            reads_rows.extend((fact, job) for fact in fact_ids)
        db.executemany("INSERT INTO jobs (id, name, paths, reads) VALUES (?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO reads VALUES (?, ?)", reads_rows)

    def _write_links(self, links: Mapping[str, LinkRow], gone: set[str]) -> None:
        db = self.db
        for batch in _batches([*gone, *links]):
            marks = ",".join("?" * len(batch))
            db.execute(f"DELETE FROM linked WHERE page IN ({marks})", batch)
            db.execute(f"DELETE FROM links WHERE page IN ({marks})", batch)
        db.executemany(
            "INSERT INTO links VALUES (?, ?, ?)",
            [
                (page, marshal.dumps(list(row.targets)), marshal.dumps(None if row.ids is None else sorted(row.ids)))
                for page, row in links.items()
            ],
        )
        db.executemany(
            "INSERT OR IGNORE INTO linked VALUES (?, ?)",
            [(target, page) for page, row in links.items() for target, _ in row.targets],
        )


def _input_row(stat: bytes, digest: str, skeleton: bytes | None) -> InputRow:
    return InputRow(marshal.loads(stat), digest, None if skeleton is None else marshal.loads(skeleton))


def _connect(path: Path | None) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:" if path is None else str(path), isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode = TRUNCATE")
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript(_SCHEMA)
    db.isolation_level = ""  # ``with db:`` opens and commits a transaction
    return db


def _batches(names: Iterable[Any]) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for name in names:
        batch.append(name)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _after(prefix: str) -> str:
    """The first string after every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
