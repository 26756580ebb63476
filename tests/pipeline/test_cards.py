"""Social cards and link previews: a 1200 x 630 PNG per issue, the same bytes every build, and Open Graph and
Twitter meta on every page pointing at files the site has."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import struct
from pathlib import Path

import html5lib
import pytest
from PIL import Image, ImageChops

from site_builder.outputs import cards
from site_builder.outputs.cards import CardText, draw_card
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions

from ..conftest import eject_theme, run_cli, tree_digest

BASE = "https://daily-gradient.example.org/"
DATE = dt.date(2026, 11, 28)
ISSUES = ("2026-11-26", "2026-11-27", "2026-11-28")
ACCENT = (0xC7, 0x9B, 0xF2)
"""The bar down the card's left edge (the dark scheme's accent of style.css)."""


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, read without an image library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _meta(page: bytes) -> dict[str, str]:
    """``property`` or ``name`` -> ``content`` of every ``<meta>`` of a page, as an HTML parser reads it."""
    tree = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    found = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name")
        if key:
            found[key] = meta.get("content", "")
    return found


ENTRIES = ("topics/perplexity", "problems/batch-norm-forward", "features/verified-formulas")


def test_every_issue_and_entry_has_a_1200_by_630_card_and_the_site_one(built_site: Path) -> None:
    for path in [*(f"issues/{date}/card.png" for date in ISSUES), *(f"{e}/card.png" for e in ENTRIES), "card.png"]:
        data = (built_site / path).read_bytes()
        assert _png_size(data) == (1200, 630), path
        image = Image.open(io.BytesIO(data)).convert("RGB")
        # Within 4/255: a card is saved with a fixed palette, to which Pillow maps a colour that closely.
        bar = image.getpixel((4, 315))
        assert max(abs(a - b) for a, b in zip(bar, ACCENT, strict=True)) <= 4, f"{path}: the accent bar is {bar}"
        # Text was drawn: the title's band holds light pixels on the dark paper.
        darkest, lightest = image.crop((72, 130, 1128, 330)).convert("L").getextrema()
        assert lightest > 200 and darkest < 40, path
    assert len({(built_site / f"issues/{date}/card.png").read_bytes() for date in ISSUES}) == 3, "each issue its own"


def test_every_page_has_link_preview_meta_pointing_at_the_page_and_its_card(built_site: Path) -> None:
    pages = sorted(p for p in built_site.rglob("*.html") if not p.name.startswith("email"))
    assert len(pages) > 10
    for file in pages:
        path = file.relative_to(built_site).as_posix()
        meta = _meta(file.read_bytes())
        for key in ("og:title", "og:description", "og:image", "og:image:alt", "twitter:title", "twitter:description"):
            assert meta.get(key, "").strip(), f"{path}: {key}"
        assert meta["twitter:card"] == "summary_large_image"
        assert meta["twitter:image"] == meta["og:image"]
        assert meta["og:image"].startswith(BASE), f"{path}: an absolute url, as Open Graph requires"
        card = built_site / meta["og:image"][len(BASE) :]
        assert card.is_file() and _png_size(card.read_bytes()) == (1200, 630), f"{path}: {meta['og:image']}"
        assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
        if path == "404.html":
            assert "og:url" not in meta, "the 404 page is shown at any address: it has none of its own"
            continue
        page_url = BASE + path.removesuffix("index.html")
        assert meta["og:url"] == page_url, path
        if path.split("/")[0] in ("issues", "topics", "problems", "features"):
            assert meta["og:image"] == page_url + "card.png" and meta["og:type"] == "article", path
        else:
            assert meta["og:image"] == BASE + "card.png" and meta["og:type"] == "website"
    issue = _meta((built_site / "issues/2026-11-26/index.html").read_bytes())
    assert issue["og:title"] == "Perplexity · Batch Normalization Forward Pass"
    assert issue["og:description"].startswith("How surprised is your language model?")
    topic = _meta((built_site / "topics/perplexity/index.html").read_bytes())
    assert topic["og:image"] == BASE + "topics/perplexity/card.png" and topic["og:title"] == "Perplexity"


def test_a_card_is_drawn_once_then_taken_from_the_cache(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []
    real = cards.draw_card
    monkeypatch.setattr(cards, "draw_card", lambda text: drawn.append(text.title) or real(text))
    monkeypatch.setenv("BUILD_SITE_WORKERS", "1")  # drawn in this process, where the count is kept
    shutil.rmtree(project / ".build-cache/v1/cards")  # the warm cache holds the bundled issues' cards: draw them
    build_site(project, project / "output", BuildOptions(date=DATE))
    assert len(drawn) == 4 + 9  # the site's, three issues', and three topics', problems' and features'
    first = tree_digest(project / "output")
    drawn.clear()
    build_site(project, project / "elsewhere", BuildOptions(date=DATE))  # a new output: every page made again
    assert drawn == [] and tree_digest(project / "elsewhere") == first


def test_a_card_path_that_does_not_exist_fails_the_build(project: Path) -> None:
    assert run_cli("--root", project, "--date", "2026-11-28").exit_code == 0
    before = tree_digest(project / "output")
    eject_theme(project, "issue.html")
    page = project / "templates" / "issue.html"
    page.write_text(page.read_text().replace('~ "card.png"', '~ "social.png"'))
    result = run_cli("--root", project, "--date", "2026-11-28")
    assert result.exit_code == 2
    broken = f"output/issues/2026-11-26/index.html:\\d+:1: broken link '{BASE}issues/2026-11-26/social.png'"
    assert re.search(broken, result.stderr), result.stderr
    assert tree_digest(project / "output") == before


REFERENCE = Path(__file__).parent / "cards"
"""Cards drawn with matplotlib, as every card was until Pillow drew them: the design the Pillow cards keep."""
REFERENCE_TEXTS = {
    "issue": CardText(
        "The Daily Gradient",
        "Thursday, 26 November 2026",
        "Perplexity · Batch Normalization Forward Pass",
        (
            ("Topic deep dive", "Perplexity"),
            ("Problem of the day", "Batch Normalization Forward Pass"),
            ("Feature spotlight", "Implementation walkthroughs"),
        ),
    ),
    "site": CardText(
        "The Daily Gradient",
        "",
        "One machine-learning topic, one problem and one feature every morning, with every number computed.",
    ),
    "long": CardText(
        "The Daily Gradient",
        "Wednesday, 30 September 2026",
        "A very long title " * 8 + "end",
        (
            (
                "Topic deep dive",
                "Some topic with a rather long name that should be cut short because it does not fit at all in the width",
            ),
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(REFERENCE_TEXTS))
def test_a_card_looks_as_the_matplotlib_card_did(name: str) -> None:
    """The same design: on average within 4/255 of the matplotlib card, and fewer than 2% of the pixels more than
    64/255 off (glyph edges that fall a pixel apart: the two renderers round glyph advances differently)."""
    drawn = Image.open(io.BytesIO(draw_card(REFERENCE_TEXTS[name]))).convert("RGB")
    reference = Image.open(REFERENCE / f"{name}-matplotlib.png").convert("RGB")
    assert drawn.size == reference.size == (1200, 630)
    difference = ImageChops.difference(drawn, reference).convert("L").histogram()
    pixels = sum(difference)
    mean = sum(value * count for value, count in enumerate(difference)) / pixels
    far = sum(difference[65:]) / pixels
    assert mean <= 4 and far < 0.02, f"{name}: mean difference {mean:.2f}/255, {far:.2%} of pixels far off"
