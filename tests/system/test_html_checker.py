"""The W3C Nu HTML Checker (vnu.jar, the checker behind validator.w3.org/nu) on every web page of the bundled site.

Every HTML page a build publishes, all kinds (home, issue, topic, problem, feature, chapter, collection,
archive, search, 404), in one run of the checker: not one error. The email's HTML (``email.html``) is not a
web page; its check waits for the email's new templates (issue 24) and is below, expected to fail until then.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require, vnu_command

EMAIL = "email.html"


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


@pytest.mark.xfail(
    strict=True,
    reason="issue 24 rewrites the email's templates; its checks (Outlook's table attributes and mso- CSS kept) "
    "come with it, in issue 25's email part",
)
def test_every_email_page_has_no_error(built_site: Path) -> None:
    require("vnu")
    pages = sorted(built_site.rglob(EMAIL))
    assert pages, "no email.html published"
    errors = _errors(pages, built_site)
    assert errors == [], f"{len(errors)} errors in {len(pages)} emails:\n" + "\n".join(errors)
