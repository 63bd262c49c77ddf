"""Gap reports and offline questionnaires, from the web pages and the command line."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.bank import QuestionBank
from questionnaire.models import Answer, Assessment, AuditEvent, Role
from tests.conftest import AuthActions, csrf_token
from tests.domain import offline_files
from tests.web.questionnaire_helpers import open_assessment, page_url, post_answers


def _client_for(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def _workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data), read_only=True)


@pytest.fixture()
def answered(app: Flask, db: Session, make_user, loaded_bank: QuestionBank) -> Assessment:
    assessment = open_assessment(db, make_user, sections=("technical_assistance",))
    make_user("fp@china.test", Role.FOCAL_POINT, "CHN")
    make_user("fp@kenya.test", Role.FOCAL_POINT, "KEN")
    focal_point = _client_for(app, "fp@china.test")
    first = assessment.items[0].commitment_id
    post_answers(
        focal_point,
        page_url(assessment, first),
        {"status": "in_part", "measures": '=HYPERLINK("http://evil")', "ta_needed": "no"},
    )
    return assessment


def test_country_report_for_the_secretariat_and_from_the_cache(
    app: Flask, db: Session, answered: Assessment
) -> None:
    secretariat = _client_for(app, "officer@secretariat.test")
    url = f"/assessments/{answered.id}/report.xlsx?lang=zh"
    first = secretariat.get(url)
    assert first.status_code == 200
    workbook = _workbook(first.data)
    assert len(workbook.sheetnames) >= 8
    cells = [c for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row]
    assert '=HYPERLINK("http://evil")' in cells  # stays text, never a formula
    first.close()
    secretariat.get(url).close()
    details = db.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "export.country_report")
    ).all()
    assert [d["from_cache"] for d in details] == [False, True]


def test_the_country_sees_its_report_only_once_finalized(
    app: Flask, db: Session, answered: Assessment
) -> None:
    focal_point = _client_for(app, "fp@china.test")
    other = _client_for(app, "fp@kenya.test")
    url = f"/assessments/{answered.id}/report.xlsx"
    assert focal_point.get(url).status_code == 403
    assert other.get(url).status_code == 404
    answered.status = WorkflowStatus.FINALIZED
    db.merge(answered)
    db.commit()
    with focal_point.get(url) as response:
        assert response.status_code == 200


def test_secretariat_workbook_is_built_in_the_background(
    app: Flask, db: Session, answered: Assessment
) -> None:
    secretariat = _client_for(app, "officer@secretariat.test")
    started = secretariat.post(
        "/secretariat/reports", data={"csrf_token": csrf_token(secretariat, "/"), "lang": "en"}
    )
    assert started.status_code == 302
    job_page = started.headers["Location"]
    for _ in range(300):
        page = secretariat.get(job_page).get_data(as_text=True)
        if "Download" in page or "下载" in page or "could not" in page:
            break
        time.sleep(0.1)
    with secretariat.get(job_page + "/download") as download:
        assert download.status_code == 200
        assert len(_workbook(download.data).sheetnames) >= 5
    assert _client_for(app, "fp@china.test").get(job_page).status_code == 404


def test_offline_round_trip_through_the_web(
    app: Flask, db: Session, answered: Assessment, loaded_bank: QuestionBank
) -> None:
    focal_point = _client_for(app, "fp@china.test")
    with focal_point.get(f"/assessments/{answered.id}/offline.xlsx?lang=en") as response:
        template = response.data
    first = answered.items[0].commitment_id
    filled = offline_files.fill(
        template,
        {f"{first}.measures": "Act No. 7 of 2025", f"{first}.examples": "12 cases in 2025"},
    )
    token = csrf_token(focal_point, "/")
    url = f"/assessments/{answered.id}/offline/import"
    preview = focal_point.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(filled), "filled.xlsx")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert f"{first}.measures" in page and f"{first}.examples" in page
    counts = re.search(r"1 new, 1 changed, (\d+) unchanged, 0 conflicts\.", page)
    assert counts and int(counts.group(1)) > 0  # the summary counts what the table lists
    assert db.scalar(select(Answer.value).where(Answer.question_id == "examples")) is None

    stash = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    applied = focal_point.post(
        f"/assessments/{answered.id}/offline/apply", data={"csrf_token": token, "token": stash}
    )
    assert applied.status_code == 302
    db.expire_all()
    assert (
        db.scalar(select(Answer.value).where(Answer.question_id == "examples"))
        == "12 cases in 2025"
    )


@pytest.mark.parametrize(
    ("craft", "message"),
    [
        (lambda t: offline_files.random_bytes(), "not"),
        (lambda t: offline_files.truncated(t), ""),
        (lambda t: offline_files.with_macro(t), "macro"),
        (lambda t: offline_files.zip_bomb(t), ""),
        (lambda t: offline_files.billion_laughs(t), ""),
        (lambda t: offline_files.external_entity(t), ""),
        (lambda t: offline_files.edit_metadata(t, '"CHN"', '"KEN"'), ""),
    ],
)
def test_hostile_uploads_are_refused_quickly_and_change_nothing(
    app: Flask, db: Session, answered: Assessment, craft, message: str
) -> None:
    focal_point = _client_for(app, "fp@china.test")
    with focal_point.get(f"/assessments/{answered.id}/offline.xlsx") as response:
        template = response.data
    hostile = craft(template)
    before = db.scalar(select(func.count()).select_from(Answer))
    started = time.perf_counter()
    refused = focal_point.post(
        f"/assessments/{answered.id}/offline/import",
        data={"csrf_token": csrf_token(focal_point, "/"), "file": (io.BytesIO(hostile), "x.xlsx")},
        content_type="multipart/form-data",
    )
    elapsed = time.perf_counter() - started
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "nothing was changed" in page or "未作任何更改" in page
    assert message in page
    assert elapsed < 5  # generous: the bound that matters (1 s) is checked in the domain tests
    assert db.scalar(select(func.count()).select_from(Answer)) == before


def test_cli_exports_and_import(
    runner, app: Flask, db: Session, answered: Assessment, tmp_path: Path
) -> None:
    out = tmp_path / "china.xlsx"
    result = runner.invoke(
        args=[
            "export",
            "country",
            "--country",
            "chn",
            "--lang",
            "en",
            "--out",
            str(out),
            "--as",
            "officer@secretariat.test",
        ]
    )
    assert result.exit_code == 0, result.output
    assert (
        "Gap analysis" in " ".join(_workbook(out.read_bytes()).sheetnames) or out.stat().st_size > 0
    )

    cross = tmp_path / "all.xlsx"
    result = runner.invoke(
        args=["export", "secretariat", "--out", str(cross), "--as", "officer@secretariat.test"]
    )
    assert result.exit_code == 0, result.output

    template = tmp_path / "template.xlsx"
    result = runner.invoke(
        args=[
            "export",
            "template",
            "--country",
            "CHN",
            "--out",
            str(template),
            "--as",
            "fp@china.test",
        ]
    )
    assert result.exit_code == 0, result.output
    first = answered.items[0].commitment_id
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(
        offline_files.fill(template.read_bytes(), {f"{first}.examples": "From the CLI"})
    )
    preview = runner.invoke(args=["import", "responses", str(filled), "--as", "fp@china.test"])
    assert preview.exit_code == 0 and "preview only" in preview.output
    assert re.search(r"new 1, changed 0, unchanged [1-9]\d*, conflicts 0", preview.output)
    applied = runner.invoke(
        args=["import", "responses", str(filled), "--as", "fp@china.test", "--apply"]
    )
    assert applied.exit_code == 0, applied.output
    db.expire_all()
    assert db.scalar(select(Answer.value).where(Answer.question_id == "examples")) == "From the CLI"

    missing = runner.invoke(
        args=["export", "country", "--country", "XYZ", "--as", "officer@secretariat.test"]
    )
    assert missing.exit_code == 1 and "no assessment for XYZ" in missing.output
    rescore = runner.invoke(args=["scores", "rescore"])
    assert rescore.exit_code == 0 and "scored" in rescore.output


def _cached_reports(app: Flask) -> list[str]:
    storage = app.extensions["storage"]
    return [stored.key for stored in storage.list("reports/") if "/country-" in stored.key]


def test_finalizing_builds_both_reports_ahead_so_downloads_come_from_the_cache(
    app: Flask, db: Session, answered: Assessment
) -> None:
    answered.status = WorkflowStatus.REVIEW_COMPLETED
    db.merge(answered)
    db.commit()
    secretariat = _client_for(app, "officer@secretariat.test")
    token = csrf_token(secretariat, "/")
    secretariat.post(
        f"/assessments/{answered.id}/finalize", data={"csrf_token": token, "confirm": "yes"}
    )
    assert len(_cached_reports(app)) == 2  # Chinese and English
    exports = select(AuditEvent).where(AuditEvent.action == "export.country_report")
    assert not db.scalars(exports).all()  # prebuilt, not downloaded: nothing to audit
    for language in ("zh", "en"):
        with secretariat.get(f"/assessments/{answered.id}/report.xlsx?lang={language}") as reply:
            assert reply.status_code == 200
            assert len(_workbook(reply.data).sheetnames) >= 8
    details = db.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "export.country_report")
    ).all()
    assert [d["from_cache"] for d in details] == [True, True]


def test_a_refused_step_builds_no_report(app: Flask, db: Session, answered: Assessment) -> None:
    secretariat = _client_for(app, "officer@secretariat.test")
    token = csrf_token(secretariat, "/")
    reply = secretariat.post(
        f"/assessments/{answered.id}/finalize", data={"csrf_token": token, "confirm": "yes"}
    )
    assert reply.status_code == 302  # back to the overview, with the reason flashed
    assert _cached_reports(app) == []
    db.expire_all()
    assert db.get(Assessment, answered.id).status is WorkflowStatus.DRAFT


def test_the_command_line_has_the_rights_of_the_person_it_acts_as(
    runner, app: Flask, db: Session, answered: Assessment, tmp_path: Path
) -> None:
    out = str(tmp_path / "out.xlsx")
    other_country = runner.invoke(
        args=["export", "template", "--country", "CHN", "--out", out, "--as", "fp@kenya.test"]
    )
    assert other_country.exit_code == 1
    assert "no assessment for CHN that you may see" in other_country.output
    not_secretariat = runner.invoke(
        args=["export", "secretariat", "--out", out, "--as", "fp@china.test"]
    )
    assert not_secretariat.exit_code == 1
    assert "the cross-country workbook is the secretariat's" in not_secretariat.output
    unknown = runner.invoke(args=["export", "secretariat", "--out", out, "--as", "nobody@x.test"])
    assert unknown.exit_code == 1 and "no active account 'nobody@x.test'" in unknown.output
    assert not Path(out).exists()
    exported = runner.invoke(
        args=["export", "template", "--country", "CHN", "--out", out, "--as", "fp@china.test"]
    )
    assert exported.exit_code == 0, exported.output
    actors = db.scalars(
        select(AuditEvent.actor).where(AuditEvent.action == "export.offline_template")
    ).all()
    assert actors == ["fp@china.test"]
