"""``build-site send`` when things go wrong: a killed sender, a busy or refusing server, bad input. Still exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ...conftest import REPO, edit_file, eject_theme
from .delivering import (
    ISSUE,
    READERS,
    delivery_project,
    environment,
    ledger_rows,
    send,
    send_process,
    store_statuses,
    subscriber_list,
    write_list,
)
from .mailserver import MailServer

EVERYONE_ONCE = {address: 1 for address, _ in READERS}
THIRD = READERS[2][0]


@pytest.mark.parametrize(
    ("stage", "state_left"),
    [
        ("RCPT", "sending"),  # killed before the message went: the rerun sends it
        ("KEPT", "in-doubt"),  # killed after the server kept it, before its answer: the rerun must not send it again
    ],
)
def test_a_sender_killed_in_the_middle_of_the_list_leaves_every_reader_one_copy_after_a_rerun(
    tmp_path: Path, server: MailServer, stage: str, state_left: str
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    env = environment()
    victim: dict[str, int] = {}

    def kill_the_sender(at: str, address: str, _server: object) -> None:
        if at == stage and address == THIRD and "pid" in victim:
            os.kill(victim.pop("pid"), signal.SIGKILL)

    server.script = kill_the_sender
    process = send_process(root, env, "--date", ISSUE)
    victim["pid"] = process.pid
    process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL
    before = server.copies()
    assert before == {address: 1 for address, _ in READERS[: 2 if stage == "RCPT" else 3]}
    assert (ISSUE, THIRD, state_left) in ledger_rows(root)

    rerun = send_process(root, env, "--date", ISSUE)
    _, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == (4 if state_left == "in-doubt" else 0), stderr
    assert server.copies() == EVERYONE_ONCE
    if state_left == "in-doubt":
        assert f"issue {ISSUE}: sent 3, skipped 3 (already sent: 2, in doubt: 1), failed 0" in stderr
        assert f"in doubt: {THIRD}: in doubt since" in stderr and "not sent again (--resend --to sends it)" in stderr
    else:
        assert f"issue {ISSUE}: sent 4, skipped 2 (already sent: 2), failed 0" in stderr


def test_a_server_that_is_busy_for_a_while_gets_each_message_once(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    seen = Counter[str]()

    def busy_at_first(stage: str, address: str, smtp: object) -> str | None:
        seen[stage] += 1
        if stage == "RCPT" and seen["RCPT"] <= 2:
            return "451 4.3.0 busy, try again later"
        if stage == "MAIL" and seen["MAIL"] == 4:
            return "421 4.7.0 too many connections, closing"
        if stage == "DATA" and seen["DATA"] == 3:
            return "452 4.3.1 out of memory"
        return None

    server.script = busy_at_first
    result = send(root, "--date", ISSUE)
    assert result.exit_code == 0, result.stderr
    assert server.copies() == EVERYONE_ONCE
    assert f"issue {ISSUE}: sent 6, skipped 0, failed 0" in result.stderr
    assert "ada@example.org: 451 4.3.0 busy, try again later; trying again in 0.05 s (1 of 4)" in result.stderr
    assert "ada@example.org: 451 4.3.0 busy, try again later; trying again in 0.1 s (2 of 4)" in result.stderr
    assert seen["MAIL"] == 6 + 4, "two refused recipients, one refused sender, one refused message: four tries more"


def test_a_dropped_connection_before_the_final_dot_is_tried_again(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    drops: list[str] = []

    def drop_once(stage: str, address: str, smtp: object) -> None:
        if stage == "RCPT" and address == THIRD and not drops:
            drops.append(address)
            smtp.transport.close()  # type: ignore[attr-defined]

    server.script = drop_once
    result = send(root, "--date", ISSUE)
    assert result.exit_code == 0, result.stderr
    assert drops == [THIRD]
    assert server.copies() == EVERYONE_ONCE


def test_a_dropped_connection_after_the_final_dot_is_in_doubt_and_not_sent_again(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port)

    def drop_after_keeping(stage: str, address: str, smtp: object) -> None:
        if stage == "KEPT" and address == THIRD:
            smtp.transport.close()  # type: ignore[attr-defined]

    server.script = drop_after_keeping
    result = send(root, "--date", ISSUE)
    assert result.exit_code == 4, "in doubt has an exit status of its own"
    assert f"issue {ISSUE}: sent 5, skipped 0, failed 0, in doubt 1" in result.stderr
    assert f"in doubt: {THIRD}: connection lost after the final '.'" in result.stderr
    assert f"1 message in doubt: the server may or may not have taken it ({THIRD})" in result.stderr
    server.script = None
    again = send(root, "--date", ISSUE)
    assert again.exit_code == 4, "a rerun that leaves it in doubt is not silent either"
    assert f"1 message in doubt: the server may or may not have taken it ({THIRD})" in again.stderr
    assert server.copies() == EVERYONE_ONCE, "at most once: the reader in doubt already has it"
    resend = send(root, "--date", ISSUE, "--resend", "--to", THIRD)
    assert resend.exit_code == 0
    assert server.copies()[THIRD] == 2, "a person who checked the server's log can send it again"


def test_a_refused_address_is_reported_counted_and_marked_bounced_while_the_others_get_theirs(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port, settings="  bounce_after: 2\n")
    refused = "550 5.1.1 <zoe@example.org>: no such user"
    server.script = lambda stage, address, smtp: refused if stage == "RCPT" and address == THIRD else None
    first = send(root, "--date", "2026-11-27")
    assert first.exit_code == 1
    assert "issue 2026-11-27: sent 5, skipped 0, failed 1" in first.stderr
    assert f"failed: {THIRD}: permanent: {refused}" in first.stderr
    assert "marked bounced" not in first.stderr, "one refusal is not yet a bounce"
    second = send(root, "--date", ISSUE)
    assert second.exit_code == 1
    assert f"marked bounced: {THIRD}" in second.stderr
    assert store_statuses(root)[THIRD] == "bounced"
    assert server.copies() == {address: 2 for address, _ in READERS if address != THIRD}
    third = send(root, "--date", ISSUE)
    assert third.exit_code == 0, third.stderr
    assert f"issue {ISSUE}: sent 0, skipped 5 (already sent: 5), failed 0" in third.stderr


def test_a_server_that_refuses_the_sender_stops_the_run_and_blames_no_reader(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port, settings="  bounce_after: 1\n")
    server.script = lambda stage, address, smtp: "550 5.7.1 sender not allowed" if stage == "MAIL" else None
    result = send(root, "--date", ISSUE)
    assert result.exit_code == 1
    assert f"stopped: 127.0.0.1:{server.port}: 550 5.7.1 sender not allowed" in result.stderr
    assert "not attempted 6 (a rerun sends them)" in result.stderr
    assert "bounced" not in store_statuses(root).values()
    server.script = None
    assert send(root, "--date", ISSUE).exit_code == 0
    assert server.copies() == EVERYONE_ONCE


def test_an_unreachable_server_stops_after_its_tries_and_a_later_run_sends_everything(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    server.stop()
    result = send(root, "--date", ISSUE)
    assert result.exit_code == 1
    assert result.stderr.count("cannot connect to 127.0.0.1") == 4, "four tries"
    assert "not attempted 6" in result.stderr
    server.start()
    assert send(root, "--date", ISSUE).exit_code == 0
    assert server.copies() == EVERYONE_ONCE


BAD_LIST = [
    ("ada@example.org", "Ada", "subscribed"),
    ("not-an-address", "", "subscribed"),
    ("grace@example.org", "Grace", "maybe"),
    ("ADA@example.org", "Ada again", "subscribed"),
]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            "broken list",
            [
                "../private/subscribers.csv:3: not-an-address: not a mail address: An email address must have an @-sign.",
                "../private/subscribers.csv:4: status 'maybe' is not one of subscribed, unsubscribed, bounced",
                "../private/subscribers.csv:5: ADA@example.org is already on line 2",
                "3 problems found (subscriber list).",
            ],
        ),
        (
            "missing password",
            [
                "BUILD_SITE_SMTP_PASSWORD: not set: the SMTP user 'newsletter' needs a password "
                "(set it in the environment, e.g. from a secret of the job; site.yaml never holds it)",
            ],
        ),
        (
            "missing secret",
            ["BUILD_SITE_UNSUBSCRIBE_SECRET: not set: it signs the unsubscribe links and needs at least 16 characters"],
        ),
        (
            "not published yet",
            [
                f"content/issues/{ISSUE}.yaml: the issue is not published yet: the publication day is 2026-11-27 "
                "(it is 2026-11-28 06:59 in Europe/Berlin, before the 07:00 publish time)"
            ],
        ),
        ("draft", [f"content/issues/{ISSUE}.yaml: draft: the issue is a draft: drafts are never sent"]),
        ("no issue", ["content/issues/2026-11-29.yaml: there is no issue of 2026-11-29 to send"]),
        ("password in site.yaml", ["content/site.yaml:"]),
    ],
)
def test_bad_input_is_refused_with_nothing_sent_and_nothing_recorded(
    tmp_path: Path, server: MailServer, monkeypatch: pytest.MonkeyPatch, case: str, expected: list[str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port, user="newsletter" if case == "missing password" else "")
    for name, value in environment().items():
        monkeypatch.setenv(name, value)
    date = ISSUE
    if case == "broken list":
        write_list(subscriber_list(root), BAD_LIST)
    elif case == "missing password":
        monkeypatch.delenv("BUILD_SITE_SMTP_PASSWORD")
    elif case == "missing secret":
        monkeypatch.delenv("BUILD_SITE_UNSUBSCRIBE_SECRET")
    elif case == "not published yet":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(environment()["SOURCE_DATE_EPOCH"]) - 2 * 3600 - 60))
    elif case == "draft":
        (root / f"content/issues/{ISSUE}.yaml").write_text(
            (root / f"content/issues/{ISSUE}.yaml").read_text() + "draft: true\n"
        )
    elif case == "no issue":
        date = "2026-11-29"
    elif case == "password in site.yaml":
        edit_file(root, "content/site.yaml", "timeout: 10}", "timeout: 10, password: hunter2}")
    result = send(root, "--date", date)
    assert result.exit_code == 2, result.stderr
    for line in expected:
        assert line in result.stderr
    if case == "password in site.yaml":
        assert "delivery.smtp.password" in result.stderr and "hunter2" not in result.stderr
    assert server.commands == [] and server.received == []
    assert ledger_rows(root) == []
    assert not (root / "delivery.sqlite").exists()


def test_a_template_that_drops_the_unsubscribe_link_sends_nothing(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = eject_theme(delivery_project(tmp_path / "project", server.port), "email.txt")
    edit_file(root, "templates/email.txt", "Unsubscribe: {{ unsubscribe_url }}\n", "")
    result = send(root, "--date", ISSUE)
    assert result.exit_code == 2
    assert (
        "templates/email.txt: the email's text part shows no unsubscribe link ({{ unsubscribe_url }}) "
        "(every message must let its reader leave the list)"
    ) in result.stderr
    assert server.commands == [] and ledger_rows(root) == []


def test_a_second_send_while_one_runs_sends_nothing(tmp_path: Path, server: MailServer, env: dict[str, str]) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    holder = subprocess.Popen(  # another send, holding the ledger's lock
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from site_builder.locks import file_lock\n"
            "with file_lock(Path(sys.argv[1]), timeout=0, what='the ledger'):\n"
            "    print('held', flush=True); time.sleep(60)",
            str(root / ".delivery.sqlite.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        result = send(root, "--date", ISSUE)
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert (
        f"another build-site command (pid {holder.pid}) is using the delivery ledger {root}/delivery.sqlite"
        in result.stderr
    )
    assert server.commands == []
