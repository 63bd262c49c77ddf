"""The offline template as a focal point opens it in Excel, and the signed data it carries."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.offline import layout, write_template
from questionnaire.domain.offline.signing import canonical_json, signature_matches
from tests.domain import offline_files as files

ANSWERS = {
    "pd2021.p1": {
        "status": "in_part",
        "challenges": ["limited_capacity", "other"],
        "measures": "=cmd|' /C calc'!A0",
        "examples": "- a list that starts with a dash",
        "steps_target_date": "2027-01-31",
    },
    "pd2021.p4": {"staff_number": 42.0},
}
VERSIONS = {("pd2021.p1", "status"): 3, ("pd2021.p4", "staff_number"): 1}
COMMITMENTS = ("pd2021.p1", "pd2021.p2", "pd2021.p4")  # p2 is addressed to UNODC
EXPORTED_AT = dt.datetime(2026, 5, 4, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def open_template(bank: QuestionBank, language: str = "en") -> Workbook:
    snap = files.snapshot(bank, ANSWERS, commitment_ids=COMMITMENTS)
    stream = io.BytesIO()
    write_template(snap, VERSIONS, files.SECRET, stream, language, exported_at=EXPORTED_AT)
    return openpyxl.load_workbook(io.BytesIO(stream.getvalue()))


@pytest.fixture(scope="module")
def workbook(bank: QuestionBank) -> Workbook:
    return open_template(bank)


def rows(workbook: Workbook) -> dict[str, tuple]:
    sheet = workbook[layout.QUESTIONNAIRE_SHEET]
    return {
        row[layout.QUESTION_ID_INDEX].value: row
        for row in sheet.iter_rows(min_row=layout.FIRST_ANSWER_ROW + 1)
    }


def metadata(workbook: Workbook) -> tuple[str, str]:
    column = [row[0].value for row in workbook[layout.META_SHEET].iter_rows()]
    return column[0], "".join(column[1:])


def test_sheets_are_instructions_questionnaire_and_hidden_helpers(workbook: Workbook) -> None:
    states = {sheet.title: sheet.sheet_state for sheet in workbook.worksheets}
    assert states == {
        "Instructions": "visible",
        "Questionnaire": "visible",
        "Lists": "hidden",
        "_meta": "veryHidden",
    }


def test_one_row_per_question_of_each_assessable_commitment_in_bank_order(
    bank: QuestionBank, workbook: Workbook
) -> None:
    expected = [
        question.key
        for commitment_id in ("pd2021.p1", "pd2021.p4")
        for question in bank.commitment(commitment_id).questions
    ]
    assert list(rows(workbook)) == expected
    header = [cell.value for cell in next(workbook[layout.QUESTIONNAIRE_SHEET].iter_rows())]
    assert header == [column.en for column in layout.COLUMNS]


def test_source_text_appears_on_the_first_row_of_each_commitment_only(
    bank: QuestionBank, workbook: Workbook
) -> None:
    source = layout.COLUMNS.index(layout.SOURCE_TEXT)
    texts = {key: row[source].value for key, row in rows(workbook).items()}
    assert texts["pd2021.p1.status"] == bank.commitment("pd2021.p1").spec.text_zh
    assert texts["pd2021.p4.status"] == bank.commitment("pd2021.p4").spec.text_zh
    assert texts["pd2021.p1.measures"] is None


def test_current_answers_are_prefilled_as_labels(workbook: Workbook) -> None:
    answers = {key: row[layout.ANSWER_INDEX].value for key, row in rows(workbook).items()}
    assert answers["pd2021.p1.status"] == "Yes, in part"
    assert answers["pd2021.p1.challenges"] == (
        "Limited capacity (human, technological, institutional); Other (please specify)"
    )
    assert answers["pd2021.p1.steps_target_date"] == dt.datetime(2027, 1, 31)
    assert answers["pd2021.p4.staff_number"] == 42
    assert answers["pd2021.p1.measures_link"] is None


def test_text_that_looks_like_a_formula_is_written_as_text(workbook: Workbook) -> None:
    cell = rows(workbook)["pd2021.p1.measures"][layout.ANSWER_INDEX]
    assert cell.data_type == "s" and cell.value == "=cmd|' /C calc'!A0"
    assert cell.quotePrefix


def test_chinese_template_uses_chinese_labels_headers_and_instructions(
    bank: QuestionBank,
) -> None:
    workbook = open_template(bank, "zh")
    row = rows(workbook)["pd2021.p1.status"]
    assert row[layout.ANSWER_INDEX].value == "部分"
    assert row[layout.COLUMNS.index(layout.TYPE)].value == "单选"
    assert workbook[layout.QUESTIONNAIRE_SHEET]["L1"].value == "答复"
    assert workbook[layout.INSTRUCTIONS_SHEET]["A1"].value == "填写说明"


def test_only_the_answer_column_can_be_edited_even_text_starting_like_a_formula(
    workbook: Workbook,
) -> None:
    sheet = workbook[layout.QUESTIONNAIRE_SHEET]
    assert sheet.protection.sheet
    for row in sheet.iter_rows(min_row=layout.FIRST_ANSWER_ROW + 1):
        unlocked = [cell.column - 1 for cell in row if not cell.protection.locked]
        assert unlocked == [layout.ANSWER_INDEX]


def test_single_choices_get_drop_downs_and_every_answer_its_help(
    bank: QuestionBank, workbook: Workbook
) -> None:
    sheet = workbook[layout.QUESTIONNAIRE_SHEET]
    by_cell = {
        str(cell_range): validation
        for validation in sheet.data_validations.dataValidation
        for cell_range in validation.sqref.ranges
    }
    row_of = {key: row[0].row for key, row in rows(workbook).items()}
    status = by_cell[f"L{row_of['pd2021.p1.status']}"]
    ta_needed = by_cell[f"L{row_of['pd2021.p1.ta_needed']}"]
    assert status.type == "list" and status.formula1 == "Lists!$A$2:$A$5"  # "Yes, in part"
    assert ta_needed.type == "list" and ta_needed.formula1 == '"Yes,No"'
    assert [workbook["Lists"].cell(r, 1).value for r in range(2, 6)] == [
        "Yes",
        "Yes, in part",
        "No",
        "Not applicable",
    ]
    help_text = bank.commitment("pd2021.p1").question("status").help.en
    assert status.prompt == (help_text if len(help_text) <= 255 else help_text[:254] + "…")
    assert all(len(v.prompt or "") <= 255 for v in by_cell.values())
    assert len(by_cell) == len(row_of)


def test_metadata_is_signed_over_canonical_json(workbook: Workbook) -> None:
    signature, text = metadata(workbook)
    payload = json.loads(text)
    assert canonical_json(payload) == text
    assert signature_matches(text, signature, files.SECRET)
    assert not signature_matches(text, signature, b"another secret")
    assert payload["assessment_id"] == 1 and payload["state_party_code"] == "CHN"
    assert (payload["bank_id"], payload["bank_version"]) == ("pd2021", 1)
    assert payload["exported_at"] == "2026-05-04T02:30:00+00:00"
    assert payload["answer_versions"] == {"pd2021.p1.status": 3, "pd2021.p4.staff_number": 1}
    assert set(payload["answer_digests"]) == {f"pd2021.p1.{q}" for q in ANSWERS["pd2021.p1"]} | {
        "pd2021.p4.staff_number"
    }


def test_long_metadata_is_split_over_cells_excel_can_hold(bank: QuestionBank) -> None:
    stream = io.BytesIO()
    write_template(files.snapshot(bank), {}, files.SECRET, stream)
    workbook = openpyxl.load_workbook(io.BytesIO(stream.getvalue()), read_only=True)
    try:
        column = [row[0] for row in workbook[layout.META_SHEET].iter_rows(values_only=True)]
    finally:
        workbook.close()
    assert len(column) > 2 and all(len(chunk) <= 32767 for chunk in column)
    payload = json.loads("".join(column[1:]))
    assert len(payload["question_keys"]) == sum(len(c.questions) for c in bank.assessable())


def test_naive_export_time_is_taken_as_utc(bank: QuestionBank) -> None:
    stream = io.BytesIO()
    snap = files.snapshot(bank, commitment_ids=COMMITMENTS)
    write_template(snap, {}, files.SECRET, stream, exported_at=dt.datetime(2026, 1, 2, 3, 4))
    workbook = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    assert json.loads(metadata(workbook)[1])["exported_at"] == "2026-01-02T03:04:00+00:00"


@pytest.mark.parametrize(
    ("language", "secret", "message"),
    [("fr", files.SECRET, "language must be one of zh, en"), ("en", b"", "non-empty secret")],
)
def test_bad_arguments_are_refused(
    bank: QuestionBank, language: str, secret: bytes, message: str
) -> None:
    snap = files.snapshot(bank, commitment_ids=COMMITMENTS)
    with pytest.raises(ValueError, match=message):
        write_template(snap, {}, secret, io.BytesIO(), language)
