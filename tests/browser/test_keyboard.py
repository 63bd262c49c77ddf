"""Issue 15, item 8: the whole job done with the keyboard alone.

The secretariat opens an assessment and assigns reviewers, the focal point answers and
submits, a reviewer starts the review, rates and completes it, the secretariat finalizes.
Every step is Tab, Shift+Tab, Enter, Space, arrow keys or typing: no click, and no address
typed except the log-in page. The page is only read (never acted on) through locators.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from questionnaire.database import make_engine, make_session_factory
from questionnaire.models import Role
from questionnaire.services.accounts import SYSTEM, create_user
from tests.browser.conftest import PASSWORD, REVIEWER_JPN, SECRETARIAT, LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install 'playwright>=1.40'"
).expect

FOCAL_POINT = "keyboard.focal.point@chn.example.org"
THEME = "Gender and corruption"  # a scope of one commitment: the walk stays short
MOST_TABS = 1500  # the longest page (a commitment with its guidance) has a few hundred stops
# The accessible name of the focused element, as a screen reader would say it.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return {name: "", tag: "", type: "", group: ""}; }
  let name = el.getAttribute("aria-label") || "";
  if (!name && el.labels && el.labels.length) { name = el.labels[0].textContent; }
  if (!name) { name = el.textContent || el.value || ""; }
  const box = el.closest("fieldset, [role=group], [role=radiogroup]");
  let group = "";
  if (box) {
    const legend = box.querySelector("legend");
    group = box.getAttribute("aria-label") || (legend ? legend.textContent : "");
  }
  return {
    name: name.replace(/\\s+/g, " ").trim(), tag: el.tagName.toLowerCase(),
    type: (el.getAttribute("type") || "").toLowerCase(), group: group.replace(/\\s+/g, " ").trim(),
    question: (el.closest("[data-question]") || {dataset: {}}).dataset.question || "",
    checked: !!el.checked,
  };
}"""


def _matches(pattern: str | re.Pattern[str], text: str) -> bool:
    if isinstance(pattern, re.Pattern):
        return bool(pattern.search(text))
    return text == pattern


def tab_until(page: Page, wanted: Callable[[dict], bool], what: str) -> dict:
    """Press Tab until the focused element is the one wanted; fail naming it if never."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if wanted(focused):
            return focused
    pytest.fail(f"{page.url}: Tab never reached {what}")


def tab_to(page: Page, name: str | re.Pattern[str], tag: str | None = None) -> dict:
    return tab_until(
        page,
        lambda f: _matches(name, f["name"]) and (tag is None or f["tag"] == tag),
        f"{tag or 'a control'} named {name!r}",
    )


def press_and_load(page: Page, key: str = "Enter") -> None:
    """Press a key that leaves the page (a link, a form), and wait for the next one."""
    page.evaluate("document.documentElement.dataset.keyboardOld = '1'")
    page.keyboard.press(key)
    page.locator("html:not([data-keyboard-old])").wait_for(state="attached")
    page.wait_for_load_state()


def go(page: Page, name: str | re.Pattern[str], tag: str | None = None) -> None:
    tab_to(page, name, tag)
    press_and_load(page)


def flash(page: Page) -> str:
    return " ".join(page.locator("p.flash").all_inner_texts())


def home(page: Page) -> None:
    go(page, "Anti-corruption self-assessment", "a")


def log_in(page: Page, live_server: LiveServer, email: str) -> None:
    page.goto(live_server.url("/login"))
    tab_to(page, "E-mail", "input")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    press_and_load(page)
    expect(page.get_by_role("heading", name=re.compile("^Welcome,"))).to_be_visible()


def tick_confirmation(page: Page) -> None:
    """Irreversible steps ask for a ticked "I confirm ..." box: tick it with Space."""
    if page.locator("input[name=confirm]").count():
        tab_until(
            page,
            lambda f: f["type"] == "checkbox" and f["name"].startswith("I confirm"),
            "the confirmation box",
        )
        page.keyboard.press("Space")
        assert page.evaluate(FOCUSED)["checked"]


def take_step(page: Page, step: str, status: str) -> None:
    """Press a workflow step on the overview; confirm with the keyboard if asked to."""
    page.once("dialog", lambda dialog: dialog.accept())
    tab_until(
        page,
        lambda f: f["name"] == step and f["tag"] in ("a", "button"),
        f"the step {step!r}",
    )
    press_and_load(page)
    if not page.locator("main").get_by_text(f"Status: {status}").count():
        # A confirmation page: tick its box; its button names the step ("Complete the
        # review" for "Complete review") or says "Confirm".
        tick_confirmation(page)
        verb = re.escape(step.split()[0])
        go(page, re.compile(rf"^(Confirm|Yes|{verb})", re.I), "button")
    expect(page.locator("main > p").filter(has_text="Status:").locator("strong")).to_have_text(
        status
    )


@pytest.fixture(scope="module")
def focal_point(live_server: LiveServer) -> str:
    engine = make_engine(live_server.database_url)
    try:
        with make_session_factory(engine)() as session:
            create_user(
                session,
                SYSTEM,
                email=FOCAL_POINT,
                name="Keyboard Focal Point",
                role=Role.FOCAL_POINT,
                state_party_code="CHN",
                password=PASSWORD,
            )
            session.commit()
    finally:
        engine.dispose()
    return FOCAL_POINT


def new_page(browser: Browser) -> Page:
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(15_000)
    return context.new_page()


def test_the_whole_job_with_the_keyboard_alone(
    browser: Browser, live_server: LiveServer, focal_point: str
) -> None:
    secretariat = new_page(browser)
    log_in(secretariat, live_server, SECRETARIAT.email)
    open_and_assign(secretariat)

    state = new_page(browser)
    log_in(state, live_server, focal_point)
    answer_and_submit(state)

    reviewer = new_page(browser)
    log_in(reviewer, live_server, REVIEWER_JPN.email)
    rate_and_complete(reviewer)

    home(secretariat)
    go(secretariat, re.compile(r"^Finalize: 1 review is completed"), "a")
    go(secretariat, "China", "a")
    take_step(secretariat, "Finalize", "Finalized")


def open_and_assign(page: Page) -> None:
    go(page, "Open a new assessment", "a")
    tab_to(page, "State party", "select")
    page.keyboard.type("China")
    expect(page.get_by_label("State party")).to_have_value("CHN")
    tab_until(page, lambda f: f["name"] == THEME and f["type"] == "checkbox", THEME)
    page.keyboard.press("Space")
    expect(page.get_by_label(THEME)).to_be_checked()
    go(page, "Create the questionnaire", "button")
    assert "Assessment created with 1 commitments" in flash(page)
    for reviewer in ("Reviewer Japan", "Reviewer France"):
        tab_to(page, re.compile(r"^Governmental expert"), "select")
        page.keyboard.type(reviewer)
        go(page, "Assign", "button")
        assert "Reviewer assigned." in flash(page)


def answer_and_submit(page: Page) -> None:
    go(page, "Continue: the first commitment not yet answered", "a")
    for _round in range(5):
        required = page.locator("div.question:not([hidden])").filter(
            has=page.locator("span.tag", has_text="required")
        )
        unanswered = [
            block.get_attribute("data-question") or ""
            for block in required.all()
            if not _is_answered(block)
        ]
        if not unanswered:
            break
        for question_id in unanswered:
            answer_with_keys(page, question_id)
        go(page, "Save", "button")
        assert "Saved at" in flash(page)
    else:
        pytest.fail("required questions kept appearing")
    home(page)
    go(page, "Every commitment is answered: check and submit", "a")
    go(page, "Check and submit", "a")
    expect(page.get_by_text("Every required question is answered.")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    tick_confirmation(page)
    go(page, "Submit the questionnaire", "button")
    if not page.locator("main").get_by_text("Status: Submitted").count():
        go(page, re.compile(r"^(Confirm|Yes|Submit)", re.I), "button")
    expect(page.locator("main > p").filter(has_text="Status:").locator("strong")).to_have_text(
        "Submitted"
    )


def _is_answered(block: object) -> bool:
    choices = block.locator("input[type=radio], input[type=checkbox]")  # type: ignore[attr-defined]
    if choices.count():
        return block.locator("input:checked").count() > 0  # type: ignore[attr-defined]
    field = block.locator("textarea, input:not([type=hidden]), select").first  # type: ignore[attr-defined]
    return bool(field.input_value())


def answer_with_keys(page: Page, question_id: str) -> None:
    """Reach the question's first field with Tab and answer it with keys only."""
    focused = tab_until(
        page,
        lambda f: f["question"] == question_id and f["tag"] in ("input", "textarea", "select"),
        f"question {question_id}",
    )
    if focused["type"] == "radio":
        wanted = "No" if question_id == "ta_needed" else None
        page.keyboard.press("Space")
        for _ in range(8):  # arrows move the choice within the group
            now = page.evaluate(FOCUSED)
            if wanted is None or now["name"] == wanted:
                break
            page.keyboard.press("ArrowDown")
    elif focused["type"] == "checkbox":
        page.keyboard.press("Space")
    elif focused["tag"] == "select":
        page.keyboard.press("ArrowDown")
    elif focused["type"] == "date":
        page.keyboard.type("12312026")
    elif focused["type"] == "url":
        page.keyboard.type(f"https://example.org/{question_id}")
    elif page.evaluate("document.activeElement.inputMode") in ("decimal", "numeric"):
        page.keyboard.type("1")
    else:
        page.keyboard.type(f"Typed with the keyboard: {question_id}.")


def rate_and_complete(page: Page) -> None:
    go(page, "Start the review", "a")
    take_step(page, "Start review", "In review")
    home(page)
    go(page, "Continue the review: the first commitment not yet rated", "a")
    for axis in ("Legal and institutional framework", "Implementation in practice"):
        tab_until(page, lambda f, axis=axis: f["type"] == "radio" and f["group"] == axis, axis)
        page.keyboard.press("Space")
        page.keyboard.press("ArrowDown")  # the second choice: arrows move within the group
        assert page.evaluate(FOCUSED)["checked"]
    go(page, re.compile(r"^Save"), "button")
    assert re.search(r"saved", flash(page), re.I)
    home(page)
    go(page, "Every commitment is rated: complete the review", "a")
    take_step(page, "Complete review", "Review completed")
