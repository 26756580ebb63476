"""Subscriber rows and their checks, and lists as CSV files, read strictly.

The store (``store.py``) is where the subscribers live; CSV is how a list comes in
(``subscribers import``, or a list kept as CSV by older versions: ``migration``).

The file has a header row naming at least the columns ``address``, ``name`` and
``status`` (any order; other columns are kept as they are). Every row is
checked as a message to its reader would need it (``row_problem``: an address
mail can go to, a name a ``To:`` header can carry), and every bad one reported
as ``file:line: address: what is wrong`` before anything is imported.
"""

from __future__ import annotations

import csv
import functools
import io
import unicodedata
from dataclasses import dataclass, field
from email.utils import formataddr
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from ..errors import ContentError, Problem
from ..outputs.email.mime import header_lines

COLUMNS = ("address", "name", "status")
STATUSES = ("subscribed", "unsubscribed", "bounced")
LOCK_TIMEOUT = 60.0
"""Seconds a command waits for another one to finish with the list."""
MAX_NAME = 200
"""Characters in a reader's name: enough for any real name, and a ``To:`` header of a few hundred bytes at most."""
_LINE_BREAKS = frozenset({"Cc", "Zl", "Zp", "Cs"})
"""Unicode categories a name may not hold: control characters (CR, LF, NUL, ...), line and paragraph
separators, and lone surrogates (no UTF-8 for them): a header cannot carry them."""


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
    id: int = 0
    """The reader's row in the store (0 for a row of a CSV file)."""
    epoch: int = 0
    """Which subscription of the reader this is: their tokens name it (see ``store``)."""

    @property
    def mailbox(self) -> str:
        """The address as it goes over SMTP: its domain in ASCII (``user@xn--bcher-kva.example``)."""
        return mailbox(self.address)

    @property
    def key(self) -> str:
        """The address as rows and ledger entries are matched: neither case nor an IDN's spelling makes another reader."""
        return self.mailbox.lower()


@dataclass
class SubscriberList:
    """The whole file."""

    path: Path
    shown: str
    """The path as the author wrote it, for messages."""
    columns: list[str] = field(default_factory=lambda: list(COLUMNS))
    rows: list[Subscriber] = field(default_factory=list)


@functools.lru_cache(maxsize=65536)
def mailbox(address: str) -> str:
    """``address`` with its domain in ASCII (IDNA), as SMTP and the ``To:`` header carry it; ValueError if it is none.

    A domain in another script (``bücher.example``) is fine: it is sent in its ASCII form. A local part
    outside ASCII is not: that needs SMTPUTF8 all the way to the reader, which ``send`` does not rely on.
    """
    try:
        return validate_email(address, check_deliverability=False, allow_smtputf8=False).ascii_email or address
    except EmailNotValidError as exc:
        raise ValueError(f"not a mail address: {exc}") from None


def address_key(address: str) -> str:
    """How rows are matched: the ASCII form in lower case, or the address in lower case if it is no address at all."""
    try:
        return mailbox(address).lower()
    except ValueError:
        return address.lower()


def name_problem(name: str) -> str | None:
    """What keeps ``name`` out of a ``To:`` header, or None."""
    for char in name:
        if unicodedata.category(char) in _LINE_BREAKS:
            what = unicodedata.name(char, "a control character").lower()
            return f"the name holds U+{ord(char):04X} ({what}): a mail header cannot carry it"
    if len(name) > MAX_NAME:
        return f"the name is {len(name)} characters long; at most {MAX_NAME} fit a mail header"
    return None


def row_problem(address: str, name: str) -> str | None:
    """Why no message could be addressed to this reader (``address: what is wrong``), or None.

    The same check for every way a row enters the list (the CSV, ``subscribers add``) and for every row
    again before a send's first message: what passes here, the message builder takes.
    """
    if not address:
        return "no address"
    try:
        box = mailbox(address)
    except ValueError as exc:
        return f"{address}: {exc}"
    problem = name_problem(name)
    if problem is None:
        try:  # the header exactly as each message will carry it
            header_lines([("To", formataddr((name, box)))])
        except ValueError as exc:
            problem = f"no To: header can be made: {exc}"
    return f"{address}: {problem}" if problem else None


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
    address, name, status = cells["address"].strip(), cells["name"].strip(), cells["status"].strip()
    problem = row_problem(address, name)
    if problem is not None:
        problems.append(RowProblem(shown, line, message=problem))
        return None
    if status not in STATUSES:
        problems.append(RowProblem(shown, line, message=f"status {status!r} is not one of {', '.join(STATUSES)}"))
        return None
    extra = tuple((name, value) for name, value in cells.items() if name not in COLUMNS)
    return Subscriber(address, name, status, line, extra)
