"""Plots: drawn by functions in computed/, saved as byte-identical SVG and PNG, placed in HTML and Markdown."""

from __future__ import annotations

import io
import math
import re
import struct
from typing import Any

import matplotlib
import matplotlib.image
import pytest

from computed import figures
from site_builder.compute import plots

PROBABILITIES = [0.25, 0.5, 0.125, 0.5]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def _png_text_keys(png: bytes) -> list[bytes]:
    keys, position = [], 8
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        if kind in (b"tEXt", b"iTXt", b"zTXt"):
            keys.append(png[position + 8 : position + 8 + length].split(b"\0", 1)[0])
        position += 12 + length
    return keys


def test_drawing_twice_gives_identical_bytes_without_dates() -> None:
    first = plots.draw(figures.perplexity_vs_cross_entropy, {"probabilities": PROBABILITIES, "vocab_size": 16})
    second = plots.draw(figures.perplexity_vs_cross_entropy, {"probabilities": PROBABILITIES, "vocab_size": 16})
    assert first == second
    svg = first.svg.decode()
    assert svg.startswith("<?xml") and "<svg" in svg
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert _png_text_keys(first.png) == [], "no Software or date text chunks in the PNG"
    assert _png_size(first.png) == (960, 600)
    assert (first.width, first.height) == (640, 400)


def test_the_machines_matplotlib_settings_do_not_leak_into_the_figure() -> None:
    inputs = {"probabilities": PROBABILITIES, "vocab_size": 16}
    reference = plots.draw(figures.perplexity_vs_cross_entropy, inputs)
    with matplotlib.rc_context({"lines.linewidth": 9, "font.size": 20, "svg.hashsalt": None}):
        again = plots.draw(figures.perplexity_vs_cross_entropy, inputs)
    assert again == reference
    assert matplotlib.rcParams["svg.hashsalt"] is None, "our settings do not leak out either"


def test_the_alt_text_is_generated_from_the_plotted_data() -> None:
    p = [0.5, 0.5, 0.25, 0.125]
    h = -sum(math.log2(q) for q in p) / len(p)
    alt = plots.draw(figures.perplexity_vs_cross_entropy, {"probabilities": p, "vocab_size": 64}).alt
    assert f"H = {h:.2f} bits, PP = {2**h:.2f}" in alt
    assert "V = 64 tokens: H = 6.00 bits and PP = V = 64" in alt


def test_the_batch_norm_figure_resizes_itself_and_reports_per_feature_statistics() -> None:
    images = plots.draw(
        figures.batch_norm_distributions,
        {"means": [5.0, -3.0], "stds": [2.0, 0.1], "gamma": [1.0, 3.0], "beta": [0.0, 2.0], "batch_size": 500},
    )
    assert (images.width, images.height) == (640, 480)
    assert _png_size(images.png) == (960, 720)
    # Output statistics are those of batch norm whatever the sample: mean beta, std gamma (up to eps).
    assert "Output: feature 1 mean 0.00, standard deviation 1.00; feature 2 mean 2.00, standard deviation 3.00." in (
        images.alt
    )
    assert re.search(r"Input: feature 1 mean 4\.\d\d|Input: feature 1 mean 5\.\d\d", images.alt)


def _no_alt(fig: Any) -> None:
    fig.add_subplot().plot([0, 1])


def _draws_nothing(fig: Any) -> str:
    return "an empty figure"


@pytest.mark.parametrize(
    ("function", "message"),
    [
        (_no_alt, "must return the alt text (a non-empty str), not NoneType"),
        (_draws_nothing, "drew nothing on the figure"),
    ],
)
def test_broken_plot_functions_are_reported(function: Any, message: str) -> None:
    with pytest.raises(plots.PlotError) as info:
        plots.draw(function, {})
    assert str(info.value) == message


# --- One SVG for every reader: both colour schemes, desktop and phone ------------------------------

BATCH_NORM = {"means": [-6.0, 3.0, 10.0], "stds": [1.5, 0.5, 3.0], "gamma": [1.0, 0.5, 2.0], "beta": [0.0, 1.0, -1.0]}
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _parsed(svg: bytes):
    from lxml import etree

    return etree.fromstring(svg, etree.XMLParser(no_network=True, resolve_entities=False))


def _viewbox_ratio(element) -> float:
    _, _, width, height = map(float, element.get("viewBox").split())
    return width / height


@pytest.mark.parametrize(
    ("function", "inputs"),
    [
        (figures.perplexity_vs_cross_entropy, {"probabilities": PROBABILITIES, "vocab_size": 16}),
        (figures.batch_norm_distributions, BATCH_NORM),
    ],
    ids=["perplexity", "batch-norm"],
)
def test_the_svg_holds_a_wide_and_a_phone_drawing_of_one_shape(function: Any, inputs: dict[str, Any]) -> None:
    root = _parsed(plots.draw(function, inputs).svg)
    wide = root.findall(f"{SVG_NS}g[@class='wide']")
    phone = root.findall(f"{SVG_NS}svg[@class='phone']")
    assert len(wide) == 1 and len(phone) == 1
    assert _viewbox_ratio(phone[0]) == pytest.approx(_viewbox_ratio(root), rel=1e-3), "one image box fits both"
    _, _, phone_width, _ = map(float, phone[0].get("viewBox").split())
    assert phone_width == pytest.approx(plots.PHONE_WIDTH * 72), "the phone drawing is PHONE_WIDTH inches wide (in pt)"
    # Two drawings in one document: ids stay unique and every reference stays inside its own drawing.
    ids = [e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")]
    assert len(ids) == len(set(ids)) > 20
    in_phone = {e.get("id") for e in phone[0].iter() if isinstance(e.tag, str) and e.get("id")}
    for element in phone[0].iter():
        if isinstance(element.tag, str) and (element.get(XLINK_HREF) or "").startswith("#"):
            assert element.get(XLINK_HREF)[1:] in in_phone
    style = root.find(f"{SVG_NS}style").text
    assert (
        f"@media (max-width: {plots.PHONE_BREAKPOINT - 0.02}px) {{ .wide {{ display: none; }} .phone {{ display: inline; }} }}"
        in style
    )
    # The phone drawing has fewer things to read: less text (text is drawn as glyph paths).
    glyphs = [
        len([e for e in part.iter() if isinstance(e.tag, str) and e.tag == f"{SVG_NS}use"])
        for part in (wide[0], phone[0])
    ]
    assert glyphs[1] < glyphs[0]


def test_every_colour_is_a_variable_that_the_dark_scheme_redefines() -> None:
    images = plots.draw(figures.perplexity_vs_cross_entropy, {"probabilities": PROBABILITIES, "vocab_size": 16})
    svg = images.svg.decode()
    styles = re.findall(r' style="([^"]*)"', svg)
    colours = set()
    for style in styles:
        assert not re.search(r"(fill|stroke): #", style), f"a colour that would not follow the scheme: {style}"
        for name, fallback in re.findall(r"var\(--c([0-9a-f]{6}), #([0-9a-f]{6})\)", style):
            assert name == fallback
            colours.add(name)
    assert {"000000", "1f77b4", "ff7f0e"} <= colours
    dark = re.search(r"@media \(prefers-color-scheme: dark\) \{ :root \{ ([^}]*) \} \}", svg)
    assert dark is not None
    defined = dict(re.findall(r"--c([0-9a-f]{6}): (#[0-9a-f]{6});", dark.group(1)))
    assert set(defined) == colours
    # Backgrounds are transparent on the web (the page shows through), and white in the PNG for email.
    root = _parsed(images.svg)
    for drawing in (root.find(f"{SVG_NS}g[@class='wide']"), root.find(f"{SVG_NS}svg[@class='phone']")):
        figure, axes = drawing.findall(f".//{SVG_NS}g[@id]/{SVG_NS}path")[:2]
        assert figure.get("style") == axes.get("style") == "fill: none"
    png = matplotlib.image.imread(io.BytesIO(images.png))
    assert png[0, 0].tolist() == png[-1, -1].tolist() == [1.0, 1.0, 1.0, 1.0]


PAGE_LIGHT, PAGE_DARK = "#fdfdfc", "#15171b"
TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def test_in_the_dark_scheme_ink_is_light_paper_is_dark_and_colours_stand_out() -> None:
    assert plots.dark_colour("#000000") == "#e6e7ea", "black ink becomes the page's text colour"
    assert _contrast(plots.dark_colour("#000000"), PAGE_DARK) >= 7
    assert _contrast(plots.dark_colour("#ffffff"), PAGE_DARK) < 1.2, "white paper becomes about the page background"
    for colour in TAB10:
        assert _contrast(plots.dark_colour(colour), PAGE_DARK) >= 3, colour  # WCAG 1.4.11, graphical objects
    # Greys turn over: darker in light means lighter in dark.
    greys = ["#333333", "#737373", "#b0b0b0"]
    assert sorted(greys, key=lambda c: _luminance(plots.dark_colour(c)), reverse=True) == greys
