"""Numbers as typed into the Intake boxes (issue 11): used exactly as shown, or refused at the field.

``read_number`` is the only reader of a box. A value it takes is the number the box shows, written
back (``number_text``) as that number; anything else is a message quoting what was typed. The form
mapping puts each message at the box's own field path, and nothing is carried over from before.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.case import CaseError
from dashboard.intake import (
    DECIMAL_PLACES,
    NUMBER_CHARS,
    SCANS,
    box_text,
    cell_key,
    form_to_case,
    key,
    number_text,
    read_number,
    rows_key,
)

TYPED = st.text(alphabet="0123456789.,- e+x٣２\u00a0", max_size=NUMBER_CHARS + 3)


def _typed_decimal(text: str) -> Decimal:
    text = text.strip().replace(",", ".")
    return Decimal(("0" + text if text.startswith(".") else text).rstrip(".") or "0")


@settings(max_examples=2000, deadline=None)
@given(text=TYPED, whole=st.booleans())
def test_a_typed_number_is_taken_exactly_as_shown_or_refused_quoting_it(text: str, whole: bool) -> None:
    value, problem = read_number(text, whole=whole)
    if not text.strip():
        assert (value, problem) == (None, None)  # blank is "not answered"
        return
    assert (value is None) != (problem is None)
    if problem is not None:
        assert problem.startswith("'")  # quotes what was typed, after the field's name
        return
    plain = text.strip()
    assert re.fullmatch(r"[0-9]*(?:[.,][0-9]*)?", plain)  # ASCII digits and one point or comma only
    assert Decimal(repr(value)) == _typed_decimal(plain)  # exactly the number the box shows
    assert _typed_decimal(number_text(value)) == _typed_decimal(plain)  # written back as the same number
    if whole:
        assert isinstance(value, int)
    else:
        assert -_typed_decimal(plain).as_tuple().exponent <= DECIMAL_PLACES


@pytest.mark.parametrize(
    ("typed", "whole", "expected"),
    [
        ("0,5", False, 0.5),  # a decimal comma is a decimal point, never dropped (was read as 5)
        ("24.96", False, 24.96),  # not shown as 25.0
        ("24,96", False, 24.96),
        ("1.04", False, 1.04),  # not shown as 1.0
        (".5", False, 0.5),
        ("5.", False, 5.0),
        (" 20 ", True, 20),
        ("007", True, 7),
    ],
)
def test_what_a_clinician_types_is_read_as_that_number(typed: str, whole: bool, expected: float) -> None:
    assert read_number(typed, whole=whole) == (expected, None)


@pytest.mark.parametrize(
    ("typed", "whole", "message"),
    [
        ("0,555", False, "'0,555' has 3 digits after the decimal point or comma; give at most 2"),
        ("1,234", False, "'1,234' has 3 digits after the decimal point or comma"),  # never thousands
        ("123456789", True, "'123456789' is too long to be a number here"),
        ("-1", False, "'\\-1' is negative"),
        ("20.5", True, "'20\\.5' is not a whole number"),
        ("1e3", False, "'1e3' is not a number"),
        ("２０", True, "'２０' is not a number; type the digits 0 to 9 only"),
        ("4 5", True, "'4 5' is not a number"),
        (".", False, "'\\.' is not a number"),
    ],
)
def test_anything_else_is_refused_with_a_message_quoting_it(typed: str, whole: bool, message: str) -> None:
    value, problem = read_number(typed, whole=whole)
    assert value is None and problem is not None and problem.startswith(message)


def test_a_value_that_is_not_text_is_read_from_its_text() -> None:
    """Only code puts a number in a box; it is read and shown exactly, never rounded into the box."""
    assert read_number(20, whole=True) == (20, None)
    assert read_number(24.96, whole=False) == (24.96, None)
    assert read_number(24.999, whole=False)[1] is not None
    assert read_number(True, whole=True) == (None, "is not a number")
    assert read_number([1], whole=True) == (None, "is not a number")
    assert [box_text(v) for v in (None, "0,5", 20, 2.0, 24.96, 24.999)] == ["", "0,5", "20", "2", "24.96", "24.999"]


def _problems(values: dict[str, object]) -> list[tuple[str, str]]:
    with pytest.raises(CaseError) as caught:
        form_to_case(values)
    return caught.value.problems


def test_each_refusal_is_at_its_own_box_and_no_earlier_value_is_used() -> None:
    values = {
        key("gestational_age.weeks"): "12345678",
        key("fetuses"): "1.5",
        key("exam.cervical_dilation_cm"): "0,555",
        rows_key(SCANS): ["r1"],
        cell_key(SCANS, "r1", "weeks"): "20",
        cell_key(SCANS, "r1", "mm"): "24.961",
    }
    paths = [path for path, _ in _problems(values)]
    assert sorted(paths) == sorted(
        [
            "gestational_age.weeks",
            "fetuses",
            "exam.cervical_dilation_cm",
            "ultrasound.cervical_lengths[0].cervical_length_mm",
        ]
    )


def test_the_case_holds_exactly_the_numbers_the_boxes_show() -> None:
    case = form_to_case({
        key("gestational_age.weeks"): "20",
        key("exam.cervical_dilation_cm"): "1,04",
        rows_key(SCANS): ["r1"],
        cell_key(SCANS, "r1", "weeks"): "20",
        cell_key(SCANS, "r1", "mm"): "24.96",
    })  # fmt: skip
    assert case.exam.cervical_dilation_cm == 1.04
    assert case.ultrasound.cervical_lengths[0].cervical_length_mm == 24.96
    assert number_text(case.ultrasound.cervical_lengths[0].cervical_length_mm) == "24.96"
