"""Choice answers shown as words in a template, and read back in either language.

People answer in the words they see (是, "Yes, in part"); the application stores scale
values ("yes", "in_part"). A file filled in by a Chinese-speaking focal point and checked
by an English-speaking colleague must read the same, so both languages are accepted.
"""

from __future__ import annotations

import datetime as dt

from questionnaire.domain.bank import BankQuestion
from questionnaire.domain.bank.schema import QuestionType
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.offline.layout import CHOICE_SEPARATOR, CHOICE_SEPARATORS

CellValue = str | float | dt.date | None


def option_label(question: BankQuestion, value: str, language: str) -> str:
    option = question.option(value)
    if option is None:
        return value  # a value no longer in the scale is shown as stored, not hidden
    return option.label.zh if language == "zh" else option.label.en


def choice_labels(question: BankQuestion, language: str) -> list[str]:
    if question.scale is None:
        return []
    return [option_label(question, option.value, language) for option in question.scale.options]


def render_answer(question: BankQuestion, value: AnswerValue, language: str) -> CellValue:
    """The value a person sees in the answer cell for a stored answer."""
    if value is None or value == "" or value == []:
        return None
    if question.type is QuestionType.SINGLE_CHOICE:
        return option_label(question, str(value), language)
    if question.type is QuestionType.MULTIPLE_CHOICE:
        values = value if isinstance(value, list) else [str(value)]
        return CHOICE_SEPARATOR.join(option_label(question, item, language) for item in values)
    if question.type is QuestionType.NUMBER and isinstance(value, int | float):
        return int(value) if float(value).is_integer() else float(value)
    if question.type is QuestionType.DATE and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return str(value)


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
