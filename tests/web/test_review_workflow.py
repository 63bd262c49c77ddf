"""The IRM sequence end to end: submit, review, clarify, complete, finalize."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.domain.bank import QuestionBank
from questionnaire.models import (
    Assessment,
    AuditEvent,
    Clarification,
    FindingRecord,
    ItemReview,
    Role,
    User,
    WorkflowEvent,
)
from questionnaire.services import reviews
from questionnaire.services.reviews import ReviewError
from tests.conftest import AuthActions, csrf_token
from tests.web.questionnaire_helpers import open_assessment, page_url, post_answers


def _client_for(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def _post(client: FlaskClient, url: str, **data: str) -> object:
    return client.post(url, data={"csrf_token": csrf_token(client, "/"), **data})


def _status(db: Session, assessment: Assessment) -> str:
    db.expire_all()
    return db.get(Assessment, assessment.id).status.value


def _fill_everything(client: FlaskClient, assessment: Assessment, bank: QuestionBank) -> None:
    for item in assessment.items:
        commitment = bank.commitment(item.commitment_id)
        answers: dict[str, object] = {"status": "yes", "measures": "Law of 2020", "ta_needed": "no"}
        for question in commitment.questions:
            if question.required and question.block is None:
                answers[question.id] = (
                    question.scale.options[0].value
                    if question.type.value == "single_choice"
                    else [question.scale.options[0].value]
                    if question.scale
                    else "3"
                    if question.type.value == "number"
                    else "An answer"
                )
        assert (
            post_answers(client, page_url(assessment, item.commitment_id), answers).status_code
            == 302
        )


def test_the_whole_review_cycle(
    app: Flask, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = open_assessment(db, make_user, sections=("technical_assistance",))
    make_user("fp@china.test", Role.FOCAL_POINT, "CHN")
    make_user("expert@japan.test", Role.REVIEWER, "JPN")
    make_user("expert@france.test", Role.REVIEWER, "FRA")
    secretariat = _client_for(app, "officer@secretariat.test")
    focal_point = _client_for(app, "fp@china.test")
    reviewer = _client_for(app, "expert@japan.test")
    base = f"/assessments/{assessment.id}"
    first = assessment.items[0].commitment_id

    _fill_everything(focal_point, assessment, loaded_bank)
    _post(focal_point, f"{base}/submit", confirm="yes")
    assert _status(db, assessment) == "submitted"

    for email in ("expert@japan.test", "expert@france.test"):
        user = db.scalar(select(User).where(User.email == email))
        _post(secretariat, f"{base}/reviewers", reviewer_id=str(user.id))
    assert len(reviews.assignments(db, db.get(Assessment, assessment.id))) == 2

    _post(reviewer, f"{base}/status", target="in_review")
    assert _status(db, assessment) == "in_review"
    _post(
        reviewer,
        f"{base}/review/{first}",
        framework="partially",
        practice="low",
        observations="The law exists; no cases yet.",
    )
    _post(reviewer, f"{base}/review/{first}", kind="good_practice", text="Training plan")
    _post(
        reviewer,
        f"{base}/review/{first}",
        kind="challenge",
        text="No statistics",
        recommendation="China should collect statistics.",
    )
    _post(
        reviewer,
        f"{base}/review/{first}",
        kind="technical_assistance",
        text="Data systems",
        technical_assistance_type="capacity_building",
        already_provided="no",
    )
    codes = db.scalars(select(FindingRecord.recommendation_id)).all()
    assert f"CHN-2026-P{assessment.items[0].paragraph}-R1" in codes
    _post(reviewer, f"{base}/review/{first}", action="ask", question="Which ministry leads?")
    assert _status(db, assessment) == "clarification_requested"

    clarification = db.scalar(select(Clarification))
    _post(focal_point, f"{base}/status", target="answered")  # refused: still unanswered
    assert _status(db, assessment) == "clarification_requested"
    _post(
        focal_point,
        f"{base}/c/{first}/clarifications/{clarification.id}",
        answer="The Ministry of Justice.",
    )
    _post(focal_point, f"{base}/status", target="answered")
    assert _status(db, assessment) == "answered"

    reasons = {
        f"reason-{item.commitment_id}": "Reported elsewhere" for item in assessment.items[1:]
    }
    _post(reviewer, f"{base}/complete-review", confirm="yes", **reasons)
    assert _status(db, assessment) == "review_completed"
    _post(secretariat, f"{base}/consent", consent="executive_summary")
    _post(secretariat, f"{base}/finalize", confirm="yes")
    assert _status(db, assessment) == "finalized"

    events = db.scalars(select(WorkflowEvent.to_status).order_by(WorkflowEvent.id)).all()
    assert events == [
        "submitted",
        "in_review",
        "clarification_requested",
        "answered",
        "review_completed",
        "finalized",
    ]
    rated = select(func.count()).select_from(ItemReview).where(ItemReview.framework.is_not(None))
    assert db.scalar(rated) == 1
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {
        "answers.saved",
        "assessment.status",
        "reviewer.assigned",
        "review.rated",
        "finding.added",
        "clarification.asked",
        "clarification.answered",
        "assessment.publication_consent",
    } <= actions


def test_illegal_steps_are_refused_with_a_message(
    app: Flask, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = open_assessment(db, make_user)
    make_user("fp@china.test", Role.FOCAL_POINT, "CHN")
    secretariat = _client_for(app, "officer@secretariat.test")
    response = _post(secretariat, f"/assessments/{assessment.id}/finalize", confirm="yes")
    page = secretariat.get(response.headers["Location"]).get_data(as_text=True)  # type: ignore[attr-defined]
    assert "cannot become finalized" in page
    assert _status(db, assessment) == "draft"
    assert db.scalar(select(func.count()).select_from(WorkflowEvent)) == 0


def test_unassigned_reviewer_sees_nothing(
    app: Flask, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = open_assessment(db, make_user)
    make_user("expert@japan.test", Role.REVIEWER, "JPN")
    reviewer = _client_for(app, "expert@japan.test")
    first = assessment.items[0].commitment_id
    assert reviewer.get(f"/assessments/{assessment.id}").status_code == 404
    assert reviewer.get(f"/assessments/{assessment.id}/review/{first}").status_code == 404
    assert (
        _post(reviewer, f"/assessments/{assessment.id}/status", target="in_review").status_code
        == 404
    )  # type: ignore[attr-defined]


def test_reviewer_assignment_follows_the_irm_draw(
    make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = open_assessment(db, make_user)  # China, Asia-Pacific group
    secretariat = db.scalar(select(User).where(User.role == Role.SECRETARIAT))
    own = make_user("expert@china.test", Role.REVIEWER, "CHN")
    france = make_user("expert@france.test", Role.REVIEWER, "FRA")
    brazil = make_user("expert@brazil.test", Role.REVIEWER, "BRA")
    japan = make_user("expert@japan.test", Role.REVIEWER, "JPN")
    germany = make_user("expert@germany.test", Role.REVIEWER, "DEU")
    with pytest.raises(ReviewError, match="cannot review itself"):
        reviews.assign_reviewer(db, secretariat, assessment, own)
    reviews.assign_reviewer(db, secretariat, assessment, france)
    with pytest.raises(ReviewError, match="same regional group"):
        reviews.assign_reviewer(db, secretariat, assessment, brazil)
    reviews.assign_reviewer(db, secretariat, assessment, japan)
    with pytest.raises(ReviewError, match="two reviewing states are assigned already"):
        reviews.assign_reviewer(db, secretariat, assessment, germany)
