"""The MIME writer: what it writes, parsed back by the standard library's ``email`` parser, is what it was given."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder.outputs.email.mime import MAX_LINE, InlineImage, compose, fold, inline_site_images

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
HEADERS = [
    ("From", "The Daily Gradient <newsletter@daily-gradient.example.org>"),
    ("To", '"Zoë Müller, Jr." <zoe@example.org>'),
    ("Subject", "The Daily Gradient: Perplexity · Batch Normalization Forward Pass, and a subject long enough to fold"),
    ("Message-ID", "<1f0e@daily-gradient.example.org>"),
    ("List-Unsubscribe", "<https://lists.example.org/unsubscribe?token=" + "x" * 90 + ">, <mailto:u@example.org>"),
]
TEXT = "# Perplexity\n\nPP(M) = 2^(-(1/N) Σᵢ log₂ p(xᵢ))\n.\nFrom the top  \n\ttabbed\n" + "long line " * 40 + "\n"
HTML = '<p>Perplexity · <img src="cid:a@example.org" alt="x"> and <img src="cid:b@example.org"></p>\n' * 30


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert not message.defects
    return message


def images() -> list[InlineImage]:
    return [
        InlineImage("a@example.org", "a.png", "image/png", PNG),
        InlineImage("b@example.org", "b.png", "image/png", PNG[::-1]),
    ]


def test_both_parts_the_images_and_the_headers_come_back_as_given() -> None:
    message = parse(compose(HEADERS, TEXT, HTML, images()))
    assert message["Subject"] == HEADERS[2][1]
    assert message["To"].addresses[0].display_name == "Zoë Müller, Jr."
    assert message["To"].addresses[0].addr_spec == "zoe@example.org"
    assert message["From"] == HEADERS[0][1]
    assert message["Message-ID"] == HEADERS[3][1]
    assert message["List-Unsubscribe"] == HEADERS[4][1]
    assert message["MIME-Version"] == "1.0"
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.iter_parts()
    assert plain.get_content_type() == "text/plain" and plain.get_content_charset() == "utf-8"
    assert plain.get_content().replace("\r\n", "\n") == TEXT
    assert related.get_content_type() == "multipart/related"
    assert related.get_param("type") == "text/html"
    page, *attached = related.iter_parts()
    assert page.get_content().replace("\r\n", "\n") == HTML
    assert {part["Content-ID"]: part.get_content() for part in attached} == {
        "<a@example.org>": PNG,
        "<b@example.org>": PNG[::-1],
    }
    assert [part.get_content_disposition() for part in attached] == ["inline", "inline"]
    assert [part.get_filename() for part in attached] == ["a.png", "b.png"]


def test_without_images_the_html_part_stands_alone() -> None:
    message = parse(compose(HEADERS[:1], "text\n", "<p>html</p>\n"))
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]


def test_the_same_inputs_give_the_same_bytes_and_other_inputs_other_boundaries() -> None:
    first = compose(HEADERS, TEXT, HTML, images())
    assert compose(HEADERS, TEXT, HTML, images()) == first
    other = compose(HEADERS, TEXT + "more\n", HTML, images())
    assert parse(first).get_boundary() != parse(other).get_boundary()


def test_lines_end_in_crlf_and_stay_within_the_limits() -> None:
    data = compose(HEADERS, TEXT + "x" * 5000 + "\n", HTML, images())
    assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
    head, body = data.split(b"\r\n\r\n", 1)
    assert max(len(line) for line in body.split(b"\r\n")) <= 76, "quoted-printable and base64 lines"
    for line in head.decode("ascii").split("\r\n"):
        one_word = len(line.split(": ", 1)[-1].split()) == 1  # a link is not broken in two
        assert len(line) <= 78 or (len(line) <= MAX_LINE and one_word), line
    assert "<https://lists.example.org/unsubscribe?token=" in head.decode(), "a long link is not broken"


def test_a_header_that_cannot_be_folded_under_998_characters_is_refused() -> None:
    assert len(fold("X-Long: " + "y" * 900)) == 908
    with pytest.raises(ValueError, match="cannot be folded under 998"):
        fold("X-Long: " + "y" * MAX_LINE)
    with pytest.raises(ValueError, match="not a header"):
        compose([("Subject", "two\r\nlines")], "", "")


def test_site_images_become_cid_references_attached_once() -> None:
    base = "https://site.example.org/"
    page = f'<img src="{base}math/a.png"><img src="{base}math/a.png"><img src="https://elsewhere.org/b.png">'
    rewritten, attached = inline_site_images(page, {"math/a.png": PNG}, base, "site.example.org")
    assert [image.filename for image in attached] == ["a.png"]
    assert rewritten.count(f'src="cid:{attached[0].cid}"') == 2
    assert 'src="https://elsewhere.org/b.png"' in rewritten, "an image from elsewhere stays a link"
    message = parse(compose([], "t", rewritten, attached))
    assert message.get_body(("related",)).get_payload()[1]["Content-ID"] == f"<{attached[0].cid}>"


@given(
    text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=300),
    html=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"), max_size=300),
    subject=st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=120),
)
def test_any_text_comes_back_as_given(text: str, html: str, subject: str) -> None:
    subject = " ".join(subject.split()) or "x"
    message = parse(compose([("Subject", subject)], text, html))
    assert message["Subject"] == subject
    plain, page = message.iter_parts()
    expected = text if text.endswith("\n") else text + "\n"
    assert plain.get_content().replace("\r\n", "\n") == expected
    assert page.get_content().replace("\r\n", "\n") == (html if html.endswith("\n") else html + "\n")
