"""Choice answers shown as words in a template, and read back in either language.

People answer in the words they see (是, "Yes, in part"); the application stores scale
values ("yes", "in_part"). A file filled in by a Chinese-speaking focal point and checked
by an English-speaking colleague must read the same, so both languages are accepted.
"""

from __future__ import annotations

import datetime as dt

from questionnaire.domain.answer_text import answer_cell, bank_text
from questionnaire.domain.bank import BankQuestion
from questionnaire.domain.bank.schema import QuestionType
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.offline.layout import CHOICE_SEPARATORS

CellValue = str | float | dt.date | None


def choice_labels(question: BankQuestion, language: str) -> list[str]:
    if question.scale is None:
        return []
    return [bank_text(option.label, language) for option in question.scale.options]


def render_answer(question: BankQuestion, value: AnswerValue, language: str) -> CellValue:
    """The answer cell for a stored answer: `answer_cell`, with a date as a date cell.

    A date cell lets the spreadsheet offer its date picker; the reader takes it back.
    """
    cell = answer_cell(question, value, language)
    if question.type is QuestionType.DATE and isinstance(cell, str):
        try:
            return dt.date.fromisoformat(cell)
        except ValueError:
            return cell
    return cell


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def choice_value(question: BankQuestion, text: str) -> str | None:
    """The scale value a label names, in Chinese or English, or the value itself."""
    wanted = _normal(text)
    for option in question.scale.options if question.scale else ():
        if wanted in (_normal(option.label.zh), _normal(option.label.en), option.value):
            return option.value
    return None


def split_choices(text: str) -> list[str]:
    parts = [text]
    for separator in CHOICE_SEPARATORS:
        parts = [piece for part in parts for piece in part.split(separator)]
    return [part.strip() for part in parts if part.strip()]
