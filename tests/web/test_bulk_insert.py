"""Bulk inserts (COPY on PostgreSQL) store exactly what an ordinary insert stores."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from questionnaire.database import bulk_insert
from questionnaire.domain.bank import QuestionBank
from questionnaire.models import Answer
from tests.web.questionnaire_helpers import open_assessment

AWKWARD_VALUES = [
    "plain",
    'tab\there, new\nline, back\\slash, quote " and 中文',
    "=1+1",
    "",
    None,
    3.25,
    8,
    ["a", "b"],
    {"nested": [1, None, "x"]},
]


def test_bulk_rows_read_back_as_ordinary_rows(
    db: Session, make_user, loaded_bank: QuestionBank
) -> None:
    assessment = open_assessment(db, make_user, sections=("technical_assistance",))
    first, second = assessment.items[0], assessment.items[1]
    at = dt.datetime(2026, 11, 27, 5, 30, 15, 123456)
    bulk_insert(
        db,
        Answer.__table__,
        [
            {
                "item_id": first.id,
                "question_id": f"q{n}",
                "value": value,
                "version": 1,
                "updated_by_id": None,
                "updated_at": at,
            }
            for n, value in enumerate(AWKWARD_VALUES)
        ],
    )
    db.add_all(
        Answer(item_id=second.id, question_id=f"q{n}", value=value, revision=1, updated_at=at)
        for n, value in enumerate(AWKWARD_VALUES)
    )
    db.commit()
    db.expire_all()

    def stored(item_id: int) -> list[tuple[object, ...]]:
        rows = db.execute(
            select(Answer.question_id, Answer.value, Answer.revision, Answer.updated_at)
            .where(Answer.item_id == item_id)
            .order_by(Answer.question_id)
        )
        return [tuple(row) for row in rows]

    assert stored(first.id) == stored(second.id)
    by_question = {question: value for question, value, *_ in stored(first.id)}
    assert by_question["q1"] == AWKWARD_VALUES[1]
    assert by_question["q4"] is None and by_question["q8"] == {"nested": [1, None, "x"]}


def test_nothing_to_insert_sends_nothing_and_stores_nothing(db: Session) -> None:
    """An empty batch (a chunk with no answers) must not reach the database at all: without
    the guard, PostgreSQL's path fails on the missing first row and SQLite's executes a bare
    INSERT of one row of defaults."""
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        bulk_insert(db, Answer.__table__, [])
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements == []
    assert db.scalar(select(func.count()).select_from(Answer)) == 0
