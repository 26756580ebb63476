"""``build-site send`` over TLS (STARTTLS and SSL) with a login, against a certificate made by the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .delivering import ISSUE, PASSWORD, READERS, delivery_project, environment, ledger_rows, send
from .mailserver import MailServer, self_signed_certificate, server_context

USER = "newsletter"

# The SMTPS server takes a login without STARTTLS (its whole connection is TLS); aiosmtpd warns about that.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, certificate: tuple[Path, Path]) -> dict[str, str]:
    # The client trusts the test's certificate the way an administrator would make it trust a private CA.
    variables = environment(SSL_CERT_FILE=str(certificate[0]))
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return variables


@pytest.fixture(params=["starttls", "ssl"])
def secure_server(request: pytest.FixtureRequest, certificate: tuple[Path, Path]) -> Iterator[tuple[MailServer, str]]:
    context = server_context(*certificate)
    if request.param == "starttls":
        mail = MailServer(tls=context, login=(USER, PASSWORD))
    else:
        mail = MailServer(implicit_tls=context, login=(USER, PASSWORD))
    mail.start()
    yield mail, request.param
    mail.stop()


def test_messages_go_over_tls_after_a_login_and_the_password_is_never_printed(
    tmp_path: Path, secure_server: tuple[MailServer, str], env: dict[str, str]
) -> None:
    server, security = secure_server
    root = delivery_project(tmp_path / "project", server.port, security=security, user=USER)
    result = send(root, "--date", ISSUE, "--verbose")
    assert result.exit_code == 0, result.stderr
    assert server.copies() == {address: 1 for address, _ in READERS}
    assert server.logins == [USER], "one session, one login"
    assert PASSWORD not in result.stdout + result.stderr
    assert "correct horse" not in result.stdout + result.stderr


def test_a_wrong_password_is_refused_with_nothing_sent(
    tmp_path: Path, secure_server: tuple[MailServer, str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, security = secure_server
    monkeypatch.setenv("BUILD_SITE_SMTP_PASSWORD", "wrong horse")
    root = delivery_project(tmp_path / "project", server.port, security=security, user=USER)
    result = send(root, "--date", ISSUE)
    assert result.exit_code == 2
    assert (
        "BUILD_SITE_SMTP_PASSWORD: the server refused the login of 'newsletter': 535 5.7.8 Authentication credentials invalid"
        in result.stderr
    )
    assert "wrong horse" not in result.stderr
    assert server.received == []
    assert ledger_rows(root) == [], "no reader was tried"


def test_a_server_whose_certificate_is_not_trusted_gets_nothing(
    tmp_path: Path, secure_server: tuple[MailServer, str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, security = secure_server
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))  # nothing trusted there
    root = delivery_project(tmp_path / "project", server.port, security=security, user=USER)
    result = send(root, "--date", ISSUE)
    assert result.exit_code == 1
    assert (
        f"127.0.0.1:{server.port}: TLS failed: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"
        in result.stderr
    )
    assert server.received == [] and server.logins == []


def test_starttls_is_required_when_configured(tmp_path: Path, env: dict[str, str]) -> None:
    plain = MailServer().start()
    try:
        root = delivery_project(tmp_path / "project", plain.port, security="starttls")
        result = send(root, "--date", ISSUE)
        assert result.exit_code == 1
        assert f"127.0.0.1:{plain.port}: the server offers no STARTTLS" in result.stderr
        assert plain.received == []
    finally:
        plain.stop()
