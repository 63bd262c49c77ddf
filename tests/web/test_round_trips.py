"""Issue 21: the requests a person makes most, in as few database round trips as they can.

The commitment page once cost seven statements and an autosave eleven; each is a round trip,
which on PostgreSQL costs as much as the rest of the request. The numbers are pinned here so
a change that adds one is noticed and argued for.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.bank import QuestionBank
from questionnaire.models import (
    Assessment,
    Clarification,
    Comment,
    Evidence,
    Role,
    utc_now,
)
from tests.conftest import AuthActions
from tests.statements import counted_statements
from tests.web.questionnaire_helpers import form_fields, open_assessment, page_url, post_answers

FP = "fp@china.test"


def _with_everything(db: Session, make_user, auth: AuthActions, client: FlaskClient) -> Assessment:
    """A focal point's commitment with answers, evidence, two questions and two comments."""
    assessment = open_assessment(db, make_user)
    person = make_user(FP, Role.FOCAL_POINT, "CHN")
    reviewer = make_user("reviewer@japan.test", Role.REVIEWER, "JPN")
    auth.login(FP)
    post_answers(client, page_url(assessment), {"status": "yes", "measures": "The commission."})
    item = next(i for i in assessment.items if i.commitment_id == "pd2021.p4")
    db.add(Evidence(item_id=item.id, kind="link", title="The strategy", url="https://a.test/s"))
    db.add(Evidence(item_id=item.id, kind="link", title="The report", url="https://a.test/r"))
    db.add(Clarification(item_id=item.id, question="Which commission?"))
    db.add(
        Clarification(
            item_id=item.id, question="Since when?", answer="Since 2019.", answered_at=utc_now()
        )
    )
    db.add(Comment(item_id=item.id, author_id=reviewer.id, body="Thanks for the link."))
    db.add(Comment(item_id=item.id, author_id=person.id, body="You are welcome."))
    assessment.status = WorkflowStatus.CLARIFICATION_REQUESTED
    db.commit()
    return assessment


def test_the_commitment_page_is_one_statement_and_shows_everything(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user,
    loaded_bank: QuestionBank,
    db: Session,
) -> None:
    assessment = _with_everything(db, make_user, auth, client)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with counted_statements(app) as statements:
        response = client.get(page_url(assessment))
    assert response.status_code == 200
    assert len(statements) == 1, statements
    page = response.get_data(as_text=True)
    for shown in (
        "The commission.",
        "The strategy",
        "The report",
        "Which commission?",
        "Since 2019.",
        "Thanks for the link.",
        "You are welcome.",
        "reviewer · ",  # a comment's author
    ):
        assert shown in page, shown
    assert page.index("The strategy") < page.index("The report")  # in the order added
    assert page.index("Thanks for the link.") < page.index("You are welcome.")
    assert page.count('name="answer"') == 1  # only the open question has a form


def test_an_empty_commitment_page_is_one_statement(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user, loaded_bank, db: Session
) -> None:
    assessment = open_assessment(db, make_user)
    make_user(FP, Role.FOCAL_POINT, "CHN")
    auth.login(FP)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with counted_statements(app) as statements:
        client.get(page_url(assessment))
    # The questionnaire's order (previous and next) is read once per process and assessment.
    assert len(statements) == 2 and "ORDER BY assessment_items.position" in statements[1]
    with counted_statements(app) as statements:
        page = client.get(page_url(assessment)).get_data(as_text=True)
    assert len(statements) == 1, statements
    assert "No evidence yet." in page and "No comments yet." in page


def test_an_autosave_is_six_statements_of_which_one_reads(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user,
    loaded_bank: QuestionBank,
    db: Session,
) -> None:
    """Read the item, person and answers; record the request; write the answer, its
    version, the assessment's revision and the audit event."""
    assessment = _with_everything(db, make_user, auth, client)
    assessment.status = WorkflowStatus.DRAFT
    db.commit()
    url = page_url(assessment)
    fields = form_fields(client, url)
    with counted_statements(app) as statements:
        response = client.post(
            url + "/autosave",
            data={**fields, "measures": "The commission, since 2019.", "request_id": "r-1"},
        )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json is not None
    assert response.json["saved"] == ["measures"]
    assert response.json["versions"] == {"status": 1, "measures": 2}
    assert "measures" in response.json["visible"]
    assert len(statements) == 6, statements
    assert sum(1 for s in statements if s.startswith("SELECT")) == 1


def test_a_repeated_autosave_is_recognised_without_a_look_up_first(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user, loaded_bank, db: Session
) -> None:
    assessment = _with_everything(db, make_user, auth, client)
    assessment.status = WorkflowStatus.DRAFT
    db.commit()
    url = page_url(assessment)
    data = {**form_fields(client, url), "measures": "Once.", "request_id": "r-2"}
    first = client.post(url + "/autosave", data=data)
    again = client.post(url + "/autosave", data=data)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json is not None and again.json["saved"] == []
    assert again.json["versions"] == first.json["versions"]


def test_other_pages_still_load_the_account(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user, loaded_bank, db: Session
) -> None:
    """Only the marked views trust the session's copy of the person; the rest read it."""
    assessment = open_assessment(db, make_user)
    make_user(FP, Role.FOCAL_POINT, "CHN")
    auth.login(FP)
    with counted_statements(app) as statements:
        assert client.get(f"/assessments/{assessment.id}").status_code == 200
    assert "FROM users" in statements[0]
