"""The subscriber list: a CSV file read strictly, rewritten atomically, and locked while a command uses it.

The file has a header row naming at least the columns ``address``, ``name`` and
``status`` (any order; other columns are kept as they are). Every row is
checked, and every bad one reported as ``file:line: message`` before anything
is sent. Changes are written to a temporary file beside the list, flushed to
disk and renamed over it, so a reader sees the old list or the new one, never
half of one; ``list_lock`` keeps two commands from changing it at once.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from ..errors import ContentError, Problem
from .locks import file_lock

COLUMNS = ("address", "name", "status")
STATUSES = ("subscribed", "unsubscribed", "bounced")
LOCK_TIMEOUT = 60.0
"""Seconds a command waits for another one to finish with the list."""


@dataclass(frozen=True, order=True)
class RowProblem(Problem):
    """A bad row of the list: ``file:line: message``, no column."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


class SubscriberListError(ContentError):
    """The subscriber list cannot be read, or has bad rows."""

    @property
    def kind(self) -> str:
        return "subscriber list"


@dataclass(frozen=True)
class Subscriber:
    """A row of the list."""

    address: str
    name: str
    status: str
    line: int = 0
    """Where the row is in the file (0 for a row added by a command)."""
    extra: tuple[tuple[str, str], ...] = ()
    """Other columns, kept as they were."""

    @property
    def key(self) -> str:
        """The address as rows and ledger entries are matched: case does not make another reader."""
        return self.address.lower()


@dataclass
class SubscriberList:
    """The whole file."""

    path: Path
    shown: str
    """The path as the author wrote it, for messages."""
    columns: list[str] = field(default_factory=lambda: list(COLUMNS))
    rows: list[Subscriber] = field(default_factory=list)

    def find(self, address: str) -> Subscriber | None:
        return next((row for row in self.rows if row.key == address.lower()), None)

    def subscribed(self) -> list[Subscriber]:
        return [row for row in self.rows if row.status == "subscribed"]

    def set(self, subscriber: Subscriber) -> None:
        """Put ``subscriber`` in place of the row with its address, or at the end."""
        for index, row in enumerate(self.rows):
            if row.key == subscriber.key:
                self.rows[index] = replace(subscriber, extra=subscriber.extra or row.extra)
                return
        self.rows.append(subscriber)

    def remove(self, address: str) -> None:
        self.rows = [row for row in self.rows if row.key != address.lower()]


def checked_address(address: str) -> str:
    """``address`` if it is a mail address mail can be sent to from here, else ValueError saying why."""
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{address!r} is not a mail address: {exc}") from None
    return address


def read_subscribers(path: Path, shown: str) -> SubscriberList:
    """The list at ``path``; a ``SubscriberListError`` naming every bad row; a missing file is an empty list."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return SubscriberList(path, shown)
    except OSError as exc:
        raise SubscriberListError(RowProblem(shown, message=f"cannot be read: {exc.strerror}")) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SubscriberListError(RowProblem(shown, line, message="is not UTF-8 text")) from None
    return _parse(text, path, shown)


def _parse(text: str, path: Path, shown: str) -> SubscriberList:
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    result = SubscriberList(path, shown, columns=[])
    first_line: dict[str, int] = {}
    last = 0
    try:
        for row in reader:
            line, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if not result.columns:
                result.columns = [cell.strip() for cell in row]
                missing = [name for name in COLUMNS if name not in result.columns]
                if missing:
                    problems.append(
                        RowProblem(shown, line, message=f"the header row has no column {', '.join(missing)}")
                    )
                    break
                continue
            subscriber = _row(row, result.columns, line, shown, problems)
            if subscriber is None:
                continue
            if subscriber.key in first_line:
                problems.append(
                    RowProblem(
                        shown, line, message=f"{subscriber.address} is already on line {first_line[subscriber.key]}"
                    )
                )
                continue
            first_line[subscriber.key] = line
            result.rows.append(subscriber)
    except csv.Error as exc:
        problems.append(RowProblem(shown, reader.line_num, message=f"is not valid CSV: {exc}"))
    if not result.columns and not problems:
        result.columns = list(COLUMNS)
    if problems:
        raise SubscriberListError(problems)
    return result


def _row(row: list[str], columns: list[str], line: int, shown: str, problems: list[Problem]) -> Subscriber | None:
    if len(row) != len(columns):
        problems.append(RowProblem(shown, line, message=f"{len(row)} fields, but the header row has {len(columns)}"))
        return None
    cells = dict(zip(columns, row, strict=True))
    address, status = cells["address"].strip(), cells["status"].strip()
    try:
        checked_address(address)
    except ValueError as exc:
        problems.append(RowProblem(shown, line, message=str(exc) if address else "no address"))
        return None
    if status not in STATUSES:
        problems.append(RowProblem(shown, line, message=f"status {status!r} is not one of {', '.join(STATUSES)}"))
        return None
    extra = tuple((name, value) for name, value in cells.items() if name not in COLUMNS)
    return Subscriber(address, cells["name"].strip(), status, line, extra)


def write_subscribers(subscribers: SubscriberList) -> None:
    """Replace the file with ``subscribers`` in one rename; a new file is readable by its owner only."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(subscribers.columns)
    for row in subscribers.rows:
        cells = {"address": row.address, "name": row.name, "status": row.status, **dict(row.extra)}
        writer.writerow([cells.get(name, "") for name in subscribers.columns])
    path = subscribers.path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o600
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            file.write(buffer.getvalue())
            file.flush()
            os.fchmod(file.fileno(), mode)
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


@contextlib.contextmanager
def list_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the list's lock (``.NAME.lock`` beside it), shared by ``send`` and the ``subscribers`` commands."""
    with file_lock(path.parent / f".{path.name}.lock", timeout=timeout, what=f"the subscriber list {path}"):
        yield
