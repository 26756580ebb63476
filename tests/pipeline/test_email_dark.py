"""The email in dark-mode clients: each formula has a light image (opaque, readable on any background) and a dark one
(light ink, transparent), swapped by the email's prefers-color-scheme rules where a client honours them."""

from __future__ import annotations

import email
import email.policy
import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from site_builder.outputs.email.math_images import DARK_INK, formula_image

BASE = "https://daily-gradient.example.org/"
ISSUE = "issues/2026-11-26/"
_PAIR = re.compile(
    r'<span class="math-light"[^>]*>(<img\b[^>]*>)</span>'
    r'<span class="math-dark" style="display:none; mso-hide:all;[^"]*"[^>]*>(<img\b[^>]*>)</span>'
)


def _src(tag: str) -> str:
    return re.search(r'src="([^"]*)"', tag).group(1)


def _image(built_site: Path, url: str) -> Image.Image:
    assert url.startswith(BASE) and url.endswith(".png"), url
    return Image.open(io.BytesIO((built_site / url[len(BASE) :]).read_bytes())).convert("RGBA")


@pytest.fixture(scope="module")
def email_html(built_site: Path) -> str:
    return (built_site / ISSUE / "email.html").read_text()


def test_every_formula_has_a_light_and_a_dark_image(built_site: Path, email_html: str) -> None:
    pairs = _PAIR.findall(email_html)
    formulas = re.findall(r'<img class="math"', email_html)
    assert len(pairs) >= 10 and 2 * len(pairs) == len(formulas), "every formula image is in a pair"
    for light_tag, dark_tag in pairs:
        assert re.search(r'alt="[^"]+"', dark_tag) and re.search(r'alt="([^"]*)"', light_tag).group(1) == re.search(
            r'alt="([^"]*)"', dark_tag
        ).group(1)
        light, dark = _image(built_site, _src(light_tag)), _image(built_site, _src(dark_tag))
        assert light.size == dark.size
        # The light image: opaque white paper, dark ink: readable where a client darkens the email but not its images.
        assert light.getchannel("A").getextrema() == (255, 255) and light.getpixel((0, 0)) == (255, 255, 255, 255)
        # The dark image: no paper at all, and its ink is the dark scheme's light text colour.
        assert dark.getpixel((0, 0))[3] == 0
        pixels = np.asarray(dark).reshape(-1, 4)
        inked = {tuple(int(c) for c in pixel[:3]) for pixel in pixels[pixels[:, 3] == 255]}
        assert inked == {tuple(int(DARK_INK[i : i + 2], 16) for i in (1, 3, 5))}


def test_the_dark_image_of_a_formula_is_drawn_and_cached_apart_from_the_light_one() -> None:
    light = formula_image(r"\hat{\mu} = \frac{1}{N}\sum_i x_i", display=True)
    dark = formula_image(r"\hat{\mu} = \frac{1}{N}\sum_i x_i", display=True, dark=True)
    assert light.key != dark.key and (light.width, light.height, light.depth) == (dark.width, dark.height, dark.depth)
    assert dark == formula_image(r"\hat{\mu} = \frac{1}{N}\sum_i x_i", display=True, dark=True), "the same bytes"


def test_the_eml_carries_both_images_of_each_formula(built_site: Path) -> None:
    message = email.message_from_bytes((built_site / ISSUE / "issue.eml").read_bytes(), policy=email.policy.default)
    html = message.get_body(("html",)).get_content()
    attached = {part["Content-ID"].strip("<>") for part in message.walk() if part.get_content_maintype() == "image"}
    pairs = _PAIR.findall(html)
    assert len(pairs) >= 10
    for light, dark in pairs:
        assert _src(light).startswith("cid:") and _src(dark).startswith("cid:") and _src(light) != _src(dark)
        assert {_src(light)[4:], _src(dark)[4:]} <= attached


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_client_that_honours_the_colour_scheme_shows_one_image_of_each_formula(
    browser, built_site: Path, scheme: str, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 640, "height": 900}, color_scheme=scheme)
    page = context.new_page()

    def serve(route) -> None:  # the email's absolute urls, answered from the built site
        path = route.request.url[len(BASE) :]
        file = built_site / path
        route.fulfill(body=file.read_bytes(), content_type="image/png") if file.is_file() else route.abort()

    page.route(BASE + "**", serve)
    page.set_content((built_site / ISSUE / "email.html").read_text(), wait_until="load")
    shown = page.evaluate(
        """Array.from(document.querySelectorAll('img.math'))
             .filter(img => img.getClientRects().length > 0)
             .map(img => [img.closest('span').className, img.complete && img.naturalWidth > 0])"""
    )
    expected = f"math-{scheme}"
    assert shown and {kind for kind, _ in shown} == {expected}, "only the scheme's own image of each formula shows"
    assert all(loaded for _, loaded in shown)
    background = page.evaluate("getComputedStyle(document.querySelector('.container')).backgroundColor")
    assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(29, 32, 38)")
    page.screenshot(path=tmp_path / f"email-{scheme}.png", full_page=True)
    context.close()
