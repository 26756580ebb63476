"""Author Markdown: math to MathML, directives and roles placed, raw HTML escaped unless allowed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder import markup


def _directive(name: str, target: str) -> str:
    return f"<{name}:{target}>"


def _role(name: str, content: str) -> str:
    return f"[{content}]"


def test_math_becomes_mathml_without_tex_left() -> None:
    html = markup.to_html("Inline $x^2$ and\n\n$$\\frac{a}{b}$$\n", allow_html=False, directive=_directive, role=_role)
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><msup><mi>x</mi><mn>2</mn>' in html
    assert 'display="block"><mrow><mfrac>' in html
    assert "$" not in html


def test_directives_and_roles_are_replaced() -> None:
    text = "Value {value}`ex.out:.2f` here.\n\n```{formula} ce\n```\n"
    html = markup.to_html(text, allow_html=False, directive=_directive, role=_role)
    assert "Value [ex.out:.2f] here." in html and "<formula:ce>" in html
    md = markup.to_markdown(text, directive=_directive, role=_role)
    assert md == "Value [ex.out:.2f] here.\n\n<formula:ce>\n"


def test_roles_inside_code_blocks_are_left_alone_in_markdown() -> None:
    text = "```text\n{value}`ex.out`\n```\n"
    assert markup.to_markdown(text, directive=_directive, role=_role) == text


def test_references_report_lines_and_columns() -> None:
    text = "First.\n\n```{example} sentence\n```\n\nSee {value}`sentence.perplexity`.\n"
    assert markup.references(text) == [
        markup.Reference("directive", "example", "sentence", 2),
        markup.Reference("role", "value", "sentence.perplexity", 5, 4),
    ]


REFERENCE_PIECES = [
    "text",
    " ",
    "\t",
    "\n",
    "\n\n",
    "> ",
    "- ",
    "    ",
    "`",
    "```",
    "~~~",
    "{",
    "}",
    "{value}",
    "{formula}",
    "{x-y+z:w}",
    "a.b",
    "\\",
    "$",
]


@given(text=st.lists(st.sampled_from(REFERENCE_PIECES), max_size=40).map("".join))
def test_sections_skipped_without_parsing_have_no_references(text: str) -> None:
    # Load validates references in every section; most cannot hold one and are not parsed at all.
    assert markup.references(text) == markup.parsed_references(text)


def test_raw_html_is_escaped_unless_the_site_allows_it() -> None:
    text = "<script>alert(1)</script>\n\nand <b>bold</b>\n"
    escaped = markup.to_html(text, allow_html=False, directive=_directive, role=_role)
    assert "<script>" not in escaped and "&lt;script&gt;" in escaped
    allowed = markup.to_html(text, allow_html=True, directive=_directive, role=_role)
    assert "<b>bold</b>" in allowed


def test_role_values_are_escaped() -> None:
    html = markup.to_html("{value}`x`", allow_html=False, directive=_directive, role=lambda n, c: "<b>")
    assert "&lt;b&gt;" in html


def test_code_is_highlighted_at_build_time() -> None:
    html = markup.to_html(
        "```python\ndef f(x):\n    return x\n```\n", allow_html=False, directive=_directive, role=_role
    )
    assert '<pre class="highlight"><code class="language-python"><span class="k">def</span>' in html


@pytest.mark.parametrize(
    ("latex", "mathml"),
    [
        # latex2mathml alone gives an empty <mo />, a stray "*" and italic letters a, r, g, m, a, x.
        # In a display, their limits go below, as TeX sets them.
        (r"\hat{y} = \operatorname*{arg\,max}_{k} p_k", '<munder><mo movablelimits="true">arg\u2009max</mo>'),
        (r"\operatorname{arg\ min} L", "<mo>arg\u00a0min</mo><mi>L</mi>"),
        # latex2mathml alone does not know \arg.
        (r"\arg\max_x f(x)", "<mo>arg</mo><munder><mo>max</mo><mi>x</mi></munder>"),
    ],
)
def test_operator_names_with_spaces_and_arg_become_one_operator(latex: str, mathml: str) -> None:
    assert "lspace" in markup.latex_to_mathml(latex, display=True)
    html = markup.latex_to_mathml(latex, display=True, tex_spacing=False)
    assert mathml in html
    assert "&#x0002A;" not in html and "<mo />" not in html


@pytest.mark.parametrize(
    ("latex", "message"),
    [
        ("\\frac{a}{b", "unbalanced braces in LaTeX '\\\\frac{a}{b'"),
        ("\\lgo x", "unknown LaTeX command \\lgo in '\\\\lgo x'"),
        ("x^", "cannot convert LaTeX 'x^': MissingSuperScriptOrSubscriptError"),
    ],
)
def test_bad_latex_is_an_error_with_its_line(latex: str, message: str) -> None:
    with pytest.raises(markup.MarkupError) as info:
        markup.to_html(f"ok\n\n$${latex}$$\n", allow_html=False, directive=_directive, role=_role)
    assert info.value.line == 2
    assert str(info.value) == message


@pytest.mark.parametrize(
    "latex",
    [r"\text{<script>alert(1)</script>}", r"\href{javascript:alert(1)}{x}", r"\style{background:url(x)}{x}"],
)
def test_latex_cannot_smuggle_markup_into_the_page(latex: str) -> None:
    import html5lib

    html = markup.to_html(f"Look: ${latex}$\n", allow_html=False, directive=_directive, role=_role)
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parseFragment(html)
    elements = list(tree.iter())
    assert not [e for e in elements if str(e.tag).rsplit("}", 1)[-1] == "script"]
    assert not [name for e in elements for name in e.attrib if name in ("href", "style")]
    if latex.startswith("\\text"):
        assert "<script>alert(1)</script>" in "".join(tree.itertext())  # shown as the author wrote it


def test_math_and_code_after_non_ascii_text_land_where_they_were_written() -> None:
    # The parser's source map counts UTF-8 bytes; placeholders are placed by character.
    html = markup.to_html(
        "日本 é $x^2$ and `$y$`\n\n```python\nprint('ü')\n```\n\n- ä {value}`v`\n",
        allow_html=False,
        directive=_directive,
        role=_role,
    )
    assert html.startswith("<p>日本 é <math ") and html.count("<math ") == 1
    assert "<code>$y$</code>" in html and "print" in html and "<li>ä [v]</li>" in html
    assert '<pre class="highlight"><code class="language-python">' in html


def test_site_paths_in_author_links_are_mapped() -> None:
    text = "See [the problem](/problems/x/) and [elsewhere](https://example.org/a) or ![fig](/img.png).\n"
    html = markup.to_html(text, allow_html=False, directive=_directive, role=_role, link=lambda p: "/base" + p)
    assert 'href="/base/problems/x/"' in html and 'href="https://example.org/a"' in html
    assert 'src="/base/img.png"' in html
    md = markup.to_markdown(text, directive=_directive, role=_role, link=lambda p: "https://site" + p)
    assert md == (
        "See [the problem](https://site/problems/x/) and [elsewhere](https://example.org/a)"
        " or ![fig](https://site/img.png).\n"
    )


def test_errors_inside_a_paragraph_point_at_their_own_line() -> None:
    text = "A paragraph that\nruns over $x$ three\nlines with $\\nosuchcommand$ in it.\n"
    with pytest.raises(markup.MarkupError) as raised:
        markup.to_html(text, allow_html=False, directive=_directive, role=_role)
    assert (str(raised.value), raised.value.line) == ("unknown LaTeX command \\nosuchcommand in '\\\\nosuchcommand'", 2)
    roles = markup.references("One\ntwo {value}`a.b`\n\nfour {value}`c.d`\n")
    assert [(r.target, r.line) for r in roles] == [("a.b", 1), ("c.d", 3)]


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x]( javascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](file:///etc/passwd)",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "<javascript:alert(1)>",
        "[x][r]\n\n[r]: javascript:alert(1)",
    ],
)
def test_script_links_in_author_markdown_do_not_survive(text: str) -> None:
    for allow_html in (False, True):
        html = markup.to_html(text, allow_html=allow_html, directive=_directive, role=_role)
        assert "href=" not in html and "src=" not in html, html


def test_safe_links_survive() -> None:
    html = markup.to_html(
        "[a](https://x.org/) [b](/problems/p/) [c](#part) ![d](data:image/png;base64,iVBORw0KGgo=)",
        allow_html=False,
        directive=_directive,
        role=_role,
    )
    assert 'href="https://x.org/"' in html and 'href="/problems/p/"' in html and 'href="#part"' in html
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in html


def test_blocks_replaced_inside_list_items_and_quotes_stay_inside_them() -> None:
    from markdown_it import MarkdownIt

    from site_builder.outputs.devto import katex

    text = "1. First:\n\n   $$\n   a = b\n   $$\n\n2. $$\n   c = d\n   $$\n3. Last.\n\n> $$\n> q\n> $$\n"
    out = markup.to_markdown(text, directive=_directive, role=_role, math=katex)
    assert out == (
        "1. First:\n\n   {% katex %}\n   a = b\n   {% endkatex %}\n\n"
        "2. {% katex %}\n   c = d\n   {% endkatex %}\n3. Last.\n\n"
        "> {% katex %}\n> q\n> {% endkatex %}\n"
    )
    tokens = MarkdownIt("commonmark").parse(out)
    assert [t.type for t in tokens].count("ordered_list_open") == 1  # one list of three items, not split by math
    assert [t.type for t in tokens].count("list_item_open") == 3
    assert [t.type for t in tokens].count("blockquote_open") == 1
