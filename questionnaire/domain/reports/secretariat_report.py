"""The secretariat's cross-country workbook, written in one pass in constant memory.

xlsxwriter's constant-memory mode flushes each row once the next one starts, per
worksheet. So every sheet is created up front and each assessment adds its row (or rows)
to each sheet as it comes; only the two small tallies wait until the end. The
assessments can therefore be a generator that streams from the database.

The tidy sheet, nearly all of the workbook's cells, is not written cell by cell: its rows
are rendered as SpreadsheetML (`sheet_rows`), here or by the task queue's workers, each
for its share of the assessments, and spliced in after the rest is written.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass
from itertools import chain
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from questionnaire.domain.excel_safety import SafeCellWriter
from questionnaire.domain.reports import secretariat_data as data
from questionnaire.domain.reports.labels import Labels
from questionnaire.domain.reports.secretariat_data import (
    TIDY_COLUMNS,
    CountryPart,
    CountryRow,
    Layout,
    country_part,
)
from questionnaire.domain.reports.sheet_rows import RenderedRows, render_rows, splice_rows
from questionnaire.domain.reports.sheets import (
    WORKBOOK_OPTIONS,
    CellKind,
    Column,
    Formats,
    finish_table,
    heat_map,
    set_up_table,
)

Progress = Callable[[int, int], None]
STATE_COLUMNS = 3  # code, name, regional group lead every per-state sheet
TIDY_SHEET_NUMBER = 6  # the sixth sheet xlsxwriter writes, as `xl/worksheets/sheet6.xml`
_SPILL_BYTES = 8 * 1024 * 1024  # rendered tidy rows beyond this wait on disk, not in memory

__all__ = [
    "CountryPart",
    "CountryRow",
    "Layout",
    "RenderedRows",
    "TidyShares",
    "render_tidy_rows",
    "write_secretariat_parts",
    "write_secretariat_report",
]


class _Sheet:
    """One formatted worksheet being filled top to bottom."""

    def __init__(
        self,
        workbook: Workbook,
        cells: SafeCellWriter,
        formats: Formats,
        name: str,
        columns: Sequence[Column],
    ) -> None:
        self.sheet: Worksheet = workbook.add_worksheet(name)
        self.columns = columns
        self.cells = cells
        self.column_formats: list[Format | None] = [
            formats.by_kind[column.kind] for column in columns
        ]
        set_up_table(self.sheet, cells, formats, columns)
        self.rows = 0

    def append(self, values: Sequence[Any]) -> None:
        self.rows += 1
        self.cells.write_row(self.sheet, self.rows, values, self.column_formats)

    def finish(self) -> None:
        finish_table(self.sheet, self.columns, self.rows)


@dataclass(frozen=True)
class TidyShares:
    """The tidy sheet's rows rendered apart (`sheet_rows.render_rows`), share by share.

    `shares` is read once, after every part has been written, one share at a time.
    """

    count: int
    shares: Iterable[bytes]


def render_tidy_rows(parts: Iterable[CountryPart]) -> RenderedRows:
    """The tidy sheet's rows of `parts`: a worker's share, for `TidyShares`."""
    return render_rows(chain.from_iterable(part.tidy_rows for part in parts))


def write_secretariat_report(
    rows: Iterable[CountryRow],
    stream: IO[bytes],
    progress: Progress | None = None,
    *,
    language: str = "en",
    total: int | None = None,
) -> None:
    """Write the cross-country workbook of `rows` to `stream`.

    `progress(done, total)` is called once per assessment and once more when the workbook
    is closed, so `total` is the number of assessments plus one. Pass `total` (the number
    of assessments) when `rows` is a generator; without it the rows are read into memory
    first to count them.
    """
    if progress is not None and total is None:
        if not isinstance(rows, Sized):
            rows = list(rows)
        total = len(rows)  # type: ignore[arg-type]
    layout, parts = _parts_of(rows, Labels(language))
    _write(layout, parts, stream, progress, total)


def write_secretariat_parts(
    layout: Layout,
    parts: Iterable[CountryPart],
    stream: IO[bytes],
    progress: Progress | None = None,
    *,
    total: int | None = None,
    tidy: TidyShares | None = None,
) -> None:
    """Write the workbook from parts computed apart (by `country_part`, in any process).

    With `tidy`, the parts' own tidy rows are ignored: the tidy sheet is `tidy`'s rows.
    """
    _write(layout, parts, stream, progress, total, tidy=tidy)


def _parts_of(rows: Iterable[CountryRow], labels: Labels) -> tuple[Layout, Iterator[CountryPart]]:
    """The layout of the first row's bank, and every row as a part of that layout."""
    iterator = iter(rows)
    first = next(iterator, None)
    layout = Layout.from_bank(first.bank if first else None, labels)
    rest = chain([first], iterator) if first is not None else iter(())
    return layout, (country_part(layout, row) for row in rest)


def _write(
    layout: Layout,
    parts: Iterable[CountryPart],
    stream: IO[bytes],
    progress: Progress | None,
    total: int | None,
    *,
    tidy: TidyShares | None = None,
) -> None:
    sheets = io.BytesIO()
    if tidy is not None:
        guarded_style = _write_sheets(layout, parts, sheets, progress, total, tidy)
        sheets.seek(0)
        splice_rows(sheets, TIDY_SHEET_NUMBER, tidy.shares, tidy.count, guarded_style, stream)
    else:
        with tempfile.SpooledTemporaryFile(max_size=_SPILL_BYTES) as rendered:
            rendering = _Rendering(rendered)
            parts = (rendering.add(part) for part in parts)
            guarded_style = _write_sheets(layout, parts, sheets, progress, total, rendering)
            sheets.seek(0)
            rendered.seek(0)
            shares = (rendered.read(size) for size in rendering.sizes)
            splice_rows(sheets, TIDY_SHEET_NUMBER, shares, rendering.count, guarded_style, stream)
    if progress is not None:
        steps = (total or 0) + 1
        progress(steps, steps)


class _Rendering:
    """Renders each part's tidy rows to a file as the part goes by, counting them.

    Read back part by part (`sizes`), since a share must hold whole cells.
    """

    def __init__(self, output: IO[bytes]) -> None:
        self.output = output
        self.count = 0
        self.sizes: list[int] = []

    def add(self, part: CountryPart) -> CountryPart:
        rendered = render_rows(part.tidy_rows)
        self.output.write(rendered.xml)
        self.count += rendered.count
        self.sizes.append(len(rendered.xml))
        return part


def _write_sheets(
    layout: Layout,
    parts: Iterable[CountryPart],
    stream: IO[bytes],
    progress: Progress | None,
    total: int | None,
    tidy: TidyShares | _Rendering,
) -> int:
    """Every sheet, the tidy one with its header only (its rows are spliced in after).

    Returns the number of the quote-prefix style the rendered tidy rows refer to.
    """
    labels = layout.labels
    workbook = xlsxwriter.Workbook(stream, {**WORKBOOK_OPTIONS, "constant_memory": True})
    cells = SafeCellWriter(workbook)
    formats = Formats(workbook)
    needs = data.needs_tally(layout)
    challenges = data.challenge_tally(layout)

    def sheet(key: str, columns: Sequence[Column]) -> _Sheet:
        return _Sheet(workbook, cells, formats, labels[key], columns)

    sections = sheet("sheet.section_matrix", layout.section_matrix_columns())
    commitments = sheet("sheet.commitment_matrix", layout.commitment_matrix_columns())
    assessments = sheet("sheet.progress", layout.progress_columns())
    needs_sheet = sheet("sheet.ta_totals", needs.columns(labels["col.ta_type"], totals_first=False))
    challenge_sheet = sheet(
        "sheet.frequent_challenges", challenges.columns(labels["col.challenge"], totals_first=True)
    )
    tidy_sheet = sheet("sheet.tidy", [Column(title, 18, CellKind.PLAIN) for title in TIDY_COLUMNS])
    sections.sheet.freeze_panes(1, STATE_COLUMNS)
    commitments.sheet.freeze_panes(1, STATE_COLUMNS)

    steps = (total or 0) + 1
    done = 0
    for part in parts:
        sections.append(part.section_row)
        commitments.append(part.commitment_row)
        assessments.append(part.progress_row)
        data.add_needs(needs, part)
        data.add_challenges(challenges, part)
        done += 1
        if progress is not None:
            progress(done, steps)
    tidy_sheet.rows = tidy.count  # spliced in after the workbook is written

    for needs_row in data.needs_table(needs):
        needs_sheet.append(needs_row)
    for challenge_row in data.challenge_table(challenges):
        challenge_sheet.append(challenge_row)
    for output in (sections, commitments, assessments, needs_sheet, challenge_sheet, tidy_sheet):
        output.finish()
    last_section = STATE_COLUMNS + len(layout.section_ids)
    heat_map(sections.sheet, 1, STATE_COLUMNS, sections.rows, last_section)
    last_commitment = STATE_COLUMNS + len(layout.commitment_ids) - 1
    heat_map(commitments.sheet, 1, STATE_COLUMNS, commitments.rows, last_commitment)
    guarded_style = cells.guarded_style_index()
    workbook.close()
    return guarded_style
