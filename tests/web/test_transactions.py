"""Each use case commits once, or rolls back entirely (issue 16).

`transaction` is the one rule (questionnaire/services/transactions.py); these tests pin it
down, and show the fault it fixes: a reviewer's question stored without the status change
that lets the state party answer it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.models import Assessment, Clarification, Comment, Role, StateParty
from questionnaire.services import reviews, workflow
from questionnaire.services.assessments import create_assessment
from questionnaire.services.transactions import transaction
from tests.security.helpers import SMALL_SCOPE

SECRETARIAT = "officer@secretariat.test"
JAPAN = "expert@japan.test"
FRANCE = "expert@france.test"


@dataclass(frozen=True)
class World:
    assessment_id: int
    reviewer_id: int


@pytest.fixture()
def world(db: Session, make_user: Any, loaded_bank: object) -> World:
    """China's questionnaire in review by experts of Japan and France."""
    secretariat = make_user(SECRETARIAT, Role.SECRETARIAT)
    japan = make_user(JAPAN, Role.REVIEWER, "JPN")
    france = make_user(FRANCE, Role.REVIEWER, "FRA")
    china = create_assessment(
        db, secretariat, state_party_code="CHN", review_year=2026, scope=SMALL_SCOPE
    )
    db.commit()
    reviews.assign_reviewer(db, secretariat, china, france)
    reviews.assign_reviewer(db, secretariat, china, japan)
    china.status = WorkflowStatus.IN_REVIEW
    db.commit()
    return World(china.id, japan.id)


@pytest.fixture()
def commits(db: Session) -> Iterator[list[int]]:
    """Counts the commits of the test's session, one entry each."""
    seen: list[int] = []

    def count(_session: Session) -> None:
        seen.append(1)

    event.listen(db, "after_commit", count)
    yield seen
    event.remove(db, "after_commit", count)


def _stored(app: Flask, model: type) -> int:
    """Rows of `model` as another connection sees them: only what was committed."""
    with app.extensions["database"].sessions() as fresh:
        return fresh.scalar(select(func.count()).select_from(model)) or 0


def _status(app: Flask, assessment_id: int) -> WorkflowStatus:
    with app.extensions["database"].sessions() as fresh:
        assessment = fresh.get(Assessment, assessment_id)
        assert assessment is not None
        return assessment.status


def test_a_question_is_never_stored_without_its_status_change(
    app: Flask, db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fault of issue 16: the question was flushed, the status change then failed, and
    the next commit of the same session (here, a comment) stored the question alone, in an
    assessment whose state party is never asked to answer it."""
    assessment = db.get(Assessment, world.assessment_id)
    assert assessment is not None
    item = assessment.items[0]
    reviewer = reviews.assignments(db, assessment)[1].reviewer
    audited = workflow.record

    def audit_store_down(session: Session, actor: object, action: str, *args: Any) -> Any:
        if action == "assessment.status":
            raise RuntimeError("the audit log refused the status change")
        return audited(session, actor, action, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(workflow, "record", audit_store_down)
    with pytest.raises(RuntimeError):
        reviews.ask_clarification(db, reviewer, assessment, item, "Which courts hear it?")
    monkeypatch.undo()

    reviews.add_comment(db, reviewer, assessment, item, "A comment, committed on its own.")

    assert _stored(app, Comment) == 1
    assert _stored(app, Clarification) == 0
    assert _status(app, world.assessment_id) is WorkflowStatus.IN_REVIEW


def test_asking_a_question_commits_once_with_the_status_change(
    app: Flask, db: Session, world: World, commits: list[int]
) -> None:
    assessment = db.get(Assessment, world.assessment_id)
    assert assessment is not None
    reviewer = reviews.assignments(db, assessment)[1].reviewer
    reviews.ask_clarification(db, reviewer, assessment, assessment.items[0], "Which courts?")
    assert len(commits) == 1
    assert _stored(app, Clarification) == 1
    assert _status(app, world.assessment_id) is WorkflowStatus.CLARIFICATION_REQUESTED


def test_an_inner_use_case_joins_the_outer_one(
    app: Flask, db: Session, state_parties: None, commits: list[int]
) -> None:
    with transaction(db):
        with transaction(db):
            db.get(StateParty, "CHN").name_en = "China, renamed"  # type: ignore[union-attr]
        assert commits == []  # the inner block did not commit
    assert len(commits) == 1


def test_a_failure_anywhere_rolls_the_whole_use_case_back(
    app: Flask, db: Session, state_parties: None, commits: list[int]
) -> None:
    with pytest.raises(LookupError), transaction(db):
        with transaction(db):
            db.get(StateParty, "CHN").name_en = "China, renamed"  # type: ignore[union-attr]
        raise LookupError("a later step failed")
    assert commits == []
    with app.extensions["database"].sessions() as fresh:
        assert fresh.get(StateParty, "CHN").name_en != "China, renamed"  # type: ignore[union-attr]
    # The session is usable again at once, with nothing of the failed use case pending.
    assert not db.dirty and not db.new
