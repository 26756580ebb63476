"""``build-site send`` against a real SMTP server on 127.0.0.1: one message per reader, parsed back; exactly once."""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from site_builder.delivery.send import Pace
from site_builder.delivery.unsubscribe import UNSUBSCRIBE, read_token

from ...conftest import REPO, run_cli
from .delivering import ISSUE, READERS, SECRET, delivery_project, ledger_rows, send, subscriber_list
from .mailserver import MailServer

LIST_ID = "the-daily-gradient.daily-gradient.example.org"
FEED_ID = "e877c43b-2724-4295-9a81-d436c47564a7"
BASE = "https://daily-gradient.example.org/"


def test_every_subscriber_gets_exactly_one_message_with_their_own_headers_parts_and_images(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    result = send(root, "--date", ISSUE)
    assert result.exit_code == 0, result.stderr
    assert f"issue {ISSUE}: sent 6, skipped 0, failed 0" in result.stderr
    assert server.copies() == {address: 1 for address, _ in READERS}
    with sqlite3.connect(root.parent / "private/subscribers.sqlite") as db:
        store_ids = dict(db.execute("SELECT address, id FROM subscriber"))
    message_ids = set()
    for address, name in READERS:
        (message,) = server.messages_to(address)
        received = next(m for m in server.received if address in m.rcpt_tos)
        assert received.mail_from == "newsletter@daily-gradient.example.org"
        assert message["To"].addresses[0].addr_spec == address
        assert message["To"].addresses[0].display_name == name
        assert message["From"] == "The Daily Gradient <newsletter@daily-gradient.example.org>"
        assert message["Subject"] == "The Daily Gradient: The Adam Optimizer · Non-Maximum Suppression"
        assert message["List-Id"] == f"The Daily Gradient <{LIST_ID}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        message_ids.add(message["Message-ID"])
        https, mailto = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
        assert mailto == "mailto:unsubscribe@daily-gradient.example.org?subject=unsubscribe"
        assert https.startswith("https://lists.daily-gradient.example.org/unsubscribe?token=")
        (token,) = parse_qs(urlsplit(https).query)["token"]
        claim = read_token(SECRET.encode(), FEED_ID, UNSUBSCRIBE, token, dt.datetime.now(dt.UTC).date())
        assert claim is not None and claim.subscriber == store_ids[address], "the link unsubscribes this reader"
        raw = base64.urlsafe_b64decode(token + "=")
        assert address.encode() not in raw and len(raw) == 32, "no address in the token: 16 bytes of claim, 16 of MAC"
        assert not message.defects
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(("plain",)).get_content()
        page = message.get_body(("html",)).get_content()
        assert f"Unsubscribe: {https}" in text
        assert f'href="{html.escape(https)}"' in page
        assert "{{unsubscribe_url}}" not in text + page, "no placeholder reaches a reader"
        assert f"{BASE}issues/{ISSUE}/" in text and f'href="{BASE}issues/{ISSUE}/"' in page, "view online"
        assert "# The Adam Optimizer · Non-Maximum Suppression" in text
        related = message.get_body(("related",))
        images = {
            part["Content-ID"].strip("<>"): part
            for part in related.iter_parts()
            if part.get_content_maintype() == "image"
        }
        cids = set(re.findall(r'src="cid:([^"]+)"', page))
        assert cids and cids == set(images), "every image shown is attached, and only those"
        for image in images.values():
            assert image.get_content().startswith(b"\x89PNG\r\n\x1a\n")
            assert image.get_content_disposition() == "inline"
        assert not re.search(rf'<img\b[^>]*src="{re.escape(BASE)}', page), "no image is loaded from the web"
    assert len(message_ids) == len(READERS), "a Message-ID of its own per reader"

    rows = ledger_rows(root)
    assert rows == sorted((ISSUE, address, "sent") for address, _ in READERS)
    again = send(root, "--date", ISSUE)
    assert again.exit_code == 0, again.stderr
    assert f"issue {ISSUE}: sent 0, skipped 6 (already sent: 6), failed 0" in again.stderr
    assert server.copies() == {address: 1 for address, _ in READERS}, "a rerun sends nothing"


def test_resend_sends_again_with_a_new_message_id_and_to_limits_the_readers(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    assert send(root, "--date", ISSUE, "--to", "grace@example.org").exit_code == 0
    assert server.copies() == {"grace@example.org": 1}
    assert send(root, "--date", ISSUE, "--to", "grace@example.org").exit_code == 0
    assert server.copies() == {"grace@example.org": 1}
    result = send(root, "--date", ISSUE, "--to", "grace@example.org", "--resend")
    assert result.exit_code == 0, result.stderr
    first, second = server.messages_to("grace@example.org")
    assert first["Message-ID"] != second["Message-ID"]
    nobody = send(root, "--date", ISSUE, "--to", "nobody@example.org")
    assert nobody.exit_code == 2
    assert "nobody@example.org is not a subscriber (--to)" in nobody.stderr


def test_dry_run_lists_who_would_get_it_and_sends_and_records_nothing(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    assert send(root, "--date", ISSUE, "--to", "ada@example.org").exit_code == 0
    result = send(root, "--date", ISSUE, "--dry-run")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[1] for line in lines if line.startswith("send ")] == [
        a for a, _ in READERS if a != "ada@example.org"
    ]
    assert re.fullmatch(r"skip  ada@example\.org: already sent \(2\d{3}-\d\d-\d\d \d\d:\d\d UTC\)", lines[-1])
    assert f"issue {ISSUE}: would send 5, skipped 1 (already sent: 1)" in result.stderr
    assert server.copies() == {"ada@example.org": 1}
    assert len(ledger_rows(root)) == 1


def test_a_plain_build_never_sends(tmp_path: Path, server: MailServer, env: dict[str, str]) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    result = run_cli("--root", root, "--date", ISSUE)
    assert result.exit_code == 0, result.stderr
    assert (root / f"output/issues/{ISSUE}/issue.eml").is_file()
    assert server.commands == [] and server.received == []
    assert ledger_rows(root) == []


def test_the_rate_limit_spaces_the_messages(tmp_path: Path, server: MailServer, env: dict[str, str]) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    site = root / "content/site.yaml"
    site.write_text(site.read_text().replace("  rate: 200\n", "  rate: 5\n"))
    assert send(root, "--date", ISSUE).exit_code == 0
    times = sorted(message.at for message in server.received)
    assert len(times) == 6
    # Tries start 0.2 s apart. What the server sees also varies with how long each took (on a loaded machine one
    # message may arrive late and the next on time), and the first one also connected first, so it is left out:
    # the last four gaps together take at least as long as the rate allows.
    assert times[-1] - times[1] >= (len(times) - 2) * 0.2 - 0.1, times


def test_subscribers_who_left_or_bounced_get_nothing(tmp_path: Path, server: MailServer, env: dict[str, str]) -> None:
    root = delivery_project(tmp_path / "project", server.port)
    path = subscriber_list(root)
    path.write_text(path.read_text().replace("alan@example.org,,subscribed", "alan@example.org,,bounced"))
    assert run_cli("subscribers", "remove", "ada@example.org", "--root", root).exit_code == 0  # imports the list
    assert send(root, "--date", ISSUE).exit_code == 0
    assert set(server.copies()) == {a for a, _ in READERS} - {"ada@example.org", "alan@example.org"}


def test_the_pace_lets_tries_start_no_closer_than_the_rate_allows() -> None:
    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        clock[0] += seconds

    pace = Pace(4.0, sleep, clock=lambda: clock[0])
    pace.wait()
    clock[0] += 0.1
    pace.wait()
    clock[0] += 1.0
    pace.wait()
    pace.wait()
    assert slept == [0.15, 0.25]


def test_the_readme_documents_every_variable_send_reads() -> None:
    from site_builder.delivery.settings import ENVIRONMENT

    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Sending the newsletter") : readme.index("## Writing content")]
    for variable in ENVIRONMENT:
        assert f"| `{variable.name}` |" in section, variable.name


def test_sending_reports_its_progress_one_reader_at_a_time(
    tmp_path: Path, server: MailServer, env: dict[str, str]
) -> None:
    from site_builder import progress
    from site_builder.delivery.send import SendOptions, send_issue

    class Recorder:
        def __init__(self) -> None:
            self.events: list[tuple[str, object]] = []

        def start(self, stage: str, total: int | None) -> None:
            self.events.append(("start", (stage, total)))

        def advance(self, item: str) -> None:
            self.events.append(("advance", item))

        def finish(self, failed: bool) -> None:
            self.events.append(("finish", failed))

    root = delivery_project(tmp_path / "project", server.port)
    recorder = Recorder()
    with progress.reporting(recorder):
        report = send_issue(root, root / "output", SendOptions(date=dt.date(2026, 11, 28)))
    assert report.ok and len(report.sent) == 6
    sending = recorder.events[recorder.events.index(("start", ("send", 6))) :]
    assert sending == [("start", ("send", 6)), *(("advance", a) for a, _ in READERS), ("finish", False)]
