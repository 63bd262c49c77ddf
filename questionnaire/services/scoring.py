"""Scores read from the database, computed by the domain, written back.

Scores are this application's own measure: the IRM produces no ratings.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd
from sqlalchemy import Select, String, cast, delete, select, type_coerce
from sqlalchemy.orm import Session, sessionmaker

from questionnaire.database import bulk_insert
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.score_types import AssessmentScores
from questionnaire.domain.scoring import score_assessment
from questionnaire.domain.scoring_frame import ROW_COLUMNS, FrameScores, score_many
from questionnaire.models import (
    Answer,
    Assessment,
    AssessmentItem,
    BankVersion,
    ItemReview,
    Job,
    Score,
    utc_now,
)
from questionnaire.services import jobs
from questionnaire.services.bank_store import bank_of
from questionnaire.services.snapshots import snapshot_of


def scores_of(session: Session, assessment: Assessment) -> AssessmentScores:
    return score_assessment(snapshot_of(session, assessment))


def score_everything(
    session: Session, assessment_ids: list[int] | None = None
) -> list[FrameScores]:
    """Score assessments (all by default) in bulk: one frame per bank version.

    One query reads the status, the presence of cited measures and both ratings of every
    commitment; pandas scores them all at once.
    """

    def answers_to(question_id: str) -> Select[Any]:
        query = select(Answer.item_id).where(Answer.question_id == question_id)
        if assessment_ids is not None:
            query = query.join(AssessmentItem, AssessmentItem.id == Answer.item_id).where(
                AssessmentItem.assessment_id.in_(assessment_ids)
            )
        return query

    # Read as JSON text, not decoded: a status is always a short JSON string such as "yes".
    statuses = {
        item_id: text[1:-1] if text and text.startswith('"') else None
        for item_id, text in session.execute(
            answers_to("status").add_columns(cast(Answer.value, String))
        )
    }
    # Whether measures are cited is decided in SQL: the texts themselves stay in the database.
    cited = set(
        session.scalars(
            answers_to("measures").where(
                Answer.value.is_not(None), cast(Answer.value, String).not_in(("null", '""'))
            )
        )
    )
    items = (
        select(
            AssessmentItem.id,
            AssessmentItem.assessment_id,
            AssessmentItem.commitment_id,
            Assessment.bank_version_id,
            # Plain strings: converting 27,000 values to enums costs more than scoring them.
            type_coerce(ItemReview.framework, String),
            type_coerce(ItemReview.practice, String),
        )
        .join(Assessment, Assessment.id == AssessmentItem.assessment_id)
        .outerjoin(ItemReview, ItemReview.item_id == AssessmentItem.id)
    )
    if assessment_ids is not None:
        items = items.where(AssessmentItem.assessment_id.in_(assessment_ids))
    rows = session.execute(items).all()
    by_version: dict[int, list[tuple[object, ...]]] = defaultdict(list)
    for item_id, assessment_id, commitment_id, version_id, framework, practice in rows:
        status = statuses.get(item_id)
        by_version[version_id].append(
            (
                assessment_id,
                commitment_id,
                status if isinstance(status, str) else None,
                item_id in cited,
                framework or None,
                practice or None,
            )
        )
    frames = []
    for version_id, version_rows in by_version.items():
        frame = pd.DataFrame(version_rows, columns=list(ROW_COLUMNS)).astype(
            {name: "category" for name in ("commitment_id", "status", "framework", "practice")}
        )
        frames.append(score_many(_bank(session, version_id), frame))
    return frames


def rescore_all(session: Session) -> int:
    """Score every assessment and store the per-commitment scores in one bulk insert; commit."""
    frames = score_everything(session)
    session.execute(delete(Score))
    computed_at = utc_now()
    written = 0
    for scored in frames:
        result = scored.commitments
        records = [
            {
                "assessment_id": int(a),
                "commitment_id": str(c),
                "self_score": _number(s),
                "reviewer_score": _number(r),
                "score": _number(x),
                "gap": _number(g),
                "priority": str(p),
                "unsubstantiated": bool(u),
                "divergence": bool(d),
                "computed_at": computed_at,
            }
            for a, c, s, r, x, g, p, u, d in zip(
                result["assessment_id"],
                result["commitment_id"],
                result["self_score"],
                result["reviewer_score"],
                result["score"],
                result["gap"],
                result["priority"],
                result["unsubstantiated"],
                result["divergence"],
                strict=True,
            )
        ]
        if records:
            bulk_insert(session, Score.__table__, records)
        written += len(records)
    session.commit()
    return written


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _bank(session: Session, version_id: int) -> QuestionBank:
    version = session.get(BankVersion, version_id)
    assert version is not None
    return bank_of(version)


RESCORE_TASK = "scores.rescore"


def queue_rescore(session: Session, reason: str) -> Job:
    """Queue the rescoring of every assessment (after a bank load, for example)."""
    job = jobs.create(session, None, RESCORE_TASK, {"reason": reason})
    session.commit()
    jobs.send(job)
    return job


def run_rescore_job(sessions: sessionmaker[Session], job_id: str) -> None:
    """The worker's half of `queue_rescore`."""
    with sessions() as session:
        count = rescore_all(session)
    jobs.set_total(sessions, job_id, count)
    jobs.finish(sessions, job_id, None, None)
