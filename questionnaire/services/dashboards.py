"""What each role sees first: progress, what waits for them, and where the gaps are."""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.state_parties import load_regional_groups
from questionnaire.domain.workflow import EDITABLE_BY_STATE, REVIEWABLE
from questionnaire.models import (
    Assessment,
    AssessmentItem,
    Clarification,
    ItemReview,
    ReviewerAssignment,
    User,
)
from questionnaire.services import access
from questionnaire.services.access import visible_assessments
from questionnaire.services.assessments import Progress, progress_of
from questionnaire.services.scoring import section_scores

# Steps that wait for the state party, and the statuses whose scores count in the heat map.
WAITING_FOR_STATE = frozenset({WorkflowStatus.DRAFT, WorkflowStatus.CLARIFICATION_REQUESTED})
WAITING_FOR_REVIEWER = frozenset(
    {WorkflowStatus.SUBMITTED, WorkflowStatus.IN_REVIEW, WorkflowStatus.ANSWERED}
)
REVIEWED = frozenset({WorkflowStatus.REVIEW_COMPLETED, WorkflowStatus.FINALIZED})


@dataclass(frozen=True)
class AssessmentLine:
    assessment: Assessment
    progress: Progress
    overdue: bool


@dataclass(frozen=True)
class HeatMap:
    """Mean gap (1 − score) by section and regional group; None where nothing is scored."""

    sections: list[tuple[str, str, str]]  # id, zh, en
    groups: list[tuple[str, str, str]]  # id, zh, en
    gaps: dict[tuple[str, str], float | None]
    states: dict[str, int]  # reviewed assessments per group


class StepKind(enum.StrEnum):
    """What a person should do next; the home page turns each into a button."""

    ANSWER_CLARIFICATIONS = "answer_clarifications"  # to the first open question
    CONTINUE_ANSWERING = "continue_answering"  # to the first unanswered commitment
    SUBMIT = "submit"  # every commitment answered: the overview, where Submit is
    AWAIT_SUBMISSION = "await_submission"  # a contributor: all answered, the focal point submits
    SEND_CLARIFICATIONS = "send_clarifications"  # every question answered: send them back
    START_REVIEW = "start_review"  # a reviewer: the overview, where Start review is
    CONTINUE_REVIEW = "continue_review"  # to the first commitment not yet rated
    COMPLETE_REVIEW = "complete_review"  # every commitment rated: the overview
    ASSIGN_REVIEWERS = "assign_reviewers"  # the secretariat: submitted, fewer than two states
    FINALIZE = "finalize"  # the secretariat: reviews completed


@dataclass(frozen=True)
class NextStep:
    kind: StepKind
    assessment: Assessment | None = None  # None: a step over many assessments
    commitment_id: str | None = None
    count: int = 0  # how many questions, commitments or assessments the step covers


@dataclass(frozen=True)
class Dashboard:
    lines: list[AssessmentLine]
    by_status: dict[str, int] = field(default_factory=dict)
    heat_map: HeatMap | None = None
    section_scores: dict[int, list[tuple[str, str, float | None, int, int]]] = field(
        default_factory=dict
    )
    next_steps: list[NextStep] = field(default_factory=list)
    open_questions: int = 0  # reviewers' questions waiting for this state's answer


def dashboard_for(session: Session, user: User, today: dt.date | None = None) -> Dashboard:
    today = today or dt.date.today()
    assessments = list(session.scalars(visible_assessments(user)))
    progress = progress_of(session, [a.id for a in assessments])
    lines = [
        AssessmentLine(a, progress[a.id], _overdue(a, today))
        for a in assessments
        if not access.is_reviewer(user) or a.status in WAITING_FOR_REVIEWER | REVIEWED
    ]
    if access.is_reviewer(user):
        lines.sort(key=lambda line: line.assessment.status not in WAITING_FOR_REVIEWER)
    by_status = Counter(a.status.value for a in assessments)
    heat_map = _heat_map(session, assessments) if access.is_secretariat(user) else None
    finalized_scores = {}
    if access.answers_for_a_state(user):
        finalized = [a for a in assessments if a.status is WorkflowStatus.FINALIZED]
        finalized_scores = {
            assessment_id: [
                (s.label_zh, s.label_en, s.score, s.answered, s.asked) for s in sections
            ]
            for assessment_id, sections in section_scores(session, finalized).items()
        }
    steps = next_steps(session, user, assessments)
    open_questions = sum(
        step.count for step in steps if step.kind is StepKind.ANSWER_CLARIFICATIONS
    )
    return Dashboard(lines, dict(by_status), heat_map, finalized_scores, steps, open_questions)


def next_steps(session: Session, user: User, assessments: list[Assessment]) -> list[NextStep]:
    """Each role's next step, most urgent first, so the home page leads somewhere at once."""
    if access.is_secretariat(user):
        return _secretariat_steps(session, assessments)
    if access.is_reviewer(user):
        return [
            step
            for assessment in assessments
            if (step := _reviewer_step(session, assessment)) is not None
        ]
    steps = []
    for assessment in assessments:
        if assessment.status not in EDITABLE_BY_STATE:
            continue
        open_questions = _open_questions(session, assessment)
        if open_questions:
            first = open_questions[0]
            steps.append(
                NextStep(StepKind.ANSWER_CLARIFICATIONS, assessment, first, len(open_questions))
            )
        unanswered = _first_item(session, assessment, AssessmentItem.progress != "complete")
        if unanswered is not None:
            steps.append(
                NextStep(StepKind.CONTINUE_ANSWERING, assessment, unanswered.commitment_id)
            )
        elif assessment.status is WorkflowStatus.DRAFT:
            may_submit = access.may_take_step(user, assessment, WorkflowStatus.SUBMITTED)
            kind = StepKind.SUBMIT if may_submit else StepKind.AWAIT_SUBMISSION
            steps.append(NextStep(kind, assessment))
        if (
            assessment.status is WorkflowStatus.CLARIFICATION_REQUESTED
            and not open_questions
            and access.may_take_step(user, assessment, WorkflowStatus.ANSWERED)
        ):
            steps.append(NextStep(StepKind.SEND_CLARIFICATIONS, assessment))
    return steps


def _open_questions(session: Session, assessment: Assessment) -> list[str]:
    """The commitment of each unanswered clarification question, in questionnaire order."""
    return list(
        session.scalars(
            select(AssessmentItem.commitment_id)
            .join(Clarification, Clarification.item_id == AssessmentItem.id)
            .where(
                AssessmentItem.assessment_id == assessment.id,
                Clarification.answered_at.is_(None),
            )
            .order_by(AssessmentItem.position, Clarification.id)
        )
    )


def _first_item(
    session: Session, assessment: Assessment, *conditions: object
) -> AssessmentItem | None:
    return session.scalar(
        select(AssessmentItem)
        .where(AssessmentItem.assessment_id == assessment.id, *conditions)  # type: ignore[arg-type]
        .order_by(AssessmentItem.position)
        .limit(1)
    )


def _reviewer_step(session: Session, assessment: Assessment) -> NextStep | None:
    if assessment.status is WorkflowStatus.SUBMITTED:
        return NextStep(StepKind.START_REVIEW, assessment)
    if assessment.status not in REVIEWABLE:
        return None
    rated = select(ItemReview.item_id).where(
        or_(ItemReview.framework.is_not(None), ItemReview.practice.is_not(None))
    )
    unrated = _first_item(session, assessment, AssessmentItem.id.not_in(rated))
    if unrated is None:
        return NextStep(StepKind.COMPLETE_REVIEW, assessment)
    return NextStep(StepKind.CONTINUE_REVIEW, assessment, unrated.commitment_id)


def _secretariat_steps(session: Session, assessments: list[Assessment]) -> list[NextStep]:
    submitted = [a.id for a in assessments if a.status is WorkflowStatus.SUBMITTED]
    states_assigned = dict(
        session.execute(
            select(
                ReviewerAssignment.assessment_id,
                func.count(func.distinct(User.state_party_code)),
            )
            .join(User, User.id == ReviewerAssignment.reviewer_id)
            .where(ReviewerAssignment.assessment_id.in_(submitted))
            .group_by(ReviewerAssignment.assessment_id)
        ).all()
    )
    waiting = sum(1 for i in submitted if states_assigned.get(i, 0) < 2)
    finalize = sum(1 for a in assessments if a.status is WorkflowStatus.REVIEW_COMPLETED)
    steps = []
    if waiting:
        steps.append(NextStep(StepKind.ASSIGN_REVIEWERS, count=waiting))
    if finalize:
        steps.append(NextStep(StepKind.FINALIZE, count=finalize))
    return steps


def _overdue(assessment: Assessment, today: dt.date) -> bool:
    return (
        assessment.due_date is not None
        and assessment.due_date < today
        and assessment.status in WAITING_FOR_STATE
    )


def _heat_map(session: Session, assessments: list[Assessment]) -> HeatMap | None:
    """Gaps by section and regional group over the reviewed assessments.

    Each assessment is scored on its own bank edition, so the columns are the sections of
    those editions (newest edition first, then any section only an older one has), not the
    newest bank's: a section renamed in a new edition keeps the scores given under the old.
    """
    reviewed = [a for a in assessments if a.status in REVIEWED]
    if not reviewed:
        return None
    group_of = {a.id: a.state_party.regional_group for a in reviewed}
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    columns: dict[str, tuple[str, str, str]] = {}
    newest_first = sorted(reviewed, key=lambda a: a.bank_version_id, reverse=True)
    by_assessment = section_scores(session, newest_first)
    for assessment in newest_first:
        for section in by_assessment[assessment.id]:
            columns.setdefault(
                section.section_id, (section.section_id, section.label_zh, section.label_en)
            )
            if section.score is not None:
                scores[(section.section_id, group_of[assessment.id])].append(section.score)
    groups = [(g.id, g.label_zh, g.label_en) for g in load_regional_groups()]
    return HeatMap(
        sections=list(columns.values()),
        groups=groups,
        gaps={key: 1 - sum(values) / len(values) for key, values in scores.items()},
        states=dict(Counter(group_of.values())),
    )
