"""Write the offline questionnaire: one workbook a focal point can fill without a connection.

Only the answer column can be edited; everything the import relies on (which assessment,
which question each row asks, the answer versions at export) is signed in a very hidden
sheet, so a file that was tampered with, or belongs to someone else, is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from questionnaire.domain.answers import is_answered
from questionnaire.domain.assessment import AssessmentSnapshot, ItemSnapshot
from questionnaire.domain.bank import BankQuestion
from questionnaire.domain.bank.schema import QuestionType, Scale
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.excel_safety import SafeCellWriter
from questionnaire.domain.offline import layout
from questionnaire.domain.offline.instructions import STEPS, about_rows
from questionnaire.domain.offline.labels import choice_labels, render_answer
from questionnaire.domain.offline.metadata import LANGUAGES, TemplateMetadata
from questionnaire.domain.offline.signing import canonical_json, sign
from questionnaire.domain.offline.values import answer_digest

INLINE_LIST_LIMIT = 255  # Excel's limit for a drop-down list typed into the validation
INPUT_TITLE_LIMIT = 32
INPUT_MESSAGE_LIMIT = 255


def write_template(
    snapshot: AssessmentSnapshot,
    answer_revisions: Mapping[tuple[str, str], int],
    secret: bytes,
    stream: IO[bytes],
    language: str = "en",
    exported_at: dt.datetime | None = None,
) -> None:
    """Write the template of `snapshot` to `stream`, answers pre-filled, metadata signed.

    `answer_revisions` maps (commitment id, question id) to the revision of the saved answer;
    a naive `exported_at` is taken as UTC.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    if not secret:
        raise ValueError("a non-empty secret is needed to sign an offline template")
    exported = _utc_iso(exported_at or dt.datetime.now(dt.UTC))
    rows = list(_rows(snapshot))

    workbook = xlsxwriter.Workbook(stream, {"in_memory": True, "strings_to_formulas": False})
    cells = SafeCellWriter(workbook)
    formats = _Formats(workbook, cells)
    _write_instructions(workbook, cells, formats, snapshot, exported, language)
    questionnaire = workbook.add_worksheet(layout.QUESTIONNAIRE_SHEET)
    lists = _ChoiceLists(workbook.add_worksheet(layout.LISTS_SHEET), cells, language)
    _write_questionnaire(questionnaire, cells, formats, lists, rows, language)
    metadata = TemplateMetadata(
        assessment_id=snapshot.id,
        state_party_code=snapshot.state_party_code,
        bank_id=snapshot.bank.id,
        bank_version=snapshot.bank.version,
        exported_at=exported,
        language=language,
        question_keys=tuple(question.key for _, question, _ in rows),
        answer_revisions={
            question.key: answer_revisions[(item.commitment.id, question.id)]
            for item, question, _ in rows
            if (item.commitment.id, question.id) in answer_revisions
        },
        answer_digests={
            question.key: answer_digest(value) for _, question, value in rows if is_answered(value)
        },
    )
    _write_metadata(workbook.add_worksheet(layout.META_SHEET), cells, metadata, secret)
    workbook.close()


def _utc_iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _rows(
    snapshot: AssessmentSnapshot,
) -> Iterator[tuple[ItemSnapshot, BankQuestion, AnswerValue]]:
    """Every question of every assessable commitment of the snapshot, in bank order."""
    items = {item.commitment.id: item for item in snapshot.items}
    for commitment in snapshot.bank.commitments:
        item = items.get(commitment.id)
        if item is None or not commitment.assessable:
            continue
        for question in commitment.questions:
            yield item, question, item.answers.get(question.id)


class _Formats:
    def __init__(self, workbook: Workbook, cells: SafeCellWriter) -> None:
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#DCE6F1", "text_wrap": True, "valign": "top", "border": 1}
        )
        self.locked = workbook.add_format({"text_wrap": True, "valign": "top", "locked": True})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        answer = {"text_wrap": True, "valign": "top", "locked": False, "bg_color": "#FFF9DB"}
        text = {**answer, "num_format": "@"}
        date = {**answer, "num_format": "yyyy-mm-dd"}
        # Made through the cell writer, so text that would start a formula keeps the same
        # unlocked, coloured answer format when it gets its quote prefix.
        self.answer_text = cells.add_format(text)
        self.answer_number = cells.add_format(answer)
        self.answer_date = cells.add_format(date)

    def answer(self, question: BankQuestion) -> Format:
        if question.type is QuestionType.NUMBER:
            return self.answer_number
        if question.type is QuestionType.DATE:
            return self.answer_date
        return self.answer_text  # typed text stays text, even text starting with "="


def _write_instructions(
    workbook: Workbook,
    cells: SafeCellWriter,
    formats: _Formats,
    snapshot: AssessmentSnapshot,
    exported: str,
    language: str,
) -> None:
    sheet = workbook.add_worksheet(layout.INSTRUCTIONS_SHEET)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 100, formats.locked)
    title, steps = STEPS[language]
    cells.write(sheet, 0, 0, title, formats.title)
    row = 2
    for label, value in about_rows(snapshot, exported, language):
        cells.write(sheet, row, 0, label, formats.header)
        cells.write(sheet, row, 1, value, formats.locked)
        row += 1
    row += 1
    for number, step in enumerate(steps, start=1):
        cells.write(sheet, row, 0, number, formats.locked)
        cells.write(sheet, row, 1, step, formats.locked)
        row += 1
    sheet.protect()


class _ChoiceLists:
    """Drop-down sources: short lists inline, long ones as a range on the hidden Lists sheet."""

    def __init__(self, sheet: Worksheet, cells: SafeCellWriter, language: str) -> None:
        self._sheet = sheet
        self._cells = cells
        self._language = language
        self._ranges: dict[str, str] = {}
        sheet.hide()
        sheet.protect()

    def source(self, question: BankQuestion) -> list[str] | str:
        labels = choice_labels(question, self._language)
        inline = ",".join(labels)
        if len(inline) <= INLINE_LIST_LIMIT and not any(("," in label) for label in labels):
            return labels
        assert question.scale is not None  # a choice question always has a scale
        return self._range(question.scale, labels)

    def _range(self, scale: Scale, labels: list[str]) -> str:
        if scale.id not in self._ranges:
            column = len(self._ranges)
            self._cells.write(self._sheet, 0, column, scale.id)
            for row, label in enumerate(labels, start=1):
                self._cells.write(self._sheet, row, column, label)
            letter = xlsxwriter.utility.xl_col_to_name(column)
            self._ranges[scale.id] = (
                f"={layout.LISTS_SHEET}!${letter}$2:${letter}${len(labels) + 1}"
            )
        return self._ranges[scale.id]


def _write_questionnaire(
    sheet: Worksheet,
    cells: SafeCellWriter,
    formats: _Formats,
    lists: _ChoiceLists,
    rows: list[tuple[ItemSnapshot, BankQuestion, AnswerValue]],
    language: str,
) -> None:
    zh = language == "zh"
    for index, column in enumerate(layout.COLUMNS):
        cells.write(sheet, layout.HEADER_ROW, index, column.header(language), formats.header)
        sheet.set_column(index, index, column.width)
    previous_commitment = None
    for row, (item, question, value) in enumerate(rows, start=layout.FIRST_ANSWER_ROW):
        commitment = item.commitment
        first_of_commitment = commitment.id != previous_commitment
        previous_commitment = commitment.id
        texts = [
            commitment.id,
            commitment.paragraph,
            question.key,
            commitment.spec.text_zh if first_of_commitment else None,
            commitment.spec.title.zh if zh else commitment.spec.title.en,
            question.text.zh if zh else question.text.en,
            question.help.zh if zh else question.help.en,
            layout.in_language(layout.TYPE_NAMES[question.type], language),
            layout.CHOICE_SEPARATOR.join(choice_labels(question, language)),
            layout.in_language(layout.YES_NO[question.required], language),
            question.condition.source if question.condition else None,
        ]
        for column, text in enumerate(texts):
            cells.write(sheet, row, column, text, formats.locked)
        answer_format = formats.answer(question)
        cells.write(
            sheet, row, layout.ANSWER_INDEX, render_answer(question, value, language), answer_format
        )
        sheet.data_validation(
            row,
            layout.ANSWER_INDEX,
            row,
            layout.ANSWER_INDEX,
            _validation(question, lists, language),
        )
    sheet.freeze_panes(layout.FIRST_ANSWER_ROW, layout.QUESTION_ID_INDEX + 1)
    sheet.autofilter(layout.HEADER_ROW, 0, max(len(rows), 1), len(layout.COLUMNS) - 1)
    sheet.protect(
        "",
        {
            "autofilter": True,
            "format_columns": True,
            "format_rows": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )


def _validation(question: BankQuestion, lists: _ChoiceLists, language: str) -> dict[str, Any]:
    """A drop-down for single choices, bounds for numbers, and the help as an input message."""
    zh = language == "zh"
    message = question.help.zh if zh else question.help.en
    if question.type is QuestionType.MULTIPLE_CHOICE:
        message = ("可多选，用分号分隔。" if zh else "Several choices, separated by ;. ") + message
    validation: dict[str, Any] = {
        "validate": "any",
        "input_title": _shorten(question.text.zh if zh else question.text.en, INPUT_TITLE_LIMIT),
        "input_message": _shorten(message, INPUT_MESSAGE_LIMIT),
    }
    if question.type is QuestionType.SINGLE_CHOICE:
        validation.update(
            validate="list",
            source=lists.source(question),
            error_type="stop",
            error_title=_shorten("答复无效" if zh else "Not one of the choices", 32),
            error_message="请从下拉列表中选择。" if zh else "Pick a value from the drop-down list.",
        )
    elif question.type is QuestionType.NUMBER:
        validation.update(
            validate="decimal",
            criteria="between",
            minimum=question.minimum if question.minimum is not None else -1e15,
            maximum=question.maximum if question.maximum is not None else 1e15,
            error_type="stop",
            error_message="请输入范围内的数字。" if zh else "Enter a number within the range.",
        )
    return validation


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _write_metadata(
    sheet: Worksheet, cells: SafeCellWriter, metadata: TemplateMetadata, secret: bytes
) -> None:
    text = canonical_json(metadata.to_payload())
    cells.write(sheet, 0, 0, sign(text, secret))
    chunks = range(0, len(text), layout.META_CHUNK_LENGTH)
    for row, start in enumerate(chunks, start=1):
        cells.write(sheet, row, 0, text[start : start + layout.META_CHUNK_LENGTH])
    sheet.very_hidden()
    sheet.protect()
