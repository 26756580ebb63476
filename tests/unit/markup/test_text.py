"""Author Markdown as plain text for the email: layout checked by measuring the output, not by copying it."""

from __future__ import annotations

import re

import pytest
from wcwidth import wcswidth

from site_builder import markup
from site_builder.markup.unicodemath import latex_to_unicode


def _directive(name: str, target: str) -> str:
    return f"[{name} {target}]\n  second line"


def _role(name: str, content: str) -> str:
    return f"<{content}>"


def _text(source: str, **options: object) -> str:
    return markup.to_text(source, directive=_directive, role=_role, **options)  # type: ignore[arg-type]


def _cell_columns(line: str, cells: list[str]) -> list[int]:
    """Display column at which each of ``cells`` starts in ``line``, searched left to right."""
    columns, position = [], 0
    for cell in cells:
        index = line.index(cell, position)
        columns.append(wcswidth(line[:index]))
        position = index + len(cell)
    return columns


def test_table_columns_line_up_by_display_width() -> None:
    # x̂ is x + a combining circumflex (two code points, one column); 日本 takes four columns.
    rows = [["Step", "Value", "Note"], ["x\u0302", "1.5", "hat"], ["日本", "22.25", "wide"], ["μ_B, mean", "3", "é"]]
    source = "\n".join(
        ["| " + " | ".join(rows[0]) + " |", "|---|--:|---|"] + ["| " + " | ".join(r) + " |" for r in rows[1:]]
    )
    lines = _text(source).rstrip("\n").split("\n")
    assert len(lines) == len(rows) + 1  # a rule under the header
    header, rule, *body = lines
    starts = _cell_columns(header, rows[0])
    for line, row in zip(body, rows[1:], strict=True):
        # Left-aligned columns start together; the right-aligned one ends together.
        columns = _cell_columns(line, row)
        assert columns[0] == starts[0] and columns[2] == starts[2], (line, columns, starts)
        value_end = columns[1] + wcswidth(row[1])
        assert value_end == starts[1] + wcswidth(rows[0][1]) or value_end == _column_end(rule, 1), line
    assert set(rule) <= {"-", " "}
    assert [len(dashes) for dashes in rule.split()] == [max(wcswidth(row[i]) for row in rows) for i in range(3)]


def _column_end(rule: str, column: int) -> int:
    return [match.end() for match in re.finditer(r"-+", rule)][column]


def test_nested_lists_keep_markers_and_hang_under_their_text() -> None:
    source = "- one\n  - one.a\n    - one.a.i\n- two\n\n  second paragraph of two\n\n  ```\n  code in two\n  ```\n"
    lines = _text(source).rstrip("\n").split("\n")
    items = [line for line in lines if line.strip()]
    indent = {line.strip(): len(line) - len(line.lstrip()) for line in items}
    assert items[0] == "- one"
    assert indent["- one.a"] == len("- ")  # under the text of its parent item
    assert indent["- one.a.i"] == 2 * len("- ")
    assert indent["second paragraph of two"] == len("- ")  # a later paragraph hangs under the item's text
    assert indent["code in two"] == len("- ") + 4  # a code block inside the item: the item's indent, then four
    assert "- two" in items


def test_ordered_lists_number_from_their_start_and_align_their_text() -> None:
    source = "".join(f"{n}. item {n}\n" for n in range(8, 12))
    lines = _text(source).rstrip("\n").split("\n")
    numbers = [int(re.match(r"\s*(\d+)\.", line).group(1)) for line in lines]  # type: ignore[union-attr]
    assert numbers == [8, 9, 10, 11]
    assert len({line.index("item") for line in lines}) == 1  # the texts start in one column


def test_code_blocks_are_indented_four_spaces_and_otherwise_exact() -> None:
    code = "def f(x):\n    return {'a': x}  # $not math$ {value}`no role`\n"
    for source in (
        f"Before.\n\n```python\n{code}```\n",
        "Before.\n\n" + "".join(f"    {line}\n" for line in code.splitlines()),
    ):
        text = _text(source)
        block = [line for line in text.split("\n")[1:] if line.strip()]
        assert all(line.startswith("    ") for line in block)
        assert "\n".join(line[4:] for line in block) + "\n" == code


def test_quotes_headings_and_paragraphs() -> None:
    text = _text("# Title\n\n## Part *two*\n\nA paragraph\nover two lines.\n\n> quoted\n>\n> > nested\n")
    assert text.split("\n")[:6] == ["# Title", "", "## Part two", "", "A paragraph over two lines.", ""]
    quote = text.split("\n")[6:-1]
    assert quote[0] == "> quoted" and all(line.startswith(">") for line in quote)
    assert "> > nested" in quote


def test_math_is_unicode_inline_and_indented_on_its_own_line_when_displayed() -> None:
    latex = r"\mu_B = \frac{1}{m}\sum_{i=1}^{m} x_i"
    text = _text(f"Mean $x_i$ of a batch:\n\n$$\n{latex}\n$$\n\nand inline display $${latex}$$ too.\n")
    lines = text.split("\n")
    assert lines[0] == f"Mean {latex_to_unicode('x_i')} of a batch:"
    assert lines[2] == "    " + latex_to_unicode(latex)
    # $$...$$ inside a paragraph is display math: it gets a line of its own there too.
    assert lines[4:7] == ["and inline display", "    " + latex_to_unicode(latex), "too."]
    assert "$" not in text and "\\" not in text


def test_directives_roles_and_errors_at_their_line() -> None:
    text = _text("Value {value}`a.b` here.\n\n```{formula} ce\n```\n")
    assert text == "Value <a.b> here.\n\n[formula ce]\n  second line\n"
    with pytest.raises(markup.MarkupError) as caught:
        _text("Fine.\n\nThen $\\nosuchcommand$ here.\n")
    assert caught.value.line == 2 and "nosuchcommand" in str(caught.value)


def test_links_become_numbered_footnotes_across_several_texts() -> None:
    first = _text("See [the problem](/problems/x/) and [docs](https://a.org/d).\n", link=lambda p: "https://site" + p)
    second = _text(
        "Again [docs](https://a.org/d), ![A plot](/img/p.png), <https://auto.org/x>, [here](#part).\n",
        link=lambda p: "https://site" + p,
    )
    text, urls = markup.number_links(first + "\n" + second)
    assert urls == ["https://site/problems/x/", "https://a.org/d", "https://site/img/p.png"]
    assert "See the problem [1] and docs [2]." in text
    # The same URL keeps its number; an image shows its alt text; an autolink shows its URL and no
    # number; a link to a place on the web page is plain text.
    assert "Again docs [2], [image: A plot] [3], https://auto.org/x, here." in text
    assert "\ufdd2" not in text and "\ufdd3" not in text


def test_text_beside_the_rendered_text_cannot_fake_a_link() -> None:
    title = "A title \ufdd2javascript:alert(1)\ufdd3 here"  # as if an author typed a marker
    text, urls = markup.number_links(markup.inert_text(title) + "\n" + _text("[a](https://a.org/)\n"))
    assert urls == ["https://a.org/"] and text.startswith("A title \ufffdjavascript:alert(1)\ufffd here\n")
    # Author Markdown is cleaned the same way when it is read.
    assert markup.number_links(_text(title))[1] == []


def test_numbered_links_keep_table_columns_aligned() -> None:
    rows = [f"| [r{n}](https://x.org/{n}) | v{n} |" for n in range(12)]
    text, urls = markup.number_links(_text("| a | b |\n|---|---|\n" + "\n".join(rows) + "\n"))
    assert len(urls) == 12
    body = text.rstrip("\n").split("\n")[2:]
    assert len({line.index(f"v{n}") for n, line in enumerate(body)}) == 1, body


def test_author_text_shows_whole_and_inert() -> None:
    body = "B0DY <script>alert(3)</script> <img src=x onerror=alert(4)> [js](javascript:alert(5)) <javascript:alert(6)> end"
    text, urls = markup.number_links(_text(body + "\n"))
    assert text == body + "\n" and urls == []
    allowed = _text("Press <kbd>Ctrl</kbd>.\n\n<div>\nblock\n</div>\n", allow_html=True)
    assert allowed == "Press Ctrl.\n\nblock\n"


def test_a_stray_backtick_after_a_bracket_is_text() -> None:
    # markdown-it-pyrs 0.4.0 panics on this unless the backtick is handed to it as plain text.
    for source in ("[`", "[a` b $x$", "see [the `x` option and a ` here"):
        assert "`" in _text(source) and "`" in markup.to_html(
            source, allow_html=False, directive=_directive, role=_role
        )
