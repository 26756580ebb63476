"""What keeps ``send`` from skipping readers or mailing them twice: every row checked before the first message,
one ledger whatever ``--out`` says, the ``--resend`` guard, the in-doubt exit status, private file modes.

Against the real SMTP server of ``mailserver`` on 127.0.0.1.
"""

from __future__ import annotations

import os
import pty
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder.delivery import messages

from ...conftest import REPO, run_cli
from .delivering import (
    ISSUE,
    READERS,
    delivery_project,
    ledger_rows,
    send,
    store_statuses,
    subscriber_list,
    write_list,
)
from .mailserver import MailServer

LIST = "../private/subscribers.csv"
STORE = "../private/subscribers.sqlite"
EVERYONE_ONCE = {address: 1 for address, _ in READERS}


BAD_ROWS = [
    ("carriage return and line feed", "Ada\r\nBcc: everyone@example.org", "U+000D (a control character)"),
    ("line feed", "Ada\nLovelace", "U+000A (a control character)"),
    ("NUL", "Ada\x00Lovelace", "U+0000 (a control character)"),
    ("escape", "Ada\x1b[31m", "U+001B (a control character)"),
    ("line separator", "Ada\u2028Lovelace", "U+2028 (line separator)"),
    ("a name longer than a header can fold, no spaces", "A" * 5000, "the name is 5000 characters long; at most 200"),
    ("a long name with spaces", "Ada " * 1300, "the name is 5199 characters long; at most 200"),
]


@pytest.mark.parametrize(("case", "name", "why"), BAD_ROWS, ids=[case for case, _, _ in BAD_ROWS])
def test_a_bad_row_anywhere_in_the_list_stops_the_send_before_the_first_message(
    tmp_path: Path, server: MailServer, env: dict[str, str], case: str, name: str, why: str
) -> None:
    rows = [(address, reader, "subscribed") for address, reader in READERS]
    rows.insert(3, ("mallory@example.org", name, "subscribed"))  # below three good readers, above three more
    root = delivery_project(tmp_path / "project", server.port)
    write_list(subscriber_list(root), rows)
    what = f"the name holds {why}" if why.startswith("U+") else why
    expected = f"{LIST}:5: mallory@example.org: {what}"  # the header row, three readers, then this one

    for dry_run in ((), ("--dry-run",)):
        result = send(root, "--date", ISSUE, *dry_run)
        assert result.exit_code == 2, result.stderr
        assert expected in result.stderr, result.stderr
        assert "1 problem found (subscriber list)." in result.stderr
        assert "would send" not in result.stdout + result.stderr, "a dry run finds exactly the same problem"
    assert server.commands == [] and server.received == [], "the server saw nothing"
    assert ledger_rows(root) == [] and not (root / "delivery.sqlite").exists(), "nothing recorded"


@pytest.mark.parametrize(("case", "name", "why"), BAD_ROWS, ids=[case for case, _, _ in BAD_ROWS])
def test_subscribers_add_refuses_what_send_would_refuse(tmp_path: Path, case: str, name: str, why: str) -> None:
    root = tmp_path / "project"
    delivery_project(root, 25)
    result = run_cli("subscribers", "add", "mallory@example.org", "--name", name, "--root", root)
    assert result.exit_code == 2, result.stderr
    assert f"{STORE}: mallory@example.org: " in result.stderr and why.split(" (")[0] in result.stderr
    assert "mallory@example.org" not in store_statuses(root), "nothing written"


def test_an_address_in_another_script_is_sent_to_in_its_ascii_form_and_is_one_reader_either_way(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    readers = [*READERS[:2], ("leser@bücher.example", "Leser"), *READERS[2:]]
    root = delivery_project(tmp_path / "project", server.port, readers=readers)
    same = run_cli("subscribers", "add", "leser@xn--bcher-kva.example", "--root", root)
    assert same.exit_code == 0, same.stderr
    assert "leser@xn--bcher-kva.example: subscribed in" in same.stderr
    assert [a for a in store_statuses(root) if a.startswith("leser@")] == ["leser@bücher.example"], (
        "the ASCII spelling is the same reader"
    )
    local = run_cli("subscribers", "add", "jörg@example.org", "--root", root)
    assert local.exit_code == 2
    assert "jörg@example.org: not a mail address: Internationalized characters before the @-sign" in local.stderr

    result = send(root, "--date", ISSUE)
    assert result.exit_code == 0, result.stderr
    assert server.copies() == {**EVERYONE_ONCE, "leser@xn--bcher-kva.example": 1}
    (message,) = server.messages_to("leser@xn--bcher-kva.example")
    assert message["To"].addresses[0].addr_spec == "leser@xn--bcher-kva.example"
    assert message["To"].addresses[0].display_name == "Leser"


def test_a_message_that_cannot_be_made_fails_alone_and_the_rest_of_the_list_is_delivered(
    tmp_path: Path, server: MailServer, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    victim = READERS[2][0]
    compose = messages.compose

    def compose_but_not_for_the_victim(headers, *rest):  # type: ignore[no-untyped-def]
        if any(name == "To" and victim in value for name, value in headers):
            raise ValueError("something no check foresaw")
        return compose(headers, *rest)

    monkeypatch.setattr(messages, "compose", compose_but_not_for_the_victim)
    result = send(root, "--date", ISSUE)
    assert result.exit_code == 1, result.stderr
    assert f"issue {ISSUE}: sent 5, skipped 0, failed 1" in result.stderr
    assert f"failed: {victim}: the message could not be made: ValueError: something no check foresaw" in result.stderr
    assert "internal error" not in result.stderr
    assert server.copies() == {address: 1 for address, _ in READERS if address != victim}
    assert (ISSUE, victim, "not-made") in ledger_rows(root)

    monkeypatch.setattr(messages, "compose", compose)  # fixed: a plain rerun sends the victim's alone
    again = send(root, "--date", ISSUE)
    assert again.exit_code == 0, again.stderr
    assert f"issue {ISSUE}: sent 1, skipped 5 (already sent: 5), failed 0" in again.stderr
    assert server.copies() == EVERYONE_ONCE


def test_a_send_by_hand_with_another_out_sends_nothing_twice(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    assert send(root, "--date", ISSUE, "--out", tmp_path / "www/site").exit_code == 0  # as the timer runs it
    by_hand = send(root, "--date", ISSUE)
    assert by_hand.exit_code == 0, by_hand.stderr
    assert f"issue {ISSUE}: sent 0, skipped 6 (already sent: 6), failed 0" in by_hand.stderr
    elsewhere = send(root, "--date", ISSUE, "--out", tmp_path / "another")
    assert "sent 0, skipped 6" in elsewhere.stderr
    assert server.copies() == EVERYONE_ONCE
    assert [path.name for path in tmp_path.rglob("delivery.sqlite")] == ["delivery.sqlite"]
    assert (root / "delivery.sqlite").is_file()


def test_the_ledger_goes_where_site_yaml_or_the_environment_puts_it_and_never_into_the_output(
    tmp_path: Path, server: MailServer, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = delivery_project(tmp_path / "project", server.port, settings="  ledger: ../private/ledger.sqlite\n")
    assert send(root, "--date", ISSUE, "--to", "ada@example.org").exit_code == 0
    assert (tmp_path / "private/ledger.sqlite").is_file() and not (root / "delivery.sqlite").exists()
    monkeypatch.setenv("BUILD_SITE_LEDGER", "output/ledger.sqlite")
    inside = send(root, "--date", ISSUE)
    assert inside.exit_code == 2
    assert (
        "BUILD_SITE_LEDGER: output/ledger.sqlite is inside the output folder: the delivery ledger must stay private"
        in inside.stderr
    )
    assert server.copies() == {"ada@example.org": 1}


def _old_ledger(root: Path, out: str = "output") -> Path:
    """Where build-site kept the ledger before ``delivery.ledger``: beside the output folder."""
    return root / f".{out}.build-state/delivery.sqlite"


def test_a_ledger_left_beside_the_output_folder_is_moved_with_nothing_lost(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    assert send(root, "--date", ISSUE, "--to", "ada@example.org", "--to", "grace@example.org").exit_code == 0
    old = _old_ledger(root)
    old.parent.mkdir()
    os.replace(root / "delivery.sqlite", old)  # as an older build-site left it
    for side in ("-wal", "-shm"):
        if (root / f"delivery.sqlite{side}").exists():
            os.replace(root / f"delivery.sqlite{side}", old.with_name(f"delivery.sqlite{side}"))
    before = _attempts(old)

    dry = send(root, "--date", ISSUE, "--dry-run")
    assert dry.exit_code == 0 and "sent" not in dry.stdout.split("skip")[0].replace("send  ", "")
    assert "already sent" in dry.stdout and old.exists(), "a dry run reads the old ledger and moves nothing"
    result = send(root, "--date", ISSUE)
    assert result.exit_code == 0, result.stderr
    assert f"moved the delivery ledger from {old} to {root / 'delivery.sqlite'}" in result.stderr
    assert f"issue {ISSUE}: sent 4, skipped 2 (already sent: 2), failed 0" in result.stderr
    assert server.copies() == EVERYONE_ONCE
    assert not old.exists() and not list(old.parent.glob("delivery.sqlite*"))
    assert set(before) <= set(_attempts(root / "delivery.sqlite")), "every earlier attempt is still recorded"


def test_two_ledgers_make_send_refuse_to_start_and_say_how(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    assert send(root, "--date", ISSUE, "--to", "ada@example.org").exit_code == 0
    old = _old_ledger(root)
    old.parent.mkdir()
    old.write_bytes((root / "delivery.sqlite").read_bytes())
    result = send(root, "--date", ISSUE)
    assert result.exit_code == 2
    assert f"delivery.sqlite: there is another delivery ledger at {old}" in result.stderr
    assert "keep the one that holds the issues already sent" in result.stderr
    assert server.copies() == {"ada@example.org": 1}


def _attempts(ledger: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(ledger) as db:
        return db.execute("SELECT issue, address, message_id, started, outcome FROM attempt").fetchall()


def test_resend_to_everyone_needs_yes_without_a_terminal(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    assert send(root, "--date", ISSUE).exit_code == 0
    refused = send(root, "--date", ISSUE, "--resend")
    assert refused.exit_code == 2
    assert (
        "--resend: without --to it sends the issue again to every subscriber, also those who have it "
        "(add --yes to do that, or name the readers with --to ADDRESS)"
    ) in refused.stderr
    assert server.copies() == EVERYONE_ONCE
    one = send(root, "--date", ISSUE, "--resend", "--to", "ada@example.org")
    assert one.exit_code == 0, "--to names the readers: nothing to confirm"
    everyone = send(root, "--date", ISSUE, "--resend", "--yes")
    assert everyone.exit_code == 0, everyone.stderr
    assert server.copies() == {address: 2 + (address == "ada@example.org") for address, _ in READERS}


@pytest.mark.parametrize(("answer", "copies"), [("n", 1), ("y", 2)])
def test_resend_to_everyone_asks_on_a_terminal(
    tmp_path: Path, server: MailServer, env: dict[str, str], answer: str, copies: int
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    assert send(root, "--date", ISSUE).exit_code == 0
    controller, terminal = pty.openpty()
    os.write(controller, f"{answer}\n".encode())
    process = subprocess.run(
        [sys.executable, "-m", "site_builder", "send", "--root", str(root), "--date", ISSUE, "--resend"],
        stdin=terminal,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=REPO,
        timeout=300,
    )
    os.close(terminal)
    asked = os.read(controller, 4096).decode(errors="replace") + process.stdout + process.stderr
    os.close(controller)
    assert "sends the issue again to every subscriber, also those who have it. Go on? [y/N]" in asked
    assert process.returncode == (0 if answer == "y" else 1), process.stderr
    assert server.copies() == {address: copies for address, _ in READERS}


def test_files_that_hold_addresses_are_readable_by_their_owner_only(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    os.umask(0o022)
    assert send(root, "--date", ISSUE).exit_code == 0
    ledger = root / "delivery.sqlite"
    private = [ledger, *ledger.parent.glob("delivery.sqlite-*"), root / ".delivery.sqlite.lock"]
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in private} == {path.name: 0o600 for path in private}

    ledger.chmod(0o644)  # a ledger made by an older build-site
    assert send(root, "--date", ISSUE).exit_code == 0
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o600, "tightened when opened"
