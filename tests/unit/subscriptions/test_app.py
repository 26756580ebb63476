"""The service's routes through Starlette's test client: sign-up, confirm, one-click and page unsubscribing, health, logs."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from site_builder.delivery.unsubscribe import CONFIRM, UNSUBSCRIBE, make_token
from site_builder.subscriptions.app import Service, make_app
from site_builder.subscriptions.config import service_config

from ...conftest import copy_project

SECRET = "a-test-secret-of-32-characters!!"
URL = "https://lists.daily-gradient.example.org/"
LIST_KEY = "e877c43b-2724-4295-9a81-d436c47564a7"


def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = copy_project(tmp_path / "project", warm_cache=False)
    assert f"  service_url: {URL}\n" in (root / "content/site.yaml").read_text(), "the bundled site names its service"
    monkeypatch.setenv("BUILD_SITE_UNSUBSCRIBE_SECRET", SECRET)
    monkeypatch.setenv("BUILD_SITE_SMTP_PASSWORD", "not used: the outbox is not started")
    monkeypatch.setenv("BUILD_SITE_WEBHOOK_TOKEN", "hook-token")
    return root


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    app = make_app(service_config(configured(tmp_path, monkeypatch)), start_outbox=False)
    with TestClient(app, base_url=URL.rstrip("/"), follow_redirects=False) as test_client:
        yield test_client


def service_of(client: TestClient) -> Service:
    return client.app.state.service  # type: ignore[attr-defined,no-any-return]


def token(client: TestClient, purpose: str, address: str, *, days_ago: int = 0, key: str = LIST_KEY) -> str:
    reader = service_of(client).store.find(address)
    assert reader is not None
    made = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days_ago)
    return make_token(SECRET.encode(), key, purpose, reader.id, reader.epoch, made)


def test_a_sign_up_answers_the_same_whoever_it_is_and_queues_one_mail(client: TestClient) -> None:
    store = service_of(client).store
    store.subscribe("known@example.org", "", "cli")
    new = client.post("/subscribe", data={"email": "ada@example.org", "website": ""})
    known = client.post("/subscribe", data={"email": "known@example.org", "website": ""})
    bot = client.post("/subscribe", data={"email": "bot@example.org", "website": "http://spam.example"})
    assert new.status_code == known.status_code == bot.status_code == 200
    assert new.text == known.text == bot.text, "the answer tells nobody who is on the list"
    assert "Check your inbox" in new.text
    assert new.headers["cache-control"] == "no-store"
    assert [(r.address, r.status) for r in store.rows()] == [
        ("known@example.org", "subscribed"),
        ("ada@example.org", "pending"),
    ], "the honeypot's bot is not stored"
    assert store.connection.execute("SELECT count(*) FROM outbox").fetchone() == (1,)


def test_a_bad_address_is_refused_and_sign_ups_are_limited(client: TestClient) -> None:
    bad = client.post("/subscribe", data={"email": "ada@exa mple.org"})
    assert bad.status_code == 400 and "cannot receive mail" in bad.text
    answers = [client.post("/subscribe", data={"email": "grace@example.org"}).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429], "three sign-ups of one address an hour"
    other = [client.post("/subscribe", data={"email": f"r{i}@example.org"}).status_code for i in range(20)]
    assert other.count(429) == 5, "twenty sign-ups from one client an hour (five were counted already)"


def test_the_confirm_link_shows_a_button_and_only_its_post_confirms_once(client: TestClient) -> None:
    client.post("/subscribe", data={"email": "ada@example.org"})
    confirm = token(client, CONFIRM, "ada@example.org")
    page = client.get(f"/confirm?token={confirm}")
    assert page.status_code == 200 and 'method="post"' in page.text and f'value="{confirm}"' in page.text
    assert service_of(client).store.find("ada@example.org").status == "pending", "a GET changes nothing"  # type: ignore[union-attr]
    assert client.post("/confirm", data={"token": confirm}).status_code == 200
    assert service_of(client).store.find("ada@example.org").status == "subscribed"  # type: ignore[union-attr]
    assert client.post("/confirm", data={"token": confirm}).status_code == 400, "replayed"
    assert client.get(f"/confirm?token={confirm}").status_code == 400
    unsubscribe = token(client, UNSUBSCRIBE, "ada@example.org")
    assert client.post("/confirm", data={"token": unsubscribe}).status_code == 400, "another purpose"


def test_an_expired_forged_or_other_list_confirm_token_is_refused(client: TestClient) -> None:
    client.post("/subscribe", data={"email": "ada@example.org"})
    for bad in (
        token(client, CONFIRM, "ada@example.org", days_ago=3),
        token(client, CONFIRM, "ada@example.org", key="another-list"),
        "x" * 43,
        "",
    ):
        assert client.post("/confirm", data={"token": bad}).status_code == 400
    assert service_of(client).store.find("ada@example.org").status == "pending"  # type: ignore[union-attr]


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_one_click_post_unsubscribes_at_once_and_a_get_changes_nothing(client: TestClient, encoding: str) -> None:
    store = service_of(client).store
    store.subscribe("ada@example.org", "", "cli")
    leave = token(client, UNSUBSCRIBE, "ada@example.org")
    page = client.get(f"/unsubscribe?token={leave}")
    assert page.status_code == 200 and 'method="post"' in page.text
    assert store.find("ada@example.org").status == "subscribed"  # type: ignore[union-attr]
    # As a mailbox provider sends it (RFC 8058): no cookie, the URL of the header, this one body.
    if encoding == "urlencoded":
        answer = client.post(
            f"/unsubscribe?token={leave}",
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    else:
        answer = client.post(f"/unsubscribe?token={leave}", files={"List-Unsubscribe": (None, "One-Click")})
    assert answer.status_code == 200
    assert store.find("ada@example.org").status == "unsubscribed"  # type: ignore[union-attr]
    assert store.history("ada@example.org")[-1].how == "one-click"
    assert client.post(f"/unsubscribe?token={leave}", data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_an_old_subscriptions_token_does_not_unsubscribe_a_reader_who_came_back(client: TestClient) -> None:
    store = service_of(client).store
    store.subscribe("ada@example.org", "", "cli")
    old = token(client, UNSUBSCRIBE, "ada@example.org")
    reader = store.find("ada@example.org")
    assert reader is not None and store.set_status(reader.id, "unsubscribed", "page")
    store.subscribe("ada@example.org", "", "cli")
    assert client.post(f"/unsubscribe?token={old}", data={"List-Unsubscribe": "One-Click"}).status_code == 400
    assert store.find("ada@example.org").status == "subscribed"  # type: ignore[union-attr]
    other = token(client, UNSUBSCRIBE, "ada@example.org", key="another-list")
    assert client.post(f"/unsubscribe?token={other}").status_code == 400


def test_the_page_button_unsubscribes_and_the_pages_are_in_the_sites_theme(client: TestClient) -> None:
    service_of(client).store.subscribe("ada@example.org", "", "cli")
    leave = token(client, UNSUBSCRIBE, "ada@example.org")
    page = client.get(f"/unsubscribe?token={leave}")
    assert '<link rel="stylesheet" href="https://daily-gradient.example.org/static/style.css">' in page.text
    assert "<main>" in page.text and '<html lang="en">' in page.text
    assert client.post("/unsubscribe", data={"token": leave}).status_code == 200
    assert service_of(client).store.history("ada@example.org")[-1].how == "page"


def test_the_unsubscribe_page_without_a_token_tells_anyone_how_to_leave(client: TestClient) -> None:
    # The link of the issues' copies on the site, which anyone may follow: it changes nothing and names no one.
    service_of(client).store.subscribe("ada@example.org", "", "cli")
    page = client.get("/unsubscribe")
    assert page.status_code == 200 and "<form" not in page.text
    assert "Unsubscribe link of your own" in page.text
    assert "write to unsubscribe@daily-gradient.example.org from the address you subscribed with" in page.text
    assert client.post("/unsubscribe", data={"List-Unsubscribe": "One-Click"}).status_code == 400, "no token, no one"
    assert service_of(client).store.find("ada@example.org").status == "subscribed"  # type: ignore[union-attr]


def test_health_and_an_access_log_without_addresses_or_tokens(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="site_builder.access"):
        client.post("/subscribe", data={"email": "ada@example.org"})
        confirm = token(client, CONFIRM, "ada@example.org")
        client.get(f"/confirm?token={confirm}")
        health = client.get("/health")
    assert health.json() == {"status": "ok", "queued": 1}
    lines = [r.getMessage() for r in caplog.records if r.name == "site_builder.access"]
    assert '"path": "/confirm", "status": 200' in "\n".join(lines)
    assert len(lines) == 3 and not any("ada" in line or confirm in line for line in lines)
