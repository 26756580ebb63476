"""Regenerate the site's math font, ``site_builder/render/theme/static/fonts/latinmodern-math.woff2``, from Debian's fonts-lmodern.

The woff2 is committed rather than made at build time: converting takes a few
seconds and needs the Debian package and brotli, which a build should not need.
This script makes the committed file again, byte for byte, from the same
package (fonts-lmodern 2.005, Latin Modern Math 1.959), and copies the licence
and the font's readme and manifest beside it::

    apt-get install fonts-lmodern && pip install fonttools brotli
    python tools/make_math_font.py

The conversion changes only the container (OpenType/CFF -> WOFF2); glyphs,
names and the MATH table are kept as they are. ``tests/test_math_font.py``
checks that running it again gives the committed bytes.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

SOURCE = Path("/usr/share/texmf/fonts/opentype/public/lm-math/latinmodern-math.otf")
DOCS = Path("/usr/share/doc/fonts-lmodern")
TARGET = Path(__file__).resolve().parent.parent / "site_builder/render/theme/static/fonts"
FONT_NAME = "latinmodern-math.woff2"
LICENCE_NAME = "GUST-FONT-LICENSE.txt"
SHIPPED_DOCS = ("README-Latin-Modern-Math.txt", "MANIFEST-Latin-Modern-Math.txt")


def woff2(source: Path) -> bytes:
    """The font at ``source`` as WOFF2, unchanged inside and without a new timestamp (so the bytes are stable)."""
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(source, recalcTimestamp=False, recalcBBoxes=False)
    font.flavor = "woff2"
    out = io.BytesIO()
    font.save(out, reorderTables=True)
    return out.getvalue()


def gust_font_license(copyright_file: Path) -> str:
    """The GUST Font License, as Debian's copyright file quotes it (its appendix B)."""
    text = copyright_file.read_text(encoding="utf-8")
    match = re.search(
        r"^% This is version 1\.0, dated 22 June 2009.*?^% is part of all distributions of LaTeX[^\n]*\n",
        text,
        re.S | re.M,
    )
    if match is None:
        raise SystemExit(f"{copyright_file}: the GUST Font License is not where it used to be")
    return match.group(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET, help="folder to write to (default: %(default)s)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / FONT_NAME).write_bytes(woff2(SOURCE))
    (args.out / LICENCE_NAME).write_text(gust_font_license(DOCS / "copyright"), encoding="utf-8")
    for name in SHIPPED_DOCS:
        (args.out / name).write_bytes((DOCS / name).read_bytes())


if __name__ == "__main__":
    main()
