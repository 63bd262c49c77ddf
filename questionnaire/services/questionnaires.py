"""A state party's questionnaire as a whole: overview, completeness, submission."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.answers import MissingAnswer, missing_required
from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.bank import BankCommitment
from questionnaire.domain.bank_schema import Section
from questionnaire.domain.workflow import EDITABLE_BY_STATE
from questionnaire.models import Answer, Assessment, AssessmentItem, User
from questionnaire.services import access
from questionnaire.services.accounts import Actor
from questionnaire.services.assessments import bank_for, items_of, mark_changed, progress_of
from questionnaire.services.audit import record
from questionnaire.services.workflow import transition


@dataclass(frozen=True)
class ItemRow:
    item: AssessmentItem
    commitment: BankCommitment


@dataclass(frozen=True)
class SectionRow:
    section: Section
    items: list[ItemRow]

    @property
    def complete(self) -> int:
        return sum(1 for row in self.items if row.item.progress == "complete")

    @property
    def status(self) -> str:
        if self.complete == len(self.items):
            return "complete"
        if any(row.item.progress != "not_started" for row in self.items):
            return "in_progress"
        return "not_started"


@dataclass(frozen=True)
class Overview:
    sections: list[SectionRow]
    percent: int
    complete: int
    total: int
    can_edit: bool


def overview(session: Session, user: User, assessment: Assessment) -> Overview:
    bank = bank_for(assessment)
    items = items_of(session, assessment)
    sections = []
    for section in bank.sections:
        rows = [
            ItemRow(item, bank.commitment(item.commitment_id))
            for item in items
            if bank.commitment(item.commitment_id).section.id == section.id
        ]
        if rows:
            sections.append(SectionRow(section, rows))
    progress = progress_of(session, [assessment.id])[assessment.id]
    return Overview(
        sections, progress.percent, progress.complete, progress.total, can_edit(user, assessment)
    )


def can_edit(user: User, assessment: Assessment) -> bool:
    return access.is_state_member(user, assessment) and assessment.status in EDITABLE_BY_STATE


def neighbours(
    session: Session, assessment: Assessment, item: AssessmentItem
) -> tuple[str | None, str | None]:
    """The previous and next commitment of the questionnaire, for page-to-page navigation."""
    ids = _commitment_order(session, assessment)
    index = ids.index(item.commitment_id)
    return (ids[index - 1] if index > 0 else None, ids[index + 1] if index + 1 < len(ids) else None)


# A questionnaire's commitments are fixed when the assessment is created, so their order is
# read once per process. The creation time is part of the key: should a deleted
# assessment's id be used again, the new one is read afresh.
_orders: dict[tuple[int, dt.datetime], list[str]] = {}


def _commitment_order(session: Session, assessment: Assessment) -> list[str]:
    key = (assessment.id, assessment.created_at)
    order = _orders.get(key)
    if order is None:
        order = _orders[key] = list(
            session.scalars(
                select(AssessmentItem.commitment_id)
                .where(AssessmentItem.assessment_id == assessment.id)
                .order_by(AssessmentItem.position)
            )
        )
    return order


def missing_answers(session: Session, assessment: Assessment) -> list[MissingAnswer]:
    """Every required answer still missing, in questionnaire order."""
    bank = bank_for(assessment)
    items = items_of(session, assessment)
    stored: dict[int, dict[str, object]] = {item.id: {} for item in items}
    for item_id, question_id, value in session.execute(
        select(Answer.item_id, Answer.question_id, Answer.value)
        .join(AssessmentItem, AssessmentItem.id == Answer.item_id)
        .where(AssessmentItem.assessment_id == assessment.id)
    ):
        stored[item_id][question_id] = value
    missing: list[MissingAnswer] = []
    for item in items:
        missing.extend(missing_required(bank.commitment(item.commitment_id), stored[item.id]))  # type: ignore[arg-type]
    return missing


def mark_follow_up(
    session: Session, user: User, assessment: Assessment, item: AssessmentItem, marked: bool
) -> None:
    access.require_answer_editing(user, assessment)
    item.follow_up = marked
    record(session, Actor.of(user), "item.follow_up", item, {"marked": marked})
    mark_changed(session, assessment.id)
    session.commit()


def submit(session: Session, user: User, assessment: Assessment) -> None:
    missing = missing_answers(session, assessment)
    if missing:
        raise access.NotAllowed(f"{len(missing)} required answer(s) are missing")
    transition(session, user, assessment, WorkflowStatus.SUBMITTED)
