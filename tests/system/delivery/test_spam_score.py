"""SpamAssassin (Debian's, its local rules only: no network test) scores a message ``send`` delivered.

Only informational rules may fire (no points): no rule about the content, such as
``HTML_FONT_LOW_CONTRAST`` (text coloured like its background), which the email's
hidden preheader once set off.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ...conftest import require
from .delivering import ISSUE, delivery_project, send
from .mailserver import MailServer

INFORMATIONAL = {"NO_RECEIVED", "NO_RELAYS", "HTML_MESSAGE"}
"""What fires on any message handed over straight from its sender, with no Received: header: 0 points each."""


@pytest.fixture
def server() -> Iterator[MailServer]:
    mail = MailServer().start()
    yield mail
    mail.stop()


def test_a_readers_message_sets_off_no_content_rule(
    tmp_path: Path, server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    require("spamassassin")
    from .delivering import environment

    for name, value in environment().items():
        monkeypatch.setenv(name, value)
    root = delivery_project(tmp_path / "project", server.port, readers=[("ada@example.org", "Ada Lovelace")])
    assert send(root, "--date", ISSUE).exit_code == 0
    (received,) = server.received
    report = subprocess.run(
        ["spamassassin", "-L", "-t"], input=received.data, capture_output=True, check=True, timeout=300
    ).stdout.decode("utf-8", "replace")
    details = report[report.index("Content analysis details:") :]
    score = float(re.search(r"\(([-0-9.]+) points", details).group(1))  # type: ignore[union-attr]
    rules = dict(
        (name, float(points)) for points, name in re.findall(r"^\s*(-?[0-9.]+) ([A-Z0-9_]+)\s", details, re.MULTILINE)
    )
    assert set(rules) - INFORMATIONAL == set(), details
    assert score <= 0.0, details
    assert "HTML_MESSAGE" in rules, "the report was read: the HTML part was seen"
