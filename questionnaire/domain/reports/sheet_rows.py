"""A big sheet's rows rendered apart, in any process, and spliced into a written workbook.

The cross-country workbook's tidy sheet holds nearly all of its cells (890,000 of 910,000
for 195 states), so writing them cell by cell in one process is what bounds how fast any
number of workers can build the workbook. Here each worker renders its share as
SpreadsheetML `<row>` elements, and the assembler copies them, as bytes, between the head
and the tail of the sheet that xlsxwriter wrote with only its header row.

A worker does not know how many rows come before its share, so its rows and cells carry
`ROW_MARK` where their row number goes, and the splice puts the numbers in: cheap byte
replacements, one per row. (ECMA-376 lets a sheet leave references out, and Excel accepts
that, but not every reader a secretariat feeds does.)

Strings are inline strings, never shared ones, escaped as xlsxwriter escapes them (`&`,
`<`, `>`; control characters as `_xHHHH_`), so the marks, control bytes, cannot occur in
text. No string ever becomes a formula: an inline string cannot be one, and text that
would start a formula gets the quote-prefix style, so editing the cell later does not turn
it into one either (see `excel_safety`). That style's number is only known once the
workbook is written, so a share marks those cells with `GUARDED_STYLE_MARK` instead.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import isfinite
from typing import IO, Any

from questionnaire.domain.excel_safety import FORMULA_TRIGGERS

GUARDED_STYLE_MARK = b"\x00"
ROW_MARK = b"\x01"
_ROW_END = b"</row>"
# Level 1 compresses the tidy sheet to 1.3x the size of level 6 in a third of the time;
# the assembler is the one step the workers cannot share.
SPLICE_COMPRESSLEVEL = 1

_ESCAPED_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_COLUMN_LETTERS = [chr(ord("A") + index) for index in range(26)]
_COLUMN_LETTERS += [first + second for first in _COLUMN_LETTERS for second in _COLUMN_LETTERS]
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_NEEDS_ESCAPING = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_SHEET_DATA_END = b"</sheetData>"
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+1(?::([A-Z]+)1)?"/>')


@dataclass(frozen=True)
class RenderedRows:
    """A share of a sheet's rows as SpreadsheetML, and how many rows it holds."""

    xml: bytes
    count: int


def render_rows(rows: Iterable[Sequence[Any]]) -> RenderedRows:
    """`<row>` elements for `rows`: text, numbers, booleans and None (an empty cell).

    Anything else, a number Excel cannot hold (NaN, infinity) included, is written as its
    text, where xlsxwriter would stop the whole workbook. Rows of up to 702 columns (ZZ).
    """
    pieces: list[str] = []
    append = pieces.append
    count = 0
    for row in rows:
        count += 1
        append('<row r="\x01">')
        for column, value in enumerate(row):
            kind = value.__class__
            if kind is str:
                if value:
                    append(_string_cell(_COLUMN_LETTERS[column], value))
            elif kind is int or (kind is float and isfinite(value)):
                append(f'<c r="{_COLUMN_LETTERS[column]}\x01"><v>{value:.16G}</v></c>')
            elif value is None:
                continue
            elif kind is bool:
                append(f'<c r="{_COLUMN_LETTERS[column]}\x01" t="b"><v>{int(value)}</v></c>')
            else:
                append(_string_cell(_COLUMN_LETTERS[column], str(value)))
        append("</row>")
    return RenderedRows("".join(pieces).encode("utf-8"), count)


def _string_cell(letters: str, text: str) -> str:
    style = ""
    if text.startswith(FORMULA_TRIGGERS):
        style = ' s="\x00"'
    if _NEEDS_ESCAPING.search(text):
        text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{letters}\x01"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def splice_rows(
    workbook: IO[bytes],
    sheet_number: int,
    shares: Iterable[bytes],
    rows: int,
    guarded_style: int,
    output: IO[bytes],
) -> None:
    """Copy `workbook` to `output` with `shares` appended to sheet `sheet_number`'s rows.

    Each share is whole rows from `render_rows` (or several such results joined), numbered
    here from the row after the header. The sheet holds its header row only; its dimension
    is widened to the header plus `rows` data rows (its filter range was set to them when
    it was written). Shares are read one at a time, so memory holds one share, not the
    sheet.
    """
    name = f"xl/worksheets/sheet{sheet_number}.xml"
    mark = b' s="' + str(guarded_style).encode("ascii") + b'"'
    with (
        zipfile.ZipFile(workbook) as source,
        zipfile.ZipFile(
            output, "w", zipfile.ZIP_DEFLATED, compresslevel=SPLICE_COMPRESSLEVEL
        ) as target,
    ):
        for info in source.infolist():
            if info.filename != name:
                with source.open(info) as member, target.open(info.filename, "w") as copy:
                    shutil.copyfileobj(member, copy)
                continue
            sheet = source.read(info)
            end = sheet.rindex(_SHEET_DATA_END)
            head = _DIMENSION.sub(
                lambda match: b'<dimension ref="A1:%s%d"/>' % (match.group(1) or b"A", rows + 1),
                sheet[:end],
                count=1,
            )
            with target.open(info.filename, "w", force_zip64=True) as copy:
                copy.write(head)
                number = 1  # the header row
                for share in shares:
                    share = share.replace(b' s="' + GUARDED_STYLE_MARK + b'"', mark)
                    numbered = []
                    for row in share.split(_ROW_END)[:-1]:
                        number += 1
                        numbered.append(row.replace(ROW_MARK, b"%d" % number))
                    numbered.append(b"")
                    copy.write(_ROW_END.join(numbered))
                copy.write(sheet[end:])
            if number != rows + 1:
                raise ValueError(f"the shares hold {number - 1} rows, not {rows}")
