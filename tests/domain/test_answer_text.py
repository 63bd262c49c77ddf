"""Answers as a person sees them, the same on a page, in a form and in a workbook cell."""

from __future__ import annotations

import pytest

from questionnaire.domain.answer_text import answer_cell, answer_text, format_number
from questionnaire.domain.bank import BankQuestion, QuestionBank
from questionnaire.domain.numbers import parse_number


def question(bank: QuestionBank, commitment_id: str, question_id: str) -> BankQuestion:
    found = bank.commitment(commitment_id).question(question_id)
    assert found is not None
    return found


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.0, "0"),
        (42.0, "42"),
        (42, "42"),
        (4230.0, "4,230"),
        (-4230.0, "-4,230"),
        (1234567.0, "1,234,567"),
        (0.5, "0.5"),
        (0.125, "0.125"),
        (1234.5678, "1,234.5678"),
        (1e16, "10,000,000,000,000,000"),
        (0.1 + 0.2, "0.30000000000000004"),
        (float("nan"), "—"),
        (float("inf"), "—"),
    ],
)
def test_numbers_read_the_same_in_both_languages(language: str, value: float, shown: str) -> None:
    assert format_number(value, language) == shown


@pytest.mark.parametrize("value", [4230.0, 1234.5678, 1234567.891, 0.001, -12.5, 1e16])
def test_a_number_shown_reads_back_to_itself(value: float) -> None:
    """A form shows `format_number`; saving it unchanged must not change the answer."""
    assert parse_number(format_number(value, "zh")) == value
    assert parse_number(format_number(value, "en")) == value


@pytest.mark.parametrize(("language", "expected"), [("zh", "部分"), ("en", "Yes, in part")])
def test_a_choice_shows_its_label(bank: QuestionBank, language: str, expected: str) -> None:
    status = question(bank, "pd2021.p1", "status")
    assert answer_text(status, "in_part", language) == expected
    assert answer_cell(status, "in_part", language) == expected


def test_several_choices_are_listed_in_bank_words(bank: QuestionBank) -> None:
    challenges = question(bank, "pd2021.p1", "challenges")
    assert answer_text(challenges, ["limited_capacity", "other"], "en") == (
        "Limited capacity (human, technological, institutional); Other (please specify)"
    )
    assert answer_text(challenges, ["limited_capacity"], "zh") == "能力有限（人员、技术、体制）"


def test_a_value_no_longer_in_the_scale_is_shown_as_stored(bank: QuestionBank) -> None:
    status = question(bank, "pd2021.p1", "status")
    assert answer_text(status, "retired_value", "en") == "retired_value"


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("value", [None, "", []])
def test_empty_answers(bank: QuestionBank, language: str, value: object) -> None:
    staff = question(bank, "pd2021.p4", "staff_number")
    assert answer_text(staff, value, language) == "—"  # type: ignore[arg-type]
    assert answer_cell(staff, value, language) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_numbers_on_a_page_and_in_a_cell(bank: QuestionBank, language: str) -> None:
    staff = question(bank, "pd2021.p4", "staff_number")
    assert answer_text(staff, 4230.0, language) == "4,230"
    assert answer_text(staff, 12.75, language) == "12.75"
    assert answer_text(staff, float("nan"), language) == "—"
    cell = answer_cell(staff, 4230.0, language)
    assert cell == 4230 and isinstance(cell, int)  # a number a spreadsheet can sum
    assert answer_cell(staff, 12.75, language) == 12.75
    assert answer_cell(staff, float("nan"), language) is None


def test_answers_to_questions_the_bank_no_longer_has(bank: QuestionBank) -> None:
    assert answer_text(None, "some text", "en") == "some text"
    assert answer_text(None, 1500.0, "zh") == "1,500"
    assert answer_text(None, ["a", "b"], "en") == "a; b"
