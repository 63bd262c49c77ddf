"""What scoring produces, and what gap analysis and the workbooks read.

Every figure carries what it was computed from, so a report can explain it. Scores are
this application's own measure: the IRM rates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"


class ScoreBasis(StrEnum):
    REVIEWER = "reviewer"  # at least one reviewer axis rated
    SELF_ASSESSMENT = "self_assessment"  # only the state's own status
    NONE = "none"  # not applicable, not answered, or not rated


class Dimension(StrEnum):
    OVERALL = "overall"
    SECTION = "section"
    THEME = "theme"
    CHAPTER = "chapter"
    ARTICLE = "article"
    CLUSTER = "cluster"


@dataclass(frozen=True)
class CommitmentScore:
    commitment_id: str
    paragraph: int
    section_id: str
    strength: str
    weight: float
    self_status: str | None  # yes | in_part | no | not_applicable | None
    self_score: float | None  # 1, 0.5, 0; None when N/A or unanswered
    unsubstantiated: bool  # Yes / In part with no measure cited
    framework_score: float | None  # 0..3; None when N/A or not rated
    practice_score: float | None  # 0..3; None when insufficient evidence or not rated
    reviewer_score: float | None  # mean of the rated axes / 3, in 0..1
    score: float | None  # reviewer_score if any, else self_score; in 0..1
    basis: ScoreBasis
    gap: float | None  # 1 - score
    priority: Priority
    divergence: bool  # state's and reviewer's view differ by 0.5 or more
    explanation: str


@dataclass(frozen=True)
class RollUp:
    dimension: Dimension
    key: str  # section id, theme id, chapter numeral, article number, cluster id, "all"
    label_zh: str
    label_en: str
    score: float | None  # weighted mean of member scores, None when none is scored
    gap: float | None
    answered: int  # members with a score
    asked: int  # assessable members in the questionnaire
    weight_total: float  # sum of the weights of scored members
    explanation: str

    @property
    def coverage(self) -> float:
        return self.answered / self.asked if self.asked else 0.0


@dataclass(frozen=True)
class AssessmentScores:
    assessment_id: int
    bank_id: str
    bank_version: int
    commitments: tuple[CommitmentScore, ...]
    rollups: tuple[RollUp, ...]

    def by_dimension(self, dimension: Dimension) -> list[RollUp]:
        return [rollup for rollup in self.rollups if rollup.dimension is dimension]

    def overall(self) -> RollUp:
        return next(r for r in self.rollups if r.dimension is Dimension.OVERALL)

    def commitment(self, commitment_id: str) -> CommitmentScore:
        return next(c for c in self.commitments if c.commitment_id == commitment_id)
