"""Issue 8: the whole job in a real browser, from opening an assessment to the workbooks.

Only the secretariat and the two reviewers exist beforehand; everything else is done the way
people do it: clicking links and buttons found by their labels, in English.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest

from tests.browser.conftest import (
    PASSWORD,
    REVIEWER_FRA,
    REVIEWER_JPN,
    SECRETARIAT,
    LiveServer,
    Person,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page

# Skips this module, with the reason, on a machine without Playwright.
expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install 'playwright>=1.40'"
).expect

FOCAL_POINT = Person("focal.point@chn.example.org", "Focal Point China")
FOCAL_POINT_PASSWORD = "focal point password 2021"
SECTION_LABEL = "5. Technical assistance and information exchange"
GOOD_PRACTICE = "A national training academy trains every new investigator."
CHALLENGE = "Training needs are not assessed before courses are planned."
RECOMMENDATION = "Assess training needs every year and plan the courses on that basis."
TA_NEED = "Training of trainers for the anti-corruption agency."
CLARIFICATION = "Which agency runs the training academy?"
CLARIFICATION_ANSWER = "The National Supervisory Commission runs it."
EVIDENCE_URL = "https://example.org/chn/training-plan"
EVIDENCE_TITLE = "National training plan"
JOB_TIMEOUT_MS = 60_000
MAX_SAVE_ROUNDS = 5


def test_the_whole_job_in_a_real_browser(
    browser: Browser, live_server: LiveServer, screenshot_dir: Path, tmp_path: Path
) -> None:
    shots = Screenshots(screenshot_dir)
    secretariat = new_page(browser)
    secretariat.goto(live_server.url("/login"))
    shots.take(secretariat, "login")
    log_in(secretariat, live_server, SECRETARIAT.email, PASSWORD)
    assessment_url = open_assessment(secretariat, live_server)
    invitation = invite_focal_point(secretariat, live_server)

    focal_point = new_page(browser)
    commitment_urls = fill_in_and_submit(focal_point, live_server, invitation, shots)

    assign_reviewers(secretariat, assessment_url)
    shots.take(secretariat, "overview")

    reviewer = new_page(browser)
    log_in(reviewer, live_server, REVIEWER_JPN.email, PASSWORD)
    rated_paragraph = review_one_commitment(reviewer, assessment_url, shots)

    answer_clarification(focal_point, assessment_url, commitment_urls[0])
    complete_review(reviewer, assessment_url)
    finalize(secretariat, assessment_url)

    country_report = download_gap_report(secretariat, assessment_url, tmp_path)
    cross_country = build_cross_country_workbook(secretariat, live_server, tmp_path, shots)
    secretariat.goto(live_server.url("/"))
    shots.take(secretariat, "home-dashboard")

    check_country_report(country_report, rated_paragraph)
    check_cross_country_workbook(cross_country, rated_paragraph)
    assert "Traceback" not in live_server.log(), live_server.log()


class Screenshots:
    """Full-page PNGs of the main pages, for a person to look at after the run."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def take(self, page: Page, name: str) -> None:
        page.screenshot(path=str(self._folder / f"{name}.png"), full_page=True)


def new_page(browser: Browser) -> Page:
    """A page in a context of its own: separate cookies, English as the browser language."""
    context: BrowserContext = browser.new_context(locale="en-US", accept_downloads=True)
    context.set_default_timeout(15_000)
    return context.new_page()


def follow(page: Page, control: Locator) -> None:
    """Click a control that loads a new page, and wait until the new page has replaced this one.

    Marking the old document tells a reload of the same URL (a save) from the page before it.
    """
    page.evaluate("document.documentElement.dataset.walkthroughOld = '1'")
    control.click()
    page.locator("html:not([data-walkthrough-old])").wait_for(state="attached")
    page.wait_for_load_state()


def flash(page: Page) -> Locator:
    return page.locator("p.flash")


def log_in(page: Page, live_server: LiveServer, email: str, password: str) -> None:
    page.goto(live_server.url("/login"))
    assert page.locator("html").get_attribute("lang") == "en", "the interface is not in English"
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    follow(page, page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("heading", name=re.compile("^Welcome,"))).to_be_visible()


def log_out(page: Page) -> None:
    follow(page, page.get_by_role("button", name="Log out"))
    expect(flash(page)).to_contain_text("You have logged out.")


def open_assessment(page: Page, live_server: LiveServer) -> str:
    """The secretariat opens this year's assessment of China, scoped to section 5."""
    follow(page, page.get_by_role("link", name="Open a new assessment"))
    page.get_by_label("State party").select_option("CHN")
    assert page.get_by_label("Review year").input_value() == str(dt.date.today().year)
    page.get_by_label(SECTION_LABEL).check()
    follow(page, page.get_by_role("button", name="Create the questionnaire"))
    expect(flash(page)).to_contain_text(re.compile(r"Assessment created with \d+ commitments"))
    assert re.fullmatch(re.escape(live_server.url("/assessments/")) + r"\d+", page.url)
    return page.url


def invite_focal_point(page: Page, live_server: LiveServer) -> str:
    """The one-time invitation link, read from the accounts page as the secretariat sees it."""
    page.goto(live_server.url("/accounts"))
    # The page also has the account list's filters (role, state party, e-mail or name).
    form = page.locator("form").filter(has=page.get_by_role("button", name="Invite", exact=True))
    form.get_by_label("E-mail").fill(FOCAL_POINT.email)
    form.get_by_label("Name").fill(FOCAL_POINT.name)
    form.get_by_label("Role").select_option("focal_point")
    form.get_by_label("State party").select_option("CHN")
    follow(page, form.get_by_role("button", name="Invite", exact=True))
    link = page.get_by_label("Invitation link").input_value()
    assert re.fullmatch(re.escape(live_server.url("/invitation/")) + r"\S+", link), link
    return link


def fill_in_and_submit(
    page: Page, live_server: LiveServer, invitation: str, shots: Screenshots
) -> list[str]:
    """The focal point joins, answers every required question, checks and submits."""
    page.goto(invitation)
    page.get_by_label("Password", exact=True).fill(FOCAL_POINT_PASSWORD)
    page.get_by_label("Password again").fill(FOCAL_POINT_PASSWORD)
    follow(page, page.get_by_role("button", name="Set the password and log in"))
    expect(flash(page)).to_contain_text("Your password is set and you are logged in.")
    follow(page, page.get_by_role("link", name="China", exact=True))
    overview_url = page.url
    commitment_urls = [
        live_server.url(href)
        for href in page.locator("table.list a[href*='/c/']").evaluate_all(
            "links => links.map(link => link.getAttribute('href'))"
        )
    ]
    assert commitment_urls, "the overview lists no commitment"
    for number, url in enumerate(commitment_urls):
        page.goto(url)
        answer_required_questions(page)
        if number == 0:
            attach_evidence_link(page)
            shots.take(page, "commitment")
    page.goto(overview_url)
    follow(page, page.get_by_role("link", name="Import an offline workbook"))
    shots.take(page, "import")

    log_out(page)
    log_in(page, live_server, FOCAL_POINT.email, FOCAL_POINT_PASSWORD)
    page.goto(commitment_urls[0])
    expect(question(page, "status").get_by_label("Yes", exact=True)).to_be_checked()
    expect(question(page, "measures").locator("textarea")).to_have_value(answer_text("measures"))
    expect(page.locator("#evidence").get_by_role("link", name=EVIDENCE_TITLE)).to_be_visible()
    page.goto(overview_url)
    total = len(commitment_urls)
    expect(page.get_by_text(f"{total} of {total} commitments complete")).to_be_visible()

    follow(page, page.get_by_role("link", name="Check and submit"))
    expect(page.get_by_text("Every required question is answered.")).to_be_visible()
    expect(page.locator("ul.missing")).to_have_count(0)
    page.get_by_label(re.compile("I confirm")).check()
    follow(page, page.get_by_role("button", name="Submit the questionnaire"))
    expect_status(page, "Submitted")
    return commitment_urls


def question(page: Page, question_id: str) -> Locator:
    return page.locator(f"div.question[data-question='{question_id}']")


def answer_text(question_id: str) -> str:
    return f"Walk-through answer to {question_id}."


def answer_required_questions(page: Page) -> None:
    """Answer the visible required questions and save, until saving reveals no new ones.

    Follow-up questions appear only once the answer they depend on is saved, so this is a
    loop: status Yes reveals the measures question, for example.
    """
    for _round in range(MAX_SAVE_ROUNDS):
        required = page.locator("div.question:not([hidden])").filter(
            has=page.locator("span.tag", has_text="required")
        )
        unanswered = [block for block in required.all() if not is_answered(block)]
        if not unanswered:
            return
        for block in unanswered:
            answer(block)
        follow(page, page.get_by_role("button", name="Save", exact=True))
        expect(flash(page)).to_contain_text("Saved at")
    pytest.fail(f"{page.url}: required questions kept appearing after {MAX_SAVE_ROUNDS} saves")


def is_answered(block: Locator) -> bool:
    choices = block.locator("input[type=radio], input[type=checkbox]")
    if choices.count():
        return block.locator("input:checked").count() > 0
    return bool(block.locator("textarea, input:not([type=hidden])").first.input_value())


def answer(block: Locator) -> None:
    """Status Yes and no technical assistance needed; otherwise the first option, or text."""
    question_id = block.get_attribute("data-question") or ""
    if question_id == "status":
        block.get_by_label("Yes", exact=True).check()
    elif question_id == "ta_needed":
        block.get_by_label("No", exact=True).check()
    elif block.locator("input[type=radio], input[type=checkbox]").count():
        block.locator("input[type=radio], input[type=checkbox]").first.check()
    else:
        field = block.locator("textarea, input:not([type=hidden])").first
        kind = field.get_attribute("type") or ""
        if kind == "date":
            field.fill("2026-12-31")
        elif kind == "url":
            field.fill(f"https://example.org/{question_id}")
        elif field.get_attribute("inputmode") == "decimal":
            field.fill("1")
        else:
            field.fill(answer_text(question_id))


def attach_evidence_link(page: Page) -> None:
    evidence = page.locator("#evidence")
    evidence.get_by_label("Link", exact=True).fill(EVIDENCE_URL)
    evidence.get_by_label("Title", exact=True).fill(EVIDENCE_TITLE)
    follow(page, evidence.get_by_role("button", name="Add link"))
    expect(flash(page)).to_contain_text("Evidence added.")


def expect_status(page: Page, status: str) -> None:
    expect(page.locator("main > p").filter(has_text="Status:").locator("strong")).to_have_text(
        status
    )


def take_step(page: Page, assessment_url: str, step: str, new_status: str) -> None:
    """Press a workflow step button on the overview and see the status change."""
    page.goto(assessment_url)
    follow(page, page.locator("div.steps").get_by_role("button", name=step, exact=True))
    expect_status(page, new_status)


def assign_reviewers(page: Page, assessment_url: str) -> None:
    page.goto(assessment_url)
    for reviewer, state in ((REVIEWER_JPN, "JPN"), (REVIEWER_FRA, "FRA")):
        page.get_by_label("Governmental expert").select_option(label=f"{reviewer.name} ({state})")
        follow(page, page.get_by_role("button", name="Assign", exact=True))
        expect(flash(page)).to_contain_text("Reviewer assigned.")
    assigned = page.locator("#review li")
    expect(assigned.filter(has_text=f"{REVIEWER_JPN.name} (JPN)")).to_have_count(1)
    expect(assigned.filter(has_text=f"{REVIEWER_FRA.name} (FRA)")).to_have_count(1)


def review_one_commitment(page: Page, assessment_url: str, shots: Screenshots) -> int:
    """The JPN expert starts the review, rates, records findings and asks one question."""
    take_step(page, assessment_url, "Start review", "In review")
    first_row = page.locator("table.list tr").first
    paragraph = int(first_row.locator("td").first.inner_text())
    follow(page, first_row.get_by_role("link", name="Review", exact=True))

    rating = page.locator("#rating")
    rating.get_by_role("group", name="Legal and institutional framework").get_by_label(
        "Partially implemented"
    ).check()
    rating.get_by_role("group", name="Implementation in practice").get_by_label("Moderate").check()
    rating.get_by_label("Observations").fill("Training exists; its needs are not assessed.")
    follow(page, rating.get_by_role("button", name="Save", exact=True))
    expect(flash(page)).to_contain_text("Saved: the rating and observations.")

    record_finding(page, "Success and good practice", GOOD_PRACTICE)
    record_finding(page, "Challenge and recommendation", CHALLENGE, RECOMMENDATION)
    record_finding(page, "Technical assistance need", TA_NEED, ta_type="capacity_building")
    shots.take(page, "review")

    page.get_by_label("Question for clarification").fill(CLARIFICATION)
    follow(page, page.get_by_role("button", name="Send the question to the state party"))
    expect(flash(page)).to_contain_text("Question sent to the state party.")
    page.goto(assessment_url)
    expect_status(page, "Clarification requested")
    return paragraph


def complete_review(page: Page, assessment_url: str) -> None:
    """The reviewer gives a reason for each commitment left unrated, confirms, completes."""
    page.goto(assessment_url)
    follow(page, page.locator("div.steps").get_by_role("button", name="Complete review"))
    for reason in page.locator("#unrated textarea").all():
        reason.fill("Reviewed together with the rated commitment of this section.")
    page.get_by_label(re.compile("I confirm")).check()
    follow(page, page.get_by_role("button", name="Complete the review"))
    expect_status(page, "Review completed")


def finalize(page: Page, assessment_url: str) -> None:
    """The secretariat reads the coverage, confirms and finalizes."""
    page.goto(assessment_url)
    follow(page, page.locator("div.steps").get_by_role("button", name="Finalize"))
    expect(page.locator("#coverage")).to_contain_text("commitments rated")
    page.get_by_label(re.compile("I confirm")).check()
    follow(page, page.get_by_role("button", name="Finalize", exact=True))
    expect_status(page, "Finalized")


def record_finding(
    page: Page, kind: str, text: str, recommendation: str = "", ta_type: str = ""
) -> None:
    findings = page.locator("#findings")
    findings.get_by_role("group", name="Kind").get_by_label(kind).check()
    findings.get_by_label("Finding", exact=True).fill(text)
    findings.get_by_label("Recommendation (for a challenge)").fill(recommendation)
    if ta_type:
        findings.get_by_label("Type of technical assistance (for a need)").select_option(ta_type)
    follow(page, findings.get_by_role("button", name="Record the finding"))
    expect(flash(page)).to_contain_text("Finding recorded.")
    expect(page.locator("#findings .thread-entry").filter(has_text=text)).to_have_count(1)


def answer_clarification(page: Page, assessment_url: str, commitment_url: str) -> None:
    """The focal point answers on the commitment page, then sends the answers back."""
    page.goto(commitment_url)
    pending = page.locator("#pending-clarifications")  # at the top of the page
    expect(pending).to_contain_text(CLARIFICATION)
    pending.get_by_label("Your answer").fill(CLARIFICATION_ANSWER)
    follow(page, pending.get_by_role("button", name="Save the answer"))
    expect(flash(page)).to_contain_text("Answer saved.")
    expect(page.locator("#clarifications")).to_contain_text(CLARIFICATION_ANSWER)
    take_step(page, assessment_url, "Send clarifications", "Clarifications answered")


def download_gap_report(page: Page, assessment_url: str, folder: Path) -> Path:
    page.goto(assessment_url)
    with page.expect_download() as download:
        page.get_by_role("link", name="Gap report").click()
    path = folder / "country-report.xlsx"
    download.value.save_as(path)
    return path


def build_cross_country_workbook(
    page: Page, live_server: LiveServer, folder: Path, shots: Screenshots
) -> Path:
    """Start the job on the home page, let its page refresh itself, then download."""
    page.goto(live_server.url("/"))
    follow(page, page.get_by_role("button", name="Build the cross-country workbook"))
    expect(page.get_by_role("heading", name="Cross-country workbook")).to_be_visible()
    download_link = page.get_by_role("link", name="Download", exact=True)
    expect(download_link).to_be_visible(timeout=JOB_TIMEOUT_MS)
    shots.take(page, "job")
    with page.expect_download() as download:
        download_link.click()
    path = folder / "cross-country.xlsx"
    download.value.save_as(path)
    return path


def rows_of(path: Path, sheet: str) -> list[dict[str, object]]:
    """A sheet as dictionaries keyed by the header row."""
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(workbook[sheet].iter_rows(values_only=True))
    finally:
        workbook.close()
    header = [str(cell) for cell in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def all_text(path: Path, sheet: str) -> str:
    return "\n".join(str(v) for row in rows_of(path, sheet) for v in row.values() if v)


def check_country_report(path: Path, rated_paragraph: int) -> None:
    """Partially (1/3) and moderate (1/3) average to 0.33; every finding is in its sheet."""
    gap = {row["Paragraph"]: row for row in rows_of(path, "Gap analysis")}
    rated = gap.get(rated_paragraph)
    assert rated is not None, f"paragraph {rated_paragraph} is missing: {sorted(gap)}"
    assert rated["Framework (reviewers)"] == "Partially implemented", rated
    assert rated["Practice (reviewers)"] == "Moderate", rated
    assert rated["Score (application measure)"] == pytest.approx(1 / 3), rated
    assert round(rated["Score (application measure)"], 2) == 0.33
    assert GOOD_PRACTICE in all_text(path, "Successes and good practices")
    assert RECOMMENDATION in all_text(path, "Challenges and recommendations")
    needs = [
        row for row in rows_of(path, "Technical assistance needs") if row["Description"] == TA_NEED
    ]
    assert [row["Type of assistance"] for row in needs] == ["Capacity-building (training)"]


def check_cross_country_workbook(path: Path, rated_paragraph: int) -> None:
    """China appears in both matrices, with the reviewed commitment at 0.33."""
    by_section = {row["Code"]: row for row in rows_of(path, "State party x section")}
    assert "CHN" in by_section, f"CHN is missing from the section matrix: {sorted(by_section)}"
    by_commitment = {row["Code"]: row for row in rows_of(path, "State party x commitment")}
    assert "CHN" in by_commitment, "CHN is missing from the commitment matrix"
    assert by_commitment["CHN"][f"P{rated_paragraph}"] == pytest.approx(1 / 3)
