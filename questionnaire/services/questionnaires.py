"""A state party's questionnaire as a whole: overview, completeness, submission."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.answers import MissingAnswer, missing_required, visible_questions
from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.bank import BankCommitment, BankQuestion
from questionnaire.domain.bank.schema import Section
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.workflow import EDITABLE_BY_STATE
from questionnaire.models import Answer, Assessment, AssessmentItem, Clarification, User
from questionnaire.services import access
from questionnaire.services.accounts import Actor
from questionnaire.services.assessments import (
    assessment_question_bank,
    items_of,
    mark_changed,
    progress_of,
)
from questionnaire.services.audit import record
from questionnaire.services.transactions import transaction
from questionnaire.services.workflow import transition


@dataclass(frozen=True)
class ItemRow:
    item: AssessmentItem
    commitment: BankCommitment
    pending_questions: int = 0  # the reviewers' questions still awaiting the state's answer


@dataclass(frozen=True)
class PendingQuestion:
    """A reviewer's question the state has not answered yet, with where to answer it."""

    commitment: BankCommitment
    question: str
    asked_at: dt.datetime


class ItemFilter(StrEnum):
    ALL = "all"
    INCOMPLETE = "incomplete"
    QUESTIONS = "questions"  # has a question of the reviewers for the state


@dataclass(frozen=True)
class OverviewFilter:
    """Which commitments the overview lists: by state and by words of the title or number."""

    show: ItemFilter = ItemFilter.ALL
    text: str = ""

    @property
    def active(self) -> bool:
        return self.show is not ItemFilter.ALL or bool(self.text.strip())

    def keeps(self, row: ItemRow) -> bool:
        if self.show is ItemFilter.INCOMPLETE and row.item.progress == "complete":
            return False
        if self.show is ItemFilter.QUESTIONS and not row.pending_questions:
            return False
        words = self.text.casefold().split()
        if not words:
            return True
        title = row.commitment.spec.title
        haystack = " ".join(
            (str(row.commitment.paragraph), title.en.casefold(), title.zh.casefold())
        )
        return all(word in haystack for word in words)


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
class QuestionnaireOverview:
    sections: list[SectionRow]
    percent: int
    complete: int
    total: int
    can_edit: bool
    pending: list[PendingQuestion]
    shown: int  # commitments listed after the filter


def overview(
    session: Session,
    user: User,
    assessment: Assessment,
    listed: OverviewFilter | None = None,
) -> QuestionnaireOverview:
    """The questionnaire by section, the commitments `listed` keeps, the pending questions."""
    listed = listed or OverviewFilter()
    bank = assessment_question_bank(assessment)
    items = items_of(session, assessment)
    pending_rows = pending_questions(session, assessment)
    pending_by_item: dict[int, int] = {}
    for item_id, _question, _asked_at in pending_rows:
        pending_by_item[item_id] = pending_by_item.get(item_id, 0) + 1
    by_id = {item.id: item for item in items}
    sections = []
    shown = 0
    for section in bank.sections:
        rows = []
        for item in items:
            commitment = bank.commitment(item.commitment_id)
            row = ItemRow(item, commitment, pending_by_item.get(item.id, 0))
            if commitment.section.id == section.id and listed.keeps(row):
                rows.append(row)
        if rows:
            sections.append(SectionRow(section, rows))
            shown += len(rows)
    progress = progress_of(session, [assessment.id])[assessment.id]
    return QuestionnaireOverview(
        sections,
        progress.percent,
        progress.complete,
        progress.total,
        can_edit(user, assessment),
        [
            PendingQuestion(bank.commitment(by_id[item_id].commitment_id), question, asked_at)
            for item_id, question, asked_at in pending_rows
        ],
        shown,
    )


def pending_questions(
    session: Session, assessment: Assessment
) -> list[tuple[int, str, dt.datetime]]:
    """(item id, question, asked at) of each unanswered question, in questionnaire order."""
    return [
        (item_id, question, asked_at)
        for item_id, question, asked_at in session.execute(
            select(Clarification.item_id, Clarification.question, Clarification.asked_at)
            .join(AssessmentItem, AssessmentItem.id == Clarification.item_id)
            .where(
                AssessmentItem.assessment_id == assessment.id,
                Clarification.answered_at.is_(None),
            )
            .order_by(AssessmentItem.position, Clarification.id)
        )
    ]


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


def _stored_answers(
    session: Session, assessment: Assessment, items: list[AssessmentItem]
) -> dict[int, dict[str, AnswerValue]]:
    """Every stored answer of the assessment, by item and question, in one query."""
    stored: dict[int, dict[str, AnswerValue]] = {item.id: {} for item in items}
    for item_id, question_id, value in session.execute(
        select(Answer.item_id, Answer.question_id, Answer.value)
        .join(AssessmentItem, AssessmentItem.id == Answer.item_id)
        .where(AssessmentItem.assessment_id == assessment.id)
    ):
        stored[item_id][question_id] = value
    return stored


def missing_answers(session: Session, assessment: Assessment) -> list[MissingAnswer]:
    """Every required answer still missing, in questionnaire order."""
    bank = assessment_question_bank(assessment)
    items = items_of(session, assessment)
    stored = _stored_answers(session, assessment, items)
    missing: list[MissingAnswer] = []
    for item in items:
        missing.extend(missing_required(bank.commitment(item.commitment_id), stored[item.id]))  # type: ignore[arg-type]
    return missing


def mark_follow_up(
    session: Session, user: User, assessment: Assessment, item: AssessmentItem, marked: bool
) -> None:
    access.require_answer_editing(user, assessment)
    with transaction(session):
        item.follow_up = marked
        record(session, Actor.of(user), "item.follow_up", item, {"marked": marked})
        mark_changed(session, assessment.id)


def submit(session: Session, user: User, assessment: Assessment) -> None:
    missing = missing_answers(session, assessment)
    if missing:
        raise access.NotAllowed(f"{len(missing)} required answer(s) are missing")
    transition(session, user, assessment, WorkflowStatus.SUBMITTED)


@dataclass(frozen=True)
class PrintedCommitment:
    """One commitment as the print view shows it: the questions asked and their answers."""

    item: AssessmentItem
    commitment: BankCommitment
    answers: list[tuple[BankQuestion, AnswerValue]]


def printable(
    session: Session, user: User, assessment: Assessment
) -> list[tuple[Section, list[PrintedCommitment]]]:
    """The whole questionnaire with its answers, section by section, for printing.

    Only the questions a person sees on the page are printed (follow-ups whose condition
    holds), so the paper reads as the screen does. Reading rules are the page's.
    """
    access.require_answer_reading(session, user, assessment)
    bank = assessment_question_bank(assessment)
    items = items_of(session, assessment)
    stored = _stored_answers(session, assessment, items)
    printed: dict[str, list[PrintedCommitment]] = {}
    for item in items:
        commitment = bank.commitment(item.commitment_id)
        values = stored[item.id]
        printed.setdefault(commitment.section.id, []).append(
            PrintedCommitment(
                item,
                commitment,
                [(q, values.get(q.id)) for q in visible_questions(commitment, values)],
            )
        )
    return [(section, printed[section.id]) for section in bank.sections if section.id in printed]
