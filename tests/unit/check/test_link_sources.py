"""Where an author wrote each link: found by the renderers' parser, at the destination's line and column in the file."""

from __future__ import annotations

import pytest

from site_builder.check.link_sources import links_written
from site_builder.markup.where import written_links

SECTION = """\
Math is text: $[no](/math/)$ and {value}`a.b`.

See [the answer](/problems/one/), ![a plot](/topics/x/p.png) and [a reference][ref].
An autolink <https://example.org/a> and [a title](</problems/two words/> "title").

$$
[no](/block/)
$$

```
[no](/code/)
```

    [no](/indented/)

[ref]:
  /problems/three/
"""


def test_every_link_of_a_section_is_found_at_its_destination() -> None:
    found = written_links(SECTION, allow_html=False)
    assert [link.url for link in found] == [
        "/problems/one/",
        "/topics/x/p.png",
        "https://example.org/a",
        "/problems/two%20words/",  # as the renderers read it, percent-encoded
        "/problems/three/",  # a reference link: at its definition
    ]
    lines = SECTION.split("\n")
    for link in found:
        assert lines[link.line][link.column :].startswith(link.raw), link


def test_raw_html_links_count_only_where_raw_html_is_allowed() -> None:
    text = "Text <a href=\"/problems/one/\">one</a>.\n\n<div><img src='/topics/x/p.png'></div>\n"
    assert written_links(text, allow_html=False) == []
    assert [(link.url, link.line, link.column) for link in written_links(text, allow_html=True)] == [
        ("/problems/one/", 0, 14),
        ("/topics/x/p.png", 2, 15),
    ]


ENTRY = """\
id: x
sections:
  - heading: Literal
    body: |
      First line.
        See [one](/problems/one/).
  - heading: Folded
    body: >
      A folded line,
      then [two](/problems/two/).
  - heading: Quoted
    body: "Quoted, \\
      [three](/problems/three/)."
call_to_action:
  text: Go
  url: /archive/
"""


@pytest.mark.parametrize("folder", ["topics", "features"])
def test_links_are_located_in_the_yaml_file_at_their_field(folder: str) -> None:
    path = f"content/{folder}/x.yaml"
    found = [(w.url, w.line, w.column, w.field) for w in links_written({path: ENTRY})]
    lines = ENTRY.split("\n")
    assert found == [
        ("/problems/one/", 6, 19, "sections[0].body"),
        ("/problems/two/", 10, 18, "sections[1].body"),
        ("/problems/three/", 13, 15, "sections[2].body"),
        ("/archive/", 16, 8, "call_to_action.url"),
    ]
    for url, line, column, _ in found:
        assert lines[line - 1][column - 1 :].startswith(url)


def test_only_entries_are_read_for_links() -> None:
    assert list(links_written({"content/site.yaml": ENTRY, "content/issues/2026-11-28.yaml": ENTRY})) == []
