"""Every workflow step: allowed for the right role, refused with a reason otherwise.

The table is the domain's (`domain/workflow.py`); the decision is the policy's
(`services/access.py`), which needs no database for it.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from questionnaire.domain.assessment import Role
from questionnaire.domain.assessment import WorkflowStatus as S
from questionnaire.domain.workflow import Transition
from questionnaire.services.access import NotAllowed, step_for, steps_open_to


def find_transition(source: S, target: S, role: str) -> Transition:
    return step_for(SimpleNamespace(role=Role(role)), SimpleNamespace(status=source), target)


ROLES = ("secretariat", "focal_point", "contributor", "reviewer")
ALLOWED = {
    (S.DRAFT, S.SUBMITTED): {"focal_point"},
    (S.SUBMITTED, S.DRAFT): {"secretariat"},
    (S.SUBMITTED, S.IN_REVIEW): {"secretariat", "reviewer"},
    (S.IN_REVIEW, S.CLARIFICATION_REQUESTED): {"reviewer"},
    (S.CLARIFICATION_REQUESTED, S.ANSWERED): {"focal_point"},
    (S.ANSWERED, S.IN_REVIEW): {"reviewer", "secretariat"},
    (S.ANSWERED, S.CLARIFICATION_REQUESTED): {"reviewer"},
    (S.IN_REVIEW, S.REVIEW_COMPLETED): {"reviewer"},
    (S.ANSWERED, S.REVIEW_COMPLETED): {"reviewer"},
    (S.REVIEW_COMPLETED, S.IN_REVIEW): {"secretariat"},
    (S.REVIEW_COMPLETED, S.FINALIZED): {"secretariat"},
    (S.FINALIZED, S.REVIEW_COMPLETED): {"secretariat"},
}


@pytest.mark.parametrize(
    ("source", "target", "role"),
    [(a, b, r) for a, b in itertools.permutations(S, 2) for r in ROLES],
)
def test_each_transition_for_each_role(source: S, target: S, role: str) -> None:
    if role in ALLOWED.get((source, target), set()):
        assert find_transition(source, target, role).target is target
    else:
        with pytest.raises(NotAllowed) as refusal:
            find_transition(source, target, role)
        assert source.value.replace("_", " ") in str(refusal.value)


def test_a_contributor_never_moves_the_workflow() -> None:
    contributor = SimpleNamespace(role=Role.CONTRIBUTOR)
    assert all(not steps_open_to(contributor, SimpleNamespace(status=status)) for status in S)


def test_nothing_skips_the_review() -> None:
    with pytest.raises(NotAllowed, match="cannot become finalized"):
        find_transition(S.SUBMITTED, S.FINALIZED, "secretariat")
