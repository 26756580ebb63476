"""Numbers as pages show them: shortest form to 6 significant digits, or the decimal places an entry asks for."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder.render.numbers import format_number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (-7.0, "-7"),
        (0.25, "0.25"),
        (0.1 + 0.2, "0.3"),
        (1 / 3, "0.333333"),
        (2 * 2**0.5, "2.82843"),
        (-0.999995000037, "-0.999995"),
        (1e-05, "1e-5"),
        (0.0001, "0.0001"),
        (123456789.0, "1.23457e8"),
        (-0.0, "0"),
        (0.0, "0"),
        (42, "42"),
        (True, "True"),
        ("a label", "a label"),
        ([1.0, [2.5, -3.0]], "[1, [2.5, -3]]"),
    ],
)
def test_without_digits_a_number_shows_in_its_shortest_form(value: object, text: str) -> None:
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [(1.0, 4, "1.0000"), (2 * 2**0.5, 2, "2.83"), (-0.0001, 2, "-1.00e-04"), (-0.0, 2, "0.00"), (3, 2, "3")],
)
def test_with_digits_every_number_has_that_many_places(value: object, digits: int, text: str) -> None:
    assert format_number(value, digits) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_the_shortest_form_is_within_half_a_unit_of_the_sixth_digit(value: float) -> None:
    text = format_number(value)
    shown = float(text)
    assert abs(shown - value) <= 5e-6 * abs(value) * (1 + 1e-12), (value, text)
    mantissa = text.split("e")[0]
    assert not re.search(r"\.\d*0$", mantissa) and not mantissa.endswith("."), "no trailing zeros"
    assert len(re.sub(r"[^0-9]", "", mantissa).lstrip("0")) <= 6
    assert "e+" not in text and not re.search(r"e-0", text), "exponents without padding"
