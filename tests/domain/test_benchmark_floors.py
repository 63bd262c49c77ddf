"""The benchmark's floors write the reports' own cells, so a report ÷ floor ratio is fair."""

from __future__ import annotations

import io

from benchmarks.floors import write_country_bare_floor
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.reports import write_country_report
from questionnaire.domain.scoring import score_assessment
from tests.domain.report_helpers import full_snapshot, read_workbook


def test_country_floor_holds_the_report_tables_without_formatting(bank: QuestionBank) -> None:
    snapshot = full_snapshot(bank)
    scores = score_assessment(snapshot)
    report_stream, floor_stream = io.BytesIO(), io.BytesIO()
    write_country_report(snapshot, scores, report_stream, language="en")
    write_country_bare_floor(snapshot, scores, floor_stream)
    report = read_workbook(report_stream.getvalue())
    floor = read_workbook(floor_stream.getvalue())
    assert floor.sheetnames == report.sheetnames[1:-1]  # no summary, no legend
    for name in floor.sheetnames:
        assert list(floor[name].values) == list(report[name].values), name
        assert not floor[name].conditional_formatting
