"""Stored scores equal the scores one assessment's report shows, and pages read them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.config import PROJECT_ROOT
from questionnaire.domain.assessment import FrameworkRating, PracticeRating, WorkflowStatus
from questionnaire.domain.bank import QuestionBank
from questionnaire.models import Answer, Assessment, ItemReview, Role, RollUpScore, Score, User
from questionnaire.services.assessments import mark_changed
from questionnaire.services.scoring import rescore_all, scores_of
from questionnaire.services.workflow import transition
from tests.conftest import AuthActions
from tests.web.questionnaire_helpers import open_assessment


def test_rescoring_writes_the_same_figures_as_a_single_assessment(
    db: Session, make_user, loaded_bank: QuestionBank
) -> None:
    assessment = open_assessment(db, make_user, sections=("technical_assistance",))
    items = assessment.items
    db.add_all(
        [
            Answer(
                item_id=items[0].id, question_id="status", value="yes"
            ),  # no measures: unsubstantiated
            Answer(item_id=items[1].id, question_id="status", value="in_part"),
            Answer(item_id=items[1].id, question_id="measures", value="Act of 2020"),
            Answer(item_id=items[2].id, question_id="status", value="not_applicable"),
            Answer(item_id=items[3].id, question_id="status", value="no"),
            Answer(item_id=items[3].id, question_id="measures", value=""),
            ItemReview(
                item_id=items[1].id,
                framework=FrameworkRating.LARGELY,
                practice=PracticeRating.INSUFFICIENT_EVIDENCE,
            ),
        ]
    )
    db.commit()
    written = rescore_all(db)
    assert written == len(items)
    stored = {row.commitment_id: row for row in db.scalars(select(Score))}
    for expected in scores_of(db, assessment).commitments:
        row = stored[expected.commitment_id]
        assert row.score == expected.score
        assert row.self_score == expected.self_score
        assert row.reviewer_score == expected.reviewer_score
        assert row.unsubstantiated == expected.unsubstantiated
        assert row.priority == expected.priority.value
    assert stored[items[0].commitment_id].unsubstantiated is True
    assert stored[items[1].commitment_id].unsubstantiated is False
    assert stored[items[2].commitment_id].score is None


def _rated(db: Session, make_user) -> Assessment:  # type: ignore[no-untyped-def]
    """Every commitment "in part", rated partially / moderate: each scores 1/3."""
    assessment = open_assessment(db, make_user, sections=("technical_assistance",))
    for item in assessment.items:
        db.add(Answer(item_id=item.id, question_id="status", value="in_part"))
        db.add(
            ItemReview(
                item_id=item.id,
                framework=FrameworkRating.PARTIALLY,
                practice=PracticeRating.MODERATE,
            )
        )
    assessment.status = WorkflowStatus.REVIEW_COMPLETED
    db.commit()
    return assessment


def _focal_point_home(app: Flask) -> str:
    client = app.test_client()
    AuthActions(client).login("fp@china.test")
    return client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_finalizing_stores_the_scores_the_state_party_home_page_reads(
    app: Flask, db: Session, make_user, loaded_bank: QuestionBank
) -> None:
    assessment = _rated(db, make_user)
    make_user("fp@china.test", Role.FOCAL_POINT, "CHN")
    secretariat = db.query(User).filter_by(role=Role.SECRETARIAT).one()
    transition(db, secretariat, assessment, WorkflowStatus.FINALIZED)
    db.refresh(assessment)
    assert assessment.scored_revision == assessment.revision
    stored = db.scalars(
        select(RollUpScore).where(
            RollUpScore.assessment_id == assessment.id, RollUpScore.dimension == "section"
        )
    ).one()
    assert stored.key == "technical_assistance"
    assert stored.score == pytest.approx(1 / 3)
    assert stored.answered == stored.asked == len(assessment.items)
    assert len(db.scalars(select(Score).where(Score.assessment_id == assessment.id)).all()) == (
        len(assessment.items)
    )
    # The page shows what is stored: a stored figure changed behind its back shows through.
    stored.score = 0.87
    db.commit()
    assert "0.87" in _focal_point_home(app)


def test_scores_behind_the_assessment_revision_are_not_read(
    app: Flask, db: Session, make_user, loaded_bank: QuestionBank
) -> None:
    assessment = _rated(db, make_user)
    make_user("fp@china.test", Role.FOCAL_POINT, "CHN")
    secretariat = db.query(User).filter_by(role=Role.SECRETARIAT).one()
    transition(db, secretariat, assessment, WorkflowStatus.FINALIZED)
    stored = db.scalars(
        select(RollUpScore).where(
            RollUpScore.assessment_id == assessment.id, RollUpScore.dimension == "section"
        )
    ).one()
    stored.score = 0.87
    mark_changed(db, assessment.id)  # a change that did not store the scores again
    db.commit()
    page = _focal_point_home(app)
    assert "0.87" not in page and "0.33" in page


def test_rescoring_stores_the_same_group_scores_as_a_single_assessment(
    db: Session, make_user, loaded_bank: QuestionBank
) -> None:
    assessment = _rated(db, make_user)
    db.add(Answer(item_id=assessment.items[0].id, question_id="measures", value="Act of 2020"))
    db.commit()
    rescore_all(db)
    db.refresh(assessment)
    assert assessment.scored_revision == assessment.revision
    stored = {
        (row.dimension, row.key): row
        for row in db.scalars(select(RollUpScore).where(RollUpScore.assessment_id == assessment.id))
    }
    expected = [
        rollup
        for rollup in scores_of(db, assessment).rollups
        if rollup.dimension.value in ("overall", "section")
    ]
    assert set(stored) == {(rollup.dimension.value, rollup.key) for rollup in expected}
    assert ("overall", "all") in stored
    for rollup in expected:
        row = stored[(rollup.dimension.value, rollup.key)]
        assert row.score == pytest.approx(rollup.score)
        assert (row.answered, row.asked) == (rollup.answered, rollup.asked)


def test_a_web_process_does_not_load_pandas_numpy_or_openpyxl() -> None:
    """Each web worker would carry them (about 50 MiB) though no page needs them: bulk
    rescoring runs in the task queue's workers, and openpyxl loads with an offline import."""
    probe = (
        "import sys, wsgi; "
        "print(sorted(m for m in ('pandas', 'numpy', 'openpyxl') if m in sys.modules))"
    )
    environment = {**os.environ, "QUESTIONNAIRE_ENV": "testing", "DATABASE_URL": "sqlite://"}
    loaded = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert loaded == "[]"
