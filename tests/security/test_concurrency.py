"""Many people saving the same answer at once: one wins, the others get a conflict.

Each thread has its own session from the application's session factory, as each web
request does, and all start from the same version. What must hold: no thread meets an
unexpected error, exactly one save is applied, and the versions and the audit log agree
with what was applied. Two people through the web: see
tests/web/test_questionnaires.py::test_a_stale_save_gets_the_conflict_page_with_both_texts.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from questionnaire.models import (
    Answer,
    AnswerChange,
    Assessment,
    AssessmentItem,
    AuditEvent,
    User,
)
from questionnaire.services.answers import save_answers
from tests.security.conftest import Target

QUESTION = "measures"


def _save_all_at_once(
    sessions: sessionmaker[Session], target: Target, threads: int, base: int
) -> Counter[str]:
    """Each thread saves its own text over version `base`; the outcome of each, counted."""
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []

    def save(number: int) -> None:
        with sessions() as session:
            user = session.get(User, target.user_id)
            assessment = session.get(Assessment, target.assessment_id)
            item = session.get(AssessmentItem, target.item_id)
            assert user and assessment and item
            # Back to the pool until every thread is ready: fifty sessions share the
            # application's pool as fifty requests would, queueing for a connection.
            session.commit()
            barrier.wait(timeout=60)
            try:
                result = save_answers(
                    session, user, assessment, item, {QUESTION: f"text {number}"}, {QUESTION: base}
                )
            except OperationalError as error:
                session.rollback()
                locked = "database is locked" in str(error)
                outcomes.append("locked" if locked else f"error: {error}")
                return
            except Exception as error:  # noqa: BLE001 - every other error is the finding
                outcomes.append(f"error: {type(error).__name__}: {error}")
                return
            if result.saved == [QUESTION] and not result.conflicts:
                outcomes.append("saved")
            elif result.conflicts and result.conflicts[0].yours == f"text {number}":
                outcomes.append("conflict")  # the person's own text comes back to merge
            else:
                outcomes.append(f"error: unexpected result {result}")

    workers = [threading.Thread(target=save, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert len(outcomes) == threads, "a thread hung"
    return Counter(outcomes)


def _stored(db: Session, target: Target) -> tuple[Answer, int, int]:
    db.expire_all()
    answer = db.scalar(
        select(Answer).where(Answer.item_id == target.item_id, Answer.question_id == QUESTION)
    )
    assert answer is not None
    versions = db.scalar(
        select(func.count()).select_from(AnswerChange).where(AnswerChange.answer_id == answer.id)
    )
    audited = db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "answers.saved")
    )
    return answer, versions or 0, audited or 0


def _first_version(db: Session, target: Target) -> None:
    user = db.get(User, target.user_id)
    assessment = db.get(Assessment, target.assessment_id)
    item = db.get(AssessmentItem, target.item_id)
    assert user and assessment and item
    save_answers(db, user, assessment, item, {QUESTION: "first text"}, {})


def _postgresql_only(app: Flask) -> None:
    if app.extensions["database"].engine.dialect.name != "postgresql":
        pytest.skip(
            "needs PostgreSQL (DATABASE_URL): SQLite serializes writers, so fifty threads "
            "would measure its lock queue; the SQLite variant below runs ten"
        )


def test_fifty_concurrent_saves_on_one_version_give_one_winner(
    app: Flask, db: Session, target: Target
) -> None:
    _postgresql_only(app)
    _first_version(db, target)
    outcomes = _save_all_at_once(app.extensions["database"].sessions, target, 50, base=1)
    assert set(outcomes) <= {"saved", "conflict"}, outcomes
    assert outcomes["saved"] == 1
    answer, versions, audited = _stored(db, target)
    assert answer.revision == 2 and answer.value.startswith("text ")
    assert versions == 1 + outcomes["saved"]
    assert audited == 1 + outcomes["saved"]


def test_fifty_concurrent_first_answers_give_one_winner(
    app: Flask, db: Session, target: Target
) -> None:
    _postgresql_only(app)
    outcomes = _save_all_at_once(app.extensions["database"].sessions, target, 50, base=0)
    assert set(outcomes) <= {"saved", "conflict"}, outcomes
    assert outcomes["saved"] == 1
    answer, versions, audited = _stored(db, target)
    assert (answer.revision, versions, audited) == (1, 1, 1)


def test_ten_concurrent_saves_give_one_winner_and_nine_conflicts(
    app: Flask, db: Session, target: Target
) -> None:
    """On SQLite too: no 'database is locked' refusal, because the service reads outside a
    write transaction and each writer waits its turn (busy_timeout) for the conditional
    UPDATE, which the first to arrive wins. Runs on PostgreSQL as well."""
    _first_version(db, target)
    outcomes = _save_all_at_once(app.extensions["database"].sessions, target, 10, base=1)
    assert outcomes == Counter({"saved": 1, "conflict": 9})
    answer, versions, audited = _stored(db, target)
    assert (answer.revision, versions, audited) == (2, 2, 2)
