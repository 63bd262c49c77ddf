"""Synthetic assessments for the report tests: every assessable commitment answered the way
the questionnaire would allow (conditions respected), reviewed, and with findings.

`payloads=True` puts formula-injection strings into every field a person types, so the
tests can look for them in every sheet.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterator

import openpyxl
from openpyxl.workbook import Workbook

from questionnaire.domain.assessment import (
    AssessmentSnapshot,
    Finding,
    FindingKind,
    FollowUpStatus,
    FrameworkRating,
    ItemSnapshot,
    PracticeRating,
    PublicationConsent,
    Review,
    WorkflowStatus,
)
from questionnaire.domain.bank import BankCommitment, BankQuestion, QuestionBank
from questionnaire.domain.bank.schema import QuestionType
from questionnaire.domain.conditions import AnswerValue

PAYLOADS = ("=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx")
STATUSES = ("yes", "in_part", "no", "not_applicable")
CHALLENGES = ("inter_agency_coordination", "limited_resources", "limited_capacity")
TA_TYPES = ("legislative_drafting", "capacity_building", "other")


class Texts:
    """Free text for answers and findings: plain, or the next injection payload."""

    def __init__(self, payloads: bool) -> None:
        self._payloads = payloads
        self._next = 0

    def __call__(self, plain: str) -> str:
        if not self._payloads:
            return plain
        payload = PAYLOADS[self._next % len(PAYLOADS)]
        self._next += 1
        return payload


def _value(question: BankQuestion, texts: Texts, rng: random.Random) -> AnswerValue:
    options = [option.value for option in question.scale.options] if question.scale else []
    match question.type:
        case QuestionType.SINGLE_CHOICE:
            return rng.choice(options)
        case QuestionType.MULTIPLE_CHOICE:
            return rng.sample(options, k=min(2, len(options)))
        case QuestionType.NUMBER:
            return float(question.minimum or 0) + 3
        case QuestionType.DATE:
            return "2027-06-30"
        case QuestionType.LINK:
            return "https://example.org/law"
        case _:
            return texts(f"Answer to {question.key}")


def answer_commitment(
    commitment: BankCommitment,
    checklist: dict[str, AnswerValue],
    texts: Texts,
    rng: random.Random,
) -> dict[str, AnswerValue]:
    """Answers in question order, each only if its condition holds by then."""
    answers: dict[str, AnswerValue] = {}
    for question in commitment.questions:
        if question.condition is not None and not question.condition.holds(answers):
            continue
        if question.id in checklist:
            answers[question.id] = checklist[question.id]
        else:
            answers[question.id] = _value(question, texts, rng)
    return answers


def _review(index: int, texts: Texts, rng: random.Random) -> Review:
    findings: list[Finding] = []
    if index % 3 == 0:
        findings.append(Finding(FindingKind.GOOD_PRACTICE, texts("A sound practice.")))
    if index % 2 == 0:
        findings.append(
            Finding(
                FindingKind.CHALLENGE,
                texts("Coordination is weak."),
                recommendation=texts("adopt a coordination mechanism"),
                follow_up=FollowUpStatus.IN_PROGRESS,
            )
        )
    if index % 5 == 0:
        findings.append(
            Finding(
                FindingKind.TECHNICAL_ASSISTANCE,
                texts("Training of investigators."),
                technical_assistance_type="capacity_building",
                already_provided=True,
                provided_by=texts("UNODC"),
            )
        )
    return Review(
        framework=rng.choice(list(FrameworkRating)),
        practice=rng.choice(list(PracticeRating)),
        observations=texts(f"Observation {index}."),
        findings=tuple(findings),
    )


def full_snapshot(
    bank: QuestionBank,
    *,
    assessment_id: int = 1,
    code: str = "CHN",
    name_en: str = "China",
    name_zh: str = "中国",
    regional_group: str = "asia_pacific",
    seed: int = 0,
    payloads: bool = False,
) -> AssessmentSnapshot:
    """Every assessable commitment answered and reviewed; deterministic for a seed."""
    rng = random.Random(seed)
    texts = Texts(payloads)
    items = []
    for index, commitment in enumerate(bank.assessable()):
        ta_needed = "yes" if (index + seed) % 3 == 0 else "no"
        checklist: dict[str, AnswerValue] = {
            "status": STATUSES[(index + seed) % len(STATUSES)],
            "challenges": list(CHALLENGES[: 1 + (index + seed) % len(CHALLENGES)]),
            "ta_needed": ta_needed,
            "ta_types": list(TA_TYPES[: 1 + index % len(TA_TYPES)]),
            "ta_provided": "yes" if index % 2 else "no",
        }
        items.append(
            ItemSnapshot(
                commitment=commitment,
                answers=answer_commitment(commitment, checklist, texts, rng),
                review=_review(index, texts, rng),
            )
        )
    reviewers = (texts("Ana Silva (Brazil)"), "Jean Dupont (France)")
    return AssessmentSnapshot(
        id=assessment_id,
        state_party_code=code,
        state_party_name_zh=name_zh,
        state_party_name_en=name_en,
        regional_group=regional_group,
        review_year=2026,
        status=WorkflowStatus.REVIEW_COMPLETED,
        publication_consent=PublicationConsent.EXECUTIVE_SUMMARY,
        bank=bank,
        items=tuple(items),
        reviewers=reviewers,
        created_at=dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC),
        submitted_at=dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC),
    )


def read_workbook(data: bytes) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def header(workbook: Workbook, sheet_name: str, row: int = 1) -> list[object]:
    sheet = workbook[sheet_name]
    return [cell.value for cell in sheet[row]]


def data_rows(workbook: Workbook, sheet_name: str) -> Iterator[tuple[object, ...]]:
    yield from workbook[sheet_name].iter_rows(min_row=2, values_only=True)
