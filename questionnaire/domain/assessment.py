"""An assessment as the domain sees it: what was asked, what was answered, what reviewers found.

Services read these from the database and hand them to scoring, gap analysis and the
workbook writers, which therefore never touch the database. All are frozen: a report is
built from a snapshot, never from rows that change underneath it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from questionnaire.domain.bank import BankCommitment, QuestionBank
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.vocabulary import STATUS_QUESTION


class Role(StrEnum):
    """What a person does in the IRM. Only the policy (`services/access.py`) compares roles."""

    SECRETARIAT = "secretariat"
    FOCAL_POINT = "focal_point"
    CONTRIBUTOR = "contributor"
    REVIEWER = "reviewer"


class WorkflowStatus(StrEnum):
    """The IRM sequence, from the state's draft to the secretariat's final version."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    CLARIFICATION_REQUESTED = "clarification_requested"
    ANSWERED = "answered"
    REVIEW_COMPLETED = "review_completed"
    FINALIZED = "finalized"


class PublicationConsent(StrEnum):
    NOT_RECORDED = "not_recorded"
    FULL_REPORT = "full_report"
    EXECUTIVE_SUMMARY = "executive_summary"
    CONFIDENTIAL = "confidential"


class FrameworkRating(StrEnum):
    """Reviewer's view of the legal and institutional framework (scores 3..0, N/A excluded)."""

    FULLY = "fully"
    LARGELY = "largely"
    PARTIALLY = "partially"
    NOT_IMPLEMENTED = "not_implemented"
    NOT_APPLICABLE = "not_applicable"


class PracticeRating(StrEnum):
    """Reviewer's view of implementation in practice (scores 3..0, no evidence excluded)."""

    HIGH = "high"
    SUBSTANTIAL = "substantial"
    MODERATE = "moderate"
    LOW = "low"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"


class FindingKind(StrEnum):
    GOOD_PRACTICE = "good_practice"
    CHALLENGE = "challenge"
    TECHNICAL_ASSISTANCE = "technical_assistance"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    IMPLEMENTED = "implemented"
    NOT_IMPLEMENTED = "not_implemented"


@dataclass(frozen=True)
class Finding:
    """A reviewer's observation in one of the executive-summary blocks of an IRM report."""

    kind: FindingKind
    text: str
    recommendation: str = ""  # challenges end in a recommendation
    recommendation_id: str = ""  # stable, e.g. "CHN-2026-P16-R1", for follow-up next cycle
    technical_assistance_type: str = ""  # a value of scale technical_assistance_types
    already_provided: bool | None = None
    provided_by: str = ""
    follow_up: FollowUpStatus = FollowUpStatus.OPEN


@dataclass(frozen=True)
class Review:
    framework: FrameworkRating | None = None
    practice: PracticeRating | None = None
    observations: str = ""
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class ItemSnapshot:
    """One commitment of one assessment: the state's answers and the reviewers' view."""

    commitment: BankCommitment
    answers: Mapping[str, AnswerValue]  # by question id local to the commitment
    review: Review = field(default_factory=Review)
    follow_up_marked: bool = False

    @property
    def status_answer(self) -> str | None:
        value = self.answers.get(STATUS_QUESTION)
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class AssessmentSnapshot:
    id: int
    state_party_code: str
    state_party_name_zh: str
    state_party_name_en: str
    regional_group: str
    review_year: int
    status: WorkflowStatus
    publication_consent: PublicationConsent
    bank: QuestionBank
    items: tuple[ItemSnapshot, ...]
    reviewers: tuple[str, ...] = ()  # "Name (State)" of each assigned governmental expert
    created_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    finalized_at: dt.datetime | None = None
    revision: int = 0  # rises with every change; part of a report's cache key
