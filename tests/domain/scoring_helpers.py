"""Build assessment snapshots on the real bank with just the answers a scoring test needs,
and compare the bulk scoring path with the single one."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

from questionnaire.domain.assessment import (
    AssessmentSnapshot,
    FrameworkRating,
    ItemSnapshot,
    PracticeRating,
    PublicationConsent,
    Review,
    WorkflowStatus,
)
from questionnaire.domain.bank import BankCommitment, QuestionBank
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.scoring.frame import COMMITMENT_COLUMNS, ROLLUP_COLUMNS, FrameScores
from questionnaire.domain.scoring.types import AssessmentScores

MEASURES_TEXT = "Anti-Corruption Law 2019, arts 3-9"


def commitment(bank: QuestionBank, paragraph: int) -> BankCommitment:
    return bank.commitment(f"{bank.id}.p{paragraph}")


def item(
    bank: QuestionBank,
    paragraph: int,
    status: str | None = None,
    *,
    measures: str | None = MEASURES_TEXT,
    framework: str | None = None,
    practice: str | None = None,
    weight: float | None = None,
) -> ItemSnapshot:
    """One commitment's answers and review; `measures` is only kept for Yes / In part."""
    answers: dict[str, AnswerValue] = {}
    if status is not None:
        answers["status"] = status
        if status in ("yes", "in_part") and measures is not None:
            answers["measures"] = measures
    bank_commitment = commitment(bank, paragraph)
    if weight is not None:
        bank_commitment = replace(bank_commitment, weight=weight)
    review = Review(
        framework=FrameworkRating(framework) if framework else None,
        practice=PracticeRating(practice) if practice else None,
    )
    return ItemSnapshot(commitment=bank_commitment, answers=answers, review=review)


def snapshot(
    bank: QuestionBank, items: Iterable[ItemSnapshot], assessment_id: int = 1
) -> AssessmentSnapshot:
    return AssessmentSnapshot(
        id=assessment_id,
        state_party_code="CHN",
        state_party_name_zh="中国",
        state_party_name_en="China",
        regional_group="Asia-Pacific",
        review_year=2026,
        status=WorkflowStatus.REVIEW_COMPLETED,
        publication_consent=PublicationConsent.NOT_RECORDED,
        bank=bank,
        items=tuple(items),
    )


def missing_as_none(value: object) -> object:
    return None if isinstance(value, float) and math.isnan(value) else value


def assert_same_figures(frame: FrameScores, all_scores: list[AssessmentScores]) -> None:
    """Every figure of the bulk path equals score_assessment's, to the last bit."""
    commitment_rows = list(frame.commitments.itertuples(index=False))
    expected_rows = [
        (scores.assessment_id, *(getattr(c, name) for name in COMMITMENT_COLUMNS[1:]))
        for scores in all_scores
        for c in scores.commitments
    ]
    assert [tuple(map(missing_as_none, row)) for row in commitment_rows] == expected_rows
    rollup_rows = list(frame.rollups.itertuples(index=False))
    expected_rollups = [
        (scores.assessment_id, *(getattr(r, name) for name in ROLLUP_COLUMNS[1:]))
        for scores in all_scores
        for r in scores.rollups
    ]
    assert [tuple(map(missing_as_none, row)) for row in rollup_rows] == expected_rollups
