"""The secretariat's cross-country workbook for twenty synthetic state parties."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest
from openpyxl.workbook import Workbook

from benchmarks.floors import write_bare_floor
from questionnaire.domain.answers import is_answered
from questionnaire.domain.assessment import FindingKind
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.reports import (
    CountryPart,
    CountryRow,
    Labels,
    Layout,
    TidyShares,
    UnsupportedLanguage,
    country_part,
    render_tidy_rows,
    write_secretariat_parts,
    write_secretariat_report,
)
from questionnaire.domain.reports.country_tables import declared_needs
from questionnaire.domain.reports.secretariat_data import TIDY_COLUMNS
from questionnaire.domain.scoring import score_assessment
from questionnaire.domain.state_parties import load_state_parties
from tests.domain.report_helpers import PAYLOADS, data_rows, full_snapshot, header, read_workbook

COUNTRIES = 20
SHEETS = {
    "en": [
        "State party x section",
        "State party x commitment",
        "Progress",
        "Technical assistance totals",
        "Frequent challenges",
        "Tidy data",
    ],
    "zh": ["缔约国×章节", "缔约国×承诺", "评估进度", "技术援助需要汇总", "常见挑战", "长表数据"],
}
GROUPS_EN = [
    "African States",
    "Asia-Pacific States",
    "Eastern European States",
    "Latin American and Caribbean States",
    "Western European and other States",
]


def country_rows(bank: QuestionBank, count: int, *, payloads: bool = False) -> Iterator[CountryRow]:
    parties = load_state_parties()
    step = len(parties) // count
    for index in range(count):
        party = parties[index * step]
        snapshot = full_snapshot(
            bank,
            assessment_id=index + 1,
            code=party.code,
            name_en=party.name_en,
            name_zh=party.name_zh,
            regional_group=party.regional_group,
            seed=index,
            payloads=payloads,
        )
        yield CountryRow.from_snapshot(snapshot, score_assessment(snapshot))


@pytest.fixture(scope="module")
def rows(bank: QuestionBank) -> list[CountryRow]:
    return list(country_rows(bank, COUNTRIES))


@pytest.fixture(scope="module")
def report(rows: list[CountryRow]) -> Workbook:
    stream = io.BytesIO()
    write_secretariat_report(rows, stream)
    return read_workbook(stream.getvalue())


def test_sheets_are_named_in_the_report_language(rows: list[CountryRow]) -> None:
    for language, names in SHEETS.items():
        stream = io.BytesIO()
        write_secretariat_report(rows[:2], stream, language=language)
        assert read_workbook(stream.getvalue()).sheetnames == names


def test_section_matrix_has_a_row_per_state_and_a_column_per_section(
    report: Workbook, rows: list[CountryRow], bank: QuestionBank
) -> None:
    sheet_name = SHEETS["en"][0]
    columns = header(report, sheet_name)
    assert columns[:4] == ["Code", "State party", "Regional group", "Overall"]
    assert len(columns) == 4 + len(bank.sections)
    matrix = list(data_rows(report, sheet_name))
    assert [row[0] for row in matrix] == [row.state_party_code for row in rows]
    for written, row in zip(matrix, rows, strict=True):
        assert written[3] == pytest.approx(row.scores.overall().score)
        assert {r.key: r.score for r in row.scores.rollups if r.dimension == "section"} == {
            section.id: pytest.approx(value)
            for section, value in zip(bank.sections, written[4:], strict=True)
        }
    assert report[sheet_name].freeze_panes == "D2"
    assert [str(rule.sqref) for rule in report[sheet_name].conditional_formatting] == ["D2:K21"]


def test_commitment_matrix_is_states_by_assessable_commitments(
    report: Workbook, rows: list[CountryRow]
) -> None:
    sheet_name = SHEETS["en"][1]
    columns = header(report, sheet_name)
    assert len(columns) == 3 + 71
    assert columns[3] == "P1"
    matrix = list(data_rows(report, sheet_name))
    assert len(matrix) == COUNTRIES
    first = {score.commitment_id: score.score for score in rows[0].scores.commitments}
    assert matrix[0][3] == pytest.approx(first["pd2021.p1"])
    assert [str(rule.sqref) for rule in report[sheet_name].conditional_formatting] == ["D2:BV21"]


def test_progress_shows_status_and_how_much_is_answered(
    report: Workbook, rows: list[CountryRow]
) -> None:
    progress = list(data_rows(report, SHEETS["en"][2]))
    assert len(progress) == COUNTRIES
    first = progress[0]
    assert first[4] == "pd2021 v1"  # the bank version the assessment was answered under
    assert first[5] == "Review completed"
    assert first[6:8] == (71, 71)
    answered = sum(is_answered(v) for item in rows[0].items for v in item.answers.values())
    assert first[9] == answered
    assert first[10].year == 2026  # submitted date


def test_regional_groups_are_named(report: Workbook) -> None:
    assert {row[2] for row in data_rows(report, SHEETS["en"][0])} <= set(GROUPS_EN)


def test_technical_assistance_totals_add_up(report: Workbook, rows: list[CountryRow]) -> None:
    sheet_name = SHEETS["en"][3]
    columns = header(report, sheet_name)
    assert columns == ["Type of assistance", *GROUPS_EN, "Total", "States"]
    table = list(data_rows(report, sheet_name))
    *types, total_row = table
    for row in types:
        assert sum(row[1:6]) == row[6], row
    assert total_row[0] == "Total"
    assert list(total_row[1:7]) == [sum(row[i] for row in types) for i in range(1, 7)]

    expected = 0
    for row in rows:
        needs = set()
        for item in row.items:
            for finding in item.review.findings:
                if finding.kind is FindingKind.TECHNICAL_ASSISTANCE:
                    needs.add((item.commitment.id, finding.technical_assistance_type))
            needs.update((item.commitment.id, need[0]) for need in declared_needs(item))
        expected += len(needs)
    assert total_row[6] == expected > 0
    assert total_row[7] == COUNTRIES


def test_most_frequent_challenges_are_counted_and_sorted(
    report: Workbook, rows: list[CountryRow]
) -> None:
    table = list(data_rows(report, SHEETS["en"][4]))
    mentions = [row[1] for row in table]
    assert mentions == sorted(mentions, reverse=True)
    counted = Counter(
        value
        for row in rows
        for item in row.items
        for value in item.answers.get("challenges") or []
    )
    assert table[0][0] == "Inter-agency coordination"
    assert table[0][1] == counted["inter_agency_coordination"]
    assert sum(mentions) == sum(counted.values())
    for row in table:
        assert sum(row[3:]) == row[1]


def test_tidy_sheet_has_one_row_per_answered_question(
    report: Workbook, rows: list[CountryRow]
) -> None:
    sheet_name = SHEETS["en"][5]
    assert header(report, sheet_name) == [
        "state_party_code",
        "regional_group",
        "review_year",
        "bank_id",
        "bank_version",
        "commitment_id",
        "paragraph",
        "question_id",
        "value",
    ]
    answered = sum(
        is_answered(v) for row in rows for item in row.items for v in item.answers.values()
    )
    assert report[sheet_name].max_row - 1 == answered
    first = next(data_rows(report, sheet_name))
    assert first[:8] == (
        rows[0].state_party_code,
        rows[0].regional_group,
        2026,
        "pd2021",
        1,
        "pd2021.p1",
        1,
        "pd2021.p1.status",
    )


def test_progress_is_reported_per_state_and_once_the_file_is_closed(
    bank: QuestionBank,
) -> None:
    calls: list[tuple[int, int]] = []
    write_secretariat_report(
        country_rows(bank, 3),
        io.BytesIO(),
        lambda done, total: calls.append((done, total)),
        total=3,
    )
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_a_generator_without_a_total_is_counted_first(bank: QuestionBank) -> None:
    calls: list[tuple[int, int]] = []
    write_secretariat_report(country_rows(bank, 2), io.BytesIO(), lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_formula_injection_payloads_stay_text(bank: QuestionBank) -> None:
    stream = io.BytesIO()
    write_secretariat_report(country_rows(bank, 2, payloads=True), stream)
    workbook = read_workbook(stream.getvalue())
    # Constant-memory sheets hold in-line strings, where openpyxl leaves Excel's escape of
    # a carriage return (_x000D_) as it is; Excel itself reads it back as "\r".
    as_read = {payload.replace("\r", "_x000D_"): payload for payload in PAYLOADS}
    found = set()
    for row in workbook[SHEETS["en"][5]].iter_rows(min_row=2):
        cell = row[TIDY_COLUMNS.index("value")]
        if cell.value in as_read:
            assert cell.data_type == "s", (cell.coordinate, cell.value)
            if cell.value[0] in "=+-@":  # editing the cell later keeps it text
                assert cell.quotePrefix, (cell.coordinate, cell.value)
            found.add(as_read[cell.value])
    assert found == set(PAYLOADS)


def test_no_assessments_give_empty_sheets_with_headers() -> None:
    stream = io.BytesIO()
    write_secretariat_report([], stream)
    workbook = read_workbook(stream.getvalue())
    assert workbook.sheetnames == SHEETS["en"]
    assert header(workbook, SHEETS["en"][0]) == ["Code", "State party", "Regional group", "Overall"]
    assert list(data_rows(workbook, SHEETS["en"][2])) == []


@pytest.mark.slow
def test_bare_floor_holds_the_same_cells_without_formatting(
    report: Workbook, rows: list[CountryRow]
) -> None:
    stream = io.BytesIO()
    write_bare_floor(rows, stream)
    floor = read_workbook(stream.getvalue())
    assert floor.sheetnames == report.sheetnames
    submitted = len(header(report, SHEETS["en"][2])) - 1
    for name in report.sheetnames:
        floor_values = list(floor[name].values)
        report_values = list(report[name].values)
        if name == SHEETS["en"][2]:  # without a date format a date is a bare serial number
            assert all(row[submitted] > 46000 for row in floor_values[1:])
            floor_values = [row[:submitted] for row in floor_values]
            report_values = [row[:submitted] for row in report_values]
        assert floor_values == report_values, name
        assert floor[name].freeze_panes is None
        assert not floor[name].conditional_formatting


def test_an_unknown_language_is_refused(rows: list[CountryRow]) -> None:
    with pytest.raises(UnsupportedLanguage, match="got 'de'"):
        write_secretariat_report(rows, io.BytesIO(), language="de")


@pytest.mark.slow
def test_parts_computed_apart_and_sent_as_json_make_the_same_workbook(
    bank: QuestionBank, rows: list[CountryRow]
) -> None:
    """What the task queue's workers do: each assessment becomes a part in one process,
    travels as JSON, and another process writes the workbook from the parts."""
    layout = Layout.from_bank(rows[0].bank, Labels("en"))
    sent = [json.dumps(country_part(layout, row).to_json()) for row in rows]
    received = [CountryPart.from_json(json.loads(text)) for text in sent]
    assert received == [country_part(layout, row) for row in rows]
    assert any(part.progress_row[-1] is not None for part in received)  # dates survive
    # The workers also render the tidy rows of their chunk; the parts then travel without.
    chunks = [received[start : start + 7] for start in range(0, len(received), 7)]
    shares = [render_tidy_rows(chunk) for chunk in chunks]
    tidy = TidyShares(sum(share.count for share in shares), (share.xml for share in shares))
    without_rows = [replace(part, tidy_rows=()) for part in received]
    apart, rendered_apart, together = io.BytesIO(), io.BytesIO(), io.BytesIO()
    write_secretariat_parts(layout, received, apart, total=len(received))
    write_secretariat_parts(layout, without_rows, rendered_apart, total=len(rows), tidy=tidy)
    write_secretariat_report(rows, together, language="en")
    cells_together = read_workbook(together.getvalue())
    assert cells_together[SHEETS["en"][5]].max_row == tidy.count + 1
    for written in (apart, rendered_apart):
        cells_apart = read_workbook(written.getvalue())
        for sheet in cells_together.sheetnames:
            assert list(cells_apart[sheet].iter_rows(values_only=True)) == list(
                cells_together[sheet].iter_rows(values_only=True)
            ), sheet
