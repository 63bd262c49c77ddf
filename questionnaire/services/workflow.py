"""Moving an assessment through the IRM workflow, each step kept with who and when."""

from __future__ import annotations

from sqlalchemy.orm import Session

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.models import Assessment, User, WorkflowEvent, utc_now
from questionnaire.services import access
from questionnaire.services.accounts import Actor
from questionnaire.services.assessments import mark_changed
from questionnaire.services.audit import record
from questionnaire.services.scoring import store_scores
from questionnaire.services.transactions import transaction

# Statuses whose scores the home pages show, so they are stored on the way in.
SCORED_ON_ENTRY = frozenset({WorkflowStatus.REVIEW_COMPLETED, WorkflowStatus.FINALIZED})


def transition(
    session: Session, user: User, assessment: Assessment, target: WorkflowStatus, note: str = ""
) -> None:
    """Apply an allowed transition and commit; refuse others with the reason.

    Inside a larger use case's `transaction` (asking a question, completing a review) the
    step joins it and lands in the same commit.
    """
    access.require_within_scope(session, user, assessment)
    access.step_for(user, assessment, target)
    with transaction(session):
        source = assessment.status
        now = utc_now()
        assessment.status = target
        if target is WorkflowStatus.SUBMITTED:
            assessment.submitted_at = now
            assessment.submitted_by_id = user.id
        if target is WorkflowStatus.FINALIZED:
            assessment.finalized_at = now
        session.add(
            WorkflowEvent(
                assessment_id=assessment.id,
                from_status=source.value,
                to_status=target.value,
                actor_id=user.id,
                at=now,
                note=note,
            )
        )
        mark_changed(session, assessment.id)
        if target in SCORED_ON_ENTRY:
            store_scores(session, [assessment.id])  # what the home pages show from now on
        record(
            session,
            Actor.of(user),
            "assessment.status",
            assessment,
            {"from": source.value, "to": target.value, "note": note},
        )
