"""``build-site subscribers bounces imap://...`` against a real IMAP server (Dovecot, started by the test on 127.0.0.1).

The corpus of bounce reports and complaints of the Maildir test (several MTAs and providers) is
put in the mailbox over IMAP, as a mail server delivers it; the command reads it and suppresses the
same readers as from a Maildir, flags each mail seen on the server, and a second run reads nothing.
"""

from __future__ import annotations

import getpass
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_builder.delivery.store import Store

from ...conftest import copy_project, require, run_cli
from ...unit.subscriptions.test_bounces import ISSUE, READERS, REPORTS, msgid
from .mailserver import free_port

USER, PASSWORD = "bounces", "imap-test-password"


@pytest.fixture
def imap_port() -> Iterator[int]:
    """Dovecot serving one user's Maildir on 127.0.0.1, plain IMAP (this machine only), until the test ends."""
    require("dovecot")
    # Run as root, Dovecot gives the mail to an unprivileged user (its own); run as a user, to that user.
    user = "dovecot" if os.getuid() == 0 else getpass.getuser()
    account = pwd.getpwnam(user)
    folder = Path(tempfile.mkdtemp(prefix="imap-", dir="/tmp"))  # not under pytest's private 0700 folder
    folder.chmod(0o755)
    home = folder / "home"
    home.mkdir()
    if os.getuid() == 0:
        os.chown(home, account.pw_uid, account.pw_gid)
    (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    internal = "" if os.getuid() == 0 else f"default_internal_user = {user}\ndefault_login_user = {user}\n"
    (folder / "dovecot.conf").write_text(
        f"base_dir = {folder}/run\nstate_dir = {folder}/state\nlog_path = {folder}/dovecot.log\n{internal}"
        "protocols = imap\nlisten = 127.0.0.1\nssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain\n"
        "first_valid_uid = 1\nmail_location = maildir:~/Maildir\n"
        f"passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN {folder}/passwd\n}}\n"
        f"userdb {{\n  driver = static\n  args = uid={account.pw_uid} gid={account.pw_gid} home={home}\n}}\n"
        f"service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n"
        "  inet_listener imaps {\n    port = 0\n  }\n}\n"
    )
    server = subprocess.Popen(["/usr/sbin/dovecot", "-F", "-c", str(folder / "dovecot.conf")])
    try:
        deadline = time.monotonic() + 30
        while True:  # listening: the state this test needs
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (folder / "dovecot.log").read_text()
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def _unseen(port: int) -> int:
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(USER, PASSWORD)
    client.select("INBOX")
    found = client.search(None, "UNSEEN")[1][0].split()
    client.logout()
    return len(found)


def test_the_bounce_mailbox_over_imap_suppresses_the_right_readers_and_is_read_once(
    tmp_path: Path, imap_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from site_builder.delivery.ledger import Ledger, State

    root = copy_project(tmp_path / "project", warm_cache=False)
    site = root / "content/site.yaml"
    text = site.read_text()
    site.write_text(
        text[: text.index("\ndelivery:\n") + 1]
        + "delivery:\n  subscribers: ../private/subscribers.sqlite\n  ledger: ../private/delivery.sqlite\n"
        + "  bounce_after: 1\n"
    )
    store = Store.open(tmp_path / "private/subscribers.sqlite")
    ledger = Ledger.open(tmp_path / "private/delivery.sqlite")
    for name in READERS:  # each was sent the issue, with its own Message-ID
        store.subscribe(f"{name}@example.org", name.title(), "cli")
        ledger.finish(ledger.start(ISSUE, f"{name}@example.org", msgid(name), 0), State.SENT, "250 OK")
    ledger.close()
    client = imaplib.IMAP4("127.0.0.1", imap_port)
    client.login(USER, PASSWORD)
    for report in sorted(REPORTS.glob("*.eml")):  # delivered to the sender's mailbox
        client.append("INBOX", None, None, report.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    client.logout()
    assert _unseen(imap_port) == 9

    mailbox = f"imap://{USER}@127.0.0.1:{imap_port}/INBOX"
    monkeypatch.setenv("BUILD_SITE_IMAP_PASSWORD", PASSWORD)
    result = run_cli("subscribers", "bounces", mailbox, "--root", root)
    assert result.exit_code == 0, result.stderr
    assert "9 mails read: " in result.stderr
    statuses = {r.address: r.status for r in store.rows()}
    assert {a: s for a, s in statuses.items() if a != "alan@example.org"} == {
        "ada@example.org": "bounced",
        "grace@example.org": "bounced",
        "zoe@example.org": "bounced",
        "edsger@example.org": "complained",  # the redacted report, found by its Message-ID
        "barbara@example.org": "complained",
    }
    assert statuses["alan@example.org"] in ("bounced", "unsubscribed"), "whichever of his two mails came first"
    assert _unseen(imap_port) == 0, "each mail flagged seen on the server"
    again = run_cli("subscribers", "bounces", mailbox, "--root", root)
    assert again.exit_code == 0 and "0 mails read: " in again.stderr
    store.close()


def test_a_wrong_password_or_address_is_a_clear_error(
    tmp_path: Path, imap_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_project(tmp_path / "project", warm_cache=False)
    mailbox = f"imap://{USER}@127.0.0.1:{imap_port}/INBOX"
    monkeypatch.setenv("BUILD_SITE_IMAP_PASSWORD", "wrong")
    result = run_cli("subscribers", "bounces", mailbox, "--root", root)
    assert result.exit_code != 0 and f"127.0.0.1:{imap_port}: IMAP: " in result.stderr, result.stderr
    monkeypatch.delenv("BUILD_SITE_IMAP_PASSWORD")
    result = run_cli("subscribers", "bounces", mailbox, "--root", root)
    assert result.exit_code != 0 and "BUILD_SITE_IMAP_PASSWORD: not set" in result.stderr, result.stderr
    monkeypatch.setenv("BUILD_SITE_IMAP_PASSWORD", PASSWORD)
    result = run_cli("subscribers", "bounces", f"imap://{USER}:{PASSWORD}@127.0.0.1/", "--root", root)
    assert result.exit_code != 0 and "never in the address" in result.stderr, result.stderr
