"""Every kind of page in Chromium, on a desktop and on a phone, light and dark: no axe-core violations, nothing wider
than the screen, and a screenshot of each for a person to judge (listed in ``index.html`` beside them)."""

from __future__ import annotations

import functools
import html
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PAGES = {
    "home": "",
    "issue": "issues/2026-11-26/",
    "topic": "topics/perplexity/",
    "problem": "problems/batch-norm-forward/",
    "feature": "features/implementation-walkthroughs/",
    "chapter": "chapters/evaluation-benchmarks/",
    "collection": "collections/cv-deep-learning/",
    "archive": "archive/",
    "search": "search/?q=perplexity",
    "404": "no-such-page/",
}
READY = {"search": ".pagefind-ui__result"}
"""What shows once a page built in the browser is ready to be judged: the search page's results."""
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
SCHEMES = {"light": "rgb(253, 253, 252)", "dark": "rgb(21, 23, 27)"}
"""Colour scheme -> the page background it shows (style.css), to be sure the scheme took effect."""


OPEN_DETAILS = (
    "document.querySelectorAll('details:not([open])').forEach(d => { d.dataset.opened = ''; d.open = true; })"
)
CLOSE_DETAILS = (
    "document.querySelectorAll('details[data-opened]').forEach(d => { d.open = false; delete d.dataset.opened; })"
)


class _SiteHandler(SimpleHTTPRequestHandler):
    """A static host as the site is deployed: a missing page gets the site's own 404.html."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site_url(built_site: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_SiteHandler, directory=str(built_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Path]:
    """Where the screenshots go; afterwards an index of them is written there and its path reported."""
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    shots = sorted(folder.glob("*.png"))
    items = "\n".join(
        f'<figure><figcaption>{html.escape(p.stem)}</figcaption><a href="{p.name}"><img src="{p.name}" width="320" alt=""></a></figure>'
        for p in shots
    )
    index = folder / "index.html"
    index.write_text(
        f"<!DOCTYPE html><meta charset=utf-8><title>Screenshots</title>"
        f"<style>body{{display:flex;flex-wrap:wrap;gap:1rem}}img{{border:1px solid #999}}</style>{items}\n"
    )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and shots:
        with capture.global_and_fixture_disabled():  # past pytest's capture, so that it shows in the test output
            reporter.write_line(f"\n{len(shots)} screenshots of the site: {index}")


def _violations(page, options: dict | None = None) -> list[str]:
    """axe-core's violations on ``page``, a line each; ``options``: axe's run options (only violations by default)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=options or {"resultTypes": ["violations"]}).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']}; at {', '.join(str(n['target']) for n in v['nodes'][:5])}"
        for v in results["violations"]
    ]


def every_view(page, screenshots: Path, name: str, backgrounds: dict[str, str]) -> list[str]:
    """What is wrong with ``page`` in each of its four views, a line each (empty: nothing), with a screenshot of each.

    One page, the views applied in turn (the viewport resized, the colour scheme emulated): what a reader sees when
    turning a phone or switching the system's scheme, without loading the page four times. ``backgrounds``: colour
    scheme -> the background the page shows in it, to be sure the scheme took effect.
    """
    problems = []
    for viewport, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        for scheme, background in backgrounds.items():
            page.emulate_media(color_scheme=scheme)
            page.evaluate("document.fonts.ready")
            shot = screenshots / f"{name}-{viewport}-{scheme}.png"
            page.screenshot(path=shot, full_page=True)
            view = f"{name}, {viewport}, {scheme} (screenshot: {shot})"
            if (shown := page.evaluate("getComputedStyle(document.body).backgroundColor")) != background:
                problems.append(f"{view}: background {shown}, not {background}")
            if (width := page.evaluate("document.documentElement.scrollWidth")) > size["width"]:
                problems.append(f"{view}: the page is {width} px wide")
            # What a reader can open is checked too: the solutions behind "Show solution" (closed again after, so
            # that the next view's screenshot shows the page as a reader first sees it).
            page.evaluate(OPEN_DETAILS)
            problems += [f"{view}: {violation}" for violation in _violations(page)]
            page.evaluate(CLOSE_DETAILS)
    return problems


@pytest.mark.parametrize("kind", PAGES)
def test_every_kind_of_page_passes_axe_and_fits_the_screen(
    browser, site_url: str, screenshots: Path, kind: str
) -> None:
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(site_url + PAGES[kind], wait_until="load")
    assert response is not None and response.status == (404 if kind == "404" else 200)
    if kind in READY:
        page.wait_for_selector(READY[kind], timeout=20_000)
    problems = every_view(page, screenshots, kind, SCHEMES)
    context.close()
    assert problems == [], "\n".join(problems)
