"""The W3C Nu HTML Checker (vnu.jar, the checker behind validator.w3.org/nu) on every web page of the bundled site.

Every HTML page a build publishes, all kinds (home, issue, topic, problem, feature, chapter, collection,
archive, search, 404), in one run of the checker: not one error. The email's HTML (``email.html``), every
issue's: none but the kinds of message kept for Outlook (``OUTLOOK``, each with why), matched narrowly.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.conftest import require, vnu_command

EMAIL = "email.html"
OUTLOOK = {
    re.compile(r"CSS: “mso-hide”: Property “mso-hide” doesn't exist\."): (
        "Outlook's Word engine ignores display:none: mso-hide:all keeps the hidden preheader and each formula's "
        "dark image out of it (Outlook for Windows would show both images of every formula otherwise)"
    ),
}
"""What the checker reports in the email that is there for Outlook on Windows, which renders with Word's engine."""


def _errors(pages: list[Path], root: Path) -> list[str]:
    result = subprocess.run(
        [*vnu_command(), "--format", "json", "--exit-zero-always", *map(str, pages)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    messages = json.loads(result.stderr)["messages"]
    return [
        f"{Path(m['url'].removeprefix('file:')).relative_to(root)}:{m.get('lastLine', '?')}: {m['message']}"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


def test_every_web_page_has_no_error(built_site: Path) -> None:
    require("vnu")
    pages = sorted(p for p in built_site.rglob("*.html") if p.name != EMAIL)
    kinds = {p.relative_to(built_site).parts[0] for p in pages}
    assert {"index.html", "404.html", "issues", "topics", "problems", "features", "chapters", "collections"} <= kinds
    assert {"archive", "search"} <= kinds
    errors = _errors(pages, built_site)
    assert errors == [], f"{len(errors)} errors in {len(pages)} pages:\n" + "\n".join(errors)


def test_every_email_page_has_no_error(built_site: Path) -> None:
    require("vnu")
    pages = sorted(built_site.rglob(EMAIL))
    assert len(pages) == 3, "every bundled issue's email.html"
    errors = _errors(pages, built_site)
    kept = [e for e in errors if any(pattern.search(e) for pattern in OUTLOOK)]
    errors = [e for e in errors if e not in kept]
    assert errors == [], f"{len(errors)} errors in {len(pages)} emails:\n" + "\n".join(errors)
    for pattern in OUTLOOK:  # each kind is kept because the email has it: none listed that no longer occurs
        assert any(pattern.search(e) for e in kept), f"{pattern.pattern} no longer occurs: take it out of OUTLOOK"
