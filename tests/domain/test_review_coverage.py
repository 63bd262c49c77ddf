"""A review's coverage: what counts as rated, as explained, and who took part."""

from __future__ import annotations

import pytest

from questionnaire.domain.review_coverage import (
    CommitmentReview,
    Coverage,
    RatingState,
    ReviewerActivity,
    ReviewFilter,
    rating_fingerprint,
)

ME, OTHER = 1, 2


def commitment(
    framework: str | None = None,
    practice: str | None = None,
    *,
    by: int | None = None,
    reason: str = "",
    findings: int = 0,
    pending: int = 0,
) -> CommitmentReview:
    return CommitmentReview(
        commitment_id="pd2021.p12",
        paragraph=12,
        framework=framework,
        practice=practice,
        rated_by_id=by,
        rated_by_name="Reviewer" if by else "",
        unrated_reason=reason,
        findings=findings,
        open_clarifications=pending,
    )


def reviewer(**counts: int) -> ReviewerActivity:
    values = {"ratings": 0, "findings": 0, "questions": 0, "comments": 0, **counts}
    return ReviewerActivity(reviewer_id=ME, name="Reviewer", state_party_code="JPN", **values)


@pytest.mark.parametrize(
    ("review", "rated", "covered"),
    [
        (commitment(), False, False),
        (commitment("fully"), False, False),  # one axis is not a rating
        (commitment(None, "high"), False, False),
        (commitment("not_applicable", "insufficient_evidence", by=ME), True, True),
        (commitment(reason="Reported under paragraph 9."), False, True),
        (commitment(reason="   \n"), False, False),  # blanks are no reason
        (commitment("fully", reason="Reported under paragraph 9."), False, True),
    ],
)
def test_rated_means_both_axes_and_covered_means_rated_or_explained(
    review: CommitmentReview, rated: bool, covered: bool
) -> None:
    assert review.rated is rated
    assert review.covered is covered


def test_whose_rating_it_is_depends_on_who_looks() -> None:
    rated = commitment("fully", "high", by=OTHER)
    assert rated.rating_state(OTHER) is RatingState.RATED_BY_ME
    assert rated.rating_state(ME) is RatingState.RATED_BY_OTHER
    assert commitment("fully", by=ME).rating_state(ME) is RatingState.NOT_RATED


def test_the_filters_pick_unrated_and_pending_commitments() -> None:
    unrated_pending = commitment(pending=1)
    rated = commitment("fully", "high", by=ME, findings=2)
    assert unrated_pending.shown_by(ReviewFilter.NOT_RATED)
    assert unrated_pending.shown_by(ReviewFilter.CLARIFICATION_PENDING)
    assert not rated.shown_by(ReviewFilter.NOT_RATED)
    assert not rated.shown_by(ReviewFilter.CLARIFICATION_PENDING)
    assert rated.shown_by(ReviewFilter.ALL)


def test_a_review_is_complete_when_nothing_is_left_unrated_and_unexplained() -> None:
    explained = commitment(reason="Not applicable to this state.")
    partly = commitment("fully")
    coverage = Coverage(
        (commitment("fully", "high", by=ME), explained, partly),
        (reviewer(ratings=1), reviewer()),
    )
    assert (coverage.total, coverage.rated) == (3, 1)
    assert coverage.with_reason == (explained,)
    assert coverage.uncovered == (partly,)
    assert coverage.unrated == (explained, partly)
    assert not coverage.complete
    assert len(coverage.inactive_reviewers) == 1
    assert Coverage((explained,), ()).complete


@pytest.mark.parametrize(
    "counts", [{"ratings": 1}, {"findings": 1}, {"questions": 2}, {"comments": 1}]
)
def test_any_rating_finding_question_or_comment_makes_a_reviewer_active(
    counts: dict[str, int],
) -> None:
    assert reviewer(**counts).active
    assert not reviewer().active


def test_the_fingerprint_changes_with_every_part_of_a_rating_but_not_outer_blanks() -> None:
    base = rating_fingerprint("fully", "high", "Text", "")
    assert base == rating_fingerprint("fully", "high", "  Text\n", "")
    others = {
        rating_fingerprint("largely", "high", "Text", ""),
        rating_fingerprint("fully", "low", "Text", ""),
        rating_fingerprint("fully", "high", "Text.", ""),
        rating_fingerprint("fully", "high", "Text", "A reason"),
        rating_fingerprint(None, "high", "Text", ""),
    }
    assert base not in others and len(others) == 5
