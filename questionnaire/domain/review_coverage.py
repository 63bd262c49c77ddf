"""How far a peer review has got: each commitment's review state and the review's coverage.

A review may be completed only when every commitment in scope is rated on both axes by one
of the reviewers or carries the reviewers' reason for leaving it unrated; the secretariat
reads the same figures, and whether each reviewer took part, before it finalizes. Plain
data in, plain data out: the services read the database and hand the rows in here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

MAX_REASON = 2000


class RatingState(StrEnum):
    """Whose rating a commitment carries, as the person looking at it sees it."""

    NOT_RATED = "not_rated"
    RATED_BY_ME = "rated_by_me"
    RATED_BY_OTHER = "rated_by_other"


class ReviewFilter(StrEnum):
    """The review list's filters."""

    ALL = "all"
    NOT_RATED = "unrated"
    CLARIFICATION_PENDING = "clarification"


@dataclass(frozen=True)
class CommitmentReview:
    """One commitment of the questionnaire and where its review stands."""

    commitment_id: str
    paragraph: int
    framework: str | None
    practice: str | None
    rated_by_id: int | None
    rated_by_name: str
    unrated_reason: str
    findings: int
    open_clarifications: int

    @property
    def rated(self) -> bool:
        """Rated means both axes chosen ("not applicable" and "insufficient evidence" count)."""
        return self.framework is not None and self.practice is not None

    @property
    def has_reason(self) -> bool:
        return bool(self.unrated_reason.strip())

    @property
    def covered(self) -> bool:
        return self.rated or self.has_reason

    def rating_state(self, viewer_id: int | None) -> RatingState:
        if not self.rated:
            return RatingState.NOT_RATED
        if self.rated_by_id is not None and self.rated_by_id == viewer_id:
            return RatingState.RATED_BY_ME
        return RatingState.RATED_BY_OTHER

    def shown_by(self, chosen: ReviewFilter) -> bool:
        if chosen is ReviewFilter.NOT_RATED:
            return not self.rated
        if chosen is ReviewFilter.CLARIFICATION_PENDING:
            return self.open_clarifications > 0
        return True


@dataclass(frozen=True)
class ReviewerActivity:
    """What one assigned reviewer has done in this review."""

    reviewer_id: int
    name: str
    state_party_code: str
    ratings: int
    findings: int
    questions: int
    comments: int

    @property
    def active(self) -> bool:
        return any((self.ratings, self.findings, self.questions, self.comments))


@dataclass(frozen=True)
class Coverage:
    """The review of a whole questionnaire: what is rated, what says why not, who worked."""

    commitments: tuple[CommitmentReview, ...]
    reviewers: tuple[ReviewerActivity, ...]

    @property
    def total(self) -> int:
        return len(self.commitments)

    @property
    def rated(self) -> int:
        return sum(1 for c in self.commitments if c.rated)

    @property
    def with_reason(self) -> tuple[CommitmentReview, ...]:
        return tuple(c for c in self.commitments if not c.rated and c.has_reason)

    @property
    def uncovered(self) -> tuple[CommitmentReview, ...]:
        """Neither rated nor explained: what stands between the reviewers and completion."""
        return tuple(c for c in self.commitments if not c.covered)

    @property
    def unrated(self) -> tuple[CommitmentReview, ...]:
        return tuple(c for c in self.commitments if not c.rated)

    @property
    def complete(self) -> bool:
        return not self.uncovered

    @property
    def inactive_reviewers(self) -> tuple[ReviewerActivity, ...]:
        return tuple(r for r in self.reviewers if not r.active)


def rating_fingerprint(
    framework: str | None, practice: str | None, observations: str, unrated_reason: str
) -> str:
    """A short digest of a rating as a page showed it.

    The page sends it back with the form, so a save can tell what the person changed from
    what another reviewer changed meanwhile, without sending the long texts twice.
    """
    parts = (framework or "", practice or "", observations.strip(), unrated_reason.strip())
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
