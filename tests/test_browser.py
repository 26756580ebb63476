"""The built site in a real browser (Debian Chromium via Playwright): clean, complete and readable on a phone."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ISSUE = "issues/2026-11-26/"
PHONE = {"width": 375, "height": 812}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site on a static file server, as a reader would get it."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _open(browser, url: str, viewport: dict[str, int]):
    """A page at ``url``, with every console error, script error and failed request it caused."""
    page = browser.new_page(viewport=viewport)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    page.on(
        "response",
        lambda response: problems.append(f"{response.status}: {response.url}") if response.status >= 400 else None,
    )
    page.goto(url, wait_until="load")
    return page, problems


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}], ids=["phone", "desktop"])
def test_issue_page_loads_cleanly(browser, site_url: str, tmp_path: Path, viewport: dict[str, int]) -> None:
    page, problems = _open(browser, site_url + ISSUE, viewport)
    assert page.title().startswith("Perplexity · Batch Normalization Forward Pass")
    images = page.evaluate("Array.from(document.images, i => [i.currentSrc, i.complete, i.naturalWidth])")
    broken = [src for src, complete, width in images if not complete or width == 0]
    assert broken == [], "every image loads"
    sizes = page.evaluate(
        "Array.from(document.querySelectorAll('math'), m => { const r = m.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert len(sizes) >= 10, "the issue has display and inline formulas"
    assert all(width > 0 and height > 0 for width, height in sizes), sizes
    # A formula laid out as MathML is taller than a line of plain text would make a fraction.
    fraction = page.evaluate("document.querySelector('#formula-cross-entropy math').getBoundingClientRect().height")
    assert fraction > 30
    page.screenshot(path=tmp_path / f"issue-{viewport['width']}.png", full_page=True)
    assert problems == []
    page.close()


def test_issue_page_is_readable_at_375_px(browser, site_url: str, tmp_path: Path) -> None:
    page, problems = _open(browser, site_url + ISSUE, PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no horizontal scroll"
    # Wide things (tables, code, formulas) scroll inside their own box instead of widening the page.
    overflowing = page.evaluate(
        """Array.from(document.querySelectorAll('main *'))
             .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
             .filter(e => !e.closest('.table-wrap, pre, .formula, .math'))
             .map(e => e.tagName + '.' + e.className)"""
    )
    assert overflowing == []
    font_size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.part h3 + p')).fontSize)")
    assert font_size >= 16, "body text is legible on a phone"
    page.screenshot(path=tmp_path / "issue-375.png", full_page=True)
    assert (tmp_path / "issue-375.png").stat().st_size > 10_000
    assert problems == []
    page.close()
