"""The email's plain-text part of every bundled issue, as a reader reads it: consistent Unicode, no line twice; and
no placeholder in any published file.

One minus sign (U+2212) in prose, formulas, numbers and alt text, as the web pages write them; only what a reader
pastes into code keeps the ASCII hyphen-minus (a test case's inputs). One epsilon, ε, as the labels and prose
write it (TeX's ``\\epsilon`` is set as a lunate ϵ in its math font, which plain text does not have). And no
paragraph says twice what the one before it said: a problem invites the reader to try it once.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

ISSUES = ("2026-11-26", "2026-11-27", "2026-11-28")
_ASCII_MINUS = re.compile(r"(?:^|(?<=[\s(\[=,/]))-(?=[\d∞(α-ωΑ-Ω]|[^\W\d_](?:\b|[ₐ-ₜᵢ-ᵪ]))")
"""A hyphen-minus standing for a minus: before a number, an infinity, a parenthesis or a one-letter symbol (``-α``,
``-x``), after a space, an opening bracket, a relation or a slash; a hyphen inside a word is not one."""


@pytest.fixture(scope="module", params=ISSUES)
def text(built_site: Path, request: pytest.FixtureRequest) -> str:
    return (built_site / "issues" / request.param / "email.txt").read_text()


def _prose(text: str) -> list[str]:
    """The lines a reader reads as prose, formulas, tables and alt text: all but a test case's inputs and the links."""
    body = text.rsplit("\nLinks\n", 1)[0]
    return [line for line in body.splitlines() if not line.startswith("  input ")]


def test_one_minus_sign(text: str) -> None:
    wrong = [line for line in _prose(text) if _ASCII_MINUS.search(line) or re.search(r"\S - \S", line)]
    assert not wrong, "a hyphen-minus as a minus:\n" + "\n".join(wrong)
    assert "−" in text


def test_a_test_cases_inputs_keep_pythons_notation(built_site: Path) -> None:
    text = (built_site / "issues/2026-11-26/email.txt").read_text()  # batch norm: negative inputs
    inputs = [line for line in text.splitlines() if line.startswith("  input ")]
    assert "  input beta = [0, 1, -1]" in inputs
    assert not any("−" in line for line in inputs)


def test_one_epsilon(text: str) -> None:
    assert "ϵ" not in text, "TeX's lunate \\epsilon: the text writes ε"


def test_no_paragraph_repeats_the_one_before(text: str) -> None:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    repeated = [(a, b) for a, b in itertools.pairwise(paragraphs) if a == b]
    assert not repeated, repeated
    invitations = [p for p in paragraphs if p.startswith("Try it yourself")]
    problems = text.count("\nProblem of the day\n")
    assert len(invitations) == problems, invitations


def test_no_published_file_has_a_placeholder(built_site: Path) -> None:
    """The site's copies of an issue link to the unsubscribe page, and no file holds a ``{{name}}`` left for a mail
    tool to fill in (the public ``email.html`` and ``email.txt`` had ``{{unsubscribe_url}}``)."""
    texts = {}
    for path in sorted(p for p in built_site.rglob("*") if p.is_file()):
        try:
            texts[path.relative_to(built_site).as_posix()] = path.read_text()
        except UnicodeDecodeError:  # an image, a compressed search index
            continue
    assert any(name.endswith("email.txt") for name in texts) and any(name.endswith("issue.eml") for name in texts)
    placeholders = {name: found for name, text in texts.items() if (found := re.findall(r"\{\{\s*\w+\s*\}\}", text))}
    assert placeholders == {}
    for issue in ISSUES:
        for name in ("email.html", "email.txt"):
            assert "https://lists.daily-gradient.example.org/unsubscribe" in texts[f"issues/{issue}/{name}"]
