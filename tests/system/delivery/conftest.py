"""The fixtures every send test shares: a real SMTP server on 127.0.0.1 and the environment `send` reads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .delivering import environment
from .mailserver import MailServer


@pytest.fixture
def server() -> Iterator[MailServer]:
    mail = MailServer().start()
    yield mail
    mail.stop()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    variables = environment()
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return variables
