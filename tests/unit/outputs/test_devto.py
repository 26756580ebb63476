"""The dev.to edition's math on its own: KaTeX tags that keep Liquid out, and inline math the pattern finds as the
parser does."""

from __future__ import annotations

import pytest

from site_builder import markup
from site_builder.outputs.devto import katex


def test_katex_tags_keep_liquid_out_of_the_latex() -> None:
    assert katex(" x^2 ", False) == "{% katex inline %}x^2{% endkatex %}"
    assert katex(r"e^{{x}}", True) == "{% katex %}\ne^{ {x}}\n{% endkatex %}"


def test_inline_math_found_by_pattern_must_match_the_parser() -> None:
    text = "A `$x$` stays, \\$5 stays, $a = b$ goes, and so does\n\n$$\nE = mc^2\n$$\n"
    out = markup.to_markdown(text, directive=lambda n, t: "", role=lambda n, c: "", math=katex)
    assert out == (
        "A `$x$` stays, \\$5 stays, {% katex inline %}a = b{% endkatex %} goes, and so does\n\n"
        "{% katex %}\nE = mc^2\n{% endkatex %}\n"
    )


def test_math_the_pattern_reads_differently_from_the_parser_is_an_error() -> None:
    # "+ b$" starts a list item, so the parser finds no formula "a + b"; the pattern alone would.
    with pytest.raises(markup.MarkupError) as caught:
        markup.to_markdown("Cost $a\n+ b$ here\n", directive=lambda n, t: "", role=lambda n, c: "", math=katex)
    assert str(caught.value) == "cannot find the math 'a\\n+ b' where the Markdown parser does; simplify it"
