"""The email edition: inlined-CSS HTML with PNG formulas, a plain-text part, and a message that parses."""

from __future__ import annotations

import email
import email.policy
import re
import struct
import uuid
from email.message import EmailMessage
from pathlib import Path

import html5lib
import pytest

from site_builder.check.links import links_in

from ..conftest import run_cli
from .publishing import write_issue

BASE = "https://daily-gradient.example.org/"
ISSUE = "issues/2026-11-26/"
FEED_ID = "e877c43b-2724-4295-9a81-d436c47564a7"  # content/site.yaml
UNSUBSCRIBE_PAGE = "https://lists.daily-gradient.example.org/unsubscribe"  # email.service_url + unsubscribe, no token
PP_LATEX = r"\mathrm{PP}(M) = 2^{-\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i)}"


@pytest.fixture(scope="module")
def email_html(built_site: Path) -> str:
    return (built_site / ISSUE / "email.html").read_text()


@pytest.fixture(scope="module")
def message(built_site: Path) -> EmailMessage:
    data = (built_site / ISSUE / "issue.eml").read_bytes()
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_email_html_has_every_rule_inlined_but_the_dark_schemes(email_html: str) -> None:
    # A media query cannot be inlined: the dark scheme's stays in the one <style> left, and nothing else does.
    blocks = re.findall(r"<style\b[^>]*>(.*?)</style>", email_html, re.DOTALL | re.IGNORECASE)
    assert len(blocks) == 1 and email_html.lower().count("<style") == 1
    assert blocks[0].strip().startswith("@media (prefers-color-scheme: dark) {") and blocks[0].count("@media") == 1
    assert not re.search(r"<link\b[^>]*stylesheet", email_html, re.IGNORECASE)
    html5lib.HTMLParser(strict=False).parse(email_html)
    # The rules arrived as style attributes instead.
    assert '<h1 style="' in email_html and "font-size: 26px" in email_html
    assert 'class="container" style="max-width: 600px;' in email_html, "a width that reads on a phone"
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in email_html


def test_email_html_links_and_images_are_absolute_and_resolve(built_site: Path, email_html: str) -> None:
    links = [link for link, _ in links_in(email_html)]
    assert links, "the email has links"
    for link in links:
        if link == UNSUBSCRIBE_PAGE:  # the service's page, checked below
            continue
        assert link.startswith(BASE), link
        path = link[len(BASE) :]
        assert (built_site / (path + "index.html" if path.endswith("/") or not path else path)).is_file(), link
    assert f'href="{BASE}{ISSUE}"' in email_html, "view online"
    assert f'href="{UNSUBSCRIBE_PAGE}"' in email_html, "unsubscribe: the page, for whoever reads the site's copy"
    assert "{{" not in email_html and "token=" not in email_html, "no placeholder, no reader's token"


def test_every_formula_is_a_png_with_its_latex_as_alt_text(built_site: Path, email_html: str) -> None:
    images = re.findall(r"<img\b[^>]*>", email_html)
    assert images and "<math" not in email_html and ".svg" not in email_html
    formulas = [tag for tag in images if 'class="math"' in tag]
    alts = {re.search(r'alt="([^"]*)"', tag).group(1) for tag in formulas}
    assert PP_LATEX in alts and "p(x_i)" in alts
    for tag in images:
        src = re.search(r'src="([^"]*)"', tag).group(1)
        assert src.startswith(BASE) and src.endswith(".png"), src
        png = (built_site / src[len(BASE) :]).read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", png[16:24])
        declared = (int(re.search(r'width="(\d+)"', tag).group(1)), int(re.search(r'height="(\d+)"', tag).group(1)))
        if tag in formulas:
            assert (width, height) == (2 * declared[0], 2 * declared[1]), "drawn at twice the size, for sharp screens"
        else:  # plots: drawn at 150 dpi for a 640 px wide figure
            assert width * declared[1] == height * declared[0] and width >= 1.5 * declared[0], tag


def test_plain_text_part_has_unicode_formulas_and_link_footnotes(built_site: Path) -> None:
    text = (built_site / ISSUE / "email.txt").read_text()
    assert "    PP(M) = 2^(−(1/N) Σᵢ₌₁ᴺ log₂ p(xᵢ))\n" in text  # the sum keeps its limits (issue 13)
    assert "Write p(xᵢ) for the probability" in text
    assert "<" not in text.replace("<=", "") and "$" not in text and "\\frac" not in text
    body, notes = text.split("\nLinks\n\n", 1)
    footnotes = dict(re.findall(r"^\[(\d+)\] (\S+)$", notes, re.MULTILINE))
    assert f"{BASE}topics/perplexity/" in footnotes.values()
    used = set(re.findall(r"\[(\d+)\]", body))
    assert used == set(footnotes), "every footnote is cited and every citation has a footnote"
    number = next(n for n, url in footnotes.items() if url == f"{BASE}topics/perplexity/")
    assert f"## Perplexity [{number}]" in body
    assert f"View this issue online: {BASE}{ISSUE}" in body
    assert f"Unsubscribe: {UNSUBSCRIBE_PAGE}" in body and "{{" not in text


def test_eml_parses_into_text_and_html_parts(message: EmailMessage, built_site: Path) -> None:
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    # On the wire (and in the .eml) lines end in CRLF, as RFC 5322 wants.
    assert text.get_content().replace("\r\n", "\n") == (built_site / ISSUE / "email.txt").read_text()
    assert message["Subject"] == "The Daily Gradient: Perplexity · Batch Normalization Forward Pass"
    assert message["From"] == "The Daily Gradient <newsletter@daily-gradient.example.org>"
    assert message["Date"] == "Thu, 26 Nov 2026 07:00:00 +0100"
    expected_id = uuid.uuid5(uuid.UUID(FEED_ID), "email/2026-11-26")
    assert message["Message-ID"] == f"<{expected_id}@daily-gradient.example.org>"


def test_eml_images_are_inline_parts_the_html_refers_to(message: EmailMessage) -> None:
    related = message.get_payload()[1]
    assert related.get_content_type() == "multipart/related"
    html = message.get_body(("html",)).get_content()
    cids = set(re.findall(r'src="cid:([^"]+)"', html))
    attached = {
        part["Content-ID"].strip("<>"): part for part in related.iter_parts() if part.get_content_maintype() == "image"
    }
    assert cids and cids == set(attached)
    for part in attached.values():
        assert part.get_content_type() == "image/png"
        assert part.get_content().startswith(b"\x89PNG")
        assert part.get_content_disposition() == "inline"
    assert 'src="https://' not in html, "every image travels with the message"


def _fixture_with_diagram(root: Path, *, png: bool) -> None:
    """A diagram shown as SVG on the web, with (or without) its PNG beside it."""
    static = root / "templates" / "static"
    static.mkdir(parents=True, exist_ok=True)  # the project's own static files, beside the theme's
    (static / "diagram.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    if png:
        (static / "diagram.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    topic = root / "content" / "topics" / "perplexity.yaml"
    text = topic.read_text()
    marker = "      ```{formula} cross-entropy\n      ```\n"
    topic.write_text(text.replace(marker, marker + "\n      ![A diagram](/static/diagram.svg)\n", 1))


def test_svg_images_become_their_png_sibling_in_email(project: Path, tmp_path: Path) -> None:
    _fixture_with_diagram(project, png=True)
    out = tmp_path / "out"
    result = run_cli("--root", project, "--out", out, "--date", "2026-11-26")
    assert result.exit_code == 0, result.stderr
    assert 'src="/static/diagram.svg"' in (out / ISSUE / "index.html").read_text(), "the web keeps the SVG"
    assert f'src="{BASE}static/diagram.png" alt="A diagram"' in (out / ISSUE / "email.html").read_text()
    text = (out / ISSUE / "email.txt").read_text()
    number = re.search(r"\[image: A diagram\] \[(\d+)\]", text).group(1)
    assert f"\n[{number}] {BASE}static/diagram.png\n" in text
    parsed = email.message_from_bytes((out / ISSUE / "issue.eml").read_bytes(), policy=email.policy.default)
    names = [p.get_filename() for p in parsed.walk() if p.get_content_maintype() == "image"]
    assert "diagram.png" in names


def test_an_svg_without_png_fails_the_build_and_keeps_the_old_site(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("--root", project, "--out", out, "--date", "2026-11-26").exit_code == 0
    before = (out / ISSUE / "email.html").read_bytes()
    _fixture_with_diagram(project, png=False)
    result = run_cli("--root", project, "--out", out, "--date", "2026-11-26")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2:] == [
        f"output/{ISSUE}email.html: the image {BASE}static/diagram.svg has no PNG version static/diagram.png "
        "(email clients and dev.to do not show SVG; write a PNG beside it)",
        "1 problem found (template).",
    ]
    assert (out / ISSUE / "email.html").read_bytes() == before


def test_a_formula_the_email_cannot_draw_names_its_file_and_line(project: Path, tmp_path: Path) -> None:
    topic = project / "content" / "topics" / "perplexity.yaml"
    topic.write_text(topic.read_text().replace("Write $p(x_i)$ for", r"Write $\begin{cases} a \end{cases}$ for", 1))
    result = run_cli("--root", project, "--out", tmp_path / "out", "--date", "2026-11-26")
    assert result.exit_code == 2
    line, column = next(
        (i, text.index("$\\begin") + 1) for i, text in enumerate(topic.read_text().splitlines(), 1) if "begin{" in text
    )
    assert result.stderr.splitlines()[-2:] == [
        f"content/topics/perplexity.yaml:{line}:{column}: sections[1].body: the email edition cannot draw the formula "
        "'\\\\begin{cases} a \\\\end{cases}': matplotlib mathtext says ParseFatalException: Unknown symbol: \\begin",
        "1 problem found (content).",
    ]


def test_sender_recipient_and_list_unsubscribe_come_from_site_yaml(project: Path, tmp_path: Path) -> None:
    site = project / "content" / "site.yaml"
    site.write_text(
        site.read_text().replace(
            "  service_url: https://lists.daily-gradient.example.org/\n",
            '  unsubscribe_url: "https://lists.example.org/unsubscribe"\n  recipient: Readers <readers@example.org>\n',
        )
    )
    write_issue(project, "2026-11-27", intro="A second issue.")
    out = tmp_path / "out"
    assert run_cli("--root", project, "--out", out, "--date", "2026-11-27").exit_code == 0
    parsed = email.message_from_bytes((out / "issues/2026-11-27/issue.eml").read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "Readers <readers@example.org>"
    assert parsed["List-Unsubscribe"] == "<https://lists.example.org/unsubscribe>"
    assert parsed["Date"] == "Fri, 27 Nov 2026 07:00:00 +0100"
    assert 'href="https://lists.example.org/unsubscribe"' in (out / "issues/2026-11-27/email.html").read_text()
