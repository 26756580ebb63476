"""A social card on its own: a title drawn as text even with dollar signs, a long one set smaller and cut."""

from __future__ import annotations

import struct

from site_builder.outputs import cards
from site_builder.outputs.cards import CardText, draw_card


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
    from PIL import Image, ImageDraw

    canvas = ImageDraw.Draw(Image.new("RGB", (cards.WIDTH, cards.HEIGHT)))
    card = cards._Card(canvas)  # the layout, measured with the real fonts
    size, lines = card.fit("Perplexity", 1056, 200)
    assert (size, lines) == (cards._TITLE_SIZES[0], ["Perplexity"])
    words = " ".join(["Normalization"] * 40)
    size, lines = card.fit(words, 1056, 200)
    assert size == cards._TITLE_SIZES[-1] and lines[-1].endswith(" …")
    assert all(card.width(line, size, bold=True) <= 1056 for line in lines)
    assert len(lines) * size * cards._LEADING <= 200
