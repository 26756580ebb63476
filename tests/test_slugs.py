"""Slugs of chapter and collection names: plain ASCII url segments, whatever the name."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder.slugs import MAX_SLUG_LENGTH, group_slug

SLUG = re.compile(r"([a-z0-9]+(-[a-z0-9]+)*)?")


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
    assert SLUG.fullmatch(slug) and len(slug) <= MAX_SLUG_LENGTH, slug
