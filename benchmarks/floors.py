"""The floors the reports are measured against: the same cells, written bare.

Each floor writes the cells of a report (tests check they are the same) with no formats,
charts, filters or colour scales, so what the layout costs is a ratio measured on the same
machine in the same run, not a guess. Only the benchmark uses them, so they live here and
the report writers hold only what the product needs.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import IO, Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from questionnaire.domain.assessment import AssessmentSnapshot
from questionnaire.domain.excel_safety import SafeCellWriter
from questionnaire.domain.reports import country_tables
from questionnaire.domain.reports import secretariat_data as data
from questionnaire.domain.reports.country_report import TABLE_SHEETS
from questionnaire.domain.reports.country_tables import CountryContext
from questionnaire.domain.reports.labels import Labels
from questionnaire.domain.reports.secretariat_data import (
    TIDY_COLUMNS,
    CountryPart,
    CountryRow,
    Layout,
    country_part,
)
from questionnaire.domain.reports.secretariat_report import TIDY_SHEET_NUMBER
from questionnaire.domain.reports.sheet_rows import render_rows, splice_rows
from questionnaire.domain.reports.sheets import WORKBOOK_OPTIONS
from questionnaire.domain.scoring.types import AssessmentScores

SPILL_BYTES = 8 * 1024 * 1024  # as the workbook: rendered tidy rows beyond this go to disk


def write_country_bare_floor(
    snapshot: AssessmentSnapshot, scores: AssessmentScores, stream: IO[bytes]
) -> None:
    """The country report's table cells with no formats, chart, summary or legend."""
    context = CountryContext.build(snapshot, scores, Labels("en"))
    workbook = xlsxwriter.Workbook(stream, {**WORKBOOK_OPTIONS, "in_memory": True})
    for sheet_key, build in (("sheet.gap_analysis", country_tables.gap_analysis), *TABLE_SHEETS):
        table = build(context)
        sheet = workbook.add_worksheet(context.labels[sheet_key])
        for column, title in enumerate(table.columns):
            sheet.write_string(0, column, title.title)
        for row, values in enumerate(table.rows, start=1):
            for column, value in enumerate(values):
                if isinstance(value, str):
                    if value:
                        sheet.write_string(row, column, value)
                elif isinstance(value, int | float):
                    sheet.write_number(row, column, value)
                elif value is not None:
                    sheet.write_string(row, column, str(value))
    workbook.close()


class _BareSheet:
    """One worksheet filled top to bottom through the same safe cell writer, unformatted."""

    def __init__(
        self, workbook: xlsxwriter.Workbook, cells: SafeCellWriter, name: str, titles: Sequence[str]
    ) -> None:
        self.sheet: Worksheet = workbook.add_worksheet(name)
        self.cells = cells
        self.no_formats = [None] * len(titles)
        for index, title in enumerate(titles):
            cells.write(self.sheet, 0, index, title)
        self.rows = 0

    def append(self, values: Sequence[Any]) -> None:
        self.rows += 1
        self.cells.write_row(self.sheet, self.rows, values, self.no_formats)


def write_bare_floor(rows: Iterable[CountryRow], stream: IO[bytes]) -> None:
    """The cross-country workbook's cells with no formats, filters or colour scales.

    Its tidy rows are rendered and spliced in as the workbook does, the cheapest way this
    application has to write them.
    """
    iterator = iter(rows)
    first = next(iterator, None)
    layout = Layout.from_bank(first.bank if first else None, Labels("en"))
    parts = (country_part(layout, row) for row in chain([first], iterator)) if first else ()
    sheets = io.BytesIO()
    with tempfile.SpooledTemporaryFile(max_size=SPILL_BYTES) as rendered:
        sizes: list[int] = []
        count = 0

        def render_tidy_rows(part: CountryPart) -> CountryPart:
            nonlocal count
            tidy = render_rows(part.tidy_rows)
            rendered.write(tidy.xml)
            count += tidy.count
            sizes.append(len(tidy.xml))
            return part

        guarded_style = _write_bare_sheets(layout, map(render_tidy_rows, parts), sheets)
        sheets.seek(0)
        rendered.seek(0)
        shares = (rendered.read(size) for size in sizes)
        splice_rows(sheets, TIDY_SHEET_NUMBER, shares, count, guarded_style, stream)


def _write_bare_sheets(layout: Layout, parts: Iterable[CountryPart], stream: IO[bytes]) -> int:
    """Every sheet, the tidy one with its header only; returns the quote-prefix style."""
    labels = layout.labels
    workbook = xlsxwriter.Workbook(stream, {**WORKBOOK_OPTIONS, "constant_memory": True})
    cells = SafeCellWriter(workbook)
    needs = data.needs_tally(layout)
    challenges = data.challenge_tally(layout)

    def sheet(key: str, titles: Sequence[str]) -> _BareSheet:
        return _BareSheet(workbook, cells, labels[key], titles)

    def titles(columns: Iterable[Any]) -> list[str]:
        return [column.title for column in columns]

    sections = sheet("sheet.section_matrix", titles(layout.section_matrix_columns()))
    commitments = sheet("sheet.commitment_matrix", titles(layout.commitment_matrix_columns()))
    assessments = sheet("sheet.progress", titles(layout.progress_columns()))
    needs_sheet = sheet(
        "sheet.ta_totals", titles(needs.columns(labels["col.ta_type"], totals_first=False))
    )
    challenge_sheet = sheet(
        "sheet.frequent_challenges",
        titles(challenges.columns(labels["col.challenge"], totals_first=True)),
    )
    sheet("sheet.tidy", TIDY_COLUMNS)
    for part in parts:
        sections.append(part.section_row)
        commitments.append(part.commitment_row)
        assessments.append(part.progress_row)
        data.add_needs(needs, part)
        data.add_challenges(challenges, part)
    for needs_row in data.needs_table(needs):
        needs_sheet.append(needs_row)
    for challenge_row in data.challenge_table(challenges):
        challenge_sheet.append(challenge_row)
    guarded_style = cells.guarded_style_index()
    workbook.close()
    return guarded_style
