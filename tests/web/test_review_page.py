"""Issue 15, items 1, 4 and 5: the review page keeps what reviewers type; completing and
finalizing a review need coverage and a confirmation given on the server; the review list.

The browser tests (tests/browser/test_review_page.py) show the same from a person's side;
these pin down the services and every bad input.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.review_coverage import MAX_REASON
from questionnaire.domain.scope import Scope
from questionnaire.models import (
    Assessment,
    AuditEvent,
    Clarification,
    Comment,
    FindingRecord,
    ItemReview,
    Role,
    User,
    WorkflowEvent,
)
from questionnaire.services import reviews
from questionnaire.services.assessments import assessment_question_bank, create_assessment
from tests.security.helpers import SMALL_SCOPE, client_for, count_rows, post_form
from tests.web.test_review_workflow import _fill_everything

JAPAN = "expert@japan.test"
FRANCE = "expert@france.test"
GERMANY = "expert@germany.test"  # assigned to another state's assessment only
SECRETARIAT = "officer@secretariat.test"
FOCAL_POINT = "fp@china.test"
SECTION_5 = Scope(sections=("technical_assistance",))
OBSERVATIONS = "The 2020 law covers declarations; no case has reached a court yet."


@dataclass(frozen=True)
class World:
    assessment_id: int
    commitment_ids: list[str]
    other_assessment_id: int

    @property
    def base(self) -> str:
        return f"/assessments/{self.assessment_id}"

    def page(self, number: int = 0) -> str:
        return f"{self.base}/review/{self.commitment_ids[number]}"


@pytest.fixture()
def world(db: Session, make_user: Any, loaded_bank: object) -> World:
    """China's questionnaire on technical assistance in review by Japan and France; Kenya's
    in review by Germany."""
    secretariat = make_user(SECRETARIAT, Role.SECRETARIAT)
    make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    japan = make_user(JAPAN, Role.REVIEWER, "JPN")
    france = make_user(FRANCE, Role.REVIEWER, "FRA")
    germany = make_user(GERMANY, Role.REVIEWER, "DEU")
    china = create_assessment(
        db, secretariat, state_party_code="CHN", review_year=2026, scope=SECTION_5
    )
    kenya = create_assessment(
        db, secretariat, state_party_code="KEN", review_year=2026, scope=SMALL_SCOPE
    )
    db.commit()
    reviews.assign_reviewer(db, secretariat, china, france)
    reviews.assign_reviewer(db, secretariat, china, japan)
    reviews.assign_reviewer(db, secretariat, kenya, germany)
    for assessment in (china, kenya):
        assessment.status = WorkflowStatus.IN_REVIEW
    db.commit()
    return World(china.id, [item.commitment_id for item in china.items], kenya.id)


def _hidden(client: FlaskClient, url: str) -> dict[str, str]:
    """The hidden fields of the review page's one form, as a browser would send them."""
    page = client.get(url).get_data(as_text=True)
    fields = dict(
        re.findall(r'<input type="hidden" name="(request_id|rating_base)" value="([^"]*)"', page)
    )
    assert set(fields) == {"request_id", "rating_base"}, "the review form is missing"
    return fields


def _send(client: FlaskClient, url: str, **form: str) -> Any:
    return post_form(client, url, {**_hidden(client, url), **form})


def _review(db: Session) -> ItemReview | None:
    db.expire_all()
    return db.scalar(select(ItemReview))


def _status(db: Session, world: World) -> WorkflowStatus:
    db.expire_all()
    assessment = db.get(Assessment, world.assessment_id)
    assert assessment is not None
    return assessment.status


def _text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


# Item 1: one form, one transaction, nothing typed lost. ------------------------------


def test_recording_a_finding_saves_the_ratings_and_observations_typed_with_it(
    app: Flask, db: Session, world: World
) -> None:
    """The fault of issue 15: "Record the finding" kept the finding and dropped the rest."""
    japan = client_for(app, JAPAN)
    response = _send(
        japan,
        world.page(),
        action="finding",
        framework="partially",
        practice="moderate",
        observations=OBSERVATIONS,
        kind="good_practice",
        text="A public register of declarations.",
    )
    assert response.status_code == 302
    review = _review(db)
    assert review is not None
    assert (review.framework.value, review.practice.value) == ("partially", "moderate")
    assert review.observations == OBSERVATIONS
    assert [f.text for f in db.scalars(select(FindingRecord))] == [
        "A public register of declarations."
    ]
    page = _text(japan.get(response.headers["Location"]))
    assert "Saved: the rating and observations. Finding recorded." in page


def test_a_bad_finding_saves_nothing_and_shows_everything_typed_again(
    app: Flask, db: Session, world: World
) -> None:
    japan = client_for(app, JAPAN)
    response = _send(
        japan,
        world.page(),
        action="finding",
        framework="fully",
        practice="high",
        observations=OBSERVATIONS,
        kind="challenge",
        text="No statistics are kept.",
        recommendation="",
    )
    assert response.status_code == 400
    page = _text(response)
    assert "a challenge ends in a recommendation" in page
    assert OBSERVATIONS in page and "No statistics are kept." in page
    assert re.search(r'value="fully"\s+checked', page)
    assert re.search(r'id="finding-recommendation"[^>]*aria-invalid="true"', page)
    assert _review(db) is None  # one transaction: the rating waits with the finding
    assert count_rows(db, FindingRecord) == 0


def test_a_question_typed_but_not_sent_is_shown_again_while_the_rest_is_saved(
    app: Flask, db: Session, world: World
) -> None:
    japan = client_for(app, JAPAN)
    response = _send(
        japan,
        world.page(),
        action="save",
        framework="largely",
        practice="substantial",
        observations=OBSERVATIONS,
        question="Which court heard the first case?",
        body="A note for France.",
    )
    assert response.status_code == 200
    page = _text(response)
    assert "Which court heard the first case?" in page and "A note for France." in page
    assert "not sent yet" in page
    assert _review(db) is not None
    assert count_rows(db, Clarification) == 0 and count_rows(db, Comment) == 0
    assert _status(db, world) is WorkflowStatus.IN_REVIEW


def test_the_question_and_comment_buttons_send_them_and_save_the_rating_too(
    app: Flask, db: Session, world: World
) -> None:
    japan = client_for(app, JAPAN)
    asked = _send(japan, world.page(), action="ask", framework="fully", question="Which court?")
    assert asked.status_code == 302
    assert _status(db, world) is WorkflowStatus.CLARIFICATION_REQUESTED
    assert [c.question for c in db.scalars(select(Clarification))] == ["Which court?"]
    review = _review(db)
    assert review is not None and review.framework is not None
    commented = _send(japan, world.page(), action="comment", body="Rated the framework.")
    assert commented.status_code == 302
    assert [c.body for c in db.scalars(select(Comment))] == ["Rated the framework."]


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"action": "ask", "question": "   "}, "question", "write the question"),
        ({"action": "comment", "body": ""}, "body", "write the comment"),
        ({"action": "finding", "kind": "good_practice", "text": ""}, "text", "write the finding"),
        ({"kind": "nonsense", "text": "A finding"}, "kind", "choose what kind of finding"),
        ({"framework": "excellent"}, "framework", "choose a rating from the list"),
        ({"unrated_reason": "x" * (MAX_REASON + 1)}, "unrated_reason", "at most 2000"),
        ({"observations": "x" * 8001}, "observations", "at most 8000"),
        (
            {"kind": "technical_assistance", "text": "Need", "technical_assistance_type": ""},
            "technical_assistance_type",
            "choose the type of technical assistance",
        ),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_saved(
    app: Flask, db: Session, world: World, form: dict[str, str], field: str, message: str
) -> None:
    japan = client_for(app, JAPAN)
    typed = {"observations": OBSERVATIONS, "practice": "low", **form}
    response = _send(japan, world.page(), **typed)
    assert response.status_code == 400
    page = _text(response)
    assert message in page
    assert f'id="{field}-error"' in page
    assert _review(db) is None
    assert count_rows(db, FindingRecord) == count_rows(db, Clarification) == 0
    if "x" * 100 not in typed.get("observations", ""):
        assert OBSERVATIONS in page  # what was typed is on the page again


def test_the_same_page_sent_twice_records_one_finding(
    app: Flask, db: Session, world: World
) -> None:
    japan = client_for(app, JAPAN)
    form = {
        **_hidden(japan, world.page()),
        "action": "finding",
        "kind": "good_practice",
        "text": "Training for every new investigator.",
    }
    first = post_form(japan, world.page(), form)
    second = post_form(japan, world.page(), form)  # a double click, or a retry
    assert first.status_code == second.status_code == 302
    assert count_rows(db, FindingRecord) == 1
    page = _text(japan.get(second.headers["Location"]))
    assert "nothing was saved twice" in page


def test_another_reviewers_rating_is_not_overwritten_without_being_shown(
    app: Flask, db: Session, world: World
) -> None:
    japan, france = client_for(app, JAPAN), client_for(app, FRANCE)
    japans_page = _hidden(japan, world.page())  # Japan opens the page: nothing rated yet
    assert _send(france, world.page(), framework="fully", practice="high").status_code == 302

    refused = post_form(
        japan, world.page(), {**japans_page, "framework": "partially", "practice": "low"}
    )
    assert refused.status_code == 409
    page = _text(refused)
    assert "another reviewer changed this rating" in page
    assert "Fully implemented" in page  # theirs, shown above Japan's own choice
    assert re.search(r'value="partially"\s+checked', page)
    review = _review(db)
    assert review is not None and review.framework.value == "fully"

    base = re.search(r'name="rating_base" value="([^"]*)"', refused.get_data(as_text=True))
    assert base is not None
    replaced = post_form(
        japan,
        world.page(),
        {**japans_page, "rating_base": base.group(1), "framework": "partially", "practice": "low"},
    )
    assert replaced.status_code == 302
    review = _review(db)
    assert review is not None and review.framework.value == "partially"


def test_an_untouched_rating_is_left_as_the_other_reviewer_saved_it(
    app: Flask, db: Session, world: World
) -> None:
    japan, france = client_for(app, JAPAN), client_for(app, FRANCE)
    japans_page = _hidden(japan, world.page())
    assert _send(france, world.page(), framework="fully", practice="high").status_code == 302
    recorded = post_form(
        japan,
        world.page(),
        {
            **japans_page,
            "framework": "",
            "practice": "",
            "observations": "",
            "action": "finding",
            "kind": "good_practice",
            "text": "Published register.",
        },
    )
    assert recorded.status_code == 302
    review = _review(db)
    assert review is not None and (review.framework.value, review.practice.value) == (
        "fully",
        "high",
    )
    assert count_rows(db, FindingRecord) == 1


def test_a_reviewer_of_another_assessment_saves_nothing_here(
    app: Flask, db: Session, world: World
) -> None:
    germany = client_for(app, GERMANY)
    form = {"framework": "fully", "practice": "high", "kind": "good_practice", "text": "x"}
    assert post_form(germany, world.page(), form).status_code == 404
    assert (
        post_form(germany, f"{world.base}/complete-review", {"confirm": "yes"}).status_code == 404
    )
    assert germany.get(f"{world.base}/review-list").status_code == 404
    assert _review(db) is None and count_rows(db, FindingRecord) == 0


def test_the_secretariat_and_the_state_do_not_post_reviews(
    app: Flask, db: Session, world: World
) -> None:
    form = {"framework": "fully", "practice": "high"}
    assert post_form(client_for(app, SECRETARIAT), world.page(), form).status_code in (403, 404)
    assert post_form(client_for(app, FOCAL_POINT), world.page(), form).status_code in (403, 404)
    assert _review(db) is None


# Item 4: completing and finalizing. ---------------------------------------------------


def _complete(client: FlaskClient, world: World, **form: str) -> Any:
    return post_form(client, f"{world.base}/complete-review", form)


def _rate_first(app: Flask, world: World) -> None:
    japan = client_for(app, JAPAN)
    assert _send(japan, world.page(), framework="fully", practice="high").status_code == 302


def test_the_complete_review_button_leads_to_the_confirmation_page(
    app: Flask, db: Session, world: World
) -> None:
    japan = client_for(app, JAPAN)
    response = post_form(japan, f"{world.base}/status", {"target": "review_completed"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{world.base}/complete-review")
    assert _status(db, world) is WorkflowStatus.IN_REVIEW
    page = _text(japan.get(response.headers["Location"]))
    assert "Completing the review closes it" in page
    assert f"0 of {len(world.commitment_ids)} commitments rated" in page


def test_completing_without_coverage_is_refused_and_the_reasons_given_are_kept(
    app: Flask, db: Session, world: World
) -> None:
    _rate_first(app, world)
    japan = client_for(app, JAPAN)
    unrated = world.commitment_ids[1:]
    assert len(unrated) >= 2
    reasons = {f"reason-{unrated[0]}": "Reported under paragraph 9."}
    response = _complete(japan, world, confirm="yes", **reasons)
    assert response.status_code == 400
    page = _text(response)
    assert f"{len(unrated) - 1} commitment(s) need a rating or a reason" in page
    assert "Reported under paragraph 9." in page
    assert _status(db, world) is WorkflowStatus.IN_REVIEW
    stored = {r.unrated_reason for r in db.scalars(select(ItemReview))}
    assert "Reported under paragraph 9." in stored  # kept for the next attempt

    blank = {f"reason-{cid}": "   " for cid in unrated[1:]}  # blanks are no reason
    assert _complete(japan, world, confirm="yes", **blank).status_code == 400
    assert _status(db, world) is WorkflowStatus.IN_REVIEW


def test_completing_without_confirmation_does_nothing(
    app: Flask, db: Session, world: World
) -> None:
    _rate_first(app, world)
    japan = client_for(app, JAPAN)
    reasons = {f"reason-{cid}": "Not applicable to China." for cid in world.commitment_ids[1:]}
    response = _complete(japan, world, **reasons)
    assert response.status_code == 400
    page = _text(response)
    assert "tick the box to confirm" in page
    assert "Not applicable to China." in page  # shown again, not lost
    assert _status(db, world) is WorkflowStatus.IN_REVIEW


def test_a_reason_too_long_is_refused_by_name_and_nothing_is_stored(
    app: Flask, db: Session, world: World
) -> None:
    japan = client_for(app, JAPAN)
    cid = world.commitment_ids[1]
    response = _complete(japan, world, confirm="yes", **{f"reason-{cid}": "x" * (MAX_REASON + 1)})
    assert response.status_code == 400
    assert f'id="reason-{cid}-error"' in _text(response)
    assert count_rows(db, ItemReview) == 0
    assert _status(db, world) is WorkflowStatus.IN_REVIEW


def test_a_reason_for_a_commitment_outside_the_questionnaire_is_not_found(
    app: Flask, db: Session, world: World
) -> None:
    japan = client_for(app, JAPAN)
    response = _complete(japan, world, confirm="yes", **{"reason-pd2021.p999": "Why"})
    assert response.status_code == 404
    assert count_rows(db, ItemReview) == 0


def test_a_covered_and_confirmed_review_is_completed_once(
    app: Flask, db: Session, world: World
) -> None:
    _rate_first(app, world)
    japan = client_for(app, JAPAN)
    reasons = {f"reason-{cid}": "Not applicable to China." for cid in world.commitment_ids[1:]}
    done = _complete(japan, world, confirm="yes", **reasons)
    assert done.status_code == 302
    assert _status(db, world) is WorkflowStatus.REVIEW_COMPLETED
    total = len(world.commitment_ids)
    note = db.scalar(
        select(WorkflowEvent.note).where(WorkflowEvent.to_status == "review_completed")
    )
    assert note == f"1 of {total} commitments rated, {total - 1} with a reason"

    again = _complete(japan, world, confirm="yes", **reasons)  # a double submit
    assert again.status_code == 302
    assert "The review is completed already" in _text(japan.get(again.headers["Location"]))
    assert count_rows(db, WorkflowEvent) == 1


def test_the_secretariat_finalizes_after_reading_the_coverage_and_confirming(
    app: Flask, db: Session, world: World
) -> None:
    _rate_first(app, world)
    reasons = {f"reason-{cid}": "Reported elsewhere." for cid in world.commitment_ids[1:]}
    assert _complete(client_for(app, JAPAN), world, confirm="yes", **reasons).status_code == 302
    secretariat = client_for(app, SECRETARIAT)

    via_button = post_form(secretariat, f"{world.base}/status", {"target": "finalized"})
    assert via_button.headers["Location"].endswith(f"{world.base}/finalize")
    page = _text(secretariat.get(f"{world.base}/finalize"))
    total = len(world.commitment_ids)
    assert f"1 of {total} commitments rated" in page
    assert "Reported elsewhere." in page
    france_line = re.search(r"<li>expert \(FRA\):(.*?)</li>", page, re.S)
    assert france_line and "no rating, finding, question or comment" in france_line.group(1)
    japan_line = re.search(r"<li>expert \(JPN\):(.*?)</li>", page, re.S)
    assert japan_line and "ratings: 1," in japan_line.group(1)

    unconfirmed = post_form(secretariat, f"{world.base}/finalize", {})
    assert unconfirmed.status_code == 400
    assert "tick the box to confirm" in _text(unconfirmed)
    assert _status(db, world) is WorkflowStatus.REVIEW_COMPLETED

    done = post_form(secretariat, f"{world.base}/finalize", {"confirm": "yes"})
    assert done.status_code == 302
    assert _status(db, world) is WorkflowStatus.FINALIZED
    note = db.scalar(select(WorkflowEvent.note).where(WorkflowEvent.to_status == "finalized"))
    assert note == f"1 of {total} commitments rated; reviewers without any activity: expert"
    again = post_form(secretariat, f"{world.base}/finalize", {"confirm": "yes"})
    assert "The assessment is finalized already" in _text(
        secretariat.get(again.headers["Location"])
    )


def test_a_reviewer_cannot_finalize(app: Flask, db: Session, world: World) -> None:
    japan = client_for(app, JAPAN)
    assert post_form(japan, f"{world.base}/finalize", {"confirm": "yes"}).status_code in (403, 404)
    assert _status(db, world) is WorkflowStatus.IN_REVIEW


def test_submitting_needs_the_confirmation_and_happens_once(
    app: Flask, db: Session, world: World
) -> None:
    chinese = db.get(Assessment, world.assessment_id)
    assert chinese is not None
    chinese.status = WorkflowStatus.DRAFT
    db.commit()
    focal_point = client_for(app, FOCAL_POINT)
    via_button = post_form(focal_point, f"{world.base}/status", {"target": "submitted"})
    assert via_button.headers["Location"].endswith(f"{world.base}/submit")
    assert _status(db, world) is WorkflowStatus.DRAFT
    _fill_everything(focal_point, chinese, assessment_question_bank(chinese))
    unconfirmed = post_form(focal_point, f"{world.base}/submit", {})
    assert unconfirmed.status_code == 400
    assert "tick the box to confirm the submission" in _text(unconfirmed)
    assert _status(db, world) is WorkflowStatus.DRAFT
    done = post_form(focal_point, f"{world.base}/submit", {"confirm": "yes"})
    assert done.status_code == 302
    assert _status(db, world) is WorkflowStatus.SUBMITTED
    again = post_form(focal_point, f"{world.base}/submit", {"confirm": "yes"})
    assert again.status_code == 302
    assert "Not possible" in _text(focal_point.get(again.headers["Location"]))
    assert count_rows(db, WorkflowEvent) == 1


# Item 5: the review list. -------------------------------------------------------------


def test_the_review_list_shows_each_commitments_status_and_filters_it(
    app: Flask, db: Session, world: World
) -> None:
    japan, france = client_for(app, JAPAN), client_for(app, FRANCE)
    assert _send(japan, world.page(0), framework="fully", practice="high").status_code == 302
    assert _send(france, world.page(1), framework="largely", practice="low").status_code == 302
    asked = _send(france, world.page(2), action="ask", question="Which court?")
    assert asked.status_code == 302
    listing = f"{world.base}/review-list"

    rows = _rows(japan.get(listing))
    assert len(rows) == len(world.commitment_ids)
    assert "Rated by me" in rows[0]
    assert "Rated by expert" in rows[1]
    assert "Not rated" in rows[2] and "Clarification pending" in rows[2]

    unrated = _rows(japan.get(listing + "?show=unrated"))
    assert len(unrated) == len(world.commitment_ids) - 2
    pending = _rows(japan.get(listing + "?show=clarification"))
    assert len(pending) == 1 and "Clarification pending" in pending[0]
    assert len(_rows(japan.get(listing + "?show=nonsense"))) == len(world.commitment_ids)
    assert len(_rows(client_for(app, SECRETARIAT).get(listing))) == len(world.commitment_ids)


def test_review_pages_link_to_the_previous_and_next_commitment(
    app: Flask, db: Session, world: World
) -> None:
    japan = client_for(app, JAPAN)
    first = japan.get(world.page(0)).get_data(as_text=True)
    assert f'rel="next" href="{world.page(1)}"' in first and 'rel="prev"' not in first
    middle = japan.get(world.page(1)).get_data(as_text=True)
    assert f'rel="prev" href="{world.page(0)}"' in middle
    assert f'rel="next" href="{world.page(2)}"' in middle


def _rows(response: Any) -> list[str]:
    assert response.status_code == 200
    body = response.get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]
    return [html.unescape(row) for row in body.split("<tr>")[1:]]


def test_the_audit_log_keeps_a_reason_given_on_the_completion_page(
    app: Flask, db: Session, world: World
) -> None:
    japan = client_for(app, JAPAN)
    cid = world.commitment_ids[1]
    _complete(japan, world, confirm="yes", **{f"reason-{cid}": "Out of scope for China."})
    details = db.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "review.unrated_reason")
    ).all()
    assert details == [{"reason": "Out of scope for China."}]
    assert (
        db.scalar(select(User.email).where(User.id == db.scalar(select(ItemReview.updated_by_id))))
        == JAPAN
    )


def test_a_recommendation_typed_is_kept_whatever_kind_was_chosen_and_the_offer_is_not(
    app: Flask, db: Session, world: World
) -> None:
    japan = client_for(app, JAPAN)
    page = japan.get(world.page()).get_data(as_text=True)
    offered = re.search(r'name="recommendation"[^>]*>([^<]*)</textarea>', page)
    assert offered is not None and offered.group(1).strip()  # "China should"
    untouched = _send(
        japan, world.page(), kind="good_practice", text="Register.", recommendation=offered.group(1)
    )
    assert untouched.status_code == 302
    typed = _send(
        japan,
        world.page(),
        kind="good_practice",
        text="Training.",
        recommendation="Share the curriculum with the region.",
    )
    assert typed.status_code == 302
    db.expire_all()
    kept = dict(db.execute(select(FindingRecord.text, FindingRecord.recommendation)).all())
    assert kept == {"Register.": "", "Training.": "Share the curriculum with the region."}


def test_a_refusal_is_said_in_chinese_on_a_chinese_page(
    app: Flask, db: Session, world: World
) -> None:
    japan = client_for(app, JAPAN)
    japan.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    response = _send(
        japan, world.page(), action="finding", kind="challenge", text="差距", recommendation=""
    )
    assert response.status_code == 400
    page = _text(response)
    assert "挑战须以建议结尾；请写出建议" in page
    assert "a challenge ends in a recommendation" not in page
