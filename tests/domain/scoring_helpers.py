"""Build assessment snapshots on the real bank with just the answers a scoring test needs."""

from __future__ import annotations

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
