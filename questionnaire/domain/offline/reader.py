"""Read an uploaded offline questionnaire: screened first, then opened, then verified.

`read_workbook` returns the signed metadata and the raw answer cells, nothing
interpreted yet; `parse_answers` (in `parsing`) turns those into answers for the bank.
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from questionnaire.domain.offline import layout
from questionnaire.domain.offline.errors import ImportProblem, OfflineImportError, cell_location
from questionnaire.domain.offline.metadata import TemplateMetadata
from questionnaire.domain.offline.screening import ImportLimits, screen_package
from questionnaire.domain.offline.signing import signature_matches

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

TAMPERED = (
    "The file's hidden identity data was changed or does not come from this application "
    "(its signature does not match). Download a new template and copy your answers into it."
)


@dataclass(frozen=True)
class RawAnswer:
    """One answer cell as the file holds it, before it is checked against its question."""

    question_key: str
    row: int  # as Excel numbers rows
    value: object

    @property
    def location(self) -> str:
        return cell_location(layout.QUESTIONNAIRE_SHEET, self.row, layout.ANSWER.name)


@dataclass(frozen=True)
class ParsedWorkbook:
    metadata: TemplateMetadata
    answers: tuple[RawAnswer, ...]


def read_workbook(data: bytes, limits: ImportLimits, secret: bytes) -> ParsedWorkbook:
    """The metadata and answer cells of an uploaded template, or `OfflineImportError`.

    `secret` is the one the template was signed with by `write_template`.
    """
    screen_package(data, limits)
    workbook = _open(data)
    try:
        metadata = _verified_metadata(workbook, secret)
        answers = _answer_cells(workbook, metadata)
    finally:
        workbook.close()
    return ParsedWorkbook(metadata, answers)


def _open(data: bytes) -> Workbook:
    # Imported here: openpyxl (and numpy, which it loads) would otherwise sit in every web
    # worker, though only an offline import reads a workbook.
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about features it drops
            return openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
    except Exception:  # openpyxl raises many kinds; to a person they all mean one thing
        raise OfflineImportError(
            "The file cannot be read as an Excel workbook. Save it again in Excel as .xlsx, "
            "or download a new template."
        ) from None


def _verified_metadata(workbook: Workbook, secret: bytes) -> TemplateMetadata:
    for name in (layout.QUESTIONNAIRE_SHEET, layout.META_SHEET):
        if name not in workbook.sheetnames:
            raise OfflineImportError(
                f"The file has no {name} sheet, so it is not an offline questionnaire of "
                "this application (or a sheet was deleted or renamed). Download a new template."
            )
    sheet = workbook[layout.META_SHEET]
    column = [row[0] for row in sheet.iter_rows(min_col=1, max_col=1, values_only=True)]
    if not column or not all(isinstance(value, str) for value in column):
        raise OfflineImportError(TAMPERED)
    signature, text = column[0], "".join(column[1:])
    if not signature_matches(text, signature, secret):
        raise OfflineImportError(TAMPERED)
    try:
        payload = json.loads(text)
    except ValueError:
        raise OfflineImportError(TAMPERED) from None
    return TemplateMetadata.from_payload(payload)


def _answer_cells(workbook: Workbook, metadata: TemplateMetadata) -> tuple[RawAnswer, ...]:
    sheet: Worksheet = workbook[layout.QUESTIONNAIRE_SHEET]
    expected_rows = len(metadata.question_keys)
    rows = sheet.iter_rows(
        min_row=layout.HEADER_ROW + 1,
        max_row=layout.FIRST_ANSWER_ROW + expected_rows,
        max_col=len(layout.COLUMNS),
    )
    header = next(rows, ())
    _check_header(header, metadata.language)
    problems: list[ImportProblem] = []
    answers: list[RawAnswer] = []
    for excel_row, key in enumerate(metadata.question_keys, start=layout.FIRST_ANSWER_ROW + 1):
        cells = next(rows, ())
        if len(cells) <= layout.ANSWER_INDEX or _text(cells[layout.QUESTION_ID_INDEX]) != key:
            problems.append(
                ImportProblem(
                    f"this row should ask question {key}; rows were moved, deleted or edited. "
                    "Download a new template and copy your answers into it.",
                    cell_location(layout.QUESTIONNAIRE_SHEET, excel_row, layout.QUESTION_ID.name),
                )
            )
            continue
        answer = RawAnswer(key, excel_row, cells[layout.ANSWER_INDEX].value)
        problem = _cell_problem(cells[layout.ANSWER_INDEX], answer)
        if problem:
            problems.append(problem)
        else:
            answers.append(answer)
    if problems:
        raise OfflineImportError.from_problems(problems)
    return tuple(answers)


def _check_header(header: tuple[object, ...], language: str) -> None:
    for index in (layout.QUESTION_ID_INDEX, layout.ANSWER_INDEX):
        column = layout.COLUMNS[index]
        if len(header) <= index or _text(header[index]) != column.header(language):
            raise OfflineImportError(
                f"The column {column.header(language)} is not where the template put it; "
                "columns were moved, inserted or deleted. Download a new template.",
                cell_location(layout.QUESTIONNAIRE_SHEET, layout.HEADER_ROW + 1, column.name),
            )


def _text(cell: object) -> str:
    value = getattr(cell, "value", None)
    return value.strip() if isinstance(value, str) else ""


def _cell_problem(cell: object, answer: RawAnswer) -> ImportProblem | None:
    data_type = getattr(cell, "data_type", None)
    if data_type == "f":
        return ImportProblem(
            "the answer is a formula; formulas are never imported. Type the answer itself "
            "(to start a text with =, type an apostrophe first: '=).",
            answer.location,
        )
    if data_type == "e":
        return ImportProblem(
            f"the cell shows the error {answer.value}; type the answer instead.", answer.location
        )
    return None
