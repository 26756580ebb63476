"""Helpers of the delivery tests: a project set up to send to a local server, its subscriber list, and ``send`` runs."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from ...conftest import REPO, CliResult, copy_project, run_cli

ISSUE = "2026-11-28"
SECRET = "a-test-secret-of-32-characters!!"
PASSWORD = "correct horse battery staple"
SOURCE_DATE_EPOCH = str(int(dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC).timestamp()))
"""09:00 in Berlin on the day of the newest bundled issue: it is published, and the clock of the test machine does not matter."""
READERS = [
    ("ada@example.org", "Ada Lovelace"),
    ("grace@example.org", "Grace Hopper"),
    ("zoe@example.org", "Zoë Müller, Jr."),
    ("alan@example.org", ""),
    ("edsger@example.org", "Edsger Dijkstra"),
    ("barbara@example.org", "Barbara Liskov"),
]


SERVICE_URL = "https://lists.daily-gradient.example.org/"
"""The bundled site's ``email.service_url``."""


def delivery_project(
    target: Path,
    port: int,
    *,
    security: str = "none",
    user: str = "",
    settings: str = "",
    readers: list[tuple[str, str]] = READERS,
) -> Path:
    """A copy of the bundled project that sends to 127.0.0.1:``port``, with ``readers`` subscribed."""
    root = copy_project(target)
    site = root / "content/site.yaml"
    text = site.read_text()
    assert f"  service_url: {SERVICE_URL}\n" in text, "the bundled site names its subscription service"
    text = text.replace("email:\n", "email:\n  images: inline\n", 1)  # test_service sends hosted ones
    text = text[: text.index("\ndelivery:\n") + 1]  # the bundled settings, replaced by the test's
    text += (
        "delivery:\n"
        f"  smtp: {{host: 127.0.0.1, port: {port}, security: {security}, user: '{user}', timeout: 10}}\n"
        "  subscribers: ../private/subscribers.csv\n"
        "  rate: 200\n"
        "  retry_delay: 0.05\n"
        f"{settings}"
    )
    site.write_text(text)
    write_list(subscriber_list(root), [(address, name, "subscribed") for address, name in readers])
    return root


def subscriber_list(root: Path) -> Path:
    return root.parent / "private/subscribers.csv"


def store_statuses(root: Path) -> dict[str, str]:
    """Address -> status of every reader in the store the list was imported into (none yet: {})."""
    path = root.parent / "private/subscribers.sqlite"
    if not path.exists():
        return {}
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT address, status FROM subscriber ORDER BY id"))


def write_list(path: Path, rows: list[tuple[str, str, str]]) -> None:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["address", "name", "status"])
        writer.writerows(rows)


def environment(**extra: str) -> dict[str, str]:
    """What ``send`` reads from the environment in these tests."""
    return {
        "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH,
        "BUILD_SITE_UNSUBSCRIBE_SECRET": SECRET,
        "BUILD_SITE_SMTP_PASSWORD": PASSWORD,
        **extra,
    }


def send(root: Path, *args: str) -> CliResult:
    """``build-site send`` in this process (the environment set by the test)."""
    return run_cli("send", "--root", root, *args)


def send_process(root: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """``build-site send`` as a process of its own, which a test can kill."""
    return subprocess.Popen(
        [sys.executable, "-m", "site_builder", "send", "--root", str(root), *args],
        env={**os.environ, **env},
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def ledger_rows(root: Path) -> list[tuple[str, str, str]]:
    """(issue, address, state) of every row of the ledger, or [] if there is none."""
    path = root / "delivery.sqlite"
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return sorted(db.execute("SELECT issue, address, state FROM delivery"))
