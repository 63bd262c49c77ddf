"""The gap report of one assessment: an Excel workbook laid out like an IRM country report.

Summary first (who, when, the scores with a chart), then the gap analysis, the three
executive-summary blocks (good practices, challenges with recommendations, technical
assistance), the findings by UNCAC article, every answer, and a legend that explains
the scores and says they are this application's measure, not the IRM's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import IO, Any

import xlsxwriter
from xlsxwriter.workbook import Workbook

from questionnaire.domain.assessment import AssessmentSnapshot
from questionnaire.domain.excel_safety import SafeCellWriter
from questionnaire.domain.reports import country_tables
from questionnaire.domain.reports.country_tables import GAP_SCORE_COLUMN, CountryContext, Table
from questionnaire.domain.reports.labels import Labels
from questionnaire.domain.reports.regional_groups import regional_group_label
from questionnaire.domain.reports.sheets import WORKBOOK_OPTIONS, Formats, heat_map, write_table
from questionnaire.domain.scoring.types import AssessmentScores, Dimension, Priority, RollUp
from questionnaire.domain.vocabulary import SCORING_SCALES

FORMULA_KEYS = (
    "formula.self",
    "formula.reviewer",
    "formula.score",
    "formula.rollup",
    "formula.priority",
    "formula.weights",
)


TABLE_SHEETS: tuple[tuple[str, Callable[[CountryContext], Table]], ...] = (
    ("sheet.good_practices", country_tables.good_practices),
    ("sheet.challenges", country_tables.challenges),
    ("sheet.technical_assistance", country_tables.technical_assistance),
    ("sheet.by_article", country_tables.by_article),
    ("sheet.responses", country_tables.responses),
)


class ReportMismatch(ValueError):
    """Scores that were computed for another assessment than the snapshot given."""


def write_country_report(
    snapshot: AssessmentSnapshot,
    scores: AssessmentScores,
    stream: IO[bytes],
    language: str = "en",
) -> None:
    """Write the gap report of `snapshot` in `language` ("zh" or "en") to `stream`."""
    labels = Labels(language)
    if scores.assessment_id != snapshot.id:
        raise ReportMismatch(
            f"the scores are for assessment {scores.assessment_id}, the snapshot is "
            f"assessment {snapshot.id}; score the snapshot before writing its report"
        )
    context = CountryContext.build(snapshot, scores, labels)
    workbook = xlsxwriter.Workbook(stream, {**WORKBOOK_OPTIONS, "in_memory": True})
    formats = Formats(workbook)
    cells = SafeCellWriter(workbook)

    _write_summary(workbook, cells, formats, context)
    gap = country_tables.gap_analysis(context)
    sheet, count = write_table(
        workbook, cells, formats, labels["sheet.gap_analysis"], gap.columns, gap.rows
    )
    heat_map(sheet, 1, GAP_SCORE_COLUMN, count, GAP_SCORE_COLUMN)
    heat_map(sheet, 1, GAP_SCORE_COLUMN + 1, count, GAP_SCORE_COLUMN + 1, high_is_good=False)
    for sheet_key, build in TABLE_SHEETS:
        table = build(context)
        write_table(workbook, cells, formats, labels[sheet_key], table.columns, table.rows)
    _write_legend(workbook, cells, formats, context)
    workbook.close()


def _write_summary(
    workbook: Workbook, cells: SafeCellWriter, formats: Formats, context: CountryContext
) -> None:
    labels = context.labels
    snapshot = context.snapshot
    sheet = workbook.add_worksheet(labels["sheet.summary"])
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 5, 14)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    cells.write(sheet, 0, 0, f"{labels['summary.title']}: {context.state_name}", formats.title)
    cells.write(sheet, 1, 0, labels["legend.disclaimer"], formats.note)
    details: list[tuple[str, Any]] = [
        ("summary.state_party", f"{context.state_name} ({snapshot.state_party_code})"),
        ("summary.regional_group", regional_group_label(snapshot.regional_group, labels)),
        ("summary.review_year", snapshot.review_year),
        ("summary.reviewers", "; ".join(snapshot.reviewers)),
        ("summary.created", snapshot.created_at),
        ("summary.submitted", snapshot.submitted_at),
        ("summary.finalized", snapshot.finalized_at),
        ("summary.status", labels.value(snapshot.status)),
        ("summary.consent", labels.value(snapshot.publication_consent)),
        ("summary.bank", f"{snapshot.bank.id} v{snapshot.bank.version}"),
    ]
    row = 3
    for key, value in details:
        cells.write(sheet, row, 0, labels[key], formats.label)
        value_format = formats.date if isinstance(value, dt.date) else formats.text
        cells.write(sheet, row, 1, value, value_format)
        row += 1
    row += 1
    cells.write(sheet, row, 0, labels["summary.scores_heading"], formats.label)
    row += 1
    headers = ["col.section", "col.score", "col.gap", "col.answered", "col.asked", "col.coverage"]
    for column, key in enumerate(headers):
        cells.write(sheet, row, column, labels[key], formats.header)
    row += 1
    overall = [r for r in context.scores.rollups if r.dimension is Dimension.OVERALL]
    for rollup in overall:
        _write_rollup(sheet, cells, formats, row, labels["summary.overall"], rollup)
        row += 1
    first_section_row = row
    for rollup in _sections_in_bank_order(context):
        title = rollup.label_zh if labels.language == "zh" else rollup.label_en
        _write_rollup(sheet, cells, formats, row, title, rollup)
        row += 1
    if row > first_section_row:
        _insert_section_chart(workbook, sheet, labels, first_section_row, row - 1)


def _sections_in_bank_order(context: CountryContext) -> list[RollUp]:
    numbers = {section.id: section.number for section in context.snapshot.bank.sections}
    sections = context.scores.by_dimension(Dimension.SECTION)
    return sorted(sections, key=lambda rollup: numbers.get(rollup.key, len(numbers) + 1))


def _write_rollup(
    sheet: Any, cells: SafeCellWriter, formats: Formats, row: int, title: str, rollup: RollUp
) -> None:
    cells.write(sheet, row, 0, title, formats.wrap)
    cells.write(sheet, row, 1, rollup.score, formats.percent)
    cells.write(sheet, row, 2, rollup.gap, formats.percent)
    cells.write(sheet, row, 3, rollup.answered, formats.integer)
    cells.write(sheet, row, 4, rollup.asked, formats.integer)
    cells.write(sheet, row, 5, rollup.coverage, formats.percent)


def _insert_section_chart(
    workbook: Workbook, sheet: Any, labels: Labels, first_row: int, last_row: int
) -> None:
    """A native column chart, so it stays live if someone corrects a figure in Excel."""
    chart = workbook.add_chart({"type": "column"})
    name = sheet.get_name()
    chart.add_series(
        {
            "name": labels["col.score"],
            "categories": [name, first_row, 0, last_row, 0],
            "values": [name, first_row, 1, last_row, 1],
            "fill": {"color": "#4F81BD"},
        }
    )
    chart.set_title({"name": labels["summary.chart_title"]})
    chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%"})
    chart.set_legend({"none": True})
    chart.set_size({"width": 640, "height": 360})
    sheet.insert_chart(3, 7, chart)


def _write_legend(
    workbook: Workbook, cells: SafeCellWriter, formats: Formats, context: CountryContext
) -> None:
    labels = context.labels
    bank = context.snapshot.bank
    sheet = workbook.add_worksheet(labels["sheet.legend"])
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 24)
    sheet.set_column(2, 2, 60)
    sheet.set_column(3, 3, 10)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    cells.write(sheet, 0, 0, labels["sheet.legend"], formats.title)
    cells.write(sheet, 1, 0, labels["legend.disclaimer"], formats.label)

    row = 3
    cells.write(sheet, row, 0, labels["legend.scales"], formats.label)
    row += 1
    for column, key in enumerate(["col.scale", "col.value", "col.label", "col.points"]):
        cells.write(sheet, row, column, labels[key], formats.header)
    row += 1
    for scale_id in SCORING_SCALES:
        scale = bank.scales.get(scale_id)
        if scale is None:
            continue
        for option in scale.options:
            cells.write(sheet, row, 0, labels.bank_text(scale.label), formats.text)
            cells.write(sheet, row, 1, option.value, formats.text)
            cells.write(sheet, row, 2, labels.bank_text(option.label), formats.wrap)
            cells.write(sheet, row, 3, option.score, formats.decimal)
            row += 1
    for priority in Priority:
        cells.write(sheet, row, 0, labels["col.priority"], formats.text)
        cells.write(sheet, row, 1, priority.value, formats.text)
        cells.write(sheet, row, 2, labels.value(priority), formats.wrap)
        row += 1

    row += 1
    cells.write(sheet, row, 0, labels["legend.formulas"], formats.label)
    row += 1
    for key in FORMULA_KEYS:
        sheet.merge_range(row, 0, row, 3, "", formats.note)
        cells.write(sheet, row, 0, labels[key], formats.note)
        sheet.set_row(row, 32)  # merged cells do not grow with wrapped text
        row += 1
    row += 1

    cells.write(sheet, row, 0, labels["legend.strength_weights"], formats.label)
    row += 1
    for strength, weight in bank.metadata.strength_weights.items():
        cells.write(sheet, row, 0, labels.value(strength), formats.text)
        cells.write(sheet, row, 1, weight, formats.decimal)
        row += 1

    row += 1
    cells.write(sheet, row, 0, labels["legend.bank"], formats.label)
    row += 1
    for key, value in (
        ("legend.bank_id", bank.id),
        ("legend.bank_version", bank.version),
        ("legend.bank_edition", bank.metadata.edition),
        ("legend.bank_checksum", bank.checksum),
    ):
        cells.write(sheet, row, 0, labels[key], formats.text)
        cells.write(sheet, row, 1, value, formats.text)
        row += 1
