"""Keep text from people as text in every workbook this application writes.

Excel and LibreOffice treat a typed cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula (formula injection). Every string is written here as a
string cell, never through a writer's guess; text that would start a formula also gets
Excel's quote-prefix flag, so editing the cell later does not turn it into one. The
text itself is never altered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS)


class SafeCellWriter:
    """Writes values so that data never becomes a formula."""

    def __init__(self, workbook: Workbook) -> None:
        self._guarded: dict[int | None, Format] = {}
        self._properties: dict[int, dict[str, Any]] = {}
        self._workbook = workbook

    def add_format(self, properties: dict[str, Any]) -> Format:
        """A workbook format whose guarded twin keeps every property (locks, fills, numbers)."""
        cell_format = self._workbook.add_format(properties)
        self._properties[id(cell_format)] = dict(properties)
        return cell_format

    def write(
        self, sheet: Worksheet, row: int, column: int, value: Any, cell_format: Format | None = None
    ) -> None:
        if value is None or value == "":
            sheet.write_blank(row, column, None, cell_format)
        elif isinstance(value, str):
            if looks_like_formula(value):
                cell_format = self._guarded_format(cell_format)
            sheet.write_string(row, column, value, cell_format)
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value, cell_format)
        elif isinstance(value, int | float):
            sheet.write_number(row, column, value, cell_format)
        elif isinstance(value, dt.date | dt.datetime):
            sheet.write_datetime(row, column, value, cell_format)
        else:
            sheet.write_string(row, column, str(value), cell_format)

    def write_row(
        self, sheet: Worksheet, row: int, values: Sequence[Any], formats: Sequence[Format | None]
    ) -> None:
        """A table row; empty cells are left out, since the column's format dresses them.

        The same rules as `write`, with plain strings and numbers (nearly every cell of a
        report) written without the detour: reports write hundreds of thousands of cells.
        """
        write_string = sheet.write_string
        write_number = sheet.write_number
        for column, value in enumerate(values):
            kind = value.__class__
            if kind is str:
                if not value:
                    continue
                cell_format = formats[column]
                if value.startswith(FORMULA_TRIGGERS):
                    cell_format = self._guarded_format(cell_format)
                write_string(row, column, value, cell_format)
            elif kind is int or kind is float:  # not bool, a subclass of int
                write_number(row, column, value, formats[column])
            elif value is not None:
                self.write(sheet, row, column, value, formats[column])

    def guarded_style_index(self) -> int:
        """The style number of unformatted text that would start a formula.

        For cells written outside xlsxwriter (`reports.sheet_rows`); asking for it also
        puts the style in the workbook, so call it before the workbook is closed.
        xlsxwriter numbers a format when a cell first uses it, through `_get_xf_index`,
        the one call it has for this.
        """
        return int(self._guarded_format(None)._get_xf_index())

    def _guarded_format(self, base: Format | None) -> Format:
        key = id(base) if base is not None else None
        if key not in self._guarded:
            properties: dict[str, Any] = {}
            if key is not None and key in self._properties:
                properties.update(self._properties[key])
            elif base is not None:
                properties.update(text_wrap=bool(base.text_wrap), valign="top")
            properties["quote_prefix"] = True
            self._guarded[key] = self._workbook.add_format(properties)
        return self._guarded[key]
