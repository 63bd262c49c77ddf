"""Issue 15, items 7 and 8: every page each demo role reaches passes axe-core's WCAG 2.1 A
and AA rules, at a laptop's width (1366 px) and a phone's (390 px), and no page scrolls
sideways on the phone (tables scroll inside their own box).

The pages are found as a person finds them: from the home page, following links, on the
demo's data (seven state parties, one in each workflow status), plus the pages reached by
a form or a typed address (filtered lists, the progress page, error pages). Each kind of
page is checked once per role (the first URL of each shape), so a new page is covered as
soon as a link leads to it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from questionnaire import migrate
from questionnaire.cli.accounts import DEMO_ACCOUNTS
from questionnaire.database import make_engine, make_session_factory
from questionnaire.demo.generate import DemoRequest, generate_demo
from questionnaire.demo.people import DemoAccount
from questionnaire.models import Assessment, Job, JobStatus, Role, User
from tests.browser.conftest import PROJECT_ROOT, LiveServer, running_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

axe_playwright = pytest.importorskip(
    "axe_playwright_python.sync_playwright",
    reason="axe-playwright-python is not installed: pip install -e '.[test]'",
)

PASSWORD = "accessibility password 2021"
REVIEW_YEAR = 2026
WIDTHS = (1366, 390)
NARROWEST = 360
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUNNING_JOB = "a11yrunningjob01"
PAGES_PER_ROLE = 40
NOT_A_PAGE = ("/logout", "/static/", ".xlsx", "/download", "/evidence/")
ROLES = {
    "secretariat": "secretariat@demo.test",
    "focal point": "focal.point@demo.test",
    "contributor": "contributor@demo.test",
    "reviewer": "reviewer.asia@demo.test",
}
# Pages reached by a form, a typed address or a link in a message rather than a link on a page.
EXTRA_PAGES = {
    "secretariat": [
        "/assessments/?status=submitted&region=asia_pacific",
        "/assessments/?year=abc",  # a filter in error: the message must be accessible too
        "/accounts?role=reviewer&status=active",
        "/secretariat/assessments/assign?status=submitted",
        f"/secretariat/reports/{RUNNING_JOB}",
        "/assessments/999999",
    ],
    "focal point": ["/assessments/999999", "/no-such-page"],
    "contributor": ["/assessments/999999"],
    "reviewer": ["/assessments/999999"],
}
PUBLIC_PAGES = ["/login", "/invitation/not-a-real-token"]
# The kinds of pages that must have been checked, by role: the crawl went everywhere.
MUST_SEE = {
    "secretariat": [
        "/",
        "/assessments/",
        "/assessments/N",
        "/assessments/N/c/X",
        "/assessments/N/review/X",
        "/accounts",
        "/accounts/N/edit",
        "/bank/",
        "/bank/X",
        "/secretariat/assessments/new",
        "/secretariat/assessments/open-many",
        "/secretariat/assessments/assign",
        "/secretariat/reports/X",
    ],
    "focal point": ["/", "/assessments/", "/assessments/N", "/assessments/N/c/X", "/bank/"],
    "contributor": ["/", "/assessments/N", "/assessments/N/c/X"],
    "reviewer": ["/", "/assessments/N", "/assessments/N/review/X"],
}


@dataclass
class PageCheck:
    role: str
    width: int
    path: str
    status: int
    violations: list[str] = field(default_factory=list)
    overflow: int = 0  # pixels the document is wider than the window


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("accessibility")
    database_url = f"sqlite:///{root / 'accessibility.sqlite3'}"
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            generate_demo(
                session,
                DemoRequest(
                    countries=7,
                    seed=2021,
                    password=PASSWORD,
                    review_year=REVIEW_YEAR,
                    base_accounts=tuple(DemoAccount(*account) for account in DEMO_ACCOUNTS),
                    bank_dir=PROJECT_ROOT / "question_bank",
                ),
            )
            _add_running_workbook_job(session)
            session.commit()
    finally:
        engine.dispose()
    with running_server(root, database_url) as live:
        yield live


def _add_running_workbook_job(session: Any) -> None:
    """A cross-country workbook half built, so its progress page shows its progress bar."""
    owner = session.scalar(select(User).where(User.role == Role.SECRETARIAT))
    ids = list(session.scalars(select(Assessment.id).order_by(Assessment.id)))
    session.add(
        Job(
            id=RUNNING_JOB,
            kind="reports.cross_country",
            owner_id=owner.id,
            parameters={"language": "en", "ids": ids},
            status=JobStatus.RUNNING,
            progress_done=len(ids) // 2,
            progress_total=len(ids),
        )
    )


def shape(path: str) -> str:
    """The kind of page a URL shows: ids and commitment numbers replaced, query dropped."""
    path = path.split("?")[0].split("#")[0]
    path = re.sub(r"/(c|review)/[^/]+", r"/\1/X", path)
    path = re.sub(r"/(bank|reports)/[^/]+", r"/\1/X", path)
    return re.sub(r"/\d+", "/N", path)


def check(page: Page, role: str, path: str, base_url: str, axe: Any) -> list[PageCheck]:
    checks = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        reply = page.goto(base_url + path)
        assert reply is not None
        results = axe.run(
            page,
            options={"runOnly": {"type": "tag", "values": WCAG_21_AA}},
        ).response
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in results["violations"]
        ]
        overflow = page.evaluate(
            "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
        )
        checks.append(PageCheck(role, width, path, reply.status, violations, overflow))
    # The narrowest phones in use: the layout must hold there too (axe's verdict is the same).
    page.set_viewport_size({"width": NARROWEST, "height": 900})
    overflow = page.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
    )
    checks.append(PageCheck(role, NARROWEST, path, reply.status, [], overflow))
    return checks


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(base_url + "/")


@pytest.fixture(scope="module")
def checked_pages(browser: Browser, demo_server: LiveServer) -> list[PageCheck]:
    """Every kind of page of every role, checked at both widths (a few minutes)."""
    axe = axe_playwright.Axe()
    base = demo_server.base_url
    checks: list[PageCheck] = []
    anonymous = browser.new_context(locale="en-US").new_page()
    for path in PUBLIC_PAGES:
        checks += check(anonymous, "anyone", path, base, axe)
    anonymous.context.close()
    for role, email in ROLES.items():
        context = browser.new_context(locale="en-US")
        context.set_default_timeout(20_000)
        page = context.new_page()
        log_in(page, base, email)
        queue, seen_paths, seen_shapes = deque(["/", *EXTRA_PAGES[role]]), set(), set()
        while queue and len(seen_shapes) < PAGES_PER_ROLE:
            path = queue.popleft()
            extra = path in EXTRA_PAGES[role]
            if path in seen_paths or any(part in path for part in NOT_A_PAGE):
                continue
            seen_paths.add(path)
            if not extra:  # an extra page (an error, a filtered list) stands for no kind
                if shape(path) in seen_shapes:
                    continue
                seen_shapes.add(shape(path))
            checks += check(page, role, path, base, axe)
            links = page.eval_on_selector_all(
                "main a[href^='/'], header a[href^='/']",
                "links => links.map(link => link.getAttribute('href'))",
            )
            queue.extend(link.split("#")[0] for link in links)
        context.close()
    return checks


def test_every_page_each_role_reaches_has_no_wcag_21_aa_violation(
    checked_pages: list[PageCheck],
) -> None:
    failures = [
        f"{c.role} at {c.width} px, {c.path}: {violation}"
        for c in checked_pages
        for violation in c.violations
    ]
    assert failures == [], "\n".join(failures)


def test_no_page_scrolls_sideways_on_a_phone(checked_pages: list[PageCheck]) -> None:
    wide = [
        f"{c.role} at {c.width} px, {c.path}: {c.overflow} px wider than the screen"
        for c in checked_pages
        if c.width in (390, NARROWEST) and c.overflow > 0
    ]
    assert wide == [], "\n".join(wide)


def test_the_check_covered_every_kind_of_page_without_a_server_error(
    checked_pages: list[PageCheck], demo_server: LiveServer
) -> None:
    for role, shapes in MUST_SEE.items():
        seen = {shape(c.path) for c in checked_pages if c.role == role}
        assert set(shapes) <= seen, f"{role} never reached {set(shapes) - seen}"
    statuses = {c.status for c in checked_pages}
    assert 404 in statuses  # the error page itself was checked
    assert max(statuses) < 500, [c.path for c in checked_pages if c.status >= 500]


def test_tables_scroll_in_a_labelled_box_that_takes_focus(
    browser: Browser, demo_server: LiveServer
) -> None:
    """At 390 px the account list is wider than the screen: its box scrolls, not the page,
    and keyboard users can reach it to scroll it."""
    page = browser.new_context(locale="en-US", viewport={"width": 390, "height": 800}).new_page()
    log_in(page, demo_server.base_url, ROLES["secretariat"])
    page.goto(demo_server.base_url + "/accounts")
    box = page.get_by_role("region", name="Accounts", exact=True)
    assert box.get_attribute("tabindex") == "0"
    assert box.evaluate("box => box.scrollWidth > box.clientWidth")
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    # Chinese headers stay whole words: no header is taller than one line of text.
    page.goto(demo_server.base_url + "/")
    page.locator("header.top").get_by_role("button", name="中文").click()
    page.goto(demo_server.base_url + "/accounts")
    heights = page.locator("table.list th").evaluate_all(
        "cells => cells.map(c => c.getBoundingClientRect().height"
        " / parseFloat(getComputedStyle(c).lineHeight))"
    )
    assert heights and max(heights) < 2.5, heights
    page.context.close()


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(
    browser: Browser, demo_server: LiveServer
) -> None:
    page = browser.new_context(locale="en-US").new_page()
    log_in(page, demo_server.base_url, ROLES["focal point"])
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to the main content"
    assert page.evaluate("getComputedStyle(document.activeElement).top") != "-64px"  # visible
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the product's own focus ring
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    # The next stop is inside the main content: the home page's next-step button.
    assert page.evaluate("!!document.activeElement.closest('main')")
    page.context.close()


def test_an_error_message_is_announced_as_an_alert(
    browser: Browser, demo_server: LiveServer
) -> None:
    page = browser.new_context(locale="en-US").new_page()
    page.goto(demo_server.base_url + "/login")
    page.get_by_label("E-mail").fill(ROLES["focal point"])
    page.get_by_label("Password").fill("not the password at all")
    page.locator("main").get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").count() == 1
    page.context.close()


def test_print_hides_navigation_and_controls(browser: Browser, demo_server: LiveServer) -> None:
    page = browser.new_context(locale="en-US").new_page()
    log_in(page, demo_server.base_url, ROLES["secretariat"])
    page.goto(demo_server.base_url + "/assessments/")
    page.emulate_media(media="print")
    assert page.locator("header.top nav").is_hidden()
    assert page.locator("form.search").is_hidden()
    assert page.locator("table.list").is_visible()
    page.context.close()


def test_the_scope_boxes_of_a_new_assessment_do_not_overlap(
    browser: Browser, demo_server: LiveServer
) -> None:
    """At 1366 px the longest section and chapter titles once ran into the next box."""
    page = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900}).new_page()
    log_in(page, demo_server.base_url, ROLES["secretariat"])
    for path in ("/secretariat/assessments/new", "/secretariat/assessments/open-many"):
        page.goto(demo_server.base_url + path)
        boxes = page.locator("fieldset").evaluate_all(
            "sets => sets.map(s => { const r = s.getBoundingClientRect();"
            " return [r.left, r.top, r.right, r.bottom, s.scrollWidth - s.clientWidth]; })"
        )
        assert len(boxes) == 5
        for index, (left, top, right, bottom, spill) in enumerate(boxes):
            assert spill <= 0, f"{path}: box {index} is wider than its column"
            for other in boxes[index + 1 :]:
                apart = (
                    right <= other[0] or other[2] <= left or bottom <= other[1] or other[3] <= top
                )
                assert apart, f"{path}: boxes overlap: {boxes}"
    page.context.close()
