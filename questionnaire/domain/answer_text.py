"""A stored answer as a person sees it: on a page, in a form, in a workbook cell.

One renderer for every reader of an answer (the web pages, the answer form, the gap
reports, the offline template), so a number or a choice reads the same wherever it is
shown. Choice values are replaced by their labels in the reader's language; numbers are
written by `format_number`, the one rule for how a number looks as text.

Pure: no Flask; the language is a parameter ("zh" or "en").
"""

from __future__ import annotations

import math
from decimal import Decimal

from questionnaire.domain.bank import BankQuestion
from questionnaire.domain.bank.schema import Localized, Scale
from questionnaire.domain.conditions import AnswerValue

# What a page shows for a question left unanswered (or a number that is not one).
EMPTY = "—"
# Between the labels of a multiple-choice answer; the offline reader splits on it too.
CHOICE_SEPARATOR = "; "

# Thousands and decimal separators by language. United Nations Chinese documents group
# digits in threes with a comma and write a decimal point, as English does; the table is
# here so that a third language states its own rule instead of inheriting one.
_SEPARATORS = {"zh": (",", "."), "en": (",", ".")}

CellValue = str | float | None


def format_number(value: float, language: str) -> str:
    """A number as text: digits grouped in threes, every decimal the value holds.

    Whole numbers have no decimals ("4,230", not "4,230.0"); other numbers keep all their
    digits ("0.125", "1,234.5678"), never an exponent. What a form shows is read back by
    `numbers.parse_number` to the same value, so saving a form unchanged changes nothing.
    NaN and infinities, which no answer can hold, read as `EMPTY`.
    """
    if math.isnan(value) or math.isinf(value):
        return EMPTY
    group, point = _SEPARATORS.get(language, _SEPARATORS["en"])
    number = Decimal(int(value)) if float(value).is_integer() else Decimal(repr(float(value)))
    text = f"{number:,f}"
    return text.replace(",", "\0").replace(".", point).replace("\0", group)


def bank_text(text: Localized | None, language: str) -> str:
    """A bank text in `language`, Chinese where the language is neither."""
    if text is None:
        return ""
    return text.en if language == "en" else text.zh


def option_label(scale: Scale | None, value: str, language: str) -> str:
    """The label of a scale value; the value as stored if the scale lacks it.

    A value no longer in the scale (answered under another bank version) is shown as
    stored, not hidden.
    """
    if scale is not None:
        for option in scale.options:
            if option.value == value:
                return bank_text(option.label, language)
    return value


def answer_cell(question: BankQuestion | None, value: AnswerValue, language: str) -> CellValue:
    """The answer as a workbook cell: labels for choices, numbers kept as numbers.

    A number stays a number so that a spreadsheet can sum it and the offline reader reads
    it back exactly; empty answers are empty cells. Dates stay the stored ISO text (a
    writer that wants a date cell converts it). `question` is None for an answer to a
    question the bank no longer has.
    """
    if value is None or value == "" or value == []:
        return None
    scale = question.scale if question is not None else None
    if isinstance(value, list):
        return CHOICE_SEPARATOR.join(option_label(scale, str(item), language) for item in value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if math.isnan(value) or math.isinf(value):
            return None
        return int(value) if float(value).is_integer() else float(value)
    if scale is not None:
        return option_label(scale, str(value), language)
    return str(value)


def answer_text(question: BankQuestion | None, value: AnswerValue, language: str) -> str:
    """The answer as text on a page: `answer_cell`, with numbers written by `format_number`."""
    cell = answer_cell(question, value, language)
    if cell is None:
        return EMPTY
    if isinstance(cell, int | float):
        return format_number(cell, language)
    return cell
