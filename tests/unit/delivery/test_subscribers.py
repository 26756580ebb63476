"""The subscriber list: strict reading with ``file:line: message``, the ``subscribers`` commands, atomic writes, the lock."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder.delivery.subscribers import SubscriberListError, list_lock, read_subscribers
from site_builder.delivery.unsubscribe import unsubscribe_token

from ...conftest import REPO, copy_project, edit_file, run_cli

LIST_ID = "the-daily-gradient.daily-gradient.example.org"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("address,name\nada@example.org,Ada\n", ["list.csv:1: the header row has no column status"]),
        (
            "address,name,status\nada@example.org,Ada,subscribed,extra\n\ngrace@example.org,subscribed\n",
            ["list.csv:2: 4 fields, but the header row has 3", "list.csv:4: 2 fields, but the header row has 3"],
        ),
        ("address,name,status\n,Nobody,subscribed\n", ["list.csv:2: no address"]),
        (
            "address,name,status\nada@,Ada,subscribed\nbob@exa mple.org,Bob,subscribed\n",
            [
                "list.csv:2: ada@: not a mail address: There must be something after the @-sign.",
                "list.csv:3: bob@exa mple.org: not a mail address: The part after the @-sign contains invalid characters: SPACE.",
            ],
        ),
        (
            "address,name,status\nada@example.org,Ada,Subscribed\n",
            ["list.csv:2: status 'Subscribed' is not one of subscribed, unsubscribed, bounced"],
        ),
        (
            "address,name,status\nada@example.org,Ada,subscribed\nADA@Example.org,Ada,unsubscribed\n",
            ["list.csv:3: ADA@Example.org is already on line 2"],
        ),
        (
            'address,name,status\nada@example.org,"Ada,subscribed\n',
            ["list.csv:2: is not valid CSV: unexpected end of data"],
        ),
        (b"address,name,status\nada@example.org,Ad\xe9,subscribed\n", ["list.csv:2: is not UTF-8 text"]),
    ],
)
def test_every_bad_row_is_named_by_file_and_line(tmp_path: Path, text: str | bytes, expected: list[str]) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(SubscriberListError) as error:
        read_subscribers(path, "list.csv")
    noun = "problem" if len(expected) == 1 else "problems"
    assert str(error.value) == "\n".join([*expected, f"{len(expected)} {noun} found (subscriber list)."])
    assert error.value.exit_code == 2


def test_a_list_written_by_a_spreadsheet_reads_and_its_extra_columns_survive_an_edit(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    path = root / "subscribers.csv"
    path.write_bytes(
        '\ufeffstatus,address,since,name\r\nsubscribed,ada@example.org,2026-01-02,"Lovelace, Ada"\r\n\r\n'.encode()
    )
    assert [(row.address, row.name) for row in read_subscribers(path, "x").rows] == [
        ("ada@example.org", "Lovelace, Ada")
    ]
    assert run_cli("subscribers", "add", "grace@example.org", "--name", "Grace", "--root", root).exit_code == 0
    assert run_cli("subscribers", "remove", "ADA@example.org", "--root", root).exit_code == 0
    rows = list(csv.reader(path.open(newline="")))
    assert rows == [
        ["status", "address", "since", "name"],
        ["unsubscribed", "ada@example.org", "2026-01-02", "Lovelace, Ada"],
        ["subscribed", "grace@example.org", "", "Grace"],
    ]


def test_add_remove_and_list(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    path = root / "subscribers.csv"
    added = run_cli("subscribers", "add", "ada@example.org", "--name", "Ada Lovelace", "--root", root)
    assert added.exit_code == 0, added.stderr
    assert "ada@example.org: subscribed in subscribers.csv" in added.stderr
    assert path.read_text() == "address,name,status\nada@example.org,Ada Lovelace,subscribed\n"
    assert path.stat().st_mode & 0o777 == 0o600, "a new list is readable by its owner only"
    assert run_cli("subscribers", "add", "grace@example.org", "--root", root).exit_code == 0
    assert run_cli("subscribers", "remove", "grace@example.org", "--root", root).exit_code == 0
    listed = run_cli("subscribers", "list", "--root", root)
    assert listed.stdout == "ada@example.org\tsubscribed\tAda Lovelace\ngrace@example.org\tunsubscribed\t\n"
    assert "2 of 2 subscribers in subscribers.csv" in listed.stderr
    left = run_cli("subscribers", "list", "--status", "unsubscribed", "--root", root)
    assert left.stdout == "grace@example.org\tunsubscribed\t\n"
    again = run_cli("subscribers", "add", "grace@example.org", "--root", root)
    assert "grace@example.org: subscribed again in subscribers.csv" in again.stderr
    assert run_cli("subscribers", "remove", "--forget", "ada@example.org", "--root", root).exit_code == 0
    assert path.read_text() == "address,name,status\ngrace@example.org,,subscribed\n"
    unknown = run_cli("subscribers", "remove", "nobody@example.org", "--root", root)
    assert unknown.exit_code == 2
    assert "subscribers.csv: nobody@example.org is not on the list" in unknown.stderr
    bad = run_cli("subscribers", "add", "not an address", "--root", root)
    assert bad.exit_code == 2
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".subscribers")) == [
        ".subscribers.csv.lock"
    ], "no temporary file is left"


def test_remove_takes_an_unsubscribe_token_checked_with_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_project(tmp_path / "project")
    secret = "s" * 20
    monkeypatch.setenv("BUILD_SITE_UNSUBSCRIBE_SECRET", secret)
    assert run_cli("subscribers", "add", "ada@example.org", "--root", root).exit_code == 0
    forged = unsubscribe_token(b"another secret!!", LIST_ID, "ada@example.org")
    refused = run_cli("subscribers", "remove", forged, "--root", root)
    assert refused.exit_code == 2
    assert f"BUILD_SITE_UNSUBSCRIBE_SECRET: {forged!r} is not an unsubscribe token of this list" in refused.stderr
    token = unsubscribe_token(secret.encode(), LIST_ID, "ada@example.org")
    result = run_cli("subscribers", "remove", token, "--root", root)
    assert result.exit_code == 0, result.stderr
    assert "ada@example.org,,unsubscribed" in (root / "subscribers.csv").read_text()


@pytest.mark.parametrize("where", ["content/subscribers.csv", "templates/static/subscribers.csv", "output/list.csv"])
def test_a_list_where_it_would_be_published_is_refused(tmp_path: Path, where: str) -> None:
    root = copy_project(tmp_path / "project")
    edit_file(root, "content/site.yaml", "  subscribers: subscribers.csv", f"  subscribers: {where}")
    result = run_cli("subscribers", "add", "ada@example.org", "--root", root)
    assert result.exit_code == 2
    assert f"content/site.yaml: delivery.subscribers: {where} is inside" in result.stderr
    assert "the subscriber list must stay private" in result.stderr
    assert not (root / where).exists()


def test_commands_wait_for_each_other_and_no_change_is_lost(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    path = root / "subscribers.csv"
    addresses = [f"reader{i}@example.org" for i in range(6)]
    with list_lock(path):  # as a send holds it while it reads the list
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "site_builder", "subscribers", "add", address, "--root", str(root)],
                cwd=REPO,
                env=os.environ,
                stderr=subprocess.PIPE,
                text=True,
            )
            for address in addresses
        ]
        first = processes[0].stderr.readline()  # type: ignore[union-attr]
        assert first.startswith("waiting for another build-site command (pid "), first
        assert not path.exists(), "nothing written while the lock is held"
    outputs = [process.communicate(timeout=120)[1] for process in processes]
    assert all(process.returncode == 0 for process in processes), outputs
    assert sorted(row.address for row in read_subscribers(path, "x").rows) == sorted(addresses)
