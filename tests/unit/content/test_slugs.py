"""Slugs of chapter and collection names: plain ASCII url segments, whatever the name."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder.content.slugs import group_slug

SLUG = re.compile(r"([a-z0-9]+(-[a-z0-9]+)*)?")
# Url segments stay short: at most 80 characters (a fixed promise, not the module's constant).
LONGEST = 80


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("CV: Deep Learning", "cv-deep-learning"),
        ("Evaluation & Benchmarks", "evaluation-benchmarks"),
        ("Ünïcödé Ñame", "unicode-name"),
        ("ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
        ("zero\u200bwidth", "zero-width"),
        ("right\u202eto-left", "rightto-left"),
        ("../../etc/passwd", "etc-passwd"),
        ("/absolute", "absolute"),
        ("C:\\Windows", "c-windows"),
        ("!!!", ""),
        ("🔥🔥", ""),
    ],
)
def test_names_become_ascii_slugs(name: str, slug: str) -> None:
    assert group_slug(name) == slug


@given(st.text(max_size=300))
def test_any_name_gives_a_safe_slug_or_none(name: str) -> None:
    slug = group_slug(name)
    assert SLUG.fullmatch(slug) and len(slug) <= LONGEST, slug


@pytest.mark.parametrize(
    "words",
    [
        ["transformers"] * 10,  # 12 letters a word: 6 words make 77 characters, 7 make 90
        [
            "a",
            "bb",
            "ccc",
            "dddd",
            "eeeee",
            "ffffff",
            "ggggggg",
            "hhhhhhhh",
            "iiiiiiiii",
            "jjjjjjjjjj",
            "kkkkkkkkkkk",
            "l",
            "mm",
        ],  # 78, then 81
        ["x" * 40, "y" * 39, "z"],  # 40 + 1 + 39 = 80 exactly
    ],
)
def test_a_long_name_is_cut_at_a_word_boundary(words: list[str]) -> None:
    # The longest run of whole words, joined by hyphens, that fits in 80 characters.
    expected = ""
    for word in words:
        longer = f"{expected}-{word}" if expected else word
        if len(longer) > LONGEST:
            break
        expected = longer
    assert group_slug(" ".join(word.upper() for word in words)) == expected
    assert len(expected) <= LONGEST and expected != "-".join(words)


def test_a_name_of_exactly_80_characters_is_kept_whole() -> None:
    name = "-".join(["abcdefghi"] * 8)  # 8 x 9 letters + 7 hyphens = 79
    assert group_slug(name + "j") == name + "j"  # 80
    assert group_slug(name + "-jk") == name  # 82: the last word goes
