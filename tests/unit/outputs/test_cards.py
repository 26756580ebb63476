"""A social card on its own: a title drawn as text even with dollar signs, a long one set smaller and cut; a topic's
and a problem's card, and what their jobs read."""

from __future__ import annotations

import datetime as dt
import io
import struct

import pytest

from site_builder.content.load import load_content
from site_builder.incremental.cache import Cache
from site_builder.incremental.deps import tracking
from site_builder.model.schedule import Schedule
from site_builder.model.site_model import build_model
from site_builder.outputs import cards
from site_builder.outputs.cards import CardText, draw_card
from site_builder.outputs.email.edition import FormulaImages
from site_builder.outputs.site import Site
from site_builder.outputs.site_jobs import job_named, job_names
from site_builder.render.templates import load_templates

from ...conftest import REPO


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, read without an image library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_a_title_is_drawn_as_text_even_with_dollar_signs() -> None:
    # Read as matplotlib's mathtext (as cards were drawn before Pillow), this would be an unclosed fraction.
    text = CardText("Money", "", r"Costs from $5 to $\frac{1}{ and more")
    assert _png_size(draw_card(text)) == (1200, 630)


def test_a_card_drawn_twice_is_the_same_bytes() -> None:
    # Whole builds without a cache compare every card too: tests/system/test_reproducible.py.
    text = CardText("Title", "Friday, 27 November 2026", "A title", (("Topic deep dive", "A topic"),))
    assert draw_card(text) == draw_card(text)


def test_a_long_title_is_set_smaller_and_cut_with_an_ellipsis() -> None:
    card = cards._Card()  # the layout, measured with the real fonts
    size, lines = card.fit("Perplexity", 1056, 200)
    assert (size, lines) == (cards._TITLE_SIZES[0], ["Perplexity"])
    words = " ".join(["Normalization"] * 40)
    size, lines = card.fit(words, 1056, 200)
    assert size == cards._TITLE_SIZES[-1] and lines[-1].endswith(" …")
    assert all(card.width(line, size, bold=True) <= 1056 for line in lines)
    assert len(lines) * size * cards._LEADING <= 200


# --- topic, problem and feature cards ---------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> Site:
    """The bundled project as of 2026-11-28, no job made (its cards are drawn without a cache)."""
    model = build_model(load_content(REPO), lambda source: None, Schedule(dt.date(2026, 11, 28)))
    return Site(REPO, model, load_templates(REPO, None), FormulaImages(model, Cache(None)))


@pytest.mark.parametrize(
    ("page", "kind", "line"),
    [
        ("topics/perplexity/", "Topic deep dive", ("Chapter", "Evaluation & Benchmarks")),
        ("problems/batch-norm-forward/", "Problem of the day", ("Difficulty", "Hard")),
    ],
)
def test_a_topic_and_a_problem_have_a_card_of_their_own_beside_their_page(
    site: Site, page: str, kind: str, line: tuple[str, str]
) -> None:
    from PIL import Image

    folder, key = page.strip("/").split("/")
    text = cards.entry_card(site.model, site.model.entry_page(folder, key))
    assert (text.masthead, text.date, text.parts) == ("The Daily Gradient", kind, (line,))
    assert f"{page}card.png" in job_names(site)
    job = job_named(site, f"{page}card.png")
    assert job is not None
    with tracking() as reads:
        files = job.make()
    assert isinstance(files, dict) and list(files) == [f"{page}card.png"]
    image = Image.open(io.BytesIO(files[f"{page}card.png"]))
    assert (image.size, image.mode) == ((1200, 630), "P")
    # What the card shows is what its job reads: a new title (or chapter, difficulty) draws it again, a new summary
    # does not (a build remakes a job when a fact it read changed).
    source = f"content/{folder}/{key}.yaml"
    assert {f"{source}#title", "content/site.yaml#title"} <= reads
    assert f"{source}#{'chapter' if folder == 'topics' else 'difficulty'}" in reads
    assert not {f"{source}#summary", f"{source}#sections", f"results:{folder}/{key}"} & reads
