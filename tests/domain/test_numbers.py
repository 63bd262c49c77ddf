"""Number answers: each form people type is read as they meant it, or refused with a way out."""

from __future__ import annotations

import pytest

from questionnaire.domain.errors import AnswerError
from questionnaire.domain.numbers import parse_number


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("4230", 4230),
        ("  4230 ", 4230),
        ("4 230", 4230),
        ("4,230", 4230),
        ("4\u00a0230", 4230),  # no-break space
        ("4\u202f230", 4230),  # narrow no-break space (French typography)
        ("4\u2009230", 4230),  # thin space
        ("4'230", 4230),  # Swiss grouping
        ("1 234 567.25", 1234567.25),
        ("1,234,567", 1234567),
        ("４２３０", 4230),  # full-width digits
        ("４，２３０", 4230),  # full-width comma
        ("４２３０．５", 4230.5),  # full-width point
        ("\u0664\u0662\u0663\u0660", 4230),  # Arabic-Indic digits
        ("\u0664\u066c\u0662\u0663\u0660", 4230),  # with the Arabic thousands separator
        ("\u0664\u066b\u0665", 4.5),  # and the Arabic decimal separator
        ("\u096a\u0968\u0969\u0966", 4230),  # Devanagari digits
        ("4.5", 4.5),
        (".5", 0.5),
        ("-5", -5),
        ("\u22125", -5),  # the minus sign of typeset text
        ("+12", 12),
        ("4万", 40000),
        ("4.5万", 45000),
        ("1,200万", 12000000),
        ("3亿", 300000000),
        ("2千", 2000),
    ],
)
def test_accepted_forms(typed: str, number: float) -> None:
    assert parse_number(typed) == number


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "enter a number"),
        ("many", "“many” is not a number"),
        ("1e5", "“1e5” is not a number"),
        ("4、230", "“4、230” is not a number"),
        ("45%", "“45%” is not a number"),
        ("4000 cases", "“4000 cases” is not a number"),
        (
            "约4000",
            "“约4000” is an approximate value: enter the number alone (4000) and say that it "
            "is approximate in the explanation or a comment",
        ),
        ("大约4000左右", "enter the number alone (4000)"),
        ("4000多", "enter the number alone (4000)"),
        ("近5万", "enter the number alone (5万)"),
        ("about 4,000", "enter the number alone (4,000)"),
        ("approx. 4000", "enter the number alone (4000)"),
        ("~4000", "enter the number alone (4000)"),
        ("4000+", "enter the number alone (4000)"),
        ("> 4000", "enter the number alone (4000)"),
        (
            "4000-5000",
            "“4000-5000” is a range: enter one number and give the range in the explanation "
            "or a comment",
        ),
        ("4000 至 5000", "is a range"),
        (
            "4,5",
            "“4,5” could be read two ways: use a point for a decimal (4.5) or write the whole "
            "number (45)",
        ),
        ("1.234,5", "“1.234,5”: write the number with a point for the decimals, as 1234.5"),
        (
            "42 30",
            "“42 30”: group the digits in threes (4 230 or 4,230) or write them without "
            "separators (4230)",
        ),
        ("4,23,000", "group the digits in threes"),
        ("1,234 567", "group the digits in threes"),
        ("1" * 101, "is not a number"),
    ],
)
def test_refused_forms_say_what_to_type(typed: str, message: str) -> None:
    with pytest.raises(AnswerError) as refused:
        parse_number(typed)
    assert message in str(refused.value)


def test_a_refusal_keeps_its_values_apart_for_translation() -> None:
    with pytest.raises(AnswerError) as refused:
        parse_number("约4000")
    assert refused.value.params == {"value": "约4000", "number": "4000"}
    assert "%(number)s" in refused.value.template
