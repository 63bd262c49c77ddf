"""Scores read from the database, computed by the domain, written back.

Scores are this application's own measure: the IRM produces no ratings.

Pages read stored scores (`section_scores`): per commitment in `scores`, overall and per
section in `rollup_scores`, stamped with the assessment's revision when they were computed. They are
stored when a review is completed and when an assessment is finalized (in the workflow
step's own transaction), and for every assessment when the bank changes (`rescore_all`, a
task of the queue). An assessment whose stored scores are missing or behind its revision
is scored afresh when read, so a page never shows a stale figure.

Rescoring every assessment (`rescore_all`, after a bank load, in a task worker) uses the
bulk path, `domain.scoring.frame`: the same rules applied to all assessments at once with
pandas. The benchmark's rescoring target (195 assessments in under 0.5 s) is met by it
(0.24 s / 0.45 s) and missed by the per-assessment engine in batches (about 1 s / 1.5 s),
so the bulk path stays; parity tests keep the two equal. pandas is imported only when it
runs: web processes never score in bulk, and it would cost each of them 34 MiB.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, String, cast, delete, select, type_coerce, update
from sqlalchemy.orm import Session, sessionmaker

from questionnaire.database import bulk_insert
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.scoring import score_assessment
from questionnaire.domain.scoring.types import AssessmentScores, Dimension
from questionnaire.models import (
    Answer,
    Assessment,
    AssessmentItem,
    BankEdition,
    ItemReview,
    Job,
    RollUpScore,
    Score,
    utc_now,
)
from questionnaire.services import jobs
from questionnaire.services.bank_store import question_bank_of_edition
from questionnaire.services.snapshots import snapshot_of, snapshots_of
from questionnaire.services.transactions import transaction

if TYPE_CHECKING:
    from questionnaire.domain.scoring.frame import FrameScores


# The groups pages show; reports, which show every group, score from the answers.
STORED_DIMENSIONS = frozenset({Dimension.OVERALL.value, Dimension.SECTION.value})


@dataclass(frozen=True)
class SectionScore:
    """One section's score in one assessment, as the home pages show it."""

    section_id: str
    label_zh: str
    label_en: str
    score: float | None
    answered: int
    asked: int


def scores_of(session: Session, assessment: Assessment) -> AssessmentScores:
    return score_assessment(snapshot_of(session, assessment))


def score_everything(
    session: Session, assessment_ids: list[int] | None = None
) -> list[FrameScores]:
    """Score assessments (all by default) in bulk: one frame per bank version.

    One query reads the status, the presence of cited measures and both ratings of every
    commitment; pandas scores them all at once.
    """
    import pandas as pd

    from questionnaire.domain.scoring.frame import ROW_COLUMNS, score_many

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
    """Score every assessment and store its scores in bulk inserts; commit.

    Returns how many per-commitment scores were written.
    """
    with transaction(session):
        frames = score_everything(session)
        session.execute(delete(Score))
        session.execute(delete(RollUpScore))
        computed_at = utc_now()
        written = 0
        for scored in frames:
            commitments = _commitment_records(scored, computed_at)
            rollups = _rollup_records(scored, computed_at)
            if commitments:
                bulk_insert(session, Score.__table__, commitments)
            if rollups:
                bulk_insert(session, RollUpScore.__table__, rollups)
            written += len(commitments)
        session.execute(update(Assessment).values(scored_revision=Assessment.revision))
    return written


def store_scores(session: Session, assessment_ids: Sequence[int]) -> None:
    """Score `assessment_ids` afresh and store their scores; the caller commits.

    Stamped with each assessment's revision as it is in this transaction, so the caller
    raises the revision first when it changes what is scored.
    """
    if not assessment_ids:
        return
    ids = list(assessment_ids)
    session.execute(delete(Score).where(Score.assessment_id.in_(ids)))
    session.execute(delete(RollUpScore).where(RollUpScore.assessment_id.in_(ids)))
    computed_at = utc_now()
    commitments: list[dict[str, Any]] = []
    rollups: list[dict[str, Any]] = []
    for snapshot in snapshots_of(session, ids):
        scores = score_assessment(snapshot, explain=False)
        commitments += [
            {
                "assessment_id": snapshot.id,
                "commitment_id": score.commitment_id,
                "self_score": score.self_score,
                "reviewer_score": score.reviewer_score,
                "score": score.score,
                "gap": score.gap,
                "priority": score.priority.value,
                "unsubstantiated": score.unsubstantiated,
                "divergence": score.divergence,
                "computed_at": computed_at,
            }
            for score in scores.commitments
        ]
        rollups += [
            {
                "assessment_id": snapshot.id,
                "dimension": rollup.dimension.value,
                "key": rollup.key,
                "score": rollup.score,
                "answered": rollup.answered,
                "asked": rollup.asked,
                "computed_at": computed_at,
            }
            for rollup in scores.rollups
            if rollup.dimension.value in STORED_DIMENSIONS
        ]
    if commitments:
        bulk_insert(session, Score.__table__, commitments)
    if rollups:
        bulk_insert(session, RollUpScore.__table__, rollups)
    session.execute(
        update(Assessment).where(Assessment.id.in_(ids)).values(scored_revision=Assessment.revision)
    )


def section_scores(
    session: Session, assessments: Sequence[Assessment]
) -> dict[int, list[SectionScore]]:
    """Each assessment's section scores, in its bank's section order.

    Read from the stored scores where they are current; an assessment without current
    stored scores is scored here (and not stored: reading pages do not write).
    """
    current = [a for a in assessments if a.scored_revision == a.revision]
    stale = [a for a in assessments if a.scored_revision != a.revision]
    stored: dict[int, dict[str, RollUpScore]] = defaultdict(dict)
    if current:
        rows = session.scalars(
            select(RollUpScore).where(
                RollUpScore.assessment_id.in_([a.id for a in current]),
                RollUpScore.dimension == Dimension.SECTION.value,
            )
        )
        for row in rows:
            stored[row.assessment_id][row.key] = row
    result: dict[int, list[SectionScore]] = {}
    for assessment in current:
        bank = question_bank_of_edition(assessment.bank_edition)
        by_key = stored[assessment.id]
        result[assessment.id] = [
            SectionScore(
                section.id,
                section.title.zh,
                section.title.en,
                by_key[section.id].score,
                by_key[section.id].answered,
                by_key[section.id].asked,
            )
            for section in bank.sections
            if section.id in by_key
        ]
    for snapshot in snapshots_of(session, [a.id for a in stale]):
        scores = score_assessment(snapshot, explain=False)
        result[snapshot.id] = [
            SectionScore(r.key, r.label_zh, r.label_en, r.score, r.answered, r.asked)
            for r in scores.by_dimension(Dimension.SECTION)
        ]
    return result


def _commitment_records(scored: FrameScores, computed_at: object) -> list[dict[str, Any]]:
    result = scored.commitments
    return [
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


def _rollup_records(scored: FrameScores, computed_at: object) -> list[dict[str, Any]]:
    result = scored.rollups
    result = result[result["dimension"].isin(STORED_DIMENSIONS)]
    return [
        {
            "assessment_id": int(a),
            "dimension": str(d),
            "key": str(k),
            "score": _number(x),
            "answered": int(n),
            "asked": int(m),
            "computed_at": computed_at,
        }
        for a, d, k, x, n, m in zip(
            result["assessment_id"],
            result["dimension"],
            result["key"],
            result["score"],
            result["answered"],
            result["asked"],
            strict=True,
        )
    ]


def _number(value: object) -> float | None:
    """A pandas figure as a float; missing (None or NaN) as None."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _bank(session: Session, version_id: int) -> QuestionBank:
    version = session.get(BankEdition, version_id)
    assert version is not None
    return question_bank_of_edition(version)


RESCORE_TASK = "scores.rescore"


def queue_rescore(session: Session, reason: str) -> Job:
    """Queue the rescoring of every assessment (after a bank load, for example)."""
    with transaction(session):
        job = jobs.create(session, None, RESCORE_TASK, {"reason": reason})
    jobs.send(job)  # after the commit, so the worker finds the job
    return job


def run_rescore_job(sessions: sessionmaker[Session], job_id: str) -> None:
    """The worker's half of `queue_rescore`."""
    with sessions() as session:
        count = rescore_all(session)
    jobs.set_total(sessions, job_id, count)
    jobs.finish(sessions, job_id, None, None)
