"""Numbers as pages show them: shortest form to 6 significant digits, or the decimal places an entry asks for;
a vector or a matrix column to one precision, ``1 × 10⁻⁸`` and a real minus sign, except where readers paste."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from site_builder.render.numbers import MINUS, format_number, format_rows, number_html


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (-7.0, "−7"),
        (0.25, "0.25"),
        (0.1 + 0.2, "0.3"),
        (1 / 3, "0.333333"),
        (2 * 2**0.5, "2.82843"),
        (-0.999995000037, "−0.999995"),
        (1e-05, "1 × 10⁻⁵"),
        (-2.5e-08, "−2.5 × 10⁻⁸"),
        (0.0001, "0.0001"),
        (123456789.0, "1.23457 × 10⁸"),
        (-0.0, "0"),
        (0.0, "0"),
        (42, "42"),
        (-3, "−3"),
        (True, "True"),
        ("a label", "a label"),
        ([1.0, [2.5, -3.0]], "[1, [2.5, −3.0]]"),
        ([0.5, 0.25, 1.0, -2.0], "[0.50, 0.25, 1.00, −2.00]"),  # a vector: one precision
        ([1e-08, 0.5], "[1 × 10⁻⁸, 0.5]"),
    ],
)
def test_without_digits_a_number_shows_in_its_shortest_form(value: object, text: str) -> None:
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(-7.0, "-7"), (1e-05, "1e-5"), (123456789.0, "1.23457e8"), ([-0.5, 2.0], "[-0.5, 2.0]"), (-3, "-3")],
)
def test_what_readers_paste_keeps_pythons_notation(value: object, text: str) -> None:
    assert format_number(value, pasteable=True) == text
    assert format_number(value, 2, pasteable=True).count("-") == str(value).count("-")


def test_a_matrix_has_one_precision_per_column() -> None:
    matrix = [[1.0, 0.5, 3], [0.25, 2.0, -4]]
    assert format_rows(matrix) == [["1.00", "0.5", "3"], ["0.25", "2.0", "−4"]]
    assert format_number(matrix) == "[[1.00, 0.5, 3], [0.25, 2.0, −4]]"
    assert format_rows(matrix, 1) == [["1.0", "0.5", "3"], ["0.2", "2.0", "−4"]]


def test_a_vector_in_html_wraps_between_its_numbers_only() -> None:
    html = str(number_html([0.0, -1.5]))
    assert html == '<span class="vector">[<span class="num">0.0,</span> <span class="num">−1.5</span>]</span>'
    assert str(number_html(-1.5)) == "−1.5"
    assert str(number_html([0, 0], pasteable=True)) == (
        '<span class="vector">[<span class="num">0,</span> <span class="num">0</span>]</span>'
    )


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (1.0, 4, "1.0000"),
        (2 * 2**0.5, 2, "2.83"),
        (-0.0001, 2, "−1.00 × 10⁻⁴"),
        (1e-08, 6, "1.000000 × 10⁻⁸"),
        (-0.0, 2, "0.00"),
        (3, 2, "3"),
    ],
)
def test_with_digits_every_number_has_that_many_places(value: object, digits: int, text: str) -> None:
    assert format_number(value, digits) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_the_shortest_form_is_within_half_a_unit_of_the_sixth_digit(value: float) -> None:
    text = format_number(value, pasteable=True)
    shown = float(text)
    assert abs(shown - value) <= 5e-6 * abs(value) * (1 + 1e-12), (value, text)
    mantissa = text.split("e")[0]
    assert not re.search(r"\.\d*0$", mantissa) and not mantissa.endswith("."), "no trailing zeros"
    assert len(re.sub(r"[^0-9]", "", mantissa).lstrip("0")) <= 6
    assert "e+" not in text and not re.search(r"e-0", text), "exponents without padding"


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_reader_sees_the_pasteable_number_with_a_minus_sign_and_powers_of_ten(value: float) -> None:
    pasted = format_number(value, pasteable=True)
    shown = format_number(value)
    mantissa, _, exponent = pasted.partition("e")
    expected = mantissa.replace("-", MINUS)
    if exponent:
        expected += " × 10" + exponent.replace("-", "⁻").translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    assert shown == expected
    assert "-" not in shown
