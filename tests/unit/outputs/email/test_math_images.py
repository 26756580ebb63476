"""Formulas drawn as PNG for email: every bundled formula draws, the bytes are stable, the sizes add up."""

from __future__ import annotations

import struct
import zlib

import pytest
import yaml

from site_builder import markup
from site_builder.markup import MarkupError
from site_builder.outputs.email import math_images as mathimage
from site_builder.outputs.email.math_images import SCALE, formula_image, to_mathtext

from ....conftest import REPO

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _bundled_math() -> list[tuple[str, bool]]:
    """Every displayed formula and every inline $...$ of the bundled entries."""
    found = []
    for path in sorted((REPO / "content").glob("*/*.yaml")):
        data = yaml.safe_load(path.read_text())
        if not isinstance(data, dict):
            continue
        found += [(f["latex"], True) for f in data.get("formulas", [])]
        for section in data.get("sections", []):
            for token in markup.parser().parse(section["body"]):
                for child in token.children or ():
                    if child.type.startswith("math_inline"):
                        found.append((child.content, False))
    return found


@pytest.mark.parametrize(("latex", "display"), _bundled_math())
def test_every_bundled_formula_draws(latex: str, display: bool) -> None:
    image = formula_image(latex, display=display)
    assert image.png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", image.png[16:24])
    assert (width, height) == (image.width * SCALE, image.height * SCALE)
    assert 0 <= image.depth < image.height


def _text_chunks(png: bytes) -> list[bytes]:
    chunks, index = [], len(PNG_SIGNATURE)
    while index < len(png):
        (length,) = struct.unpack(">I", png[index : index + 4])
        kind = png[index + 4 : index + 8]
        if kind in (b"tEXt", b"iTXt", b"zTXt", b"tIME"):
            chunks.append(kind + png[index + 8 : index + 8 + length])
        index += 12 + length
    return chunks


def test_images_are_the_same_bytes_every_time_and_carry_no_metadata() -> None:
    latex = r"\mathrm{PP}(M) = 2^{-\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i)}"
    first = formula_image(latex, display=True)
    mathimage._draw.cache_clear()
    second = formula_image(latex, display=True)
    assert first.png == second.png and first.key == second.key
    assert _text_chunks(first.png) == []  # no software version, no timestamp


def test_the_image_is_not_blank() -> None:
    png = formula_image("x", display=False).png
    # Concatenated IDAT data decompresses to rows of pixels; a drawn glyph leaves some non-white bytes.
    data, index = b"", len(PNG_SIGNATURE)
    while index < len(png):
        (length,) = struct.unpack(">I", png[index : index + 4])
        if png[index + 4 : index + 8] == b"IDAT":
            data += png[index + 8 : index + 8 + length]
        index += 12 + length
    pixels = zlib.decompress(data)
    assert any(byte < 128 for byte in pixels)


@pytest.mark.parametrize(
    ("latex", "display", "mathtext"),
    [
        (r"a \le b \ge c", False, r"a \leq b \geq c"),
        (r"\left\lVert x \right\rVert", False, r"\left\Vert x \right\Vert"),
        (r"\big( x \big)", False, r"( x )"),
        (r"\operatorname*{argmax}_j", False, r"\operatorname{argmax}_j"),
        (r"a \lt b \gt c \textrm{ if } d \tag{3}", False, r"a < b > c \text{ if } d "),
        # Displayed formulas set fractions full size, except in sub- and superscripts, as LaTeX does.
        (r"y = \frac{a}{b} + 2^{\frac{1}{N}}", True, r"y = \dfrac{a}{b} + 2^{\frac{1}{N}}"),
        (r"y = \frac{a}{b}", False, r"y = \frac{a}{b}"),
    ],
)
def test_commands_mathtext_lacks_are_rewritten(latex: str, display: bool, mathtext: str) -> None:
    assert to_mathtext(latex, display=display) == mathtext
    formula_image(latex, display=display)


def test_a_formula_mathtext_cannot_draw_is_an_error() -> None:
    with pytest.raises(MarkupError) as caught:
        formula_image(r"\begin{cases} a & b \end{cases}", display=True)
    assert str(caught.value) == (
        "the email edition cannot draw the formula '\\\\begin{cases} a & b \\\\end{cases}': "
        "matplotlib mathtext says ParseFatalException: Unknown symbol: \\begin"
    )


def test_this_module_finds_the_bundled_math() -> None:
    found = _bundled_math()
    assert (r"\mathrm{PP}(M) = 2^{-\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i)}", True) in found
    assert ("p(x_i)", False) in found


def test_a_formula_written_over_two_lines_is_drawn() -> None:
    # Inline math in a wrapped paragraph carries the line break; LaTeX reads it as a space.
    assert to_mathtext("a =\nb", display=False) == "a = b"
    assert formula_image("\\mathrm{softmax}(z)_i =\ne^{z_i}", display=False).width > 0
