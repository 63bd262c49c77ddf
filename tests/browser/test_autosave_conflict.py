"""Issue 14, item 5: text typed into a page whose autosave met a conflict is not lost.

Two people of China edit the same answer. The second one's autosave is refused with a
conflict; their text must stay in the form, and leaving the page must ask first, until they
save it through the conflict page (where both texts are shown). Likewise when the database
is locked (item 10): autosave says the service is briefly unavailable, keeps the text,
asks before leaving, and saves the text by itself once the database is back.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from questionnaire.database import make_engine, make_session_factory
from questionnaire.models import Role, User
from questionnaire.services.accounts import SYSTEM, create_user
from questionnaire.services.answers import save_answers
from questionnaire.services.assessments import create_assessment
from tests.browser.conftest import SECRETARIAT, LiveServer
from tests.browser.test_walkthrough import follow, log_in, new_page
from tests.security.helpers import SMALL_SCOPE

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install 'playwright>=1.40'"
)
expect = sync_api.expect
PlaywrightError = sync_api.Error

PASSWORD = "conflict test password 2021"
FIRST = "focal.point@conflict.example.org"
SECOND = "contributor@conflict.example.org"
FIRST_TEXT = "The anti-corruption law of 2020 requires asset declarations."
SECOND_TEXT = "Typed by the contributor: the 2022 regulation on beneficial ownership."
LOCKED_TEXT = "Typed while the database was locked: the 2023 decree on asset declarations."


@pytest.fixture(scope="module")
def commitment_paths(live_server: LiveServer) -> list[str]:
    return _open_assessment(live_server.database_url)


def test_text_typed_before_an_autosave_conflict_is_kept_and_leaving_asks_first(
    browser: Browser, live_server: LiveServer, commitment_paths: list[str]
) -> None:
    commitment_url = live_server.url(commitment_paths[0])
    first = _open_page(browser, live_server, FIRST, commitment_url)
    second = _open_page(browser, live_server, SECOND, commitment_url)

    # The first person's text is stored by autosave; the second's page still holds the
    # version from before it.
    _type_answer(first, FIRST_TEXT)
    expect(first.locator("#save-status")).to_have_class("saved", timeout=15_000)
    _type_answer(second, SECOND_TEXT)
    expect(second.locator("#save-status")).to_have_class("conflict", timeout=15_000)

    # Leaving (reload, close, another address) asks first; staying keeps the text.
    _leaving_asks_first(second, "after a conflict")
    assert _answer_box(second).input_value() == SECOND_TEXT

    # Saving shows the conflict page with both texts: nothing typed is lost.
    follow(second, second.get_by_role("button", name="Save", exact=True))
    page_text = second.locator("main").inner_text()
    assert SECOND_TEXT in page_text and FIRST_TEXT in page_text


def test_text_typed_while_the_database_is_locked_is_saved_once_it_is_back(
    browser: Browser, live_server: LiveServer, commitment_paths: list[str]
) -> None:
    url = live_server.url(commitment_paths[1])
    page = _open_page(browser, live_server, FIRST, url)
    database_file = make_url(live_server.database_url).database
    assert database_file
    holder = sqlite3.connect(database_file, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        _type_answer(page, LOCKED_TEXT)
        status = page.locator("#save-status")
        expect(status).to_have_class("failed", timeout=20_000)
        expect(status).to_contain_text("temporarily unavailable")
        _leaving_asks_first(page, "while its text was not saved")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # Autosave tries again by itself; then the text is stored and a reload shows it.
    expect(page.locator("#save-status")).to_have_class("saved", timeout=30_000)
    page.reload()
    assert _answer_box(page).input_value() == LOCKED_TEXT


def _leaving_asks_first(page: Page, when: str) -> None:
    """Leaving the page (here: closing it) asks first; the person stays."""
    try:
        with page.expect_event("dialog", timeout=5_000) as asked:
            page.close(run_before_unload=True)
    except PlaywrightError:
        pytest.fail(f"leaving the page {when} did not ask first; the text was lost")
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()
    assert not page.is_closed()


def _open_assessment(database_url: str) -> list[str]:
    """China's small questionnaire and two of its people; the commitments' paths."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            secretariat = session.scalar(select(User).where(User.email == SECRETARIAT.email))
            assert secretariat is not None
            people = []
            for email, role in ((FIRST, Role.FOCAL_POINT), (SECOND, Role.CONTRIBUTOR)):
                person = create_user(
                    session,
                    SYSTEM,
                    email=email,
                    name=email.split("@")[0],
                    role=role,
                    state_party_code="CHN",
                    password=PASSWORD,
                )
                people.append(person)
            assessment = create_assessment(
                session, secretariat, state_party_code="CHN", review_year=2026, scope=SMALL_SCOPE
            )
            session.commit()
            # "Yes" shows the question asking for the measures, a text box.
            for item in assessment.items:
                values = {"status": "yes"}
                save_answers(session, people[0], assessment, item, values, {"status": 0})
            return [f"/assessments/{assessment.id}/c/{i.commitment_id}" for i in assessment.items]
    finally:
        engine.dispose()


def _open_page(browser: Browser, live_server: LiveServer, email: str, url: str) -> Page:
    page = new_page(browser)
    log_in(page, live_server, email, PASSWORD)
    page.goto(url)
    return page


def _answer_box(page: Page) -> Locator:
    return page.locator("form#answers textarea:visible").first


def _type_answer(page: Page, text: str) -> None:
    # Typed key by key, as a person does: the browser then counts the page as used, which
    # it requires before it shows a "leave this page?" question.
    _answer_box(page).click()
    page.keyboard.type(text)
