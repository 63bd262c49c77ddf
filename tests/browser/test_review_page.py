"""Issue 15, items 1, 4 and 5: the reviewer's side of the job in a real browser.

Item 1: nothing a reviewer types is lost: ratings, observations and a finding are saved
together by any button of the review page, with or without JavaScript; leaving with unsaved
text asks first, and a draft of it survives a reload until it is saved.
Item 4: a review is completed only when every commitment is rated or has a stated reason,
after a confirmation; the secretariat sees the coverage before it confirms finalizing.
Item 5: previous/next between review pages, a review list with each commitment's review
status and filters, and the rating form reachable at once on a 390 px wide screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from questionnaire.database import make_engine, make_session_factory
from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.models import Role, User
from questionnaire.services import reviews
from questionnaire.services.accounts import SYSTEM, create_user
from questionnaire.services.answers import save_answers
from questionnaire.services.assessments import create_assessment
from questionnaire.services.workflow import transition
from tests.browser.conftest import PASSWORD, REVIEWER_FRA, REVIEWER_JPN, SECRETARIAT, LiveServer
from tests.browser.test_walkthrough import flash, follow, log_in
from tests.security.helpers import SMALL_SCOPE

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install 'playwright>=1.40'"
)
expect = sync_api.expect
PlaywrightError = sync_api.Error

FOCAL_POINT_EMAIL = "focal.point@review.example.org"
OBSERVATIONS = "The 2020 law covers declarations; no case has reached a court yet."
FINDING = "Declarations are published on a searchable public register."
DRAFT = "Half-written observation that was never saved."
REASON = "The state party reported this measure under another commitment."
# A long answer, as states write them: the review page grows to thousands of pixels.
LONG_ANSWER = " ".join(["The measures adopted since 2020 are described in detail here."] * 120)


@dataclass(frozen=True)
class Review:
    assessment_id: int
    commitment_ids: list[str]

    @property
    def overview(self) -> str:
        return f"/assessments/{self.assessment_id}"

    def page(self, number: int = 0) -> str:
        return f"/assessments/{self.assessment_id}/review/{self.commitment_ids[number]}"


def _reviewable(live_server: LiveServer, year: int) -> Review:
    """China's small questionnaire, answered at length, submitted, two reviewers, in review."""
    engine = make_engine(live_server.database_url)
    try:
        with make_session_factory(engine)() as session:
            secretariat = session.scalar(select(User).where(User.email == SECRETARIAT.email))
            assert secretariat is not None
            focal_point = session.scalar(select(User).where(User.email == FOCAL_POINT_EMAIL))
            if focal_point is None:
                focal_point = create_user(
                    session,
                    SYSTEM,
                    email=FOCAL_POINT_EMAIL,
                    name="Focal point",
                    role=Role.FOCAL_POINT,
                    state_party_code="CHN",
                    password=PASSWORD,
                )
            assessment = create_assessment(
                session, secretariat, state_party_code="CHN", review_year=year, scope=SMALL_SCOPE
            )
            session.commit()
            for item in assessment.items:
                values = {"status": "yes", "measures": LONG_ANSWER}
                save_answers(session, focal_point, assessment, item, values, {})
            transition(session, focal_point, assessment, WorkflowStatus.SUBMITTED)
            for person in (REVIEWER_JPN, REVIEWER_FRA):
                reviewer = session.scalar(select(User).where(User.email == person.email))
                assert reviewer is not None
                reviews.assign_reviewer(session, secretariat, assessment, reviewer)
            transition(session, secretariat, assessment, WorkflowStatus.IN_REVIEW)
            return Review(assessment.id, [item.commitment_id for item in assessment.items])
    finally:
        engine.dispose()


def _page(browser: Browser, live_server: LiveServer, email: str, **options: object) -> Page:
    context = browser.new_context(locale="en-US", **options)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, live_server, email, PASSWORD)
    return page


def _rate(page: Page) -> None:
    form = page.locator("#rating")
    form.get_by_role("group", name="Legal and institutional framework").get_by_label(
        "Partially implemented"
    ).check()
    form.get_by_role("group", name="Implementation in practice").get_by_label("Moderate").check()
    form.get_by_label("Observations").fill(OBSERVATIONS)


def _expect_rating_kept(page: Page) -> None:
    form = page.locator("#rating")
    expect(
        form.get_by_role("group", name="Legal and institutional framework").get_by_label(
            "Partially implemented"
        )
    ).to_be_checked()
    expect(
        form.get_by_role("group", name="Implementation in practice").get_by_label("Moderate")
    ).to_be_checked()
    expect(form.get_by_label("Observations")).to_have_value(OBSERVATIONS)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without"])
def test_recording_a_finding_keeps_the_ratings_and_observations_typed_with_it(
    browser: Browser, live_server: LiveServer, javascript: bool
) -> None:
    review = _reviewable(live_server, 2030 + int(javascript))
    page = _page(browser, live_server, REVIEWER_JPN.email, java_script_enabled=javascript)
    page.goto(live_server.url(review.page()))
    _rate(page)
    findings = page.locator("#findings")
    findings.get_by_role("group", name="Kind").get_by_label("Success and good practice").check()
    findings.get_by_label("Finding", exact=True).fill(FINDING)
    follow(page, findings.get_by_role("button", name="Record the finding"))
    expect(flash(page)).to_contain_text("Finding recorded")
    page.goto(live_server.url(review.page()))
    _expect_rating_kept(page)
    expect(page.locator("#findings .thread-entry").filter(has_text=FINDING)).to_have_count(1)


def test_unsaved_text_asks_before_leaving_and_its_draft_survives_a_reload(
    browser: Browser, live_server: LiveServer
) -> None:
    review = _reviewable(live_server, 2032)
    page = _page(browser, live_server, REVIEWER_JPN.email)
    page.goto(live_server.url(review.page()))
    page.locator("#rating").get_by_label("Observations").fill(DRAFT)
    try:
        with page.expect_event("dialog", timeout=5_000) as asked:
            page.close(run_before_unload=True)
    except PlaywrightError:
        pytest.fail("leaving the review page with unsaved text did not ask first")
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()
    assert not page.is_closed()

    page.once("dialog", lambda dialog: dialog.accept())
    page.reload()
    expect(page.locator("#rating").get_by_label("Observations")).to_have_value(DRAFT)
    expect(page.locator("#draft-restored")).to_be_visible()

    follow(page, page.locator("#rating").get_by_role("button", name="Save"))
    expect(flash(page)).to_contain_text("Saved")
    page.reload()  # saved: no question on leaving, no draft left over
    expect(page.locator("#rating").get_by_label("Observations")).to_have_value(DRAFT)
    expect(page.locator("#draft-restored")).to_be_hidden()


def test_a_review_is_completed_and_finalized_only_with_coverage_and_confirmation(
    browser: Browser, live_server: LiveServer
) -> None:
    review = _reviewable(live_server, 2033)
    total = len(review.commitment_ids)
    assert total >= 2
    reviewer = _page(browser, live_server, REVIEWER_JPN.email)
    reviewer.goto(live_server.url(review.page(0)))
    _rate(reviewer)
    follow(reviewer, reviewer.locator("#rating").get_by_role("button", name="Save"))

    reviewer.goto(live_server.url(review.overview))
    follow(reviewer, reviewer.locator("div.steps").get_by_role("button", name="Complete review"))
    # The confirmation page: the unrated commitments, each asking for a reason.
    expect(reviewer.get_by_role("heading", name="Complete the review")).to_be_visible()
    unrated = reviewer.locator("#unrated li")
    expect(unrated).to_have_count(total - 1)
    reviewer.get_by_label(re.compile("I confirm")).check()
    follow(reviewer, reviewer.get_by_role("button", name="Complete the review"))
    expect(reviewer.locator("p.flash.error")).to_contain_text("a rating or a reason")
    _expect_status(reviewer, review, "In review")

    reviewer.goto(live_server.url(review.overview + "/complete-review"))
    for field in reviewer.locator("#unrated textarea").all():
        field.fill(REASON)
    reviewer.get_by_label(re.compile("I confirm")).check()
    follow(reviewer, reviewer.get_by_role("button", name="Complete the review"))
    _expect_status(reviewer, review, "Review completed")

    secretariat = _page(browser, live_server, SECRETARIAT.email)
    secretariat.goto(live_server.url(review.overview))
    follow(secretariat, secretariat.locator("div.steps").get_by_role("button", name="Finalize"))
    coverage = secretariat.locator("#coverage")
    expect(coverage).to_contain_text(f"1 of {total} commitments rated")
    expect(coverage).to_contain_text(REASON)
    expect(coverage.locator("li").filter(has_text=REVIEWER_FRA.name)).to_contain_text(
        "no rating, finding, question or comment"
    )
    # Without the box ticked the page does not send; the server refuses it too (web tests).
    confirm_page = secretariat.url
    secretariat.get_by_role("button", name="Finalize").click()
    assert not secretariat.get_by_label(re.compile("I confirm")).evaluate(
        "box => box.validity.valid"
    )
    assert secretariat.url == confirm_page
    secretariat.get_by_label(re.compile("I confirm")).check()
    follow(secretariat, secretariat.get_by_role("button", name="Finalize"))
    _expect_status(secretariat, review, "Finalized")


def test_reviewers_move_between_commitments_and_see_each_ones_status(
    browser: Browser, live_server: LiveServer
) -> None:
    review = _reviewable(live_server, 2034)
    france = _page(browser, live_server, REVIEWER_FRA.email)
    france.goto(live_server.url(review.page(1)))
    _rate(france)
    follow(france, france.locator("#rating").get_by_role("button", name="Save"))

    page = _page(browser, live_server, REVIEWER_JPN.email)
    page.goto(live_server.url(review.page(0)))
    follow(page, page.get_by_role("link", name=re.compile("^Next")).first)
    assert page.url == live_server.url(review.page(1))
    follow(page, page.get_by_role("link", name=re.compile("^Previous")).first)
    assert page.url == live_server.url(review.page(0))

    follow(page, page.get_by_role("link", name="Review list").first)
    rows = page.locator("table.review-list tbody tr")
    expect(rows).to_have_count(len(review.commitment_ids))
    expect(rows.nth(0)).to_contain_text("Not rated")
    expect(rows.nth(1)).to_contain_text(f"Rated by {REVIEWER_FRA.name}")
    follow(page, page.get_by_role("link", name="Not yet rated"))
    expect(rows).to_have_count(len(review.commitment_ids) - 1)

    page.goto(live_server.url(review.page(0)))
    page.get_by_label("Question for clarification").fill("Which court heard the first case?")
    follow(page, page.get_by_role("button", name="Send the question"))
    expect(flash(page)).to_contain_text("Question sent to the state party")
    page.goto(live_server.url(review.overview + "/review-list"))
    follow(page, page.get_by_role("link", name="Clarification pending"))
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("Clarification pending")


def test_on_a_phone_the_rating_form_is_one_tap_away(
    browser: Browser, live_server: LiveServer
) -> None:
    review = _reviewable(live_server, 2035)
    page = _page(browser, live_server, REVIEWER_JPN.email, viewport={"width": 390, "height": 844})
    page.goto(live_server.url(review.page()))
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height > 3 * 844, "the answers should make the page long"
    jump = page.get_by_role("link", name="Go to the rating form").first
    box = jump.bounding_box()
    assert box is not None and box["y"] < 844, "the jump link is not on the first screen"
    jump.click()
    framework = page.get_by_role("group", name="Legal and institutional framework")
    expect(framework).to_be_in_viewport()


def _expect_status(page: Page, review: Review, status: str) -> None:
    page.goto(page.url.split("/assessments/")[0] + review.overview)
    expect(page.locator("main > p").filter(has_text="Status:").locator("strong")).to_have_text(
        status
    )


def test_a_review_prints_as_text_without_navigation_or_forms(
    browser: Browser, live_server: LiveServer
) -> None:
    review = _reviewable(live_server, 2036)
    page = _page(browser, live_server, REVIEWER_JPN.email)
    page.goto(live_server.url(review.page()))
    _rate(page)
    follow(page, page.locator("#rating").get_by_role("button", name="Save"))
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("nav.pager").first).to_be_hidden()
    expect(page.get_by_role("group", name="Legal and institutional framework")).to_be_hidden()
    expect(page.get_by_role("button", name="Record the finding")).to_be_hidden()
    printed = page.locator("#rating .print-only")
    expect(printed).to_be_visible()
    expect(printed).to_contain_text("Partially implemented")
    expect(printed).to_contain_text(OBSERVATIONS)
    expect(page.locator("#answers")).to_contain_text("The measures adopted since 2020")
    page.emulate_media(media="screen")
    expect(page.locator("header.top")).to_be_visible()
    expect(printed).to_be_hidden()
