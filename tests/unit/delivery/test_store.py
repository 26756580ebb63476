"""The subscriber store: consent and history, CSV migration with nothing lost, import/export/forget, the commands."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from site_builder.delivery.migration import open_store, stored_rows
from site_builder.delivery.store import Store
from site_builder.delivery.subscribers import SubscriberListError
from site_builder.errors import ConfigError

from ...conftest import copy_project, edit_file, run_cli

CSV_LIST = (
    "\ufeffstatus,address,since,name\r\n"
    'subscribed,ada@example.org,2026-01-02,"Lovelace, Ada"\r\n'
    "unsubscribed,grace@example.org,2025-05-05,Grace Hopper\r\n"
    "bounced,leser@bücher.example,,\r\n"
)


def test_a_new_store_is_private_in_wal_mode_and_a_reader_keeps_consent_and_history(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.sqlite"
    with Store.open(path) as store:
        ada = store.subscribe("Ada@Example.org", "Ada", "cli", "by hand")
        assert store.set_status(ada.id, "unsubscribed", "page")
        assert not store.set_status(ada.id, "unsubscribed", "page"), "nothing left to change"
        again = store.subscribe("ada@example.org", "", "cli")
        assert again.epoch == ada.epoch + 1, "subscribing again starts a new subscription: older tokens are void"
        assert again.name == "Ada", "a name is kept when none is given"
        record = store.export("ADA@example.org")
    assert path.stat().st_mode & 0o777 == 0o600
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert record is not None
    assert (record["address"], record["status"], record["consent_how"]) == ("Ada@Example.org", "subscribed", "cli")
    assert [(h["status"], h["how"]) for h in record["history"]] == [  # type: ignore[index,union-attr]
        ("subscribed", "cli"),
        ("unsubscribed", "page"),
        ("subscribed", "cli"),
    ]


def test_a_form_sign_up_is_pending_with_its_mail_queued_and_confirms_once(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite") as store:
        pending = store.subscribe("ada@example.org", "", "form", confirmed=False)
        assert pending.status == "pending"
        queued = store.connection.execute("SELECT subscriber, epoch, state FROM outbox").fetchall()
        assert queued == [(pending.id, pending.epoch, "queued")], "the mail is queued with the sign-up"
        assert not store.confirm(pending.id, pending.epoch + 1), "another subscription's token"
        assert store.confirm(pending.id, pending.epoch)
        assert not store.confirm(pending.id, pending.epoch), "a replayed confirm changes nothing"
        assert store.find("ada@example.org").status == "subscribed"  # type: ignore[union-attr]
        store.subscribe("ada@example.org", "", "form", confirmed=False)
        assert store.find("ada@example.org").status == "subscribed", "a sign-up of a reader changes nothing"  # type: ignore[union-attr]
        assert len(store.connection.execute("SELECT * FROM outbox").fetchall()) == 1, "and mails nothing"


@pytest.mark.parametrize(("address", "name"), [("not an address", ""), ("ada@example.org", "Ada\r\nBcc: x@y.org")])
def test_nothing_a_send_would_refuse_enters_the_store(tmp_path: Path, address: str, name: str) -> None:
    with Store.open(tmp_path / "s.sqlite") as store:
        with pytest.raises(ConfigError):
            store.subscribe(address, name, "form", confirmed=False)
        assert store.rows() == []


def test_complaints_suppress_at_once_and_hard_bounces_at_the_threshold(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite") as store:
        ada = store.subscribe("ada@example.org", "", "cli")
        grace = store.subscribe("grace@example.org", "", "cli")
        assert store.record_bounce(ada.id, "complaint", "2026-11-28", "ses", 3)
        assert not store.record_bounce(grace.id, "hard", "2026-11-27", "maildir", 2)
        assert not store.record_bounce(grace.id, "hard", "2026-11-27", "maildir", 2), (
            "the same bounce twice counts once"
        )
        assert store.record_bounce(grace.id, "hard", "2026-11-28", "maildir", 2)
        assert [(r.address, r.status) for r in store.rows()] == [
            ("ada@example.org", "complained"),
            ("grace@example.org", "bounced"),
        ]


def test_a_csv_list_is_imported_on_first_use_with_every_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.csv"
    path.write_bytes(CSV_LIST.encode())
    path.chmod(0o644)  # as an editor leaves it
    assert [r.address for r in stored_rows(path, "subscribers.csv")] == [
        "ada@example.org",
        "grace@example.org",
        "leser@bücher.example",
    ], "a dry run reads the CSV and imports nothing"
    assert not (tmp_path / "subscribers.sqlite").exists()
    with open_store(path, "subscribers.csv") as store:
        rows = store.rows()
        assert store.shown == "subscribers.sqlite"
    assert [(r.address, r.name, r.status, r.extra) for r in rows] == [
        ("ada@example.org", "Lovelace, Ada", "subscribed", (("since", "2026-01-02"),)),
        ("grace@example.org", "Grace Hopper", "unsubscribed", (("since", "2025-05-05"),)),
        ("leser@bücher.example", "", "bounced", (("since", ""),)),
    ]
    assert not path.exists() and (tmp_path / "subscribers.csv.imported").read_bytes() == CSV_LIST.encode()
    assert (tmp_path / "subscribers.csv.imported").stat().st_mode & 0o777 == 0o600, "every address, kept private"
    assert not [p.name for p in tmp_path.iterdir() if "importing" in p.name], "no staging file left"
    with open_store(path, "subscribers.csv") as store:
        assert len(store.rows()) == 3, "imported once"


def test_a_bad_csv_row_imports_nothing(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.csv"
    path.write_text("address,name,status\nada@example.org,Ada,subscribed\nnot-an-address,,subscribed\n")
    with pytest.raises(SubscriberListError, match=re.escape("subscribers.csv:3: not-an-address: not a mail address")):
        open_store(path, "subscribers.csv")
    assert path.exists() and not (tmp_path / "subscribers.sqlite").exists()


def test_the_commands_add_remove_list_import_export_forget_and_back_up(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project", warm_cache=False)
    added = run_cli("subscribers", "add", "ada@example.org", "--name", "Ada Lovelace", "--root", root)
    assert added.exit_code == 0, added.stderr
    assert "ada@example.org: subscribed in subscribers.sqlite" in added.stderr
    listing = tmp_path / "more.csv"
    listing.write_text("address,name,status\ngrace@example.org,Grace,subscribed\nada@example.org,Other,unsubscribed\n")
    imported = run_cli("subscribers", "import", listing, "--root", root)
    assert "1 added, 1 already in subscribers.sqlite" in imported.stderr
    assert run_cli("subscribers", "remove", "grace@example.org", "--root", root).exit_code == 0
    listed = run_cli("subscribers", "list", "--root", root)
    assert listed.stdout == "ada@example.org\tsubscribed\tAda Lovelace\ngrace@example.org\tunsubscribed\tGrace\n"
    exported = run_cli("subscribers", "export", "--root", root)
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["address"], r["status"], r["consent_how"]) for r in rows] == [
        ("ada@example.org", "subscribed", "cli"),
        ("grace@example.org", "unsubscribed", "import"),
    ]
    one = json.loads(run_cli("subscribers", "export", "grace@example.org", "--root", root).stdout)
    assert [(h["status"], h["how"]) for h in one["history"]] == [("subscribed", "import"), ("unsubscribed", "cli")]
    backup = tmp_path / "backup.sqlite"
    assert run_cli("subscribers", "backup", backup, "--root", root).exit_code == 0
    assert backup.stat().st_mode & 0o777 == 0o600
    assert sqlite3.connect(backup).execute("SELECT count(*) FROM subscriber").fetchone() == (2,)
    assert run_cli("subscribers", "forget", "grace@example.org", "--root", root).exit_code == 0
    gone = run_cli("subscribers", "export", "grace@example.org", "--root", root)
    assert gone.exit_code == 2 and "grace@example.org is not on the list" in gone.stderr
    store = sqlite3.connect(root / "subscribers.sqlite")
    assert store.execute("SELECT count(*) FROM history h JOIN subscriber s ON s.id = h.subscriber").fetchone() == (1,)
    assert store.execute("SELECT count(*) FROM history").fetchone() == (1,), "forgetting erases the history too"
    bad = run_cli("subscribers", "add", "not an address", "--root", root)
    assert bad.exit_code == 2


@pytest.mark.parametrize("where", ["content/subscribers.sqlite", "templates/static/s.sqlite", "output/list.sqlite"])
def test_a_store_where_it_would_be_published_is_refused(tmp_path: Path, where: str) -> None:
    root = copy_project(tmp_path / "project", warm_cache=False)
    edit_file(root, "content/site.yaml", "  subscribers: subscribers.sqlite", f"  subscribers: {where}")
    result = run_cli("subscribers", "add", "ada@example.org", "--root", root)
    assert result.exit_code == 2
    assert f"content/site.yaml: delivery.subscribers: {where} is inside" in result.stderr
    assert not (root / where).exists()
