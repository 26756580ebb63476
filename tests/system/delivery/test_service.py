"""The subscription service under uvicorn on 127.0.0.1, with a real SMTP server, Chromium and ``send``.

A reader signs up on the built site's form in Chromium, the confirmation mail arrives at
aiosmtpd, its link opens in the browser and the button confirms; ``send`` mails the issue
with a one-click header, which is POSTed as a mailbox provider does; sign-ups and
unsubscribes while ``send`` runs; the service SIGKILLed while requests are in flight.
"""

from __future__ import annotations

import datetime as dt
import functools
import html.parser
import http.server
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from site_builder.delivery.store import Store
from site_builder.delivery.unsubscribe import UNSUBSCRIBE, make_token

from ...conftest import REPO, run_cli
from .delivering import ISSUE, READERS, SERVICE_URL, delivery_project, environment, send_process
from .mailserver import MailServer, free_port


@pytest.fixture
def server() -> Iterator[MailServer]:
    mail = MailServer().start()
    yield mail
    mail.stop()


def service_project(target: Path, mail_port: int, service_port: int) -> Path:
    root = delivery_project(target, mail_port, settings="  signups_per_client: 100000\n")
    site = root / "content/site.yaml"
    text = site.read_text()
    text = text.replace("  images: inline\n", "", 1)  # email.images: hosted, the default
    text = text.replace(f"  service_url: {SERVICE_URL}\n", f"  service_url: http://127.0.0.1:{service_port}/\n")
    site.write_text(text)
    return root


class Service:
    """``build-site subscriptions serve`` as a process of its own."""

    def __init__(self, root: Path, port: int) -> None:
        self.root, self.port, self.url = root, port, f"http://127.0.0.1:{port}/"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> Service:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "site_builder",
                "subscriptions",
                "serve",
                "--root",
                str(self.root),
                "--port",
                str(self.port),
            ],
            env={**os.environ, **environment()},
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "health", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                if self.process.poll() is not None:
                    raise AssertionError(self.process.stderr.read() if self.process.stderr else "") from None
                time.sleep(0.1)
        raise AssertionError("the service did not answer within 60 s")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> str:
        if self.process is None or self.process.poll() is not None:
            return ""
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=30)
        return err


class ImageTags(html.parser.HTMLParser):
    """The attributes of every ``<img>``, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.found.append({name: value or "" for name, value in attrs})


def post(url: str, body: bytes, content_type: str = "application/x-www-form-urlencoded") -> int:
    """A POST as a mailbox provider makes it for RFC 8058: no cookie, no referrer, the header's URL, this body."""
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def status_of(root: Path, address: str) -> str:
    with sqlite3.connect(root.parent / "private/subscribers.sqlite") as db:
        row = db.execute("SELECT status FROM subscriber WHERE key = ?", (address.lower(),)).fetchone()
    return row[0] if row else "absent"


def wait_for(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.05)


def test_sign_up_in_the_browser_confirm_by_mail_and_leave_with_one_click(
    tmp_path: Path, server: MailServer, browser
) -> None:
    port = free_port()
    root = service_project(tmp_path / "project", server.port, port)
    built = run_cli("--root", root, "--date", ISSUE, "--out", root / "output")
    assert built.exit_code == 0, built.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root / "output"))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    service = Service(root, port).start()
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{site.server_address[1]}/issues/{ISSUE}/")
        page.fill("#subscribe-address", "new.reader@example.org")
        page.click(".subscribe-form button[type=submit]")
        page.wait_for_url(f"{service.url}subscribe")
        assert page.locator("h1").inner_text() == "Check your inbox"
        assert status_of(root, "new.reader@example.org") == "pending"

        wait_for(lambda: server.messages_to("new.reader@example.org"), "the confirmation mail")
        (mail,) = server.messages_to("new.reader@example.org")
        assert mail["Subject"] == "Confirm your subscription to The Daily Gradient"
        link = re.search(r"(http://127\.0\.0\.1:\d+/confirm\?token=[\w-]+)", mail.get_body(("plain",)).get_content())
        assert link is not None
        page.goto(link.group(1))
        assert status_of(root, "new.reader@example.org") == "pending", "opening the link confirms nothing"
        page.click(".subscription form button[type=submit]")
        assert page.locator("h1").inner_text() == "You are subscribed"
        assert status_of(root, "new.reader@example.org") == "subscribed"

        sent = send_process(root, environment(), "--date", ISSUE)
        _, err = sent.communicate(timeout=300)
        assert sent.returncode == 0, err
        (issue,) = server.messages_to("new.reader@example.org")[1:]
        assert issue["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        https, mailto = (part.strip(" <>") for part in str(issue["List-Unsubscribe"]).split(","))
        assert https.startswith(f"{service.url}unsubscribe?token=") and mailto.startswith("mailto:")
        token = https.partition("token=")[2]
        assert "new.reader" not in token and "@" not in token, "no address in the token"
        with urllib.request.urlopen(https, timeout=10) as answer:  # a link scanner's GET
            assert answer.status == 200
        assert status_of(root, "new.reader@example.org") == "subscribed", "a GET changes nothing"
        assert post(https, b"List-Unsubscribe=One-Click") == 200
        assert status_of(root, "new.reader@example.org") == "unsubscribed"

        refused = post(f"{service.url}subscribe", b"email=mallory%40example.org%0D%0ABcc%3A+x%40evil.example")
        assert refused == 400 and status_of(root, "mallory@example.org") == "absent"
    finally:
        log = service.stop()
        site.shutdown()
    assert "new.reader" not in log and token not in log, "the access log holds neither addresses nor tokens"
    assert '"path": "/unsubscribe", "status": 200' in log


def test_the_confirmation_mail_waits_for_a_relay_that_is_down(tmp_path: Path, server: MailServer) -> None:
    port = free_port()
    root = service_project(tmp_path / "project", server.port, port)
    server.stop()
    service = Service(root, port).start()
    try:
        assert post(f"{service.url}subscribe", b"email=late%40example.org") == 200
        time.sleep(1.0)  # tries fail meanwhile
        server.start()
        wait_for(lambda: server.messages_to("late@example.org"), "the mail once the relay is back", timeout=60)
        assert len(server.messages_to("late@example.org")) == 1
    finally:
        service.stop()


def test_a_send_mails_those_subscribed_when_it_started_and_nobody_who_left_meanwhile(
    tmp_path: Path, server: MailServer
) -> None:
    port = free_port()
    root = service_project(tmp_path / "project", server.port, port)
    first = run_cli("subscribers", "list", "--root", root)  # imports the CSV list into the store
    assert first.exit_code == 0, first.stderr
    service = Service(root, port).start()
    last = READERS[-1][0]

    def slow(stage: str, address: str, _server: object) -> None:
        if stage == "KEPT":
            time.sleep(0.4)  # each message takes a while: the changes below land in the middle of the send
        return None

    server.script = slow  # type: ignore[assignment]
    try:
        sending = send_process(root, environment(), "--date", ISSUE)
        wait_for(lambda: server.received, "the send's first message", timeout=120)
        # The last reader leaves, and a new one confirms, while the send is on its first readers.
        with Store.open(root.parent / "private/subscribers.sqlite") as store:
            leaving = store.find(last)
            assert leaving is not None
        token = make_token(
            environment()["BUILD_SITE_UNSUBSCRIBE_SECRET"].encode(),
            "e877c43b-2724-4295-9a81-d436c47564a7",
            UNSUBSCRIBE,
            leaving.id,
            leaving.epoch,
            dt.datetime.now(dt.UTC).date(),
        )
        assert post(f"{service.url}unsubscribe?token={token}", b"List-Unsubscribe=One-Click") == 200
        assert post(f"{service.url}subscribe", b"email=joiner%40example.org") == 200
        wait_for(lambda: server.messages_to("joiner@example.org"), "the joiner's confirmation mail")
        (mail,) = server.messages_to("joiner@example.org")
        confirm = re.search(r"confirm\?token=([\w-]+)", mail.get_body(("plain",)).get_content())
        assert confirm is not None
        assert post(f"{service.url}confirm", f"token={confirm.group(1)}".encode()) == 200
        assert status_of(root, "joiner@example.org") == "subscribed"
        assert sending.poll() is None, "all this while the send runs"
        _, err = sending.communicate(timeout=300)
        assert sending.returncode == 0, err
    finally:
        service.stop()
    copies = server.copies()
    assert copies[last] == 0, "who left during the send gets nothing more"
    assert copies["joiner@example.org"] == 1, "the confirmation mail only: the issue waits for the next send"
    assert all(copies[address] == 1 for address, _ in READERS[:-1])
    assert "skipped 1 (left: 1)" in err


def test_the_service_killed_mid_request_loses_no_change_it_confirmed(tmp_path: Path, server: MailServer) -> None:
    port = free_port()
    root = service_project(tmp_path / "project", server.port, port)
    service = Service(root, port).start()
    answered: dict[str, int] = {}
    stop = threading.Event()

    def sign_up(index: int) -> None:
        while not stop.is_set():
            address = f"r{index}-{len(answered)}@example.org"
            try:
                code = post(f"{service.url}subscribe", f"email={address}".encode())
            except OSError:
                return
            answered[address] = code

    workers = [threading.Thread(target=sign_up, args=(i,)) for i in range(4)]
    for worker in workers:
        worker.start()
    wait_for(lambda: len(answered) >= 40, "40 sign-ups answered")
    service.kill()
    stop.set()
    for worker in workers:
        worker.join(timeout=30)
    confirmed = [address for address, code in answered.items() if code == 200]
    assert len(confirmed) >= 40
    with sqlite3.connect(root.parent / "private/subscribers.sqlite") as db:
        stored = {key for (key,) in db.execute("SELECT key FROM subscriber WHERE status = 'pending'")}
        queued = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    assert set(confirmed) <= stored, "every sign-up the service answered 200 is in the store"
    assert queued == len(stored), "each with its confirmation mail queued"


def test_a_hosted_message_is_light_and_its_images_are_served_for_good(tmp_path: Path, server: MailServer) -> None:
    port = free_port()
    root = service_project(tmp_path / "project", server.port, port)  # email.images: hosted, the default
    sizes = {}
    for mode in ("inline", "hosted"):
        site = root / "content/site.yaml"
        site.write_text(
            re.sub(r"(?m)^  images: \w+\n", "", site.read_text()).replace("email:\n", f"email:\n  images: {mode}\n", 1)
        )
        dry = send_process(root, environment(), "--date", ISSUE, "--dry-run")
        _, said = dry.communicate(timeout=300)
        found = re.search(r"each message ([0-9.]+) kB, its HTML part ([0-9.]+) kB; images (\w+)", said)
        assert dry.returncode == 0 and found is not None, said
        sizes[mode] = (float(found.group(1)), float(found.group(2)), found.group(3))
    assert sizes["hosted"][0] <= 150 and sizes["hosted"][1] < 102 and sizes["hosted"][2] == "linked", sizes
    assert sizes["inline"][0] > 400 and sizes["inline"][2] == "attached", sizes
    assert server.received == [], "a dry run sends nothing"
    sent = send_process(root, environment(), "--date", ISSUE)
    _, err = sent.communicate(timeout=300)
    assert sent.returncode == 0, err
    (received,) = [m for m in server.received if READERS[0][0] in m.rcpt_tos]
    message = received.parsed()
    html_part = message.get_body(("html",))
    assert len(received.data) <= 150_000, f"{len(received.data)} bytes"
    assert len(html_part.as_bytes()) < 102_000, "under the size at which Gmail clips a message"
    assert message.get_content_type() == "multipart/alternative", "no images attached"
    images = ImageTags()
    images.feed(html_part.get_content())
    sources = {attrs["src"] for attrs in images.found}
    assert len(images.found) > 100 and all(src.startswith(f"http://127.0.0.1:{port}/images/") for src in sources)
    assert all(a.get("width", "").isdigit() and a.get("height", "").isdigit() and a.get("alt") for a in images.found)
    service = Service(root, port).start()  # started after the send: the images were kept in the store
    try:
        for src in sorted(sources)[:20]:
            with urllib.request.urlopen(src, timeout=10) as answer:
                assert answer.headers["Content-Type"] == "image/png" and answer.read().startswith(b"\x89PNG")
                assert "immutable" in answer.headers["Cache-Control"]
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{service.url}images/math/not-sent.png", timeout=10)
    finally:
        service.stop()
