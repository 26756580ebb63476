"""The math font the site ships: Latin Modern Math as WOFF2, with its licence beside it, made reproducibly."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from site_builder.render.theme import THEME

from ..conftest import MATH_FONT_SOURCE, REPO, require

FONTS = THEME / "static/fonts"
FONT = FONTS / "latinmodern-math.woff2"


def _tool():
    spec = importlib.util.spec_from_file_location("make_math_font", REPO / "tools/make_math_font.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_font_is_latin_modern_math_with_its_math_table() -> None:
    font = TTFont(FONT)
    assert font.flavor == "woff2"
    assert font["name"].getDebugName(1) == "Latin Modern Math"
    assert "MATH" in font, "the MATH table sizes radicals, accents, limits and fraction bars"
    math = font["MATH"].table
    assert math.MathVariants.VertGlyphCoverage.glyphs, "stretchy radicals and delimiters"
    cmap = font.getBestCmap()
    for char in "√∑∏∫^ˆ\u0302μσ∂∇≤≥←":
        assert ord(char) in cmap, f"{char!r} (U+{ord(char):04X}) is in the font"


def test_the_licence_and_the_fonts_own_readme_ship_beside_it() -> None:
    licence = (FONTS / "GUST-FONT-LICENSE.txt").read_text()
    assert licence.startswith("% This is version 1.0, dated 22 June 2009, of the GUST Font License.")
    assert "LaTeX Project Public License" in licence
    assert "Latin Modern Math" in (FONTS / "README-Latin-Modern-Math.txt").read_text()
    assert "latinmodern-math.otf" in (FONTS / "MANIFEST-Latin-Modern-Math.txt").read_text()


def test_the_stylesheet_uses_it_under_a_name_no_installed_font_has() -> None:
    css = (THEME / "static/style.css").read_text()
    face = re.search(r"@font-face \{[^}]*\}", css)
    assert face is not None
    assert 'font-family: "Latin Modern Math Web"' in face.group(0)
    assert 'url("fonts/latinmodern-math.woff2") format("woff2")' in face.group(0)
    assert re.search(r'\nmath \{ font-family: "Latin Modern Math Web", math;', css)


@pytest.mark.slow  # runs the font tool over the whole font
def test_the_tool_makes_the_committed_files_again_byte_for_byte(tmp_path: Path) -> None:
    tool = _tool()
    assert tool.SOURCE == MATH_FONT_SOURCE
    require("fonts-lmodern")  # regenerating the font needs Debian's source of it
    assert tool.woff2(tool.SOURCE) == FONT.read_bytes()
    licence = tool.gust_font_license(tool.DOCS / "copyright")
    assert licence == (FONTS / "GUST-FONT-LICENSE.txt").read_text()
