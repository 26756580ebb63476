"""Provider webhooks: Postmark's bounce and spam complaint, Amazon SES's through SNS with its signature checked."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from starlette.testclient import TestClient

from site_builder.subscriptions.app import make_app
from site_builder.subscriptions.config import service_config
from site_builder.subscriptions.webhooks import SIGNED_FIELDS

from .test_app import URL, configured

CERT_URL = "https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"
AUTH = {"Authorization": "Basic " + base64.b64encode(b"hooks:hook-token").decode()}


@pytest.fixture(scope="module")
def signing() -> tuple[rsa.RSAPrivateKey, bytes]:
    """A key and certificate standing for SNS's (the real one is fetched from sns.REGION.amazonaws.com)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    return key, certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signing: tuple[rsa.RSAPrivateKey, bytes]
) -> Iterator[TestClient]:
    app = make_app(service_config(configured(tmp_path, monkeypatch)), start_outbox=False)
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return signing[1]

    app.state.service.fetch_certificate = fetch
    app.state.fetched = fetched
    with TestClient(app, base_url=URL.rstrip("/")) as test_client:
        for name in ("ada", "grace", "zoe"):
            app.state.service.store.subscribe(f"{name}@example.org", "", "cli")
        yield test_client


def sns(key: rsa.RSAPrivateKey, notification: dict, *, version: str = "2", cert_url: str = CERT_URL) -> dict:
    message = {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:eu-central-1:123456789012:ses-bounces",
        "Message": json.dumps(notification),
        "Timestamp": "2026-11-28T06:05:20.000Z",
        "SignatureVersion": version,
        "SigningCertURL": cert_url,
    }
    text = "".join(f"{name}\n{message[name]}\n" for name in SIGNED_FIELDS["Notification"] if name in message)
    digest = hashes.SHA256() if version == "2" else hashes.SHA1()
    message["Signature"] = base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), digest)).decode()
    return message


BOUNCE = {
    "notificationType": "Bounce",
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [{"emailAddress": "ada@example.org", "status": "5.1.1"}],
    },
    "mail": {
        "messageId": "0102018f-ses",
        "headers": [{"name": "Message-ID", "value": "<unknown@daily-gradient.example.org>"}],
    },
}
COMPLAINT = {
    "notificationType": "Complaint",
    "complaint": {"complainedRecipients": [{"emailAddress": "grace@example.org"}], "complaintFeedbackType": "abuse"},
    "mail": {"messageId": "0102018f-ses2", "commonHeaders": {"messageId": "<x@daily-gradient.example.org>"}},
}


def status(client: TestClient, address: str) -> str:
    return client.app.state.service.store.find(address).status  # type: ignore[attr-defined,no-any-return]


def test_a_signed_ses_complaint_suppresses_its_reader_and_the_certificate_comes_only_from_sns(
    client: TestClient, signing: tuple[rsa.RSAPrivateKey, bytes]
) -> None:
    key = signing[0]
    answer = client.post("/webhooks/ses", json=sns(key, COMPLAINT), headers=AUTH)
    assert answer.status_code == 200, answer.text
    assert status(client, "grace@example.org") == "complained"
    assert client.post("/webhooks/ses", json=sns(key, BOUNCE, version="1"), headers=AUTH).status_code == 200
    assert client.app.state.fetched == [CERT_URL], "fetched once, then kept"  # type: ignore[attr-defined]
    for cert_url in (
        "https://sns.evil.example/x.pem",
        "http://sns.eu-central-1.amazonaws.com/x.pem",
        "https://sns.eu-central-1.amazonaws.com.evil.example/x.pem",
    ):
        refused = client.post("/webhooks/ses", json=sns(key, COMPLAINT, cert_url=cert_url), headers=AUTH)
        assert refused.status_code == 400
    assert client.app.state.fetched == [CERT_URL], "no other host is ever asked"  # type: ignore[attr-defined]


def test_a_forged_ses_message_or_one_without_the_token_is_refused(
    client: TestClient, signing: tuple[rsa.RSAPrivateKey, bytes]
) -> None:
    forged = sns(signing[0], BOUNCE)
    forged["Message"] = json.dumps(COMPLAINT)  # the signature is of the bounce
    assert client.post("/webhooks/ses", json=forged, headers=AUTH).status_code == 400
    assert client.post("/webhooks/ses", json=sns(signing[0], COMPLAINT)).status_code == 401
    wrong = {"Authorization": "Basic " + base64.b64encode(b"hooks:guess").decode()}
    assert client.post("/webhooks/ses", json=sns(signing[0], COMPLAINT), headers=wrong).status_code == 401
    assert status(client, "grace@example.org") == "subscribed"


def test_postmark_bounces_count_and_spam_complaints_suppress(client: TestClient) -> None:
    complaint = {
        "RecordType": "SpamComplaint",
        "Type": "SpamComplaint",
        "Email": "zoe@example.org",
        "MessageID": "pm-1",
    }
    hard = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "TypeCode": 1,
        "Email": "ada@example.org",
        "MessageID": "pm-2",
    }
    assert client.post("/webhooks/postmark", json=complaint, headers=AUTH).status_code == 200
    assert client.post("/webhooks/postmark", json=hard, headers=AUTH).status_code == 200
    assert status(client, "zoe@example.org") == "complained"
    assert status(client, "ada@example.org") == "subscribed", "one hard bounce is under delivery.bounce_after (3)"
    assert client.post("/webhooks/postmark", json=complaint).status_code == 401
