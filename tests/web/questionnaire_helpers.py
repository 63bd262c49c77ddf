"""Shared steps for questionnaire tests: open an assessment, post a commitment form."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import FrameworkRating, PracticeRating, WorkflowStatus
from questionnaire.domain.scope import Scope
from questionnaire.models import Answer, Assessment, ItemReview, Role, User
from questionnaire.services.assessments import create_assessment


def open_assessment(
    db: Session, make_user: Any, state: str = "CHN", sections: tuple[str, ...] = ("prevention",)
) -> Assessment:
    secretariat = db.query(User).filter_by(role=Role.SECRETARIAT).first() or make_user(
        "officer@secretariat.test", Role.SECRETARIAT
    )
    assessment = create_assessment(
        db, secretariat, state_party_code=state, review_year=2026, scope=Scope(sections=sections)
    )
    db.commit()
    return assessment


def rated_assessment(
    db: Session, make_user: Any, status: WorkflowStatus, state: str = "CHN"
) -> Assessment:
    """Technical assistance, every commitment "in part" and rated partially / moderate, so
    each scores 1/3; put at `status` directly (no workflow step, no stored scores)."""
    assessment = open_assessment(db, make_user, state=state, sections=("technical_assistance",))
    for item in assessment.items:
        db.add(Answer(item_id=item.id, question_id="status", value="in_part"))
        db.add(
            ItemReview(
                item_id=item.id,
                framework=FrameworkRating.PARTIALLY,
                practice=PracticeRating.MODERATE,
            )
        )
    assessment.status = status
    db.commit()
    return assessment


def page_url(assessment: Assessment, commitment_id: str = "pd2021.p4") -> str:
    return f"/assessments/{assessment.id}/c/{commitment_id}"


def form_fields(client: FlaskClient, url: str) -> dict[str, str]:
    """The hidden fields of the commitment form as the page renders them."""
    page = client.get(url).get_data(as_text=True)
    fields = dict(
        re.findall(r'<input[^>]*name="(csrf_token|version__\w+)"[^>]*value="([^"]*)"', page)
    )
    return {k: v for k, v in fields.items() if k == "csrf_token" or k.startswith("version__")}


def post_answers(client: FlaskClient, url: str, answers: dict[str, Any], **extra: str) -> Any:
    data: dict[str, Any] = form_fields(client, url)
    data.update(answers)
    data.update(extra)
    return client.post(url, data=data)
