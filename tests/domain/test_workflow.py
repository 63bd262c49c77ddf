"""Every workflow step: allowed for the right role, refused with a reason otherwise.

The table is the domain's (`domain/workflow.py`); the decision is the policy's
(`services/access.py`), which needs no database for it.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from questionnaire.domain.assessment import Role, WorkflowStatus
from questionnaire.domain.workflow import Transition
from questionnaire.services.access import NotAllowed, step_for, steps_open_to


def find_transition(source: WorkflowStatus, target: WorkflowStatus, role: str) -> Transition:
    return step_for(SimpleNamespace(role=Role(role)), SimpleNamespace(status=source), target)


ROLES = ("secretariat", "focal_point", "contributor", "reviewer")
ALLOWED = {
    (WorkflowStatus.DRAFT, WorkflowStatus.SUBMITTED): {"focal_point"},
    (WorkflowStatus.SUBMITTED, WorkflowStatus.DRAFT): {"secretariat"},
    (WorkflowStatus.SUBMITTED, WorkflowStatus.IN_REVIEW): {"secretariat", "reviewer"},
    (WorkflowStatus.IN_REVIEW, WorkflowStatus.CLARIFICATION_REQUESTED): {"reviewer"},
    (WorkflowStatus.CLARIFICATION_REQUESTED, WorkflowStatus.ANSWERED): {"focal_point"},
    (WorkflowStatus.ANSWERED, WorkflowStatus.IN_REVIEW): {"reviewer", "secretariat"},
    (WorkflowStatus.ANSWERED, WorkflowStatus.CLARIFICATION_REQUESTED): {"reviewer"},
    (WorkflowStatus.IN_REVIEW, WorkflowStatus.REVIEW_COMPLETED): {"reviewer"},
    (WorkflowStatus.ANSWERED, WorkflowStatus.REVIEW_COMPLETED): {"reviewer"},
    (WorkflowStatus.REVIEW_COMPLETED, WorkflowStatus.IN_REVIEW): {"secretariat"},
    (WorkflowStatus.REVIEW_COMPLETED, WorkflowStatus.FINALIZED): {"secretariat"},
    (WorkflowStatus.FINALIZED, WorkflowStatus.REVIEW_COMPLETED): {"secretariat"},
}


@pytest.mark.parametrize(
    ("source", "target", "role"),
    [(a, b, r) for a, b in itertools.permutations(WorkflowStatus, 2) for r in ROLES],
)
def test_each_transition_for_each_role(
    source: WorkflowStatus, target: WorkflowStatus, role: str
) -> None:
    if role in ALLOWED.get((source, target), set()):
        assert find_transition(source, target, role).target is target
    else:
        with pytest.raises(NotAllowed) as refusal:
            find_transition(source, target, role)
        assert source.value.replace("_", " ") in str(refusal.value)


def test_a_contributor_never_moves_the_workflow() -> None:
    contributor = SimpleNamespace(role=Role.CONTRIBUTOR)
    assert all(
        not steps_open_to(contributor, SimpleNamespace(status=status)) for status in WorkflowStatus
    )


def test_nothing_skips_the_review() -> None:
    with pytest.raises(NotAllowed, match="cannot become finalized"):
        find_transition(WorkflowStatus.SUBMITTED, WorkflowStatus.FINALIZED, "secretariat")
