"""The score of one commitment: self score, reviewer score, gap, priority and divergence.

The formulas are those of the `questionnaire.domain.scoring` docstring.
"""

from __future__ import annotations

import math
from dataclasses import replace

from questionnaire.domain.answers import is_answered
from questionnaire.domain.assessment import ItemSnapshot
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.bank.schema import Strength
from questionnaire.domain.scoring.item_explanation import explain_commitment
from questionnaire.domain.scoring.rules import (
    DIVERGENCE_THRESHOLD,
    HIGH_PRIORITY_FRAMEWORK,
    MEDIUM_PRIORITY_GAP,
    TOLERANCE,
    RatingScales,
    ScoringError,
    option_score,
)
from questionnaire.domain.scoring.types import CommitmentScore, Priority, ScoreBasis
from questionnaire.domain.vocabulary import (
    MEASURES_QUESTION,
    STATUS_NO,
    STATUS_QUESTION,
    SUBSTANTIATED_STATUSES,
)


def score_item(
    item: ItemSnapshot, scales: RatingScales, bank: QuestionBank, *, explain: bool = True
) -> CommitmentScore:
    """The score of one commitment, by the formulas in the `scoring` docstring."""
    commitment = item.commitment
    weight = commitment.weight
    if not math.isfinite(weight) or weight < 0:
        raise ScoringError(f"weight of {commitment.id} is {weight}; it must be 0 or more")
    status = _status(item)
    self_score = option_score(scales.status, status, f"status of {commitment.id}")
    framework = item.review.framework.value if item.review.framework else None
    practice = item.review.practice.value if item.review.practice else None
    framework_score = option_score(scales.framework, framework, f"framework of {commitment.id}")
    practice_score = option_score(scales.practice, practice, f"practice of {commitment.id}")
    rated = [axis for axis in (framework_score, practice_score) if axis is not None]
    reviewer_score = math.fsum(rated) / len(rated) / scales.top if rated else None
    score = reviewer_score if reviewer_score is not None else self_score
    gap = None if score is None else 1 - score
    unsubstantiated = status in SUBSTANTIATED_STATUSES and not is_answered(
        item.answers.get(MEASURES_QUESTION)
    )
    high = _is_high_priority(commitment.strength, framework, reviewer_score is None, status)
    divergence = (
        self_score is not None
        and reviewer_score is not None
        and abs(self_score - reviewer_score) >= DIVERGENCE_THRESHOLD - TOLERANCE
    )
    result = CommitmentScore(
        commitment_id=commitment.id,
        paragraph=commitment.paragraph,
        section_id=commitment.section.id,
        strength=commitment.strength.value,
        weight=weight,
        self_status=status,
        self_score=self_score,
        unsubstantiated=unsubstantiated,
        framework_score=framework_score,
        practice_score=practice_score,
        reviewer_score=reviewer_score,
        score=score,
        basis=_basis(reviewer_score, self_score),
        gap=gap,
        priority=_priority_of(gap, high),
        divergence=divergence,
        explanation="",
    )
    if not explain:
        return result
    explanation = explain_commitment(result, commitment, scales, framework, practice, bank)
    return replace(result, explanation=explanation)


def _status(item: ItemSnapshot) -> str | None:
    value = item.answers.get(STATUS_QUESTION)
    if not is_answered(value):
        return None
    if not isinstance(value, str):
        raise ScoringError(
            f"status of {item.commitment.id} must be one option value, e.g. 'yes'; got {value!r}"
        )
    return value


def _basis(reviewer_score: float | None, self_score: float | None) -> ScoreBasis:
    if reviewer_score is not None:
        return ScoreBasis.REVIEWER
    if self_score is not None:
        return ScoreBasis.SELF_ASSESSMENT
    return ScoreBasis.NONE


def _is_high_priority(
    strength: Strength, framework: str | None, unrated: bool, status: str | None
) -> bool:
    """A firm commitment whose framework falls short, or that the state says it has not met."""
    if strength is not Strength.COMMIT:
        return False
    return framework in HIGH_PRIORITY_FRAMEWORK or (unrated and status == STATUS_NO)


def _priority_of(gap: float | None, high: bool) -> Priority:
    if gap is None:
        return Priority.NONE
    if high:
        return Priority.HIGH
    if gap >= MEDIUM_PRIORITY_GAP - TOLERANCE:
        return Priority.MEDIUM
    if gap > TOLERANCE:
        return Priority.LOW
    return Priority.NONE
