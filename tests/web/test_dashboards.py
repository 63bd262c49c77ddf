"""Each role's first page: progress, what waits for them, gaps, always with the numbers."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import yaml
from flask import Flask
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.bank.loader import read_bank_files
from questionnaire.models import ReviewerAssignment, Role
from questionnaire.services.accounts import SYSTEM
from questionnaire.services.bank_store import load_bank_edition
from tests.conftest import BANK_DIR, AuthActions
from tests.web.questionnaire_helpers import open_assessment, rated_assessment


def _home(app: Flask, email: str) -> str:
    client = app.test_client()
    AuthActions(client).login(email)
    return client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_secretariat_sees_status_counts_with_a_table(
    app: Flask, db: Session, make_user, loaded_bank: QuestionBank
) -> None:
    open_assessment(db, make_user)
    page = _home(app, "officer@secretariat.test")
    assert "<svg" in page and "Assessments by status" in page
    assert '<table class="list numbers">' in page
    assert "Gaps by section and regional group" not in page  # no review yet


def test_heat_map_appears_once_reviews_exist(
    app: Flask, db: Session, make_user, loaded_bank: QuestionBank
) -> None:
    rated_assessment(db, make_user, WorkflowStatus.REVIEW_COMPLETED)
    page = _home(app, "officer@secretariat.test")
    assert "Gaps by section and regional group" in page
    # in part (reviewer: partially 1/3, moderate 1/3) → score 0.33, gap 0.67 for Asia-Pacific
    assert "0.67" in page


def test_heat_map_leaves_out_assessments_not_yet_reviewed(
    app: Flask, db: Session, make_user, loaded_bank: QuestionBank
) -> None:
    """A draft beside a reviewed assessment once broke the secretariat's home page (500)."""
    rated_assessment(db, make_user, WorkflowStatus.IN_REVIEW, state="KEN")  # rated, not completed
    rated_assessment(db, make_user, WorkflowStatus.REVIEW_COMPLETED)
    client = app.test_client()
    AuthActions(client).login("officer@secretariat.test")
    reply = client.get("/", headers={"Accept-Language": "en"})
    assert reply.status_code == 200
    page = reply.get_data(as_text=True)
    assert "Gaps by section and regional group" in page and "0.67" in page


def test_overdue_assessments_are_flagged(
    app: Flask, db: Session, make_user, loaded_bank: QuestionBank
) -> None:
    assessment = open_assessment(db, make_user)
    assessment.due_date = dt.date.today() - dt.timedelta(days=1)
    db.commit()
    assert "overdue" in _home(app, "officer@secretariat.test")


def test_state_party_sees_its_scores_once_finalized(
    app: Flask, db: Session, make_user, loaded_bank: QuestionBank
) -> None:
    assessment = rated_assessment(db, make_user, WorkflowStatus.REVIEW_COMPLETED)
    make_user("fp@china.test", Role.FOCAL_POINT, "CHN")
    assert "Scores by section" not in _home(app, "fp@china.test")
    assessment.status = WorkflowStatus.FINALIZED
    db.commit()
    page = _home(app, "fp@china.test")
    assert "Scores by section" in page and "0.33" in page
    assert "own measure" in page


def test_reviewer_sees_the_assignments_waiting(
    app: Flask, db: Session, make_user, loaded_bank: QuestionBank
) -> None:
    assessment = open_assessment(db, make_user)
    reviewer = make_user("expert@japan.test", Role.REVIEWER, "JPN")
    db.add(
        ReviewerAssignment(
            assessment_id=assessment.id, reviewer_id=reviewer.id, same_regional_group=True
        )
    )
    assessment.status = WorkflowStatus.SUBMITTED
    db.commit()
    page = _home(app, "expert@japan.test")
    assert "Your assignments" in page and "China" in page


def test_heat_map_keeps_the_sections_of_each_assessments_own_bank_edition(
    app: Flask, db: Session, make_user, loaded_bank: QuestionBank, tmp_path: Path
) -> None:
    """An assessment answered on an earlier edition keeps its columns after a new edition
    renames a section: the heat map once took every column from the newest edition and
    silently dropped the scores of the others."""
    rated_assessment(db, make_user, WorkflowStatus.REVIEW_COMPLETED)
    newer = tmp_path / "bank"
    shutil.copytree(BANK_DIR, newer)
    meta = yaml.safe_load((newer / "bank.yaml").read_text(encoding="utf-8"))
    for name, old, new in (
        ("bank.yaml", f"version: {meta['version']}", f"version: {meta['version'] + 1}"),
        ("sections.yaml", "id: technical_assistance", "id: assistance_and_exchange"),
        (
            "commitments/5-technical-assistance.yaml",
            "section: technical_assistance",
            "section: assistance_and_exchange",
        ),
    ):
        path = newer / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    load_bank_edition(db, read_bank_files(newer), SYSTEM)
    db.commit()

    page = _home(app, "officer@secretariat.test")
    heat_map = page[page.index("Gaps by section and regional group") :]
    assert "0.67" in heat_map
