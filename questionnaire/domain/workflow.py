"""The review workflow of the IRM, as allowed transitions and who may make them."""

from __future__ import annotations

from dataclasses import dataclass

from questionnaire.domain.assessment import WorkflowStatus as S


class TransitionError(ValueError):
    """A step that the workflow does not allow from here, or not to this person."""


@dataclass(frozen=True)
class Transition:
    source: S
    target: S
    roles: frozenset[str]
    label_en: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, S.SUBMITTED, frozenset({"focal_point"}), "Submit"),
    Transition(S.SUBMITTED, S.DRAFT, frozenset({"secretariat"}), "Reopen for the state"),
    Transition(S.SUBMITTED, S.IN_REVIEW, frozenset({"secretariat", "reviewer"}), "Start review"),
    Transition(
        S.IN_REVIEW, S.CLARIFICATION_REQUESTED, frozenset({"reviewer"}), "Request clarification"
    ),
    Transition(
        S.CLARIFICATION_REQUESTED, S.ANSWERED, frozenset({"focal_point"}), "Send clarifications"
    ),
    Transition(S.ANSWERED, S.IN_REVIEW, frozenset({"reviewer", "secretariat"}), "Resume review"),
    Transition(
        S.ANSWERED, S.CLARIFICATION_REQUESTED, frozenset({"reviewer"}), "Request clarification"
    ),
    Transition(S.IN_REVIEW, S.REVIEW_COMPLETED, frozenset({"reviewer"}), "Complete review"),
    Transition(S.ANSWERED, S.REVIEW_COMPLETED, frozenset({"reviewer"}), "Complete review"),
    Transition(S.REVIEW_COMPLETED, S.IN_REVIEW, frozenset({"secretariat"}), "Reopen review"),
    Transition(S.REVIEW_COMPLETED, S.FINALIZED, frozenset({"secretariat"}), "Finalize"),
    Transition(S.FINALIZED, S.REVIEW_COMPLETED, frozenset({"secretariat"}), "Reopen finalized"),
)

# States in which the state party may change its answers.
EDITABLE_BY_STATE = frozenset({S.DRAFT, S.CLARIFICATION_REQUESTED})
# States in which the assigned reviewers rate, record findings and ask questions.
REVIEWABLE = frozenset({S.IN_REVIEW, S.ANSWERED, S.CLARIFICATION_REQUESTED})


def find_transition(source: S, target: S, role: str) -> Transition:
    """The allowed transition, or `TransitionError` saying why not."""
    candidates = [t for t in TRANSITIONS if t.source is source and t.target is target]
    if not candidates:
        raise TransitionError(
            f"an assessment that is {source.value.replace('_', ' ')} cannot become "
            f"{target.value.replace('_', ' ')}"
        )
    allowed = [t for t in candidates if role in t.roles]
    if not allowed:
        raise TransitionError(
            f"a {role.replace('_', ' ')} cannot move an assessment from "
            f"{source.value.replace('_', ' ')} to {target.value.replace('_', ' ')}"
        )
    return allowed[0]


def available_transitions(source: S, role: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source is source and role in t.roles]
