"""The email edition (every published ``email.html``) in Chromium, on a phone and a desktop, light and dark: no axe-core
violation, nothing wider than the screen, and a screenshot of each for a person to judge (an index of them is printed).

The email's images and links are absolute (``https://daily-gradient.example.org/...``): the browser is given the
built site's files for them, so the page is judged with its formula images and plots as a reader's client shows
them, and nothing goes out to the network.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

import pytest

from .test_accessibility import (
    every_view,
    screenshots,  # noqa: F401  (the fixture: a folder of screenshots, with an index)
)

BASE = "https://daily-gradient.example.org/"  # content/site.yaml's base_url
ISSUES = ("2026-11-26", "2026-11-27", "2026-11-28")
BACKGROUNDS = {"light": "rgb(244, 245, 247)", "dark": "rgb(21, 23, 27)"}
"""Colour scheme -> the email's background (email.css), to be sure the scheme took effect."""


def _serve_site(route, built_site: Path) -> None:
    path = built_site / route.request.url.removeprefix(BASE).split("#")[0].split("?")[0]
    if path.is_dir():
        path = path / "index.html"
    if not path.is_file():
        route.fulfill(status=404, body="")
        return
    route.fulfill(status=200, body=path.read_bytes(), content_type=mimetypes.guess_type(path.name)[0] or "")


@pytest.mark.parametrize("issue", ISSUES)
def test_every_email_passes_axe_and_fits_the_screen(
    browser,
    built_site: Path,
    screenshots: Path,  # noqa: F811
    issue: str,
) -> None:
    context = browser.new_context()
    context.route(f"{BASE}**", lambda route: _serve_site(route, built_site))
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(f"{BASE}issues/{issue}/email.html", wait_until="load")
    problems = every_view(page, screenshots, f"email-{issue}", BACKGROUNDS)
    images = page.evaluate("[...document.images].filter(i => i.getBoundingClientRect().width > 0 && !i.naturalWidth)")
    context.close()
    assert images == [] and failed == [], f"images that did not load: {images or failed}"
    assert problems == [], f"issues/{issue}/email.html:\n" + "\n".join(problems)
