"""The built site in a real browser (Debian Chromium via Playwright): clean, complete and readable on a phone,
its math typeset with the shipped font, its code copyable."""

from __future__ import annotations

import functools
import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from site_builder.compute.computer import load_computed

from ..conftest import REPO

ISSUE = "issues/2026-11-26/"
PROBLEM = "problems/batch-norm-forward/"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
MATH_FONT = "Latin Modern Math Web"


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
    # A request the page itself cancels (net::ERR_ABORTED: a navigation away, or the icon asked again when the
    # address changes) is not a broken resource; a missing one answers >= 400, recorded below.
    page.on(
        "requestfailed",
        lambda request: (
            problems.append(f"request failed: {request.url} ({request.failure})")
            if request.failure != "net::ERR_ABORTED"
            else None
        ),
    )
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


@pytest.mark.parametrize("path", ["issues/2026-11-27/", "problems/non-maximum-suppression/", PROBLEM])
def test_on_a_phone_vectors_wrap_between_numbers_never_inside_one(browser, site_url: str, path: str) -> None:
    page, problems = _open(browser, site_url + path, PHONE)
    numbers = page.evaluate(
        "Array.from(document.querySelectorAll('.vector .num')).map(e => [e.textContent, e.getClientRects().length])"
    )
    assert numbers, "the vectors' numbers are marked"
    broken = [text for text, lines in numbers if lines != 1]
    assert broken == [], "a number is broken across lines"
    assert problems == []
    page.close()


# --- Math: the shipped font, and what its MATH table does to radicals, accents and limits -------------


def _math_page(browser, url: str):
    """A page at twice the pixel density, fonts loaded, for measuring formulas."""
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=2)
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.evaluate("document.fonts.ready")
    return context, page


def _box(page, selector: str) -> dict[str, float]:
    return page.evaluate(
        "s => { const r = document.querySelector(s).getBoundingClientRect();"
        " return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height}; }",
        selector,
    )


def _ink(page, selector: str) -> list[list[bool]]:
    """Which pixels of the element's screenshot are ink (much darker than the light page), row by row."""
    from PIL import Image

    image = Image.open(io.BytesIO(page.locator(selector).first.screenshot())).convert("L")
    width, height = image.size
    pixels = image.load()
    return [[pixels[x, y] < 128 for x in range(width)] for y in range(height)]


def _rows(ink: list[list[bool]], columns: range) -> list[int]:
    return [y for y, row in enumerate(ink) if any(row[x] for x in columns)]


def _bands(rows: list[int]) -> list[tuple[int, int]]:
    """Runs of consecutive rows: (first, last)."""
    bands: list[tuple[int, int]] = []
    for y in rows:
        if bands and y == bands[-1][1] + 1:
            bands[-1] = (bands[-1][0], y)
        else:
            bands.append((y, y))
    return bands


def test_formulas_are_set_in_the_shipped_math_font(browser, site_url: str) -> None:
    context, page = _math_page(browser, site_url + PROBLEM)
    fonts = page.evaluate("Array.from(document.fonts, f => [f.family.replace(/\"/g, ''), f.status])")
    assert [MATH_FONT, "loaded"] in fonts
    # What Chromium actually drew the glyphs with: the web font, not a font installed on this machine.
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    for selector in ("#formula-output mi", "#formula-batch-mean munderover > mo", "#formula-running-mean mover > mo"):
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        assert [(f["familyName"], f["isCustomFont"]) for f in used] == [("Latin Modern Math", True)], selector
    context.close()


def test_a_radical_covers_its_radicand(browser, site_url: str) -> None:
    context, page = _math_page(browser, site_url + PROBLEM)
    selector = "#formula-output msqrt"
    outer, radicand = _box(page, selector), _box(page, selector + " > mrow")
    ink = _ink(page, selector)
    scale = len(ink[0]) / outer["width"]
    start = round((radicand["left"] - outer["left"]) * scale) + 2  # the radicand's columns, a pixel or two in
    sign = _rows(ink, range(0, start - 1))  # the surd, left of the radicand
    columns = range(start, len(ink[0]) - 2)
    bar = [y for y, row in enumerate(ink) if sum(row[x] for x in columns) >= 0.95 * len(columns)]
    assert bar and len(bar) == bar[-1] - bar[0] + 1 <= 0.1 * len(ink), "one thin rule across the whole radicand"
    content = [y for y in _rows(ink, columns) if y > bar[-1]]  # the radicand's own ink, below the rule
    assert min(sign) <= bar[-1] + 2 and max(sign) >= content[-1], (
        f"the radical sign (rows {min(sign)}-{max(sign)}) reaches from the rule (rows {bar[0]}-{bar[-1]}) "
        f"down past the radicand (rows {content[0]}-{content[-1]})"
    )
    context.close()


@pytest.mark.parametrize("formula", ["running-mean", "running-var"], ids=["mu-hat", "sigma-hat"])
def test_a_hat_sits_over_its_letter_and_just_above_it(browser, site_url: str, formula: str) -> None:
    context, page = _math_page(browser, site_url + PROBLEM)
    selector = f"#formula-{formula} mover"
    size = page.evaluate("s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)", selector)
    outer, letter_box = _box(page, selector), _box(page, selector + " > :first-child")
    ink = _ink(page, selector)
    scale = len(ink[0]) / outer["width"]
    split = round((letter_box["top"] - outer["top"]) * scale)  # where layout puts the letter: the hat is above
    hat = [(x, y) for y, row in enumerate(ink[:split]) for x, on in enumerate(row) if on]
    letter = [(x, y + split) for y, row in enumerate(ink[split:]) for x, on in enumerate(row) if on]
    hat_x, letter_x = sorted(x for x, _ in hat), sorted(x for x, _ in letter)
    hat_centre = (hat_x[0] + hat_x[-1]) / 2
    assert letter_x[0] <= hat_centre <= letter_x[-1], "over the letter"
    assert hat_x[-1] - hat_x[0] <= 1.5 * (letter_x[-1] - letter_x[0]), "about as wide as the letter"
    gap = (min(y for _, y in letter) - max(y for _, y in hat)) / scale
    assert gap <= 0.08 * size, f"just above it: {gap:.1f} px from the hat's lowest ink to the letter at {size} px"
    context.close()


def test_sum_limits_sit_above_and_below_a_large_sigma_in_display_math(browser, site_url: str) -> None:
    context, page = _math_page(browser, site_url + PROBLEM)
    selector = "#formula-batch-mean munderover"
    size = page.evaluate("s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)", selector)
    sigma, under, over = (_box(page, f"{selector} > :nth-child({n})") for n in (1, 2, 3))
    assert sigma["height"] >= 1.3 * size, "a display-size operator"
    assert under["top"] >= sigma["bottom"] - 0.5 and over["bottom"] <= sigma["top"] + 0.5
    centre = (sigma["left"] + sigma["right"]) / 2
    for limit in (under, over):
        assert abs((limit["left"] + limit["right"]) / 2 - centre) < 1, "centred on the Σ"
    context.close()


# --- Code: a copy button that copies a solution a reader can run --------------------------------------


def _problems() -> list[str]:
    return sorted(p.stem for p in (REPO / "content/problems").glob("*.yaml"))


@pytest.mark.parametrize("problem", _problems())
def test_the_copy_button_copies_a_solution_that_runs(browser, site_url: str, problem: str) -> None:
    entry = yaml.safe_load((REPO / f"content/problems/{problem}.yaml").read_text())
    context = browser.new_context(viewport=DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{site_url}problems/{problem}/", wait_until="load")
    page.click("details.solution summary")
    button = page.locator("details.solution .copy-button")
    assert button.get_attribute("aria-label").startswith("Copy solution: ")
    button.click()
    page.wait_for_function("document.querySelector('details.solution .copy-status').textContent === 'Copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.inner_text("details.solution pre code")
    context.close()

    module, name = entry["solution"].split(".")
    function = load_computed(REPO).resolve(entry["solution"], None, (), [])  # type: ignore[arg-type]
    for case in entry["tests"]:
        program = (
            f"{copied}\n\nimport json, numpy\nresult = {name}(**json.loads({json.dumps(json.dumps(case['inputs']))}))\n"
        )
        program += "print(json.dumps(result, default=lambda a: a.tolist()))\n"
        run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, cwd="/")
        assert run.returncode == 0, f"the copied {module}.py solution fails on its own:\n{run.stderr}"
        expected = json.loads(json.dumps(function(**case["inputs"]), default=lambda a: a.tolist()))
        assert json.loads(run.stdout) == expected, case["name"]


def test_without_javascript_the_code_is_there_and_nothing_else_is_missing(browser, site_url: str) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + PROBLEM, wait_until="load")
    assert page.locator(".copy-button").count() == 0
    page.click("details.solution summary")
    assert "def batch_norm_forward(" in page.inner_text("details.solution pre")
    assert page.get_attribute("details.solution pre", "tabindex") == "0", "a keyboard can still scroll it"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


# --- Plots: one SVG that follows the colour scheme and has a phone drawing ---------------------------

INK = {"light": (0, 0, 0), "dark": (0xE6, 0xE7, 0xEA)}
PAGE = {"light": (0xFD, 0xFD, 0xFC), "dark": (0x15, 0x17, 0x1B)}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_plot_follows_the_colour_scheme_and_shows_its_phone_drawing_when_narrow(
    browser, site_url: str, scheme: str
) -> None:
    from PIL import Image

    # The SVG itself: below the breakpoint its phone drawing shows, above it the wide one; ink as the scheme wants.
    for width, shown in ((343, ["none", "inline"]), (640, ["inline", "none"])):
        context = browser.new_context(viewport={"width": width, "height": 500}, color_scheme=scheme)
        page = context.new_page()
        page.goto(site_url + "topics/perplexity/pp-vs-ce.svg", wait_until="load")
        assert (
            page.evaluate("['.wide', '.phone'].map(s => getComputedStyle(document.querySelector(s)).display)") == shown
        )
        text_fill = page.evaluate("getComputedStyle(document.querySelector('.wide g[transform] use')).fill")
        assert text_fill == "rgb({}, {}, {})".format(*INK[scheme])
        context.close()
    # In the page, as a reader on a phone sees it: the page shows through, and the text is drawn in the page's ink.
    context = browser.new_context(viewport=PHONE, color_scheme=scheme)
    page = context.new_page()
    page.goto(site_url + "topics/perplexity/", wait_until="load")
    image = Image.open(io.BytesIO(page.locator("#plot-pp-vs-ce img").screenshot())).convert("RGB")
    data = image.tobytes()
    pixels = [tuple(data[i : i + 3]) for i in range(0, len(data), 3)]

    def near(colour: tuple[int, int, int], pixel: tuple[int, int, int]) -> bool:
        return all(abs(a - b) <= 8 for a, b in zip(colour, pixel, strict=True))

    assert sum(near(PAGE[scheme], p) for p in pixels) > 0.6 * len(pixels), "a transparent background"
    assert sum(near(INK[scheme], p) for p in pixels) > 200, "text and axes in the scheme's ink"
    context.close()


# --- Tables: wider than a phone, they scroll in a box a keyboard can reach -----------------------------


def test_a_wide_table_scrolls_in_a_labelled_box_a_keyboard_can_scroll(browser, site_url: str) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(site_url + PROBLEM, wait_until="load")
    wrap = page.locator("#example-minibatch .table-wrap")
    sizes = wrap.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert sizes[0] > sizes[1], "the worked example is wider than a phone"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page itself does not scroll"
    assert (wrap.get_attribute("tabindex"), wrap.get_attribute("role")) == ("0", "region")
    label = page.locator("#" + wrap.get_attribute("aria-labelledby")).inner_text()
    assert label == "Worked example: one training-mode pass over a 4×3 mini-batch"
    assert "radial-gradient" in wrap.evaluate("e => getComputedStyle(e).backgroundImage"), (
        "a shadow shows there is more"
    )
    wrap.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('#example-minibatch .table-wrap').scrollLeft > 0")
    context.close()


# --- Search: Pagefind's index of the issues, in the browser, from files or from serve's memory ----------


def _results(page) -> list[str]:
    """The address of each result of the search box, once results show."""
    page.wait_for_selector(".pagefind-ui__result-link", timeout=20_000)
    return page.eval_on_selector_all(".pagefind-ui__result-link", "links => links.map(a => a.getAttribute('href'))")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_search_finds_the_perplexity_issue(browser, site_url: str, tmp_path: Path, viewport: dict[str, int]) -> None:
    page, problems = _open(browser, site_url, viewport)
    page.click("text=Search")  # linked from every page's header
    assert page.url == site_url + "search/"
    page.fill(".pagefind-ui__search-input", "perplexity")
    results = _results(page)
    page.wait_for_url(site_url + "search/?q=perplexity")  # the query goes to the address (and the icon is asked again)
    page.wait_for_load_state("networkidle")
    assert results[0] == "/" + ISSUE, "the issue about perplexity comes first"
    assert "/" + ISSUE + "#topics-title" in results, "with its part on perplexity as a sub-result"
    assert all(link.startswith("/issues/") for link in results), "only issue pages are indexed"
    page.screenshot(path=tmp_path / f"search-{viewport['width']}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.click(".pagefind-ui__result-link >> nth=0")
    page.wait_for_url(site_url + ISSUE)
    assert problems == []
    page.close()


def test_a_query_in_the_address_is_searched_at_once(browser, site_url: str) -> None:
    page, problems = _open(browser, site_url + "search/?q=batch%20normalization", DESKTOP)
    assert "/" + ISSUE in _results(page)
    assert page.input_value(".pagefind-ui__search-input") == "batch normalization"
    assert problems == []
    page.close()


def test_a_typed_query_is_kept_in_the_address_to_share_and_reload(browser, site_url: str) -> None:
    page, problems = _open(browser, site_url + "search/", DESKTOP)
    page.fill(".pagefind-ui__search-input", "batch normalization")
    page.wait_for_url(site_url + "search/?q=batch+normalization")
    assert "/" + ISSUE in _results(page)
    page.fill(".pagefind-ui__search-input", "")
    page.wait_for_url(site_url + "search/")
    page.fill(".pagefind-ui__search-input", "perplexity")
    page.wait_for_url(site_url + "search/?q=perplexity")
    shared = page.url
    assert problems == []
    page.close()
    page, problems = _open(browser, shared, DESKTOP)  # the address, shared or reloaded, searches again
    assert page.input_value(".pagefind-ui__search-input") == "perplexity"
    assert _results(page)[0] == "/" + ISSUE
    assert problems == []
    page.close()


def test_without_javascript_the_search_page_points_to_the_archive(browser, site_url: str) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url + "search/", wait_until="load")
    assert "Searching needs JavaScript" in page.inner_text("main")
    assert page.locator("main a[href='/archive/']").count() == 1
    context.close()


def test_serve_searches_its_site_in_memory_and_after_a_save(browser, project: Path) -> None:
    from ..conftest import edit_file
    from .test_serve_process import serving

    page = browser.new_page(viewport=DESKTOP)
    with serving(project) as server:
        page.goto(server.url + "search/?q=perplexity")
        assert _results(page)[0] == "/" + ISSUE
        edit_file(project, "content/topics/perplexity.yaml", "title: Perplexity", "title: Perplexity Zygomorphic")
        for _ in range(60):  # the rebuild takes a moment: search again until the new word is found
            page.goto(server.url + "search/?q=zygomorphic")
            page.wait_for_selector(".pagefind-ui__message", timeout=20_000)
            page.wait_for_timeout(300)
            if page.locator(".pagefind-ui__result-link").count():
                break
        assert _results(page)[0] == "/" + ISSUE
    page.close()
    assert not (project / "output").exists(), "serve never writes the output folder"
