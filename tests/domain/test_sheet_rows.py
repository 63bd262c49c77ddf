"""Tidy rows rendered apart and spliced into a written workbook read as xlsxwriter's own.

The cross-country workbook's workers render the tidy sheet's rows as SpreadsheetML; these
tests read the spliced workbook back with openpyxl and check that every value, however
awkward, comes out as it went in, and that no text can become a formula or markup.
"""

from __future__ import annotations

import io
import math
import zipfile

import pytest
import xlsxwriter
from openpyxl import load_workbook

from questionnaire.domain.excel_safety import SafeCellWriter
from questionnaire.domain.reports.sheet_rows import render_rows, splice_rows

AWKWARD = [
    "plain",
    "a & b < c > d",
    "  leading and trailing  ",
    "line one\nline two",
    "_x0041_ stays as typed",
    "bell \x07 and escape \x1b",
    "<r><t>not markup</t></r>",
    "中文 and émigré ✓",
    "=1+1",
    "+cmd",
    "-2",
    "@SUM(A1)",
]


def _spliced(rows: list[list[object]], shares: int = 1) -> bytes:
    """A one-sheet workbook whose rows after the header come from `render_rows`."""
    header = io.BytesIO()
    workbook = xlsxwriter.Workbook(header, {"constant_memory": True})
    cells = SafeCellWriter(workbook)
    sheet = workbook.add_worksheet("Tidy")
    sheet.write_row(0, 0, ["text", "number", "flag"])
    sheet.autofilter(0, 0, len(rows), 2)
    guarded = cells.guarded_style_index()
    workbook.close()
    size = max(1, math.ceil(len(rows) / shares))
    rendered = [render_rows(rows[i : i + size]) for i in range(0, len(rows), size)]
    assert sum(share.count for share in rendered) == len(rows)
    output = io.BytesIO()
    header.seek(0)
    splice_rows(header, 1, (share.xml for share in rendered), len(rows), guarded, output)
    return output.getvalue()


def test_awkward_text_reads_back_as_typed_and_never_as_a_formula() -> None:
    rows = [[text, index, index % 2 == 0] for index, text in enumerate(AWKWARD)]
    sheet = load_workbook(io.BytesIO(_spliced(rows, shares=3))).active
    read = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    # openpyxl leaves Excel's escapes of control characters as they are; Excel reads
    # "_x0007_" back as the bell character and "_x005F_x0041_" as "_x0041_".
    expected = [
        text.replace("\x07", "_x0007_")
        .replace("\x1b", "_x001B_")
        .replace("_x0041_", "_x005F_x0041_")
        for text in AWKWARD
    ]
    assert [row[0] for row in read] == expected
    assert [row[1] for row in read] == list(range(len(AWKWARD)))
    assert [row[2] for row in read] == [index % 2 == 0 for index in range(len(AWKWARD))]
    for row in sheet.iter_rows(min_row=2):
        text = row[0]
        assert text.data_type == "s"
        assert bool(text.quotePrefix) == text.value.startswith(("=", "+", "-", "@")), text.value


def test_empty_cells_keep_the_columns_of_the_cells_after_them() -> None:
    rows = [[None, 1.5, True], ["", 2, None], ["x", None, False]]
    sheet = load_workbook(io.BytesIO(_spliced(rows))).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)] == [
        [None, 1.5, True],
        [None, 2, None],
        ["x", None, False],
    ]


def test_numbers_excel_cannot_hold_are_written_as_their_text() -> None:
    rows = [[None, math.nan, None], [None, math.inf, None], [None, 12345678901234567, None]]
    sheet = load_workbook(io.BytesIO(_spliced(rows))).active
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == [
        "nan",
        "inf",
        1.234567890123457e16,
    ]


def test_the_dimension_and_filter_cover_every_spliced_row() -> None:
    rows = [[f"row {index}", index, None] for index in range(250)]
    data = _spliced(rows, shares=7)
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b'<dimension ref="A1:C251"/>' in sheet_xml
    assert b'<autoFilter ref="A1:C251"/>' in sheet_xml
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.max_row == 251
    assert sheet.cell(251, 1).value == "row 249"


def test_no_rows_leave_the_header_alone() -> None:
    sheet = load_workbook(io.BytesIO(_spliced([]))).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["text", "number", "flag"]
    ]


def test_shares_that_do_not_hold_the_rows_announced_are_refused() -> None:
    header = io.BytesIO()
    workbook = xlsxwriter.Workbook(header, {"constant_memory": True})
    guarded = SafeCellWriter(workbook).guarded_style_index()
    workbook.add_worksheet("Tidy").write_row(0, 0, ["text"])
    workbook.close()
    header.seek(0)
    share = render_rows([["one"], ["two"]]).xml
    with pytest.raises(ValueError, match="hold 2 rows, not 3"):
        splice_rows(header, 1, [share], 3, guarded, io.BytesIO())
