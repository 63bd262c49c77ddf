"""Scores read from the database, computed by the domain, written back.

Scores are this application's own measure: the IRM produces no ratings.

Pages read stored scores (`section_scores`): per commitment in `scores`, overall and per
section in `rollup_scores`, stamped with the assessment's revision when they were computed. They are
stored when a review is completed and when an assessment is finalized (in the workflow
step's own transaction), and for every assessment when the bank changes (`rescore_all`, a
task of the queue). An assessment whose stored scores are missing or behind its revision
is scored afresh when read, so a page never shows a stale figure.

Rescoring everything uses the same engine as one assessment (`domain.scoring`), a batch
of assessments at a time: a bulk engine in pandas was 2.5 to 5 times faster once loaded, but
rescoring runs in a task worker once per bank load and takes seconds either way, which
does not pay for a second engine kept equal by parity tests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from questionnaire.database import bulk_insert
from questionnaire.domain.scoring import score_assessment
from questionnaire.domain.scoring.types import AssessmentScores, Dimension
from questionnaire.models import (
    Assessment,
    Job,
    RollUpScore,
    Score,
    utc_now,
)
from questionnaire.services import jobs
from questionnaire.services.bank_store import question_bank_from_row
from questionnaire.services.snapshots import snapshot_of, snapshots_of

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


# Assessments scored per transaction flush by `rescore_all`: their answers are read at once.
RESCORE_BATCH = 50


def rescore_all(session: Session) -> int:
    """Score every assessment afresh and store its scores; commit.

    Returns how many per-commitment scores were written.
    """
    ids = list(session.scalars(select(Assessment.id).order_by(Assessment.id)))
    written = 0
    for start in range(0, len(ids), RESCORE_BATCH):
        written += store_scores(session, ids[start : start + RESCORE_BATCH])
    session.commit()
    return written


def store_scores(session: Session, assessment_ids: Sequence[int]) -> int:
    """Score `assessment_ids` afresh and store their scores; the caller commits.

    Stamped with each assessment's revision as it is in this transaction, so the caller
    raises the revision first when it changes what is scored. Returns how many
    per-commitment scores were written.
    """
    if not assessment_ids:
        return 0
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
    return len(commitments)


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
        bank = question_bank_from_row(assessment.bank_version)
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
