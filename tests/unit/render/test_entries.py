"""An entry's rendering as the fragment store keeps it: plain data that gives back the very same rendering."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup

from site_builder.errors import TemplateError
from site_builder.render.entries import TEXT, WEB, EntryFormat, NotRendered, RenderedEntry, from_plain, to_plain

PAGE: Any = object()


@pytest.mark.parametrize("solution", [None, Markup("<pre>x = 1</pre>")])
def test_a_web_rendering_round_trips_through_plain_data(solution: Markup | None) -> None:
    rendered = RenderedEntry(
        PAGE,
        (("Intuition", Markup("<p>a &lt; b</p>")),),
        (("Intuition", "a < b"),),
        solution,
        NotRendered("sections_text"),
    )
    again = from_plain(PAGE, WEB, to_plain(rendered))
    assert again.sections_html == rendered.sections_html
    assert all(isinstance(body, Markup) for _, body in again.sections_html)
    assert again.sections_md == rendered.sections_md
    assert again.solution_html == solution and type(again.solution_html) is type(solution)
    with pytest.raises(TemplateError):
        str(again.sections_text)


def test_parts_a_format_does_not_render_stay_unrendered() -> None:
    rendered = RenderedEntry(
        PAGE, NotRendered("sections_html"), NotRendered("sections_md"), NotRendered("solution_html"), (("Why", "t"),)
    )
    again = from_plain(PAGE, TEXT, to_plain(rendered))
    assert again.sections_text == (("Why", "t"),)
    for part in (again.sections_html, again.sections_md, again.solution_html):
        assert isinstance(part, NotRendered)
    assert isinstance(from_plain(PAGE, EntryFormat(html=False), to_plain(rendered)).solution_html, NotRendered)
