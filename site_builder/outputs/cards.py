"""Social cards: the 1200 x 630 PNG a link preview shows for an issue, a topic, a problem, a feature, or the site.

A card is drawn with Pillow (a few milliseconds; it was drawn with matplotlib, ten times
slower, and looks the same: ``tests/pipeline/test_cards.py`` compares them) in DejaVu Sans
from matplotlib's own files (no font lookup on the machine that builds), and saved with no
metadata: the same text gives the same bytes on every build. Drawn cards are kept in the build
cache, one slot per page, keyed by their text and the versions that draw them; the build's
tracking (``deps``) remakes a card's job only when something the card shows changed.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ..incremental.builder import module_digests
from ..incremental.cache import Cache, Key, versions

if TYPE_CHECKING:
    from ..model.pages import EntryPage, IssuePage
    from ..model.site_model import SiteModel

CARD = "card.png"
"""A card's file name, beside its page: ``issues/2026-11-26/card.png``, ``topics/perplexity/card.png``; ``card.png``
(the site root) for the site."""
WIDTH, HEIGHT = 1200, 630
"""Pixels: the size Open Graph and Twitter show large (1.91:1)."""
CARD_SLOTS = "cards"
"""Cache folder of drawn cards (see ``Cache``): one slot per page, replaced when its card changes."""

_MARGIN = 72
_BAR = 16
"""Width of the accent bar down the left edge."""
_PAPER, _INK, _MUTED, _ACCENT, _RULE = "#15171b", "#e6e7ea", "#a4a9b4", "#c79bf2", "#353a43"
"""The site's dark scheme (``static/style.css``): a card stands out on light and dark timelines alike."""
_TITLE_SIZES = (72, 64, 56, 50, 44)
"""Title sizes, tried largest first until the title fits its box."""
_LABEL, _PART, _HEAD = 18, 32, 24
_LEADING = 1.2
_PNG_COMPRESSION = 3
"""zlib level: encoding is half a card's drawing time at the default (6), for a file only 10% smaller."""
_BLENDS = 85
"""Shades from the paper to each ink in the card's palette: three inks and the rule's colour fill 256."""


@dataclass(frozen=True)
class CardText:
    """What a card shows."""

    masthead: str
    """The site's title, at the top."""
    date: str
    """``Thursday, 26 November 2026`` for an issue, the kind (``Topic deep dive``) for an entry; empty for the site."""
    title: str
    parts: tuple[tuple[str, str], ...] = ()
    """(label, title) of each part: ``("Topic deep dive", "Perplexity")``."""


def issue_card(model: SiteModel, issue: IssuePage) -> CardText:
    """An issue's card, read through the model: the job that draws it depends on exactly what it shows."""
    parts = tuple((part.kind_label, part.entry.title) for part in issue.parts)
    return CardText(model.site.title, issue.date_text, issue.title, parts)


def entry_card(model: SiteModel, page: EntryPage) -> CardText:
    """A topic's, problem's or feature spotlight's card: its kind where an issue's date is, its title, and one line
    placing it (a topic's chapter, a problem's difficulty, a feature's audience), read through the model."""
    if page.kind == "topics":
        line = ("Chapter", page.group_name or "")
    elif page.kind == "problems":
        line = ("Difficulty", page.entry.difficulty)
    else:
        line = ("For", ", ".join(page.entry.audience))
    return CardText(model.site.title, page.kind_label, page.entry.title, (line,))


def site_card(model: SiteModel) -> CardText:
    """The card of every other page (home, archive, chapters...): the site's title and tagline."""
    return CardText(model.site.title, "", model.site.tagline)


def card_png(text: CardText, page: str, cache: Cache | None = None) -> bytes:
    """``text`` drawn as a PNG, from ``cache`` when it was drawn before for ``page`` (a site path, ``""`` for the site)."""
    cache = cache or Cache(None)
    key = Key(
        {
            "text": asdict(text),
            "versions": versions("pillow", "matplotlib"),  # matplotlib: its DejaVu Sans files
            "builder": module_digests(__name__),
        }
    )
    slot = f"{CARD_SLOTS}/{page.strip('/') or 'site'}"
    hit, _ = cache.lookup(slot, key, files=("png",))
    if hit is not None:
        return hit.files["png"]
    png = draw_card(text)
    cache.store(slot, key, {}, {"png": png})
    return png


def draw_card(text: CardText) -> bytes:
    """The card as PNG bytes: masthead and date, the title (wrapped, smaller when long), a rule, then each part."""
    card = _Card(_background().copy())
    card.draw(text)
    buffer = io.BytesIO()
    # A palette PNG: an RGB one took 13 of a card's 17 ms in Pillow's encoder. Pillow writes no date, no software name.
    card.image.save(buffer, format="png", compress_level=_PNG_COMPRESSION)
    return buffer.getvalue()


# A card is drawn straight into palette indices: an RGB card mapped to the palette afterwards (``quantize``) took a
# quarter of its time. Its text never overlaps other text, the bar or the rule, so each pixel of text is the paper
# shaded towards one ink by the glyph's coverage: ``_shades`` gives the index quantizing that shade would pick, and
# a card is the same pixels (and bytes) as one drawn in RGB and quantized.


@functools.cache
def _palette() -> Any:
    """Every colour a card has: the paper blended towards each ink (the text's smoothed edges), and the rule.

    A drawn pixel is at most 4/255 from its palette colour (edges where two glyphs meet).
    """
    from PIL import Image, ImageColor  # Pillow only: a few milliseconds a card, and no matplotlib to import

    paper = ImageColor.getrgb(_PAPER)
    colours: list[int] = []
    for ink in (_INK, _MUTED, _ACCENT):
        rgb = ImageColor.getrgb(ink)
        for step in range(_BLENDS):
            colours += (round(p + (i - p) * step / (_BLENDS - 1)) for p, i in zip(paper, rgb, strict=True))
    colours += ImageColor.getrgb(_RULE)
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours)
    return palette


@functools.lru_cache(maxsize=8)
def _shades(ink: str) -> bytes:
    """Palette index of ``ink`` at each coverage 0 to 255 over the paper: Pillow's blend, then the nearest colour."""
    from PIL import Image

    ramp = Image.new("RGB", (256, 1), _PAPER)
    ramp.paste(ink, (0, 0), Image.frombytes("L", (256, 1), bytes(range(256))))  # the blend text is drawn with
    return ramp.quantize(palette=_palette(), dither=Image.Dither.NONE).tobytes()


@functools.cache
def _background() -> Any:
    """The paper and the accent bar down the left edge, in palette indices (each card draws on a copy)."""
    image = _palette().resize((WIDTH, HEIGHT))  # the palette's own image: the saved palette is the same
    image.paste(_shades(_INK)[0], (0, 0, WIDTH, HEIGHT))
    image.paste(_shades(_ACCENT)[255], (0, 0, _BAR, HEIGHT))
    return image


@functools.lru_cache(maxsize=128)  # a part's line is 100 kB at most; a title's line (new each card) is not kept
def _stamp(line: str, size: int, bold: bool, colour: str, anchor: str, start: tuple[float, float]) -> Any:
    """``line`` rasterised once (a masthead, a label or a chapter is on many cards): its corner from the whole pixel
    of its anchor point, its palette indices and where it has ink. ``start``: the anchor point's fraction of a pixel,
    which shifts the glyphs."""
    from PIL import Image, ImageDraw

    font = _font(size, bold)
    left, top, right, bottom = font.getbbox(line, anchor=anchor)
    # The anchor point at whole pixels (ox, oy) plus ``start`` inside the mask: the glyphs rasterised as on the card.
    ox, oy = max(0, 2 - math.floor(left)), max(0, 2 - math.floor(top))
    mask = Image.new("L", (ox + math.ceil(right) + 2, oy + math.ceil(bottom) + 2))
    ImageDraw.Draw(mask).text((ox + start[0], oy + start[1]), line, font=font, fill=255, anchor=anchor)
    return -ox, -oy, mask.point(_shades(colour)), mask.point([0] + [255] * 255)


class _Card:
    """Lays text out on the image in pixels from the top left corner."""

    def __init__(self, image: Any = None) -> None:
        self.image = image
        """The card in palette indices (None: only measuring text)."""

    def draw(self, text: CardText) -> None:
        usable = WIDTH - 2 * _MARGIN
        self.put(_MARGIN, 84, text.masthead.upper(), _HEAD, bold=True, colour=_ACCENT)
        if text.date:
            self.put(WIDTH - _MARGIN, 84, text.date, _HEAD, colour=_MUTED, anchor="rs")
        parts_top = HEIGHT - 64 - 82 * len(text.parts) if text.parts else HEIGHT - 64
        title_top, title_bottom = 130, parts_top - 40
        size, lines = self.fit(text.title, usable, title_bottom - title_top)
        leading = size * _LEADING
        # Baselines: the block of lines centred in its box (a short title does not leave a hole above the parts).
        first = title_top + (title_bottom - title_top - leading * len(lines)) / 2 + size
        for index, line in enumerate(lines):
            self.put(_MARGIN, first + index * leading, line, size, bold=True, keep=False)
        if text.parts:
            rule = parts_top - 28  # a 2-pixel rule: the rows just above and below this line between rows
            self.image.paste(_shades(_RULE)[255], (_MARGIN, rule - 1, WIDTH - _MARGIN, rule + 1))
            for index, (label, title) in enumerate(text.parts):
                top = parts_top + 82 * index
                self.put(_MARGIN, top + _LABEL, label.upper(), _LABEL, bold=True, colour=_ACCENT)
                self.put(_MARGIN, top + _LABEL + 8 + _PART, self.ellipsis(title, _PART, usable), _PART)

    def put(
        self,
        x: float,
        y: float,
        line: str,
        size: int,
        *,
        bold: bool = False,
        colour: str = _INK,
        anchor: str = "ls",
        keep: bool = True,
    ) -> None:
        """One line of text with its baseline at ``y`` pixels from the top (``anchor`` "rs": ending at ``x``), its
        raster kept for the next cards unless ``keep`` is false."""
        stamp = _stamp if keep else _stamp.__wrapped__
        left, top, shades, ink = stamp(line, size, bold, colour, anchor, (math.modf(x)[0], math.modf(y)[0]))
        self.image.paste(shades, (int(x) + left, int(y) + top), ink)

    def width(self, line: str, size: int, bold: bool = False) -> float:
        """Pixels ``line`` takes: the sum of its words' and spaces' widths, each measured once (the kerning across
        a space is nil in DejaVu Sans)."""
        words = line.split(" ")
        return sum(self._measure(word, size, bold) for word in words) + (len(words) - 1) * self._measure(
            " ", size, bold
        )

    @staticmethod
    @functools.lru_cache(maxsize=4096)
    def _measure(text: str, size: int, bold: bool) -> float:
        return float(_font(size, bold).getlength(text))

    def fit(self, title: str, width: float, height: float) -> tuple[int, list[str]]:
        """The largest title size whose wrapped lines fit the box, and the lines (the last cut short if none does)."""
        for size in _TITLE_SIZES:
            lines = _wrap(title, lambda line, size=size: self.width(line, size, bold=True), width)
            if len(lines) * size * _LEADING <= height:
                return size, lines
        size = _TITLE_SIZES[-1]
        keep = max(1, int(height // (size * _LEADING)))
        lines = _wrap(title, lambda line: self.width(line, size, bold=True), width)
        return size, [*lines[: keep - 1], self.ellipsis(" ".join(lines[keep - 1 :]), size, width, bold=True)]

    def ellipsis(self, line: str, size: int, width: float, *, bold: bool = False) -> str:
        """``line``, cut at a word and ended with an ellipsis if it is wider than ``width``."""
        if self.width(line, size, bold) <= width:
            return line
        words = line.split()
        while len(words) > 1 and self.width(" ".join(words) + " …", size, bold) > width:
            words.pop()
        return " ".join(words) + " …"


def _wrap(text: str, width: Callable[[str], float], usable: float) -> list[str]:
    """Words filled greedily into lines no wider than ``usable`` (a longer word has a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        if lines and width(f"{lines[-1]} {word}") <= usable:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


@functools.lru_cache(maxsize=16)
def _font(size: int, bold: bool) -> Any:
    """DejaVu Sans from matplotlib's own files (found, not imported): the same glyphs whatever fonts the machine has."""
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    # The basic layout (kerning, no shaping): what matplotlib did, and faster than Raqm for Latin text.
    return ImageFont.truetype(os.path.join(_fonts_folder(), name), size, layout_engine=ImageFont.Layout.BASIC)


@functools.cache
def _fonts_folder() -> str:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed: its DejaVu Sans draws the social cards")
    return os.path.join(spec.submodule_search_locations[0], "mpl-data", "fonts", "ttf")
