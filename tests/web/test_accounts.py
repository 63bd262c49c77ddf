"""Accounts: password change, invitations, and the secretariat's account management."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from questionnaire.models import AuditEvent, Invitation, LoginAttempt, Role, User, utc_now
from tests.conftest import PASSWORD, AuthActions, csrf_token

OFFICER = "officer@secretariat.test"
FOCAL_POINT = "fp@china.test"
NEW_PASSWORD = "a brand new passphrase"
NO_LONGER_VALID = "This invitation link is no longer valid; ask the secretariat for a new one."


def english_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with client.session_transaction() as session:
        session["language"] = "en"  # kept across log-in, so pages stay in English
    return client


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    """A client that reads the interface in English, so messages can be compared as text."""
    return english_client(app)


@pytest.fixture()
def officer(client: FlaskClient, auth: AuthActions, make_user: Any) -> User:
    """The secretariat officer, logged in on `client`."""
    user = make_user(OFFICER)
    assert auth.login(OFFICER).status_code == 302
    return user


def post(client: FlaskClient, path: str, data: dict[str, str] | None = None) -> TestResponse:
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, "/")})


def page_text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def main_content(response: TestResponse) -> str:
    """The page without its header, which repeats the address for the language switch."""
    return page_text(response).split("<main", 1)[-1]


def audit_actions(db: Session) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def count(db: Session, model: type[Any]) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def reload(db: Session, user: User) -> User:
    db.expire_all()
    found = db.get(User, user.id)
    assert found is not None
    return found


def logged_in_elsewhere(app: Flask, email: str) -> FlaskClient:
    other = english_client(app)
    assert AuthActions(other).login(email).status_code == 302
    return other


def is_logged_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


# Password change


def change_password(
    client: FlaskClient, current: str, new: str, again: str | None = None
) -> TestResponse:
    return client.post(
        "/password",
        data={
            "current_password": current,
            "new_password": new,
            "new_password_again": new if again is None else again,
            "csrf_token": csrf_token(client, "/password"),
        },
    )


def test_password_change_ends_other_sessions_and_keeps_this_one(
    app: Flask, client: FlaskClient, auth: AuthActions, db: Session, officer: User
) -> None:
    elsewhere = logged_in_elsewhere(app, OFFICER)
    generation = officer.session_generation
    before = client.get_cookie("session")
    assert before is not None
    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)
    assert not is_logged_in(elsewhere)
    after = client.get_cookie("session")
    assert after is not None and after.value != before.value
    assert reload(db, officer).session_generation == generation + 1
    assert audit_actions(db)[-1] == "account.password_changed"
    auth.logout()
    assert auth.login(OFFICER, PASSWORD).status_code == 200
    assert auth.login(OFFICER, NEW_PASSWORD).status_code == 302


def test_wrong_current_password_changes_nothing(
    app: Flask, client: FlaskClient, db: Session, officer: User
) -> None:
    elsewhere = logged_in_elsewhere(app, OFFICER)
    old_hash = officer.password_hash
    response = change_password(client, "not my password", NEW_PASSWORD)
    assert response.status_code == 400
    assert "The current password is not correct. Nothing was changed." in page_text(response)
    assert reload(db, officer).password_hash == old_hash
    assert is_logged_in(elsewhere)
    assert "account.password_changed" not in audit_actions(db)


@pytest.mark.parametrize(
    ("new", "again", "message"),
    [
        ("too short", "too short", "Use between 12 and 200 characters."),
        (NEW_PASSWORD, "another passphrase", "The two passwords are not the same"),
        ("", "", "This field is required."),
    ],
)
def test_bad_new_password_is_refused_next_to_the_field(
    client: FlaskClient, db: Session, officer: User, new: str, again: str, message: str
) -> None:
    old_hash = officer.password_hash
    response = change_password(client, PASSWORD, new, again)
    assert response.status_code == 400
    assert message in page_text(response)
    assert reload(db, officer).password_hash == old_hash


def test_guessing_the_current_password_is_throttled(
    client: FlaskClient, db: Session, officer: User
) -> None:
    old_hash = officer.password_hash
    for _attempt in range(5):
        change_password(client, "a wrong guess!", NEW_PASSWORD)
    assert count(db, LoginAttempt) == 6  # the log-in, then five failures
    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert "Too many attempts. Wait 15 minutes and try again." in page_text(response)
    assert reload(db, officer).password_hash == old_hash


def test_password_page_needs_a_log_in(client: FlaskClient) -> None:
    response = client.get("/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# Inviting people


def invite(client: FlaskClient, **fields: str) -> TestResponse:
    data = {"email": "new.fp@china.test", "name": "New focal point", "role": "focal_point"}
    data.update({"state_party": "CHN"} if "state_party" not in fields else {})
    data.update(fields)
    return post(client, "/accounts", data)


def invitation_link(response: TestResponse) -> str:
    match = re.search(r'value="http://localhost(/invitation/[^"]+)"', page_text(response))
    assert match, "no invitation link on the page"
    return match.group(1)


def set_password(client: FlaskClient, link: str, password: str, again: str | None = None) -> Any:
    return client.post(
        link,
        data={
            "password": password,
            "password_again": password if again is None else again,
            "csrf_token": csrf_token(client, link),
        },
    )


def test_invitation_creates_the_account_and_shows_the_link_once(
    client: FlaskClient, db: Session, officer: User
) -> None:
    response = invite(client)
    assert response.status_code == 200
    link = invitation_link(response)
    token = link.rsplit("/", 1)[-1]
    user = db.scalar(select(User).where(User.email == "new.fp@china.test"))
    assert user is not None
    assert (user.role, user.state_party_code, user.password_hash) == (
        Role.FOCAL_POINT,
        "CHN",
        None,
    )
    invitation = db.scalar(select(Invitation).where(Invitation.user_id == user.id))
    assert invitation is not None
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    assert audit_actions(db)[-2:] == ["account.created", "account.invited"]
    assert "/invitation/" not in page_text(client.get("/accounts"))


def test_invited_person_sets_a_password_and_is_logged_in(
    app: Flask, client: FlaskClient, db: Session, officer: User
) -> None:
    link = invitation_link(invite(client))
    invited = english_client(app)
    assert "New focal point" in page_text(invited.get(link))
    response = set_password(invited, link, NEW_PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(invited)
    user = db.scalar(select(User).where(User.email == "new.fp@china.test"))
    assert user is not None and user.password_hash is not None and user.last_login_at
    assert db.scalar(select(Invitation.used_at).where(Invitation.user_id == user.id))
    assert audit_actions(db)[-1] == "account.invitation_used"
    again = english_client(app)
    assert AuthActions(again).login("new.fp@china.test", NEW_PASSWORD).status_code == 302
    used = again.get(link)
    assert (used.status_code, NO_LONGER_VALID in page_text(used)) == (404, True)


def test_unknown_used_and_expired_links_get_the_same_answer(
    app: Flask, client: FlaskClient, db: Session, officer: User
) -> None:
    used_link = invitation_link(invite(client))
    set_password(english_client(app), used_link, NEW_PASSWORD)
    expired_link = invitation_link(invite(client, email="late@china.test"))
    for invitation in db.scalars(select(Invitation).where(Invitation.used_at.is_(None))):
        invitation.expires_at = utc_now() - dt.timedelta(seconds=1)
    db.commit()
    answers = set()
    for link in (used_link, expired_link, "/invitation/made-up-token"):
        visitor = english_client(app)
        response = visitor.get(link)
        assert response.status_code == 404
        answers.add(main_content(response))
        assert set_password(visitor, link, NEW_PASSWORD).status_code in (400, 404)
    assert len(answers) == 1 and NO_LONGER_VALID in answers.pop()
    late = db.scalar(select(User).where(User.email == "late@china.test"))
    assert late is not None and late.password_hash is None


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        ("too short", "too short", "Use between 12 and 200 characters."),
        (NEW_PASSWORD, "something different", "The two passwords are not the same"),
    ],
)
def test_invitation_refuses_a_bad_password_and_stays_usable(
    app: Flask,
    client: FlaskClient,
    db: Session,
    officer: User,
    password: str,
    again: str,
    message: str,
) -> None:
    link = invitation_link(invite(client))
    invited = english_client(app)
    response = set_password(invited, link, password, again)
    assert response.status_code == 400
    assert message in page_text(response)
    assert not is_logged_in(invited)
    assert set_password(invited, link, NEW_PASSWORD).status_code == 302


def test_reissued_invitation_replaces_the_old_link(
    app: Flask, client: FlaskClient, db: Session, officer: User
) -> None:
    old_link = invitation_link(invite(client))
    user = db.scalar(select(User).where(User.email == "new.fp@china.test"))
    assert user is not None
    new_link = invitation_link(post(client, f"/accounts/{user.id}/invitation"))
    assert new_link != old_link
    assert english_client(app).get(old_link).status_code == 404
    assert set_password(english_client(app), new_link, NEW_PASSWORD).status_code == 302
    assert audit_actions(db)[-2] == "account.invitation_reissued"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": OFFICER}, "An account with this e-mail exists already."),
        ({"email": "OFFICER@secretariat.test"}, "An account with this e-mail exists already."),
        ({"email": "not-an-address"}, "Enter an e-mail address such as name@example.org."),
        ({"email": ""}, "This field is required."),
        ({"name": ""}, "This field is required."),
        (
            {"state_party": ""},
            "Choose the state party of a focal point, contributor or reviewer.",
        ),
        (
            {"role": "reviewer", "state_party": ""},
            "Choose the state party of a focal point, contributor or reviewer.",
        ),
        (
            {"role": "secretariat", "state_party": "CHN"},
            "Secretariat accounts belong to no state party.",
        ),
        ({"role": "administrator"}, "Not a valid choice."),
        ({"state_party": "XXX"}, "Not a valid choice."),
    ],
)
def test_bad_invitation_is_refused_and_creates_nothing(
    client: FlaskClient, db: Session, officer: User, fields: dict[str, str], message: str
) -> None:
    users, invitations, events = count(db, User), count(db, Invitation), count(db, AuditEvent)
    response = invite(client, **fields)
    assert response.status_code == 400
    assert message in page_text(response)
    assert "/invitation/" not in page_text(response)
    assert (count(db, User), count(db, Invitation), count(db, AuditEvent)) == (
        users,
        invitations,
        events,
    )


def test_secretariat_is_invited_without_a_state_party(
    client: FlaskClient, db: Session, officer: User
) -> None:
    response = invite(
        client, email="colleague@secretariat.test", role="secretariat", state_party=""
    )
    assert response.status_code == 200
    user = db.scalar(select(User).where(User.email == "colleague@secretariat.test"))
    assert user is not None and user.role is Role.SECRETARIAT and user.state_party_code is None


# The account list and its actions


def test_account_list_shows_each_account(
    client: FlaskClient, make_user: Any, officer: User
) -> None:
    make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    page = page_text(client.get("/accounts"))
    for text in (OFFICER, FOCAL_POINT, "fp", "Focal point", "CHN", "Secretariat", "never"):
        assert text in page
    assert utc_now().strftime("%Y-%m-%d") in page  # the officer's own last log-in


@pytest.mark.parametrize(
    ("role", "state"),
    [(Role.FOCAL_POINT, "CHN"), (Role.CONTRIBUTOR, "CHN"), (Role.REVIEWER, "JPN")],
)
def test_accounts_pages_are_not_found_for_other_roles(
    client: FlaskClient, auth: AuthActions, db: Session, make_user: Any, role: Role, state: str
) -> None:
    person = make_user("person@state.test", role, state)
    auth.login("person@state.test")
    users = count(db, User)
    assert client.get("/accounts").status_code == 404
    assert invite(client).status_code == 404
    assert post(client, f"/accounts/{person.id}/disable").status_code == 404
    assert client.get(f"/accounts/{person.id}/edit").status_code == 404
    assert count(db, User) == users
    assert reload(db, person).active


def test_accounts_pages_ask_anonymous_people_to_log_in(client: FlaskClient) -> None:
    response = client.get("/accounts")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_disabling_an_account_ends_its_sessions_and_log_ins(
    app: Flask, client: FlaskClient, db: Session, make_user: Any, officer: User
) -> None:
    person = make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    elsewhere = logged_in_elsewhere(app, FOCAL_POINT)
    response = post(client, f"/accounts/{person.id}/disable")
    assert response.status_code == 302
    assert not is_logged_in(elsewhere)
    assert AuthActions(elsewhere).login(FOCAL_POINT).status_code == 200
    assert not reload(db, person).active
    assert audit_actions(db)[-1] == "account.disabled"
    assert "Disabled" in page_text(client.get("/accounts"))

    assert post(client, f"/accounts/{person.id}/enable").status_code == 302
    assert reload(db, person).active
    assert audit_actions(db)[-1] == "account.enabled"
    assert AuthActions(elsewhere).login(FOCAL_POINT).status_code == 302


def test_disabled_account_cannot_use_or_get_an_invitation(
    app: Flask, client: FlaskClient, db: Session, officer: User
) -> None:
    link = invitation_link(invite(client))
    user = db.scalar(select(User).where(User.email == "new.fp@china.test"))
    assert user is not None
    post(client, f"/accounts/{user.id}/disable")
    assert english_client(app).get(link).status_code == 404
    events = count(db, AuditEvent)
    response = client.post(
        f"/accounts/{user.id}/invitation",
        data={"csrf_token": csrf_token(client, "/")},
        follow_redirects=True,
    )
    assert "enable it before inviting its owner again" in page_text(response)
    assert count(db, AuditEvent) == events


def test_secretariat_cannot_disable_or_reassign_itself(
    client: FlaskClient, db: Session, officer: User
) -> None:
    events = count(db, AuditEvent)
    response = client.post(
        f"/accounts/{officer.id}/disable",
        data={"csrf_token": csrf_token(client, "/")},
        follow_redirects=True,
    )
    assert "you cannot disable your own account" in page_text(response)
    response = post(
        client, f"/accounts/{officer.id}/edit", {"role": "reviewer", "state_party": "JPN"}
    )
    assert "you cannot change your own role" in page_text(response)
    officer_now = reload(db, officer)
    assert officer_now.active and officer_now.role is Role.SECRETARIAT
    assert count(db, AuditEvent) == events
    assert is_logged_in(client)


def test_reassigning_an_account_ends_its_sessions(
    app: Flask, client: FlaskClient, db: Session, make_user: Any, officer: User
) -> None:
    person = make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    elsewhere = logged_in_elsewhere(app, FOCAL_POINT)
    form = page_text(client.get(f"/accounts/{person.id}/edit"))
    assert '<option selected value="focal_point">' in form
    assert '<option selected value="CHN">' in form
    response = post(
        client, f"/accounts/{person.id}/edit", {"role": "reviewer", "state_party": "JPN"}
    )
    assert response.status_code == 302
    person = reload(db, person)
    assert (person.role, person.state_party_code) == (Role.REVIEWER, "JPN")
    assert not is_logged_in(elsewhere)
    event = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.action == "account.reassigned"
    assert event.details == {
        "from": {"role": "focal_point", "state_party": "CHN"},
        "to": {"role": "reviewer", "state_party": "JPN"},
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"role": "secretariat", "state_party": "CHN"}, "Secretariat accounts belong to no"),
        ({"role": "contributor", "state_party": ""}, "Choose the state party of a focal point"),
        ({"role": "nobody", "state_party": "CHN"}, "Not a valid choice."),
    ],
)
def test_bad_reassignment_changes_nothing(
    app: Flask,
    client: FlaskClient,
    db: Session,
    make_user: Any,
    officer: User,
    fields: dict[str, str],
    message: str,
) -> None:
    person = make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    elsewhere = logged_in_elsewhere(app, FOCAL_POINT)
    response = post(client, f"/accounts/{person.id}/edit", fields)
    assert response.status_code == 400
    assert message in page_text(response)
    person = reload(db, person)
    assert (person.role, person.state_party_code) == (Role.FOCAL_POINT, "CHN")
    assert is_logged_in(elsewhere)


def test_unknown_account_is_not_found(client: FlaskClient, officer: User) -> None:
    assert client.get("/accounts/99999/edit").status_code == 404
    assert post(client, "/accounts/99999/disable").status_code == 404
    assert post(client, "/accounts/99999/invitation").status_code == 404
