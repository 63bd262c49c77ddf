"""Issue 15, the state party's side: pending questions, filters, print view, accessible form."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.bank import QuestionBank
from questionnaire.models import Answer, Assessment, Clarification, Role, User
from questionnaire.services import reviews
from tests.conftest import AuthActions
from tests.web.questionnaire_helpers import form_fields, open_assessment, page_url, post_answers

FP = "fp@china.test"
QUESTION = "Which body checks the asset declarations of judges?"


def _as_focal_point(db: Session, make_user, auth: AuthActions) -> Assessment:
    assessment = open_assessment(db, make_user)
    make_user(FP, Role.FOCAL_POINT, "CHN")
    auth.login(FP)
    return assessment


def _ask(db: Session, assessment: Assessment, commitment_id: str = "pd2021.p5") -> None:
    item = next(i for i in assessment.items if i.commitment_id == commitment_id)
    db.add(Clarification(item_id=item.id, question=QUESTION))
    assessment.status = WorkflowStatus.CLARIFICATION_REQUESTED
    db.commit()


def _listed(page: str) -> list[str]:
    """The commitments the overview's list links to, in order."""
    return re.findall(r'<td><a href="/assessments/\d+/c/(pd2021\.p\d+)">', page)


def test_pending_questions_are_listed_with_links_marked_and_shown_first(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    _ask(db, assessment)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    overview = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    target = f"/assessments/{assessment.id}/c/pd2021.p5#pending-clarifications"
    assert 'id="pending-questions"' in overview
    assert "1 question of the reviewers awaits an answer" in overview
    assert QUESTION in overview and f'href="{target}"' in overview
    assert f'class="badge clarification" href="{target}">1 question for you' in overview
    page = client.get(page_url(assessment, "pd2021.p5")).get_data(as_text=True)
    top, answers, history = (
        page.index('id="pending-clarifications"'),
        page.index('id="answers"'),
        page.index("<h2>History</h2>"),
    )
    assert top < answers < history
    assert page.count('name="answer"') == 1  # one form to answer it, at the top
    # Once answered, it leaves the top and the overview.
    clarification = db.scalar(select(Clarification))
    assert clarification is not None
    token = form_fields(client, page_url(assessment, "pd2021.p5"))["csrf_token"]
    client.post(
        page_url(assessment, "pd2021.p5") + f"/clarifications/{clarification.id}",
        data={"csrf_token": token, "answer": "The inspection office."},
    )
    assert 'id="pending-clarifications"' not in client.get(
        page_url(assessment, "pd2021.p5")
    ).get_data(as_text=True)
    assert 'id="pending-questions"' not in client.get(f"/assessments/{assessment.id}").get_data(
        as_text=True
    )


def test_the_overview_filters_and_searches_commitments(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    base = f"/assessments/{assessment.id}"
    everything = _listed(client.get(base).get_data(as_text=True))
    assert "pd2021.p4" in everything and len(everything) > 3
    _ask(db, assessment, "pd2021.p5")
    questions = _listed(client.get(base + "?show=questions").get_data(as_text=True))
    assert questions == ["pd2021.p5"]
    assert _listed(client.get(base + "?show=incomplete").get_data(as_text=True)) == everything
    # By paragraph number, and by words of the title in either language.
    assert _listed(client.get(base + "?q=4").get_data(as_text=True))[0] == "pd2021.p4"
    title = loaded_bank.commitment("pd2021.p5").spec.title
    assert "pd2021.p5" in _listed(client.get(base, query_string={"q": title.zh}).get_data(True))
    word = title.en.split()[-1].upper()
    assert "pd2021.p5" in _listed(client.get(base, query_string={"q": word}).get_data(True))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    none = client.get(base, query_string={"q": "no such title anywhere"}).get_data(as_text=True)
    assert _listed(none) == [] and f"0 of {len(everything)} commitments match." in none


def test_a_bad_filter_lists_everything_and_a_long_search_is_cut(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    base = f"/assessments/{assessment.id}"
    everything = _listed(client.get(base).get_data(as_text=True))
    reply = client.get(base + "?show=<script>")
    assert reply.status_code == 200 and _listed(reply.get_data(as_text=True)) == everything
    reply = client.get(base, query_string={"q": "x" * 5000})
    assert reply.status_code == 200 and 'value="' + "x" * 200 + '"' in reply.get_data(True)


def test_save_and_next_goes_to_the_next_commitment(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment, "pd2021.p4")
    page = client.get(url).get_data(as_text=True)
    assert 'name="then" value="next"' in page
    reply = post_answers(client, url, {"status": "yes"}, then="next")
    assert reply.status_code == 302 and reply.location.endswith("/c/pd2021.p5")
    # A refused value keeps the person on the page with it.
    reply = post_answers(client, url, {"staff_number": "约4000"}, then="next")
    assert reply.status_code == 400


def test_the_print_view_shows_every_commitment_with_its_answers(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    post_answers(client, page_url(assessment), {"status": "yes", "measures": "The 2020 law."})
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/assessments/{assessment.id}/print").get_data(as_text=True)
    assert "The 2020 law." in page
    assert page.count('class="printed-commitment"') == len(assessment.items)
    assert "@media print" in client.get("/static/answering.css").get_data(as_text=True)
    # A follow-up whose condition does not hold is left off, as on the page.
    assert "steps_needed" not in page
    assert loaded_bank.commitment("pd2021.p4").question("steps_needed").text.en not in page


def test_the_print_view_keeps_a_draft_from_reviewers_who_may_not_read_it(
    app: Flask, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = open_assessment(db, make_user)
    expert = make_user("expert@japan.test", Role.REVIEWER, "JPN")
    secretariat = db.scalar(select(User).where(User.role == Role.SECRETARIAT))
    assert secretariat is not None
    reviews.assign_reviewer(db, secretariat, assessment, expert)
    reviewer = app.test_client()
    AuthActions(reviewer).login("expert@japan.test")
    assert reviewer.get(f"/assessments/{assessment.id}").status_code == 200  # assigned
    assert reviewer.get(f"/assessments/{assessment.id}/print").status_code == 403


def test_choice_questions_are_fieldsets_and_errors_are_tied_to_their_fields(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    page = client.get(url).get_data(as_text=True)
    assert '<fieldset id="status" aria-describedby="help-status"' in page
    assert re.search(r'<fieldset id="status"[^>]*>\s*<legend>', page)
    assert not re.search(r'<label for="(status|body_types)">', page)  # no label for a list
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = post_answers(client, url, {"status": "perhaps"}).get_data(as_text=True)
    assert '<fieldset id="status" aria-describedby="help-status error-status"' in page
    assert 'id="error-status"' in page and "is not one of the choices" in page
    assert 'href="#status-0"' in page  # the summary leads to the first choice


def test_a_conflict_keeps_a_refused_number_as_typed(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user,
    loaded_bank: QuestionBank,
    db: Session,
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    make_user("colleague@china.test", Role.CONTRIBUTOR, "CHN")
    url = page_url(assessment)
    post_answers(client, url, {"status": "yes", "measures": "original"})
    stale = form_fields(client, url)
    other = app.test_client()
    AuthActions(other).login("colleague@china.test")
    post_answers(other, url, {"measures": "colleague's text"})
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    reply = client.post(url, data={**stale, "measures": "mine", "staff_number": "约4000"})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 409
    assert 'value="约4000"' in page and "enter the number alone (4000)" in page
    db.expire_all()
    assert db.scalar(select(Answer.value).where(Answer.question_id == "staff_number")) is None


def test_a_number_keeps_every_digit_in_the_form_and_reads_the_same_everywhere(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    """The form showed 1234.5678 as "1234.57", so saving it unchanged lost digits."""
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment, "pd2021.p4")
    answers = {"status": "yes", "body_types": ["preventive_body"], "staff_number": "1234.5678"}
    assert post_answers(client, url, answers).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'value="1,234.5678"' in page
    post_answers(client, url, {})  # the form sent back as shown
    stored = db.scalar(select(Answer.value).where(Answer.question_id == "staff_number"))
    assert stored == 1234.5678
    printed = client.get(f"/assessments/{assessment.id}/print").get_data(as_text=True)
    assert "1,234.5678" in printed
