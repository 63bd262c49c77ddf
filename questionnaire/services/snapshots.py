"""Read an assessment from the database into the frozen snapshot the domain works on."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import (
    AssessmentSnapshot,
    Finding,
    ItemSnapshot,
    Review,
)
from questionnaire.models import (
    Answer,
    Assessment,
    FindingRecord,
    ItemReview,
    ReviewerAssignment,
    StateParty,
    User,
)
from questionnaire.services.assessments import bank_for, items_of


def snapshot_of(session: Session, assessment: Assessment) -> AssessmentSnapshot:
    """Everything about one assessment, in a handful of queries."""
    bank = bank_for(assessment)
    items = items_of(session, assessment)
    item_ids = [item.id for item in items]
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    for item_id, question_id, value in session.execute(
        select(Answer.item_id, Answer.question_id, Answer.value).where(Answer.item_id.in_(item_ids))
    ):
        answers[item_id][question_id] = value
    ratings = {
        review.item_id: review
        for review in session.scalars(select(ItemReview).where(ItemReview.item_id.in_(item_ids)))
    }
    findings: dict[int, list[Finding]] = defaultdict(list)
    for record in session.scalars(
        select(FindingRecord).where(FindingRecord.item_id.in_(item_ids)).order_by(FindingRecord.id)
    ):
        findings[record.item_id].append(
            Finding(
                kind=record.kind,
                text=record.text,
                recommendation=record.recommendation,
                recommendation_id=record.recommendation_id,
                technical_assistance_type=record.technical_assistance_type,
                already_provided=record.already_provided,
                provided_by=record.provided_by,
                follow_up=record.follow_up,
            )
        )
    reviewers = [
        f"{name} ({code})"
        for name, code in session.execute(
            select(User.name, User.state_party_code)
            .join(ReviewerAssignment, ReviewerAssignment.reviewer_id == User.id)
            .where(ReviewerAssignment.assessment_id == assessment.id)
            .order_by(ReviewerAssignment.id)
        )
    ]
    state = session.get(StateParty, assessment.state_party_code)
    assert state is not None
    snapshot_items = []
    for item in items:
        rating = ratings.get(item.id)
        snapshot_items.append(
            ItemSnapshot(
                commitment=bank.commitment(item.commitment_id),
                answers=answers.get(item.id, {}),
                review=Review(
                    framework=rating.framework if rating else None,
                    practice=rating.practice if rating else None,
                    observations=rating.observations if rating else "",
                    findings=tuple(findings.get(item.id, ())),
                ),
                follow_up_marked=item.follow_up,
            )
        )
    return AssessmentSnapshot(
        id=assessment.id,
        state_party_code=state.code,
        state_party_name_zh=state.name_zh,
        state_party_name_en=state.name_en,
        regional_group=state.regional_group,
        review_year=assessment.review_year,
        status=assessment.status,
        publication_consent=assessment.publication_consent,
        bank=bank,
        items=tuple(snapshot_items),
        reviewers=tuple(reviewers),
        created_at=assessment.created_at,
        submitted_at=assessment.submitted_at,
        finalized_at=assessment.finalized_at,
        revision=assessment.revision,
    )
