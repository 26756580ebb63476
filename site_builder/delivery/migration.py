"""The store ``delivery.subscribers`` names, and a list kept as CSV by older versions imported into it on first use.

A ``delivery.subscribers`` ending in ``.csv`` is such a list: it is imported into the
``.sqlite`` file beside it, every row and column kept (its status, and the other columns
as the reader's ``extra``), in one transaction into a file renamed into place only once
complete; then the CSV is renamed ``NAME.csv.imported``, so nobody edits a file that is no
longer read. Every row is checked first, as ``send`` checks it: one bad row and nothing
is imported.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..locks import file_lock
from .private_db import database_files
from .store import Store
from .subscribers import Subscriber, read_subscribers

log = logging.getLogger(__name__)


def open_store(path: Path, shown: str) -> Store:
    """The store ``delivery.subscribers`` names; a CSV list there is imported first (see the module's doc)."""
    if path.suffix.lower() != ".csv":
        return Store.open(path, shown)
    target = path.with_suffix(".sqlite")
    target_shown = str(Path(shown).with_suffix(".sqlite"))
    if target.exists() or not path.exists():
        if path.exists():
            log.warning("%s is not read: the subscribers are in %s", shown, target_shown)
        return Store.open(target, target_shown)
    with file_lock(path.parent / f".{path.name}.lock", timeout=60, what=f"the subscriber list {path}"):
        if target.exists():
            return Store.open(target, target_shown)
        rows = read_subscribers(path, shown).rows  # every bad row named before anything is imported
        staging = target.with_name(f".{target.name}.importing")
        for file in database_files(staging):
            file.unlink(missing_ok=True)
        with Store.open(staging, target_shown) as store:
            added, _ = store.import_rows(rows, f"imported from {shown}")
            store.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            store.connection.execute("PRAGMA journal_mode=DELETE")
        os.replace(staging, target)
        kept = path.with_name(path.name + ".imported")
        os.replace(path, kept)
        kept.chmod(0o600)  # it holds every address, as the store does: readable by its owner only
    log.warning(
        "imported %d subscribers from %s into %s (the CSV is kept as %s.imported)", added, shown, target_shown, shown
    )
    return Store.open(target, target_shown)


def stored_rows(path: Path, shown: str) -> list[Subscriber]:
    """Every row, read without making or importing anything (a dry run): the store, or a CSV not imported yet."""
    if path.suffix.lower() == ".csv":
        if not path.with_suffix(".sqlite").exists():
            return read_subscribers(path, shown).rows if path.exists() else []
        path = path.with_suffix(".sqlite")
    if not path.exists():
        return []
    with Store.open(path, shown) as store:
        return store.rows()
