"""Table sheets as every report lays them out: a header row, typed columns, print setup.

Readers filter, sort and print these sheets, so each one gets the same frozen header,
autofilter, repeated title row, landscape page fitted to width, and per-column formats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from questionnaire.domain.excel_safety import SafeCellWriter


class CellKind(StrEnum):
    PLAIN = "plain"  # no format at all: data for machines, where formats only cost time
    TEXT = "text"
    WRAP = "wrap"  # long text from people: wrapped, top-aligned
    INTEGER = "integer"
    DECIMAL = "decimal"  # 0.00
    PERCENT = "percent"  # 0%
    DATE = "date"


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    kind: CellKind = CellKind.TEXT


WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "remove_timezone": True,  # snapshot dates are time-zone aware; Excel has no zones
}


class Formats:
    """The handful of cell formats the reports share, created once per workbook."""

    def __init__(self, workbook: Workbook) -> None:
        top = {"valign": "top"}
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#DCE6F1", "text_wrap": True, "valign": "top", "border": 1}
        )
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.note = workbook.add_format({"italic": True, "text_wrap": True, "valign": "top"})
        self.label = workbook.add_format({"bold": True, "valign": "top"})
        self.text = workbook.add_format(top)
        self.wrap = workbook.add_format({**top, "text_wrap": True})
        self.integer = workbook.add_format({**top, "num_format": "0"})
        self.decimal = workbook.add_format({**top, "num_format": "0.00"})
        self.percent = workbook.add_format({**top, "num_format": "0%"})
        self.date = workbook.add_format({**top, "num_format": "yyyy-mm-dd"})
        self.by_kind: dict[CellKind, Format | None] = {
            CellKind.PLAIN: None,
            CellKind.TEXT: self.text,
            CellKind.WRAP: self.wrap,
            CellKind.INTEGER: self.integer,
            CellKind.DECIMAL: self.decimal,
            CellKind.PERCENT: self.percent,
            CellKind.DATE: self.date,
        }


def set_up_table(
    sheet: Worksheet, cells: SafeCellWriter, formats: Formats, columns: Sequence[Column]
) -> None:
    """Header row, widths, frozen header and print layout; rows follow from row 1."""
    for index, column in enumerate(columns):
        cells.write(sheet, 0, index, column.title, formats.header)
        # The column's format also dresses its empty cells, so those need not be written.
        sheet.set_column(index, index, column.width, formats.by_kind[column.kind])
    sheet.freeze_panes(1, 0)
    sheet.repeat_rows(0)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4, the UN's paper size
    sheet.fit_to_pages(1, 0)


def finish_table(sheet: Worksheet, columns: Sequence[Column], rows_written: int) -> None:
    sheet.autofilter(0, 0, max(rows_written, 1), len(columns) - 1)


def write_table(
    workbook: Workbook,
    cells: SafeCellWriter,
    formats: Formats,
    name: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
) -> tuple[Worksheet, int]:
    """A whole table sheet; returns the sheet and how many data rows it has."""
    sheet = workbook.add_worksheet(name)
    set_up_table(sheet, cells, formats, columns)
    column_formats = [formats.by_kind[column.kind] for column in columns]
    count = 0
    for count, row in enumerate(rows, start=1):
        cells.write_row(sheet, count, row, column_formats)
    finish_table(sheet, columns, count)
    return sheet, count


def heat_map(
    sheet: Worksheet,
    first_row: int,
    first_col: int,
    last_row: int,
    last_col: int,
    *,
    high_is_good: bool = True,
) -> None:
    """Red-amber-green colour scale, so weak spots stand out in a long table."""
    if last_row < first_row or last_col < first_col:
        return
    red, amber, green = "#F8696B", "#FFEB84", "#63BE7B"
    low, high = (red, green) if high_is_good else (green, red)
    sheet.conditional_format(
        first_row,
        first_col,
        last_row,
        last_col,
        {
            "type": "3_color_scale",
            "min_type": "num",
            "min_value": 0,
            "mid_type": "num",
            "mid_value": 0.5,
            "max_type": "num",
            "max_value": 1,
            "min_color": low,
            "mid_color": amber,
            "max_color": high,
        },
    )
