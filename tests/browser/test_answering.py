"""Issue 15, the state party's answering side, in a real browser.

Item 2: one refused number does not hold back the other answers; the refused text stays as
typed beside its reason; unsaved text survives a reload and is offered back.
Item 3: the reviewers' pending questions are listed with links on the overview, marked in
the commitment list, and shown at the top of the commitment page with the answer form.
Item 6: a follow-up question appears as soon as its condition holds, before any save; and
leaving the page within the autosave delay saves the text instead of asking.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from questionnaire.database import make_engine, make_session_factory
from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.scope import Scope
from questionnaire.models import Answer, Assessment, AssessmentItem, Clarification, Role, User
from questionnaire.services.accounts import SYSTEM, create_user
from questionnaire.services.assessments import create_assessment
from tests.browser.conftest import SECRETARIAT, LiveServer
from tests.browser.test_walkthrough import follow, log_in, new_page, question

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install 'playwright>=1.40'"
)
expect = sync_api.expect
PlaywrightError = sync_api.Error

PASSWORD = "answering test password 2021"
FOCAL_POINT = "focal.point@answering.example.org"
REVIEWER_QUESTION = "Which body checks the asset declarations of judges?"
MEASURES = "The 2020 law on the prevention of corruption created the commission."


@pytest.fixture(scope="module")
def paths(live_server: LiveServer) -> dict[str, str]:
    """China's questionnaire over the prevention section, and its focal point."""
    engine = make_engine(live_server.database_url)
    try:
        with make_session_factory(engine)() as session:
            secretariat = session.scalar(select(User).where(User.email == SECRETARIAT.email))
            assert secretariat is not None
            create_user(
                session,
                SYSTEM,
                email=FOCAL_POINT,
                name="Focal point",
                role=Role.FOCAL_POINT,
                state_party_code="CHN",
                password=PASSWORD,
            )
            assessment = create_assessment(
                session,
                secretariat,
                state_party_code="CHN",
                review_year=2026,
                scope=Scope(sections=("prevention",)),
            )
            session.commit()
            base = f"/assessments/{assessment.id}"
            return {
                "overview": base,
                "p4": f"{base}/c/pd2021.p4",
                "p5": f"{base}/c/pd2021.p5",
                "id": str(assessment.id),
            }
    finally:
        engine.dispose()


def _stored(live_server: LiveServer, assessment_id: str, question_id: str) -> object:
    engine = make_engine(live_server.database_url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(
                select(Answer.value)
                .join(AssessmentItem, AssessmentItem.id == Answer.item_id)
                .where(
                    AssessmentItem.assessment_id == int(assessment_id),
                    AssessmentItem.commitment_id == "pd2021.p4",
                    Answer.question_id == question_id,
                )
            )
    finally:
        engine.dispose()


def _open(browser: Browser, live_server: LiveServer, path: str) -> Page:
    page = new_page(browser)
    log_in(page, live_server, FOCAL_POINT, PASSWORD)
    page.goto(live_server.url(path))
    return page


def test_a_follow_up_question_appears_before_any_save(
    browser: Browser, live_server: LiveServer, paths: dict[str, str]
) -> None:
    page = _open(browser, live_server, paths["p4"])
    saves: list[str] = []
    page.on(
        "request", lambda request: saves.append(request.url) if "autosave" in request.url else None
    )
    measures = question(page, "measures")
    expect(measures).to_be_hidden()
    question(page, "status").get_by_label("Yes", exact=True).check()
    # Well within the autosave delay (3 s): the page decided, from the bank's condition.
    expect(measures).to_be_visible(timeout=500)
    assert saves == [], "the follow-up waited for a save"
    question(page, "status").get_by_label("No", exact=True).check()
    expect(measures).to_be_hidden(timeout=500)
    expect(question(page, "steps_needed")).to_be_visible(timeout=500)
    # A multiple-choice condition with Python's meaning: no body chosen hides the details,
    # "none" chosen hides them too.
    bodies = question(page, "body_types")
    staff = question(page, "staff_number")
    expect(staff).to_be_hidden()
    bodies.locator("input[type=checkbox]").first.check()
    expect(staff).to_be_visible(timeout=500)
    bodies.locator("input[type=checkbox][value='none']").check()
    expect(staff).to_be_hidden(timeout=500)
    page.close()


def test_leaving_within_the_autosave_delay_saves_instead_of_asking(
    browser: Browser, live_server: LiveServer, paths: dict[str, str]
) -> None:
    page = _open(browser, live_server, paths["p4"])
    question(page, "status").get_by_label("Yes", exact=True).check()
    box = question(page, "measures").locator("textarea")
    box.click()
    page.keyboard.type(MEASURES)  # typed key by key: the browser counts the page as used
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    page.close(run_before_unload=True)
    _wait_for(lambda: _stored(live_server, paths["id"], "measures") == MEASURES)
    assert asked == [], "leaving asked 'Leave site?' although the text could be saved"


def test_a_refused_number_holds_back_nothing_and_stays_as_typed(
    browser: Browser, live_server: LiveServer, paths: dict[str, str]
) -> None:
    page = _open(browser, live_server, paths["p4"])
    bodies = question(page, "body_types")
    bodies.locator("input[type=checkbox]").first.check()
    bodies.locator("input[type=checkbox][value='none']").uncheck()
    staff = question(page, "staff_number").locator("input[type=text]")
    expect(staff).to_be_visible()
    staff.fill("约4000")
    examples = question(page, "examples").locator("textarea")
    question(page, "status").get_by_label("Yes", exact=True).check()
    examples.fill("Asset declarations of 4 230 officials were checked in 2025.")
    follow(page, page.get_by_role("button", name="Save", exact=True))
    # The other answers are stored; the number stays as typed, marked, with the reason.
    assert _stored(live_server, paths["id"], "examples") == (
        "Asset declarations of 4 230 officials were checked in 2025."
    )
    assert _stored(live_server, paths["id"], "body_types") is not None
    staff = question(page, "staff_number").locator("input[type=text]")
    expect(staff).to_have_value("约4000")
    expect(staff).to_have_attribute("aria-invalid", "true")
    error = page.locator("#error-staff_number")
    expect(error).to_contain_text("approximate value: enter the number alone (4000)")
    # Focus goes to the summary of what was not saved; its link leads to the field.
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link").first.click()
    expect(staff).to_be_focused()
    # Leaving now would lose the refused text: the browser asks first.
    staff.press("End")
    page.keyboard.type(" ")
    _leaving_asks_first(page)
    # Corrected in a form people type, autosave stores it.
    staff.fill("4 230")
    expect(page.locator("#save-status")).to_have_class("saved", timeout=15_000)
    expect(staff).not_to_have_attribute("aria-invalid", "true")
    assert _stored(live_server, paths["id"], "staff_number") == 4230
    page.close()


def test_unsaved_text_survives_a_reload_and_is_offered_back(
    browser: Browser, live_server: LiveServer, paths: dict[str, str]
) -> None:
    page = _open(browser, live_server, paths["p5"])
    # The server cannot be reached (the connection is gone): nothing reaches it.
    page.route("**/autosave", lambda route: route.abort())
    question(page, "status").get_by_label("Yes", exact=True).check()
    box = question(page, "measures").locator("textarea")
    box.click()
    page.keyboard.type(MEASURES)
    expect(page.locator("#save-status")).to_have_class("failed", timeout=15_000)
    page.on("dialog", lambda dialog: dialog.accept())  # "Leave site?": yes, reload
    page.reload()
    expect(box).to_have_value("")
    offer = page.locator("#draft-offer")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("was not saved")
    page.unroute("**/autosave")  # the connection is back
    offer.get_by_role("button", name="Put it back in the form").click()
    expect(question(page, "status").get_by_label("Yes", exact=True)).to_be_checked()
    expect(box).to_have_value(MEASURES)
    # Put back, the text is saved by autosave and the kept copy dropped.
    expect(page.locator("#save-status")).to_have_class("saved", timeout=15_000)
    page.reload()
    expect(box).to_have_value(MEASURES)
    expect(page.locator("#draft-offer")).to_be_hidden()
    page.close()


def test_a_reviewers_question_is_listed_marked_and_answered_at_the_top(
    browser: Browser, live_server: LiveServer, paths: dict[str, str]
) -> None:
    _ask_a_question(live_server, int(paths["id"]))
    page = _open(browser, live_server, paths["overview"])
    pending = page.locator("#pending-questions")
    expect(pending).to_contain_text(REVIEWER_QUESTION)
    row = page.locator("table.list tr").filter(has=page.locator("a[href$='/c/pd2021.p5']"))
    expect(row.locator(".badge.clarification")).to_be_visible()
    follow(page, pending.get_by_role("link").first)
    assert page.url.endswith("/c/pd2021.p5#pending-clarifications")
    # The question comes before the answers and the history, with the form to answer it.
    top = page.locator("#pending-clarifications")
    expect(top).to_contain_text(REVIEWER_QUESTION)
    order = page.evaluate(
        """() => {
        const top = document.getElementById('pending-clarifications');
        const form = document.getElementById('answers');
        return Boolean(top.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING);
    }"""
    )
    assert order, "the reviewers' question is below the answers"
    top.get_by_label("Your answer").fill("The Supreme People's Court's inspection office.")
    follow(page, top.get_by_role("button", name="Save the answer"))
    expect(page.locator("#pending-clarifications")).to_have_count(0)
    expect(page.locator("#clarifications")).to_contain_text("inspection office")
    page.close()


def _ask_a_question(live_server: LiveServer, assessment_id: int) -> None:
    """The review has reached the reviewers' questions; one waits on paragraph 5."""
    engine = make_engine(live_server.database_url)
    try:
        with make_session_factory(engine)() as session:
            assessment = session.get(Assessment, assessment_id)
            assert assessment is not None
            item = session.scalar(
                select(AssessmentItem).where(
                    AssessmentItem.assessment_id == assessment_id,
                    AssessmentItem.commitment_id == "pd2021.p5",
                )
            )
            assert item is not None
            session.add(Clarification(item_id=item.id, question=REVIEWER_QUESTION))
            assessment.status = WorkflowStatus.CLARIFICATION_REQUESTED
            session.commit()
    finally:
        engine.dispose()


def _leaving_asks_first(page: Page) -> None:
    try:
        with page.expect_event("dialog", timeout=5_000) as asked:
            page.close(run_before_unload=True)
    except PlaywrightError:
        pytest.fail("leaving the page with refused text did not ask first")
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()
    assert not page.is_closed()


def _wait_for(condition: object, seconds: float = 10) -> None:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    pytest.fail("the text typed before leaving was never saved")
