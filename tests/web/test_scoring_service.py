"""Stored scores (bulk rescoring) equal the scores one assessment's report shows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import FrameworkRating, PracticeRating
from questionnaire.domain.bank import QuestionBank
from questionnaire.models import Answer, ItemReview, Score
from questionnaire.services.scoring import rescore_all, scores_of
from tests.web.questionnaire_helpers import open_assessment


def test_rescoring_writes_the_same_figures_as_a_single_assessment(
    db: Session, make_user, loaded_bank: QuestionBank
) -> None:
    assessment = open_assessment(db, make_user, sections=("technical_assistance",))
    items = assessment.items
    db.add_all(
        [
            Answer(
                item_id=items[0].id, question_id="status", value="yes"
            ),  # no measures: unsubstantiated
            Answer(item_id=items[1].id, question_id="status", value="in_part"),
            Answer(item_id=items[1].id, question_id="measures", value="Act of 2020"),
            Answer(item_id=items[2].id, question_id="status", value="not_applicable"),
            Answer(item_id=items[3].id, question_id="status", value="no"),
            Answer(item_id=items[3].id, question_id="measures", value=""),
            ItemReview(
                item_id=items[1].id,
                framework=FrameworkRating.LARGELY,
                practice=PracticeRating.INSUFFICIENT_EVIDENCE,
            ),
        ]
    )
    db.commit()
    written = rescore_all(db)
    assert written == len(items)
    stored = {row.commitment_id: row for row in db.scalars(select(Score))}
    for expected in scores_of(db, assessment).commitments:
        row = stored[expected.commitment_id]
        assert row.score == expected.score
        assert row.self_score == expected.self_score
        assert row.reviewer_score == expected.reviewer_score
        assert row.unsubstantiated == expected.unsubstantiated
        assert row.priority == expected.priority.value
    assert stored[items[0].commitment_id].unsubstantiated is True
    assert stored[items[1].commitment_id].unsubstantiated is False
    assert stored[items[2].commitment_id].score is None
