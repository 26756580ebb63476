"""Every page the subscription service answers with, in each state, through the same checks as the site's pages.

The pages come from the service's real application (Starlette's test client on the bundled site's
settings): the sign-up's answer, its refusals (an address that takes no mail, too many sign-ups), the
confirm page and its done and spent states, the unsubscribe page with and without a token and its done
and spent states. The W3C Nu HTML Checker reads them all in one run: not one error; Chromium shows each
with the site's stylesheet (two of them on a desktop and a phone, light and dark; the others on a desktop,
light: EVERY_VIEW): no axe-core violation, nothing wider than the screen.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from site_builder.delivery.unsubscribe import CONFIRM, UNSUBSCRIBE, make_token
from site_builder.subscriptions.app import make_app
from site_builder.subscriptions.config import service_config

from ...conftest import copy_project, require
from ..test_accessibility import VIEWPORTS, _violations
from ..test_html_checker import _errors
from .delivering import SERVICE_URL

SITE = "https://daily-gradient.example.org/"  # content/site.yaml's base_url: the pages' stylesheet and links
SECRET = "a-test-secret-of-32-characters!!"
LIST_KEY = "e877c43b-2724-4295-9a81-d436c47564a7"  # content/site.yaml's feed_id
BACKGROUNDS = {"light": "rgb(253, 253, 252)", "dark": "rgb(21, 23, 27)"}
"""Colour scheme -> the page background (style.css), to be sure the scheme took effect."""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """State -> (status, HTML) of every page the service answers with, from its real application."""
    root = copy_project(tmp_path_factory.mktemp("service") / "project", warm_cache=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BUILD_SITE_UNSUBSCRIBE_SECRET", SECRET)
        patch.setenv("BUILD_SITE_SMTP_PASSWORD", "not used: the outbox is not started")
        app = make_app(service_config(root), start_outbox=False)
    found: dict[str, tuple[int, str]] = {}
    with TestClient(app, base_url=SERVICE_URL.rstrip("/"), follow_redirects=False) as client:

        def keep(state: str, answer) -> None:
            found[state] = (answer.status_code, answer.text)

        def token(purpose: str, address: str) -> str:
            reader = app.state.service.store.find(address)
            today = dt.datetime.now(dt.UTC).date()
            return make_token(SECRET.encode(), LIST_KEY, purpose, reader.id, reader.epoch, today)

        keep("signed-up", client.post("/subscribe", data={"email": "ada@example.org", "website": ""}))
        keep("address-refused", client.post("/subscribe", data={"email": "ada@", "website": ""}))
        for _ in range(10):
            answer = client.post("/subscribe", data={"email": "bob@example.org", "website": ""})
        keep("too-many-sign-ups", answer)
        confirm = token(CONFIRM, "ada@example.org")
        keep("confirm", client.get(f"/confirm?token={confirm}"))
        keep("confirmed", client.post("/confirm", data={"token": confirm}))
        keep("confirm-spent", client.get(f"/confirm?token={confirm}"))
        leave = token(UNSUBSCRIBE, "ada@example.org")
        keep("unsubscribe", client.get(f"/unsubscribe?token={leave}"))
        keep("unsubscribed", client.post(f"/unsubscribe?token={leave}", data={"List-Unsubscribe": "One-Click"}))
        keep("unsubscribe-spent", client.get("/unsubscribe?token=forged"))
        keep("how-to-leave", client.get("/unsubscribe"))
    statuses = {state: status for state, (status, _) in found.items()}
    assert statuses == {
        "signed-up": 200,
        "address-refused": 400,
        "too-many-sign-ups": 429,
        "confirm": 200,
        "confirmed": 200,
        "confirm-spent": 400,
        "unsubscribe": 200,
        "unsubscribed": 200,
        "unsubscribe-spent": 400,
        "how-to-leave": 200,
    }
    return found


def test_every_service_page_has_no_html_error(pages: dict[str, tuple[int, str]], tmp_path: Path) -> None:
    require("vnu")
    files = []
    for state, (_, text) in pages.items():
        (tmp_path / f"{state}.html").write_text(text)
        files.append(tmp_path / f"{state}.html")
    errors = _errors(files, tmp_path)
    assert errors == [], f"{len(errors)} errors in {len(files)} pages:\n" + "\n".join(errors)


def _serve(route, built_site: Path, pages: dict[str, tuple[int, str]]) -> None:
    url = route.request.url.split("#")[0].split("?")[0]
    if url.startswith(SERVICE_URL):
        status, text = pages[url.removeprefix(SERVICE_URL)]
        route.fulfill(status=status, body=text, content_type="text/html; charset=utf-8")
        return
    path = built_site / url.removeprefix(SITE)
    if path.is_dir():
        path = path / "index.html"
    if not url.startswith(SITE) or not path.is_file():
        route.fulfill(status=404, body="")
        return
    route.fulfill(status=200, body=path.read_bytes(), content_type=mimetypes.guess_type(path.name)[0] or "")


AXE_OPTIONS = {"resultTypes": ["violations"], "preload": False}
"""The site's checks, but for the style sheets axe fetches again.

The pages' style sheets are on the site's host, another origin: axe then fetches them itself (its ``preload``,
which only its css-orientation-lock rule reads) and resolves their ``@import`` against the page's address,
asking the service for ``palette.css``. The browser resolves it against the sheet's, as CSS says, and the
checks of colours read the styles the browser applied.
"""


STATES = [
    "signed-up",
    "address-refused",
    "too-many-sign-ups",
    "confirm",
    "confirmed",
    "confirm-spent",
    "unsubscribe",
    "unsubscribed",
    "unsubscribe-spent",
    "how-to-leave",
]
EVERY_VIEW = {"confirm", "how-to-leave"}
"""States seen on a desktop and a phone, light and dark; the others on a desktop, light. Every page is one
template (subscriptions/pages.py), with its button (confirm) or without (how-to-leave): what a view changes
(the widths, the colours) is the template's, what a state changes (the words, the button) is seen once."""
VIEWS = [
    pytest.param(state, viewport, scheme, id=f"{state}-{viewport}-{scheme}")
    for state in STATES
    for viewport in VIEWPORTS
    for scheme in BACKGROUNDS
    if state in EVERY_VIEW or (viewport, scheme) == ("desktop", "light")
]


@pytest.mark.parametrize(("state", "viewport", "scheme"), VIEWS)
def test_every_service_page_passes_axe_and_fits_the_screen(
    browser, built_site: Path, pages: dict[str, tuple[int, str]], state: str, viewport: str, scheme: str
) -> None:
    background = BACKGROUNDS[scheme]
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    context.route("**/*", lambda route: _serve(route, built_site, pages))
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request, failed=failed: failed.append(request.url))
    response = page.goto(SERVICE_URL + state, wait_until="load")
    assert response is not None and response.status == pages[state][0]
    where = f"{state}, {viewport}, {scheme}"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == background, where
    assert failed == [], f"{where}: {failed}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[viewport]["width"], f"{where}: the page is {width} px wide"
    violations = _violations(page, AXE_OPTIONS)
    assert violations == [], f"{where}:\n" + "\n".join(violations)
    context.close()
