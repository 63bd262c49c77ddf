"""The review workflow of the IRM, as allowed transitions and who may make them.

The table names the roles of each step; whether a given person may take one is decided by
the policy (`questionnaire/services/access.py`), which reads this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from questionnaire.domain.assessment import Role, WorkflowStatus

SECRETARIAT, FOCAL_POINT, REVIEWER = Role.SECRETARIAT, Role.FOCAL_POINT, Role.REVIEWER


@dataclass(frozen=True)
class Transition:
    source: WorkflowStatus
    target: WorkflowStatus
    roles: frozenset[Role]
    label_en: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(WorkflowStatus.DRAFT, WorkflowStatus.SUBMITTED, frozenset({FOCAL_POINT}), "Submit"),
    Transition(
        WorkflowStatus.SUBMITTED,
        WorkflowStatus.DRAFT,
        frozenset({SECRETARIAT}),
        "Reopen for the state",
    ),
    Transition(
        WorkflowStatus.SUBMITTED,
        WorkflowStatus.IN_REVIEW,
        frozenset({SECRETARIAT, REVIEWER}),
        "Start review",
    ),
    Transition(
        WorkflowStatus.IN_REVIEW,
        WorkflowStatus.CLARIFICATION_REQUESTED,
        frozenset({REVIEWER}),
        "Request clarification",
    ),
    Transition(
        WorkflowStatus.CLARIFICATION_REQUESTED,
        WorkflowStatus.ANSWERED,
        frozenset({FOCAL_POINT}),
        "Send clarifications",
    ),
    Transition(
        WorkflowStatus.ANSWERED,
        WorkflowStatus.IN_REVIEW,
        frozenset({REVIEWER, SECRETARIAT}),
        "Resume review",
    ),
    Transition(
        WorkflowStatus.ANSWERED,
        WorkflowStatus.CLARIFICATION_REQUESTED,
        frozenset({REVIEWER}),
        "Request clarification",
    ),
    Transition(
        WorkflowStatus.IN_REVIEW,
        WorkflowStatus.REVIEW_COMPLETED,
        frozenset({REVIEWER}),
        "Complete review",
    ),
    Transition(
        WorkflowStatus.ANSWERED,
        WorkflowStatus.REVIEW_COMPLETED,
        frozenset({REVIEWER}),
        "Complete review",
    ),
    Transition(
        WorkflowStatus.REVIEW_COMPLETED,
        WorkflowStatus.IN_REVIEW,
        frozenset({SECRETARIAT}),
        "Reopen review",
    ),
    Transition(
        WorkflowStatus.REVIEW_COMPLETED,
        WorkflowStatus.FINALIZED,
        frozenset({SECRETARIAT}),
        "Finalize",
    ),
    Transition(
        WorkflowStatus.FINALIZED,
        WorkflowStatus.REVIEW_COMPLETED,
        frozenset({SECRETARIAT}),
        "Reopen finalized",
    ),
)

# States in which the state party may change its answers.
EDITABLE_BY_STATE = frozenset({WorkflowStatus.DRAFT, WorkflowStatus.CLARIFICATION_REQUESTED})
# States in which the assigned reviewers rate, record findings and ask questions.
REVIEWABLE = frozenset(
    {WorkflowStatus.IN_REVIEW, WorkflowStatus.ANSWERED, WorkflowStatus.CLARIFICATION_REQUESTED}
)


def transitions_between(source: WorkflowStatus, target: WorkflowStatus) -> list[Transition]:
    """The steps from `source` to `target`, whoever may take them (`services/access` decides)."""
    return [t for t in TRANSITIONS if t.source is source and t.target is target]


def transitions_from(source: WorkflowStatus) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source is source]
