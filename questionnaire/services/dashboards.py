"""What each role sees first: progress, what waits for them, and where the gaps are."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.state_parties import load_regional_groups
from questionnaire.models import Assessment, Role, User
from questionnaire.services.access import visible_assessments
from questionnaire.services.assessments import Progress, progress_of
from questionnaire.services.bank_store import current_bank
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


@dataclass(frozen=True)
class Dashboard:
    lines: list[AssessmentLine]
    by_status: dict[str, int] = field(default_factory=dict)
    heat_map: HeatMap | None = None
    section_scores: dict[int, list[tuple[str, str, float | None, int, int]]] = field(
        default_factory=dict
    )


def dashboard_for(session: Session, user: User, today: dt.date | None = None) -> Dashboard:
    today = today or dt.date.today()
    assessments = list(session.scalars(visible_assessments(user)))
    progress = progress_of(session, [a.id for a in assessments])
    lines = [
        AssessmentLine(a, progress[a.id], _overdue(a, today))
        for a in assessments
        if user.role is not Role.REVIEWER or a.status in WAITING_FOR_REVIEWER | REVIEWED
    ]
    if user.role is Role.REVIEWER:
        lines.sort(key=lambda line: line.assessment.status not in WAITING_FOR_REVIEWER)
    by_status = Counter(a.status.value for a in assessments)
    heat_map = _heat_map(session, assessments) if user.role is Role.SECRETARIAT else None
    finalized_scores = {}
    if user.role in (Role.FOCAL_POINT, Role.CONTRIBUTOR):
        finalized = [a for a in assessments if a.status is WorkflowStatus.FINALIZED]
        finalized_scores = {
            assessment_id: [
                (s.label_zh, s.label_en, s.score, s.answered, s.asked) for s in sections
            ]
            for assessment_id, sections in section_scores(session, finalized).items()
        }
    return Dashboard(lines, dict(by_status), heat_map, finalized_scores)


def _overdue(assessment: Assessment, today: dt.date) -> bool:
    return (
        assessment.due_date is not None
        and assessment.due_date < today
        and assessment.status in WAITING_FOR_STATE
    )


def _heat_map(session: Session, assessments: list[Assessment]) -> HeatMap | None:
    reviewed = [a for a in assessments if a.status in REVIEWED]
    bank = current_bank(session)
    if not reviewed or bank is None:
        return None
    group_of = {a.id: a.state_party.regional_group for a in reviewed}
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    for assessment_id, sections in section_scores(session, reviewed).items():
        for section in sections:
            if section.score is not None:
                scores[(section.section_id, group_of[assessment_id])].append(section.score)
    groups = [(g.id, g.label_zh, g.label_en) for g in load_regional_groups()]
    return HeatMap(
        sections=[(s.id, s.title.zh, s.title.en) for s in bank.sections],
        groups=groups,
        gaps={key: 1 - sum(values) / len(values) for key, values in scores.items()},
        states=dict(Counter(group_of.values())),
    )
