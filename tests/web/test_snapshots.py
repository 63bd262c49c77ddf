"""Reports read assessments in chunks; each snapshot must hold exactly what is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.models import Answer, Assessment, AssessmentItem, FindingRecord, ItemReview
from questionnaire.services import snapshots
from questionnaire.services.snapshots import snapshot_of, snapshots_of


@pytest.fixture()
def demo_ids(runner, db: Session) -> list[int]:
    result = runner.invoke(args=["demo", "--countries", "8", "--seed", "11"])
    assert result.exit_code == 0, result.output
    return list(db.scalars(select(Assessment.id).order_by(Assessment.id)))


def test_chunked_reading_gives_the_snapshots_one_at_a_time_gives(
    db: Session, demo_ids: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "CHUNK", 3)  # 8 assessments: chunks of 3, 3 and 2
    wanted = [*reversed(demo_ids), max(demo_ids) + 1000]  # any order; an unknown id is skipped
    together = list(snapshots_of(db, wanted))
    assert [snapshot.id for snapshot in together] == list(reversed(demo_ids))
    for snapshot in together:
        assessment = db.get(Assessment, snapshot.id)
        assert assessment is not None
        assert snapshot == snapshot_of(db, assessment)


def test_a_snapshot_holds_every_stored_answer_rating_and_finding(
    db: Session, demo_ids: list[int]
) -> None:
    reviewed = 0
    for snapshot in snapshots_of(db, demo_ids):
        items = db.scalars(
            select(AssessmentItem)
            .where(AssessmentItem.assessment_id == snapshot.id)
            .order_by(AssessmentItem.position)
        ).all()
        assert [item.commitment.id for item in snapshot.items] == [i.commitment_id for i in items]
        for item, stored in zip(snapshot.items, items, strict=True):
            answers = {
                a.question_id: a.value
                for a in db.scalars(select(Answer).where(Answer.item_id == stored.id))
            }
            assert item.answers == answers
            rating = db.scalar(select(ItemReview).where(ItemReview.item_id == stored.id))
            assert item.review.framework == (rating.framework if rating else None)
            assert item.review.practice == (rating.practice if rating else None)
            assert item.review.observations == (rating.observations if rating else "")
            texts = db.scalars(
                select(FindingRecord.text)
                .where(FindingRecord.item_id == stored.id)
                .order_by(FindingRecord.id)
            ).all()
            assert [finding.text for finding in item.review.findings] == list(texts)
            reviewed += bool(texts)
    assert reviewed > 0  # the demo has findings, so the comparison above meant something


def test_a_snapshot_sees_changes_made_earlier_in_the_same_transaction(
    db: Session, demo_ids: list[int]
) -> None:
    """Snapshots are read without the ORM, which would flush pending changes by itself."""
    assessment = db.get(Assessment, demo_ids[0])
    assert assessment is not None
    item = db.scalars(
        select(AssessmentItem).where(AssessmentItem.assessment_id == assessment.id)
    ).first()
    assert item is not None
    db.add(Answer(item_id=item.id, question_id="written_just_now", value="不久前写的"))
    snapshot = snapshot_of(db, assessment)
    read = next(i for i in snapshot.items if i.commitment.id == item.commitment_id)
    assert read.answers["written_just_now"] == "不久前写的"
    db.rollback()
