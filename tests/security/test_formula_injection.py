"""Text that would start a formula stays text in every workbook the application writes.

Answers beginning with =, +, -, @, a tab or a carriage return, a finding and an
observation go through every export: the country gap report (zh, en), the cross-country
workbook (zh, en) and the offline template (zh, en). Opened with openpyxl, each comes back
as a string cell holding exactly the original text; no cell is a formula. The bank export
is written from the question bank alone: no text from people reaches it.
"""

from __future__ import annotations

import inspect
import io
from typing import Any

import openpyxl
import pytest
from flask import Flask
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import FindingKind, WorkflowStatus
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.bank.export import write_bank_workbook
from questionnaire.models import Assessment, ReviewerAssignment, Role, User
from questionnaire.services import answers, offline, reports, reviews
from questionnaire.services.reviews import NewFinding
from tests.security.helpers import open_small_assessment

ANSWERS = {
    "measures": "=1+1",
    "examples": "+SUM(A1)",
    "steps_needed": "-2+3",
    "challenges_other": "@cmd",
    "ta_other": "\t=1",
    "ta_provided_by": "\r=1",
}
FINDING = '=HYPERLINK("http://evil.example","click")'
RECOMMENDATION = "+China should act"
OBSERVATIONS = "@SUM(1+1)*cmd|' /C calc'!A0"
TEXTS = (*ANSWERS.values(), FINDING, RECOMMENDATION, OBSERVATIONS)


def _as_read(text: str) -> set[str]:
    """openpyxl reads a leading carriage return of a constant-memory sheet as _x000D_."""
    return {text, text.replace("\r", "_x000D_")}


@pytest.fixture()
def formula_like(app: Flask, db: Session, make_user: Any, loaded_bank: Any) -> Assessment:
    make_user("officer@secretariat.test", Role.SECRETARIAT)
    focal_point = make_user("fp@china.test", Role.FOCAL_POINT, "CHN")
    reviewer = make_user("expert@japan.test", Role.REVIEWER, "JPN")
    assessment = open_small_assessment(db, "CHN")
    answers.save_answers(
        db,
        focal_point,
        assessment,
        assessment.items[0],
        {
            **ANSWERS,
            "status": "in_part",
            "challenges": ["other"],
            "ta_needed": "yes",
            "ta_types": ["other"],
            "ta_provided": "yes",
        },
        {},
    )
    db.add(
        ReviewerAssignment(
            assessment_id=assessment.id, reviewer_id=reviewer.id, same_regional_group=True
        )
    )
    assessment.status = WorkflowStatus.IN_REVIEW
    db.commit()
    item = assessment.items[0]
    reviews.save_rating(
        db,
        reviewer,
        assessment,
        item,
        framework="partially",
        practice="low",
        observations=OBSERVATIONS,
    )
    reviews.add_finding(
        db,
        reviewer,
        assessment,
        item,
        NewFinding(FindingKind.CHALLENGE, FINDING, recommendation=RECOMMENDATION),
        frozenset(),
    )
    return assessment


def _exports(app: Flask, db: Session, assessment: Assessment) -> dict[str, bytes]:
    storage = app.extensions["storage"]
    focal_point = db.query(User).filter_by(email="fp@china.test").one()
    secretariat = db.query(User).filter_by(role=Role.SECRETARIAT).first()
    secret = offline.offline_secret(app.config["SECRET_KEY"])
    built: dict[str, bytes] = {}
    for language in reports.LANGUAGES:
        country = reports.country_report(db, secretariat, assessment, language, storage)
        built[f"country report {language}"] = country.data
        cross = reports.build_cross_country(db, secretariat, language, storage)
        built[f"cross-country workbook {language}"] = cross.data
        built[f"offline template {language}"] = offline.template_bytes(
            db, focal_point, assessment, language, secret
        )
    return built


def _cells(data: bytes) -> list[Any]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]


# Which texts each export carries: every workbook holds the answers; the gap report also
# holds the reviewers' finding, recommendation and observations.
EXPECTED = {
    "offline template": set(ANSWERS.values()),
    "country report": set(TEXTS),
    "cross-country workbook": set(ANSWERS.values()),
}


def test_formula_like_text_stays_text_in_every_export(
    app: Flask, db: Session, formula_like: Assessment
) -> None:
    problems = []
    for name, data in _exports(app, db, formula_like).items():
        cells = _cells(data)
        for cell in cells:
            if cell.data_type == "f":
                problems.append(f"{name} {cell.coordinate}: formula {cell.value!r}")
        for text in TEXTS:
            found = [cell for cell in cells if cell.value in _as_read(text)]
            problems.extend(
                f"{name} {cell.coordinate}: {text!r} stored as type {cell.data_type!r}"
                for cell in found
                if cell.data_type != "s"
            )
            if not found and text in EXPECTED[name.rsplit(" ", 1)[0]]:
                problems.append(f"{name}: {text!r} is missing")
    assert problems == []


def test_the_bank_export_is_written_from_the_bank_alone(bank: QuestionBank) -> None:
    assert list(inspect.signature(write_bank_workbook).parameters) == ["bank", "stream"]
    stream = io.BytesIO()
    write_bank_workbook(bank, stream)
    assert [cell.coordinate for cell in _cells(stream.getvalue()) if cell.data_type == "f"] == []
