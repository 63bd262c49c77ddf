"""The country gap report, read back as a person opening it in Excel would see it."""

from __future__ import annotations

import dataclasses
import io

import pytest
from openpyxl.workbook import Workbook

from questionnaire.domain.assessment import AssessmentSnapshot, Finding, FindingKind
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.bank.schema import Strength
from questionnaire.domain.reports import ReportMismatch, UnsupportedLanguage, write_country_report
from questionnaire.domain.scoring import score_assessment
from questionnaire.domain.scoring.types import AssessmentScores, Dimension
from tests.domain.report_helpers import PAYLOADS, data_rows, full_snapshot, header, read_workbook

SHEETS = {
    "en": [
        "Summary",
        "Gap analysis",
        "Successes and good practices",
        "Challenges and recommendations",
        "Technical assistance needs",
        "By UNCAC article",
        "Responses",
        "Legend",
    ],
    "zh": [
        "概要",
        "差距分析",
        "成功经验和良好做法",
        "实施方面的挑战和建议",
        "技术援助需要",
        "按《公约》条款",
        "答复",
        "说明",
    ],
}
TABLE_SHEETS = {language: names[1:7] for language, names in SHEETS.items()}
DISCLAIMER = {
    "en": "Scores are this application's own measure; "
    "the UNCAC Implementation Review Mechanism produces no ratings.",
    "zh": "得分是本应用自己的衡量标准；《联合国反腐败公约》实施情况审议机制不作任何评级。",
}
WORDING = {
    "en": {
        Strength.COMMIT: " should ",
        Strength.ENCOURAGE: " is encouraged to ",
        Strength.INVITE_TO_CONSIDER: " could consider ",
    },
    "zh": {
        Strength.COMMIT: "应",
        Strength.ENCOURAGE: "鼓励",
        Strength.INVITE_TO_CONSIDER: "可考虑",
    },
}


def build(snapshot: AssessmentSnapshot, scores: AssessmentScores, language: str) -> Workbook:
    stream = io.BytesIO()
    write_country_report(snapshot, scores, stream, language)
    return read_workbook(stream.getvalue())


@pytest.fixture(scope="module")
def snapshot(bank: QuestionBank) -> AssessmentSnapshot:
    return full_snapshot(bank)


@pytest.fixture(scope="module")
def scores(snapshot: AssessmentSnapshot) -> AssessmentScores:
    return score_assessment(snapshot)


@pytest.fixture(scope="module", params=["en", "zh"])
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def report(snapshot: AssessmentSnapshot, scores: AssessmentScores, language: str) -> Workbook:
    return build(snapshot, scores, language)


def test_sheet_names_are_in_the_report_language(report: Workbook, language: str) -> None:
    assert report.sheetnames == SHEETS[language]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Section", "Paragraph", "Commitment", "Declaration text (Chinese source)"]),
        ("zh", ["章节", "段落", "承诺", "宣言原文（中文）"]),
    ],
)
def test_gap_analysis_headers_follow_the_language(
    snapshot: AssessmentSnapshot, scores: AssessmentScores, language: str, expected: list[str]
) -> None:
    workbook = build(snapshot, scores, language)
    assert header(workbook, SHEETS[language][1])[:4] == expected


def test_gap_analysis_has_one_row_per_commitment_with_its_score(
    report: Workbook, language: str, snapshot: AssessmentSnapshot, scores: AssessmentScores
) -> None:
    sheet_name = SHEETS[language][1]
    columns = header(report, sheet_name)
    score_column = columns.index(
        "Score (application measure)" if language == "en" else "得分（本应用衡量）"
    )
    rows = list(data_rows(report, sheet_name))
    assert len(rows) == len(snapshot.items) == 71
    by_paragraph = {score.paragraph: score for score in scores.commitments}
    for row in rows:
        expected = by_paragraph[row[1]]
        assert row[score_column] == pytest.approx(expected.score)
        assert row[score_column + 1] == pytest.approx(expected.gap)
    assert report[sheet_name].cell(2, score_column + 1).number_format == "0%"


def test_gap_analysis_keeps_the_chinese_source_text_in_both_languages(
    report: Workbook, language: str, bank: QuestionBank
) -> None:
    first = next(data_rows(report, SHEETS[language][1]))
    assert first[3] == bank.commitment("pd2021.p1").spec.text_zh


def test_score_and_gap_columns_carry_a_heat_map(report: Workbook, language: str) -> None:
    ranges = [str(rule.sqref) for rule in report[SHEETS[language][1]].conditional_formatting]
    assert ranges == ["N2:N72", "O2:O72"]


def test_table_sheets_are_ready_to_filter_and_print(report: Workbook, language: str) -> None:
    for name in TABLE_SHEETS[language]:
        sheet = report[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), name
        assert sheet.print_title_rows == "$1:$1", name
        assert sheet.page_setup.orientation == "landscape", name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name


def test_summary_labels_the_scores_as_this_applications_measure(
    report: Workbook, language: str
) -> None:
    texts = [c for row in report[SHEETS[language][0]].iter_rows(values_only=True) for c in row]
    assert DISCLAIMER[language] in texts
    heading = (
        "Scores (this application's own measure)"
        if language == "en"
        else "得分（本应用的内部衡量标准）"
    )
    assert heading in texts


def test_summary_shows_overall_and_section_scores_with_coverage(
    report: Workbook, language: str, scores: AssessmentScores
) -> None:
    rows = {row[0]: row for row in report[SHEETS[language][0]].iter_rows(values_only=True)}
    overall = rows["Overall" if language == "en" else "总体"]
    assert overall[1] == pytest.approx(scores.overall().score)
    assert overall[3:6] == (71, 71, 1)
    for section in scores.by_dimension(Dimension.SECTION):
        row = rows[section.label_en if language == "en" else section.label_zh]
        assert row[1] == pytest.approx(section.score)
        assert row[5] == pytest.approx(section.coverage)


def test_summary_has_a_native_column_chart_of_section_scores(
    report: Workbook, language: str
) -> None:
    charts = report[SHEETS[language][0]]._charts
    assert len(charts) == 1
    assert charts[0].tagname == "barChart" and charts[0].type == "col"


def test_summary_names_the_state_and_its_regional_group(report: Workbook, language: str) -> None:
    values = [c for row in report[SHEETS[language][0]].iter_rows(values_only=True) for c in row]
    assert ("China (CHN)" if language == "en" else "中国 (CHN)") in values
    assert ("Asia-Pacific States" if language == "en" else "亚洲及太平洋国家组") in values


def test_recommendation_wording_follows_the_strength_of_the_commitment(
    report: Workbook, language: str, bank: QuestionBank
) -> None:
    sheet_name = SHEETS[language][3]
    wording_column = 7
    rows = list(data_rows(report, sheet_name))
    strengths = {bank.commitment(f"pd2021.p{row[2]}").strength for row in rows}
    assert {Strength.COMMIT, Strength.ENCOURAGE, Strength.INVITE_TO_CONSIDER} <= strengths
    for row in rows:
        strength = bank.commitment(f"pd2021.p{row[2]}").strength
        assert WORDING[language][strength] in str(row[wording_column]), row


def test_recommendations_get_stable_ids(
    snapshot: AssessmentSnapshot, scores: AssessmentScores
) -> None:
    first = [row[0] for row in data_rows(build(snapshot, scores, "en"), SHEETS["en"][3])]
    again = [row[0] for row in data_rows(build(snapshot, scores, "zh"), SHEETS["zh"][3])]
    assert first == again
    assert first[0] == "CHN-2026-P1-R1"
    assert len(set(first)) == len(first)


def test_a_reviewers_own_recommendation_id_is_kept(
    snapshot: AssessmentSnapshot, scores: AssessmentScores
) -> None:
    item = snapshot.items[0]
    finding = Finding(FindingKind.CHALLENGE, "Gap.", "act", recommendation_id="CHN-2021-P1-R7")
    review = dataclasses.replace(item.review, findings=(finding,))
    items = (dataclasses.replace(item, review=review), *snapshot.items[1:])
    workbook = build(dataclasses.replace(snapshot, items=items), scores, "en")
    assert next(data_rows(workbook, "Challenges and recommendations"))[0] == "CHN-2021-P1-R7"


def test_technical_assistance_needs_come_from_reviewers_and_from_the_state(
    report: Workbook, language: str, snapshot: AssessmentSnapshot
) -> None:
    rows = list(data_rows(report, SHEETS[language][4]))
    reviewer_needs = sum(
        finding.kind is FindingKind.TECHNICAL_ASSISTANCE
        for item in snapshot.items
        for finding in item.review.findings
    )
    state_needs = sum(
        len(item.answers.get("ta_types") or [])  # type: ignore[arg-type]
        for item in snapshot.items
        if item.answers.get("ta_needed") == "yes"
    )
    sources = [row[1] for row in rows]
    reviewers, state = (
        ("Reviewers", "State party") if language == "en" else ("审议专家", "缔约国自评")
    )
    assert sources.count(reviewers) == reviewer_needs > 0
    assert sources.count(state) == state_needs > 0
    types = [row[0] for row in rows]
    runs = [kind for index, kind in enumerate(types) if index == 0 or types[index - 1] != kind]
    assert len(runs) == len(set(types))  # sorted by type: each type in one run


def test_findings_by_article_follow_the_irm_order_of_chapters(
    report: Workbook, language: str
) -> None:
    chapters = [row[0] for row in data_rows(report, SHEETS[language][5])]
    order = list(dict.fromkeys(chapter.split(".")[0] for chapter in chapters))
    beyond = "Beyond UNCAC" if language == "en" else "《公约》以外"
    assert order[:4] == ["II", "V", "III", "IV"]
    assert order[-1] == beyond


def test_responses_list_every_answer_with_scale_labels(
    report: Workbook, language: str, snapshot: AssessmentSnapshot
) -> None:
    rows = list(data_rows(report, SHEETS[language][6]))
    answered = sum(
        1 for item in snapshot.items for value in item.answers.values() if value not in (None, "")
    )
    assert len(rows) == answered
    status_rows = [row for row in rows if str(row[1]).endswith(".status")]
    labels = (
        {"Yes", "Yes, in part", "No", "Not applicable"}
        if language == "en"
        else {
            "是",
            "部分",
            "否",
            "不适用",
        }
    )
    assert {row[3] for row in status_rows} == labels


def test_legend_explains_scores_and_names_the_bank(
    report: Workbook, language: str, bank: QuestionBank
) -> None:
    values = [c for row in report[SHEETS[language][7]].iter_rows(values_only=True) for c in row]
    assert DISCLAIMER[language] in values
    assert bank.checksum in values
    assert bank.id in values
    assert any(
        isinstance(v, str) and ("gap = 1 - score" in v or "差距 = 1 − 得分" in v) for v in values
    )


@pytest.mark.parametrize("language", ["en", "zh"])
def test_formula_injection_payloads_come_back_as_text_in_every_sheet(
    bank: QuestionBank, language: str
) -> None:
    snapshot = full_snapshot(bank, payloads=True)
    workbook = build(snapshot, score_assessment(snapshot), language)
    for name in SHEETS[language][:-1]:  # the legend holds no text from people
        found = set()
        for row in workbook[name].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(PAYLOADS):
                    assert cell.data_type == "s", (name, cell.coordinate, cell.value)
                    found.update(p for p in PAYLOADS if cell.value.startswith(p))
        assert found, name
        if name not in (SHEETS[language][0],):
            assert "-2" in found, name  # not turned into the number -2


def test_an_assessment_without_answers_still_gives_every_sheet(
    snapshot: AssessmentSnapshot,
) -> None:
    empty = dataclasses.replace(snapshot, items=())
    workbook = build(empty, score_assessment(empty), "en")
    assert workbook.sheetnames == SHEETS["en"]
    assert list(data_rows(workbook, "Gap analysis")) == []


def test_an_unknown_language_is_refused(
    snapshot: AssessmentSnapshot, scores: AssessmentScores
) -> None:
    with pytest.raises(UnsupportedLanguage, match="'zh' or 'en'; got 'fr'"):
        write_country_report(snapshot, scores, io.BytesIO(), "fr")


def test_scores_of_another_assessment_are_refused(
    snapshot: AssessmentSnapshot, scores: AssessmentScores
) -> None:
    other = dataclasses.replace(scores, assessment_id=99)
    with pytest.raises(ReportMismatch, match="assessment 99.*assessment 1"):
        write_country_report(snapshot, other, io.BytesIO(), "en")
