"""The review workflow of the IRM, as allowed transitions and who may make them.

The table names the roles of each step; whether a given person may take one is decided by
the policy (`questionnaire/services/access.py`), which reads this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from questionnaire.domain.assessment import Role
from questionnaire.domain.assessment import WorkflowStatus as S

SECRETARIAT, FOCAL_POINT, REVIEWER = Role.SECRETARIAT, Role.FOCAL_POINT, Role.REVIEWER


@dataclass(frozen=True)
class Transition:
    source: S
    target: S
    roles: frozenset[Role]
    label_en: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, S.SUBMITTED, frozenset({FOCAL_POINT}), "Submit"),
    Transition(S.SUBMITTED, S.DRAFT, frozenset({SECRETARIAT}), "Reopen for the state"),
    Transition(S.SUBMITTED, S.IN_REVIEW, frozenset({SECRETARIAT, REVIEWER}), "Start review"),
    Transition(
        S.IN_REVIEW, S.CLARIFICATION_REQUESTED, frozenset({REVIEWER}), "Request clarification"
    ),
    Transition(
        S.CLARIFICATION_REQUESTED, S.ANSWERED, frozenset({FOCAL_POINT}), "Send clarifications"
    ),
    Transition(S.ANSWERED, S.IN_REVIEW, frozenset({REVIEWER, SECRETARIAT}), "Resume review"),
    Transition(
        S.ANSWERED, S.CLARIFICATION_REQUESTED, frozenset({REVIEWER}), "Request clarification"
    ),
    Transition(S.IN_REVIEW, S.REVIEW_COMPLETED, frozenset({REVIEWER}), "Complete review"),
    Transition(S.ANSWERED, S.REVIEW_COMPLETED, frozenset({REVIEWER}), "Complete review"),
    Transition(S.REVIEW_COMPLETED, S.IN_REVIEW, frozenset({SECRETARIAT}), "Reopen review"),
    Transition(S.REVIEW_COMPLETED, S.FINALIZED, frozenset({SECRETARIAT}), "Finalize"),
    Transition(S.FINALIZED, S.REVIEW_COMPLETED, frozenset({SECRETARIAT}), "Reopen finalized"),
)

# States in which the state party may change its answers.
EDITABLE_BY_STATE = frozenset({S.DRAFT, S.CLARIFICATION_REQUESTED})
# States in which the assigned reviewers rate, record findings and ask questions.
REVIEWABLE = frozenset({S.IN_REVIEW, S.ANSWERED, S.CLARIFICATION_REQUESTED})


def transitions_between(source: S, target: S) -> list[Transition]:
    """The steps from `source` to `target`, whoever may take them (`services/access` decides)."""
    return [t for t in TRANSITIONS if t.source is source and t.target is target]


def transitions_from(source: S) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source is source]
