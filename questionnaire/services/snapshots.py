"""Read assessments from the database into the frozen snapshots the domain works on.

Reports read every assessment at once, so the reader takes assessments in chunks: six
queries per chunk of plain rows, whatever its size, instead of a few ORM queries per
assessment. On PostgreSQL, where each round trip counts, that is what keeps the
cross-country workbook near the speed of writing its cells.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import (
    AssessmentSnapshot,
    Finding,
    ItemSnapshot,
    Review,
)
from questionnaire.models import (
    Answer,
    Assessment,
    AssessmentItem,
    BankEdition,
    FindingRecord,
    ItemReview,
    ReviewerAssignment,
    StateParty,
    User,
)
from questionnaire.services.bank_store import question_bank_by_edition_id

# Big enough that the round trips stop mattering, small enough that memory stays flat.
CHUNK = 25
NO_REVIEW = Review()


def snapshot_of(session: Session, assessment: Assessment) -> AssessmentSnapshot:
    """Everything about one assessment, in six queries."""
    return next(snapshots_of(session, [assessment.id]))


def snapshots_of(session: Session, assessment_ids: Sequence[int]) -> Iterator[AssessmentSnapshot]:
    """The snapshots of `assessment_ids`, in that order; ids that do not exist are skipped."""
    for start in range(0, len(assessment_ids), CHUNK):
        chunk = list(assessment_ids[start : start + CHUNK])
        by_id = {snapshot.id: snapshot for snapshot in _read_chunk(session, chunk)}
        yield from (by_id[i] for i in chunk if i in by_id)


def _read_chunk(session: Session, ids: list[int]) -> Iterator[AssessmentSnapshot]:
    # Core rows on the session's connection: the ORM's result machinery cost more than the
    # reading itself for the 127,000 answers of the cross-country workbook. Core does not
    # autoflush, so changes the caller has not flushed yet are flushed here, to be read.
    session.flush()
    connection = session.connection()
    headers = connection.execute(
        select(
            Assessment.id,
            Assessment.state_party_code,
            Assessment.review_year,
            Assessment.status,
            Assessment.publication_consent,
            Assessment.created_at,
            Assessment.submitted_at,
            Assessment.finalized_at,
            Assessment.revision,
            Assessment.bank_version_id,
            BankEdition.checksum,
            StateParty.name_zh,
            StateParty.name_en,
            StateParty.regional_group,
        )
        .join(BankEdition, BankEdition.id == Assessment.bank_version_id)
        .join(StateParty, StateParty.code == Assessment.state_party_code)
        .where(Assessment.id.in_(ids))
    ).all()
    items_by_assessment: dict[int, list[tuple[int, str, bool]]] = defaultdict(list)
    for item_id, assessment_id, commitment_id, follow_up in connection.execute(
        select(
            AssessmentItem.id,
            AssessmentItem.assessment_id,
            AssessmentItem.commitment_id,
            AssessmentItem.follow_up,
        )
        .where(AssessmentItem.assessment_id.in_(ids))
        .order_by(AssessmentItem.assessment_id, AssessmentItem.position)
    ):
        items_by_assessment[assessment_id].append((item_id, commitment_id, follow_up))
    # By item id rather than a join on assessment_items: PostgreSQL's planner hash-joins
    # the small tables with a full scan (2 ms each per report); a list of ids is indexed.
    item_ids = [item[0] for items in items_by_assessment.values() for item in items]
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    for item_id, question_id, value in connection.execute(
        select(Answer.item_id, Answer.question_id, Answer.value).where(Answer.item_id.in_(item_ids))
    ):
        answers[item_id][question_id] = value
    findings = _findings(connection, item_ids)
    reviews: dict[int, Review] = {}
    for item_id, framework, practice, observations in connection.execute(
        select(
            ItemReview.item_id, ItemReview.framework, ItemReview.practice, ItemReview.observations
        ).where(ItemReview.item_id.in_(item_ids))
    ):
        reviews[item_id] = Review(
            framework, practice, observations, tuple(findings.pop(item_id, ()))
        )
    for item_id, item_findings in findings.items():  # findings on a commitment not yet rated
        reviews[item_id] = Review(findings=tuple(item_findings))
    reviewers: dict[int, list[str]] = defaultdict(list)
    for assessment_id, name, code in connection.execute(
        select(ReviewerAssignment.assessment_id, User.name, User.state_party_code)
        .join(User, User.id == ReviewerAssignment.reviewer_id)
        .where(ReviewerAssignment.assessment_id.in_(ids))
        .order_by(ReviewerAssignment.id)
    ):
        reviewers[assessment_id].append(f"{name} ({code})")

    for header in headers:
        bank = question_bank_by_edition_id(session, header.bank_version_id, header.checksum)
        items = tuple(
            ItemSnapshot(
                commitment=bank.commitment(commitment_id),
                answers=answers.get(item_id, {}),
                review=reviews.get(item_id, NO_REVIEW),
                follow_up_marked=follow_up,
            )
            for item_id, commitment_id, follow_up in items_by_assessment[header.id]
        )
        yield AssessmentSnapshot(
            id=header.id,
            state_party_code=header.state_party_code,
            state_party_name_zh=header.name_zh,
            state_party_name_en=header.name_en,
            regional_group=header.regional_group,
            review_year=header.review_year,
            status=header.status,
            publication_consent=header.publication_consent,
            bank=bank,
            items=items,
            reviewers=tuple(reviewers[header.id]),
            created_at=header.created_at,
            submitted_at=header.submitted_at,
            finalized_at=header.finalized_at,
            revision=header.revision,
        )


def _findings(connection: Connection, item_ids: list[int]) -> dict[int, list[Finding]]:
    findings: dict[int, list[Finding]] = defaultdict(list)
    for row in connection.execute(
        select(
            FindingRecord.item_id,
            FindingRecord.kind,
            FindingRecord.text,
            FindingRecord.recommendation,
            FindingRecord.recommendation_id,
            FindingRecord.technical_assistance_type,
            FindingRecord.already_provided,
            FindingRecord.provided_by,
            FindingRecord.follow_up,
        )
        # A removed finding is kept for the record but is no longer part of the review.
        .where(FindingRecord.item_id.in_(item_ids), FindingRecord.deleted_at.is_(None))
        .order_by(FindingRecord.id)
    ):
        findings[row.item_id].append(
            Finding(
                kind=row.kind,
                text=row.text,
                recommendation=row.recommendation,
                recommendation_id=row.recommendation_id,
                technical_assistance_type=row.technical_assistance_type,
                already_provided=row.already_provided,
                provided_by=row.provided_by,
                follow_up=row.follow_up,
            )
        )
    return findings
