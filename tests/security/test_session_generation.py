"""The commitment page and autosave take the person from the signed session (issue 21):
a session that has ended must still end there, on the very next request.

Log-out (which ends every session of the account), a password change, disabling and a
change of role all raise the account's session generation; the two views check it in
their first statement instead of loading the account. Each way is tried on both views.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.domain.bank import QuestionBank
from questionnaire.models import Answer, AnswerChange, Assessment, Role, User
from questionnaire.web.identity import person_from_session
from questionnaire.web.policy import allow
from tests.conftest import PASSWORD, AuthActions, csrf_token
from tests.statements import counted_statements
from tests.web.questionnaire_helpers import form_fields, open_assessment, page_url

FP = "fp@china.test"
OFFICER = "officer@secretariat.test"


def _logged_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def _post(client: FlaskClient, path: str, data: dict[str, str]) -> int:
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/")}).status_code


def _log_out_elsewhere(app: Flask, person: User, _officer: FlaskClient) -> None:
    AuthActions(_logged_in(app, FP)).logout()


def _change_password_elsewhere(app: Flask, person: User, _officer: FlaskClient) -> None:
    new = "another long passphrase"
    other = _logged_in(app, FP)
    data = {"current_password": PASSWORD, "new_password": new, "new_password_again": new}
    assert _post(other, "/password", data) == 302


def _disable(app: Flask, person: User, officer: FlaskClient) -> None:
    assert _post(officer, f"/accounts/{person.id}/disable", {}) == 302


def _make_contributor(app: Flask, person: User, officer: FlaskClient) -> None:
    data = {"role": "contributor", "state_party": "CHN"}
    assert _post(officer, f"/accounts/{person.id}/edit", data) == 302


ENDINGS: dict[str, Callable[[Flask, User, FlaskClient], None]] = {
    "log-out elsewhere": _log_out_elsewhere,
    "password change": _change_password_elsewhere,
    "disabled": _disable,
    "role changed": _make_contributor,
}


@pytest.fixture()
def world(
    app: Flask, make_user, loaded_bank: QuestionBank, db: Session
) -> tuple[Assessment, User, FlaskClient, FlaskClient]:
    """A Chinese questionnaire, its focal point logged in, and a secretariat officer."""
    assessment = open_assessment(db, make_user)
    person = make_user(FP, Role.FOCAL_POINT, "CHN")
    return assessment, person, _logged_in(app, FP), _logged_in(app, OFFICER)


def _asked_to_log_in(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_an_ended_session_no_longer_reads_the_commitment_page(
    app: Flask, world: tuple[Assessment, User, FlaskClient, FlaskClient], ending: str
) -> None:
    assessment, person, client, officer = world
    url = page_url(assessment)
    with counted_statements(app) as statements:
        assert client.get(url).status_code == 200
    assert "session_generation" in statements[0]  # checked in the page's own statement
    ENDINGS[ending](app, person, officer)
    response = client.get(url)
    assert _asked_to_log_in(response)
    assert client.get("/").status_code == 302  # and the session is over everywhere


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_an_ended_session_no_longer_saves(
    app: Flask,
    world: tuple[Assessment, User, FlaskClient, FlaskClient],
    db: Session,
    ending: str,
) -> None:
    assessment, person, client, officer = world
    url = page_url(assessment)
    fields = form_fields(client, url)
    ENDINGS[ending](app, person, officer)
    response = client.post(
        url + "/autosave", data={**fields, "measures": "Written after the end.", "request_id": "x"}
    )
    assert _asked_to_log_in(response)
    assert db.scalar(select(func.count()).select_from(Answer)) == 0
    assert db.scalar(select(func.count()).select_from(AnswerChange)) == 0


def test_an_ended_session_is_sent_to_log_in_even_where_nothing_would_be_found(
    app: Flask, world: tuple[Assessment, User, FlaskClient, FlaskClient]
) -> None:
    """ "Not found" would be the answer of a valid session; an ended one is not told that."""
    assessment, person, client, officer = world
    _disable(app, person, officer)
    assert _asked_to_log_in(client.get(page_url(assessment, "pd2021.p999")))
    assert _asked_to_log_in(client.get(f"/assessments/{assessment.id + 1}/c/pd2021.p4"))


def test_a_valid_session_still_gets_not_found(
    world: tuple[Assessment, User, FlaskClient, FlaskClient],
) -> None:
    assessment, _person, client, _officer = world
    assert client.get(page_url(assessment, "pd2021.p999")).status_code == 404


@pytest.fixture()
def careless_view(app: Flask) -> None:
    """A marked view whose first statement does not carry the check (added before any
    request, as Flask requires)."""
    from questionnaire.extensions import db_session

    @allow()
    @person_from_session
    def careless() -> str:
        return str(db_session().scalar(select(func.count()).select_from(Assessment)))

    app.add_url_rule("/careless", "careless", careless)


def test_a_marked_view_that_does_not_carry_the_check_makes_it_first(
    careless_view: None, app: Flask, world: tuple[Assessment, User, FlaskClient, FlaskClient]
) -> None:
    """The safety net: one statement more, never a stale session."""
    assessment, person, client, officer = world
    with counted_statements(app) as statements:
        assert client.get("/careless").get_data(as_text=True) == "1"
    assert len(statements) == 2 and "session_generation" in statements[0]
    _disable(app, person, officer)
    assert _asked_to_log_in(client.get("/careless"))


def test_a_session_from_before_the_person_was_remembered_loads_the_account(
    app: Flask, world: tuple[Assessment, User, FlaskClient, FlaskClient]
) -> None:
    assessment, person, client, officer = world
    with client.session_transaction() as session:
        del session["person"]
    with counted_statements(app) as statements:
        assert client.get(page_url(assessment)).status_code == 200
    assert "FROM users" in statements[0]
    _make_contributor(app, person, officer)
    assert _asked_to_log_in(client.get(page_url(assessment)))


def test_a_person_remembered_for_another_generation_is_not_trusted(
    app: Flask, world: tuple[Assessment, User, FlaskClient, FlaskClient]
) -> None:
    """Only a key holder can write the session; even so, its two halves must agree."""
    assessment, _person, client, _officer = world
    with client.session_transaction() as session:
        session["person"] = {**session["person"], "generation": 99, "role": "secretariat"}
    with counted_statements(app) as statements:
        assert client.get(page_url(assessment)).status_code == 200
    assert "FROM users" in statements[0]
