"""Issue 14, item 11: what reviewers may do to each other's findings and see of a draft.

A finding is removed only by its author (while the review is open) or by the secretariat,
and a removed finding is never lost: it leaves the pages and reports but stays stored, and
the audit keeps its full text. Reviewers read a state's answers from its submission on, as
in the IRM, unless the secretariat opens the draft to them on purpose (audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.models import Assessment, AuditEvent, FindingRecord, Role
from questionnaire.services import reviews
from questionnaire.services.snapshots import snapshot_of
from tests.security.helpers import client_for, open_small_assessment, package_texts, post_form
from tests.web.questionnaire_helpers import post_answers

SECRETARIAT = "officer@secretariat.test"
FOCAL_POINT = "fp@china.test"
JAPAN = "expert@japan.test"
FRANCE = "expert@france.test"
JAPAN_FINDING = "Finding of Japan: asset declarations are not checked."
FRANCE_FINDING = "Finding of France: no register of beneficial owners."
DRAFT_ANSWER = "Draft answer, not yet submitted: a law is being prepared"


@dataclass(frozen=True)
class Review:
    assessment_id: int
    commitment_id: str

    @property
    def base(self) -> str:
        return f"/assessments/{self.assessment_id}"

    @property
    def review_page(self) -> str:
        return f"{self.base}/review/{self.commitment_id}"

    @property
    def commitment_page(self) -> str:
        return f"{self.base}/c/{self.commitment_id}"


@pytest.fixture()
def review(db: Session, make_user: Any, loaded_bank: Any) -> Review:
    """China's small questionnaire, with an expert of Japan and one of France assigned."""
    secretariat = make_user(SECRETARIAT, Role.SECRETARIAT)
    make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    assessment = open_small_assessment(db, "CHN")
    for email, state in ((JAPAN, "JPN"), (FRANCE, "FRA")):
        reviews.assign_reviewer(db, secretariat, assessment, make_user(email, Role.REVIEWER, state))
    return Review(assessment.id, assessment.items[0].commitment_id)


def _set_status(db: Session, review: Review, status: WorkflowStatus) -> None:
    """The workflow itself is tested elsewhere; here only where it stands matters."""
    assessment = db.get(Assessment, review.assessment_id)
    assert assessment is not None
    assessment.status = status
    db.commit()


def _finding(db: Session, text: str) -> FindingRecord:
    db.expire_all()
    finding = db.scalar(select(FindingRecord).where(FindingRecord.text == text))
    assert finding is not None, text
    return finding


def _add_finding(client: FlaskClient, review: Review, text: str) -> None:
    answer = post_form(client, review.review_page, {"kind": "good_practice", "text": text})
    assert answer.status_code == 302


def _remove(client: FlaskClient, review: Review, finding: FindingRecord) -> Any:
    return post_form(client, f"{review.review_page}/findings/{finding.id}/delete")


def test_only_its_author_or_the_secretariat_removes_a_finding_and_its_text_is_kept(
    app: Flask, db: Session, review: Review
) -> None:
    _set_status(db, review, WorkflowStatus.IN_REVIEW)
    japan, france = client_for(app, JAPAN), client_for(app, FRANCE)
    secretariat = client_for(app, SECRETARIAT)
    _add_finding(japan, review, JAPAN_FINDING)
    _add_finding(france, review, FRANCE_FINDING)
    japans = _finding(db, JAPAN_FINDING)

    refused = _remove(france, review, japans)
    assert refused.status_code == 403
    assert "author" in refused.get_data(as_text=True)
    assert JAPAN_FINDING in japan.get(review.review_page).get_data(as_text=True)
    assert _finding(db, JAPAN_FINDING).deleted_at is None

    # The author removes it: gone from the page, the snapshot and the gap report ...
    assert _remove(japan, review, japans).status_code == 302
    assert JAPAN_FINDING not in japan.get(review.review_page).get_data(as_text=True)
    assessment = db.get(Assessment, review.assessment_id)
    assert assessment is not None
    snapshot = snapshot_of(db, assessment)
    texts = [finding.text for item in snapshot.items for finding in item.review.findings]
    assert texts == [FRANCE_FINDING]
    report = secretariat.get(f"{review.base}/report.xlsx?lang=en")
    assert report.status_code == 200
    workbook_text = "\n".join(package_texts(report.data))
    assert FRANCE_FINDING in workbook_text and JAPAN_FINDING not in workbook_text

    # ... but kept, with who removed it and when, and its whole text in the audit.
    kept = _finding(db, JAPAN_FINDING)
    assert kept.deleted_at is not None and kept.deleted_by_id == kept.author_id
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "finding.removed"))
    assert event is not None and event.actor == JAPAN
    assert event.details["text"] == JAPAN_FINDING and event.details["kind"] == "good_practice"

    # A removed finding cannot be removed again or followed up.
    assert _remove(japan, review, kept).status_code == 404

    # The secretariat may remove any finding.
    frances = _finding(db, FRANCE_FINDING)
    assert _remove(secretariat, review, frances).status_code == 302
    assert FRANCE_FINDING not in secretariat.get(review.review_page).get_data(as_text=True)
    assert _finding(db, FRANCE_FINDING).deleted_at is not None


def test_reviewers_read_a_states_answers_from_submission_on_unless_opened_earlier(
    app: Flask, db: Session, review: Review
) -> None:
    focal_point = client_for(app, FOCAL_POINT)
    draft = post_answers(
        focal_point, review.commitment_page, {"status": "in_part", "steps_needed": DRAFT_ANSWER}
    )
    assert draft.status_code == 302
    japan, secretariat = client_for(app, JAPAN), client_for(app, SECRETARIAT)

    def japan_sees_the_draft() -> bool:
        pages = [
            japan.get(review.commitment_page),
            japan.get(review.review_page),
            japan.get(f"{review.base}/report.xlsx?lang=en"),
        ]
        readable = [page.status_code == 200 for page in pages]
        assert len(set(readable)) == 1, [page.status_code for page in pages]
        if not readable[0]:
            assert all(page.status_code == 403 for page in pages)
            assert all(DRAFT_ANSWER not in page.get_data(as_text=True) for page in pages)
            return False
        assert DRAFT_ANSWER in pages[0].get_data(as_text=True)
        assert DRAFT_ANSWER in pages[1].get_data(as_text=True)
        return True

    assert not japan_sees_the_draft()
    overview = japan.get(review.base).get_data(as_text=True)
    assert "once the questionnaire is submitted" in overview and DRAFT_ANSWER not in overview

    # The secretariat opens the draft on purpose (audited), then closes it again.
    opened = post_form(secretariat, f"{review.base}/reviewers/drafts", {"opened": "1"})
    assert opened.status_code == 302
    assert japan_sees_the_draft()
    post_form(secretariat, f"{review.base}/reviewers/drafts", {"opened": "0"})
    assert not japan_sees_the_draft()
    db.expire_all()
    events = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "assessment.reviewers_see_drafts")
        .order_by(AuditEvent.id)
    ).all()
    assert [(event.actor, event.details["opened"]) for event in events] == [
        (SECRETARIAT, True),
        (SECRETARIAT, False),
    ]

    # Only the secretariat opens a draft to the reviewers.
    assert post_form(japan, f"{review.base}/reviewers/drafts", {"opened": "1"}).status_code == 404
    assert not japan_sees_the_draft()

    _set_status(db, review, WorkflowStatus.SUBMITTED)
    assert japan_sees_the_draft()
