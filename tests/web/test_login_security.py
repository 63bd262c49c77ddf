"""Log-in security: throttling, what gets recorded and logged, session cookies and time-outs."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher, extract_parameters
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from questionnaire import create_app
from questionnaire.config import load_settings
from questionnaire.models import LoginAttempt, Role, utc_now
from questionnaire.services import throttle
from tests.conftest import PASSWORD, AuthActions, csrf_token

OFFICER = "officer@secretariat.test"
TOO_MANY = "Too many attempts. Wait 15 minutes and try again."
WRONG = "The e-mail or password is not correct."


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    """A client that reads the interface in English, so messages can be compared as text."""
    english = app.test_client()
    english.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return english


def log_in(
    client: FlaskClient, email: str, password: str, address: str = "127.0.0.1"
) -> TestResponse:
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": address},
    )


def is_logged_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def record_failures(db: Session, count: int, *, email: str = "", address: str = "") -> None:
    """Earlier failed attempts, written directly: quicker than hashing each one."""
    db.add_all(
        LoginAttempt(
            email=email or f"guess{number}@example.org",
            address=address or f"198.51.100.{number}",
            succeeded=False,
            at=utc_now(),
        )
        for number in range(count)
    )
    db.commit()


def message_of(response: TestResponse) -> str:
    page = response.get_data(as_text=True)
    return " ".join(re.findall(r'<p class="flash [^"]*" role="(?:status|alert)">([^<]*)</p>', page))


# Throttling per account


def test_five_failures_from_different_addresses_lock_the_account(
    client: FlaskClient, make_user: Any
) -> None:
    make_user(OFFICER)
    for number in range(5):
        assert message_of(log_in(client, OFFICER, "wrong password", f"10.0.0.{number}")) == WRONG
    refused = log_in(client, OFFICER, PASSWORD, "10.0.0.99")
    assert refused.status_code == 429
    assert message_of(refused) == TOO_MANY
    assert not is_logged_in(client)


def test_four_failures_still_let_the_right_password_in(client: FlaskClient, make_user: Any) -> None:
    make_user(OFFICER)
    for number in range(4):
        log_in(client, OFFICER, "wrong password", f"10.0.0.{number}")
    assert log_in(client, OFFICER, PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_lock_is_per_account_and_ignores_the_case_of_the_email(
    client: FlaskClient, make_user: Any
) -> None:
    make_user(OFFICER)
    make_user("colleague@secretariat.test")
    for number in range(5):
        log_in(client, OFFICER.upper(), "wrong password", f"10.0.1.{number}")
    assert log_in(client, OFFICER, PASSWORD).status_code == 429
    assert log_in(client, "colleague@secretariat.test", PASSWORD).status_code == 302


def test_unknown_and_known_accounts_get_the_same_answer_when_throttled(
    client: FlaskClient, db: Session, make_user: Any
) -> None:
    make_user(OFFICER)
    for email in (OFFICER, "nobody@secretariat.test"):
        record_failures(db, 5, email=email)
    known = log_in(client, OFFICER, PASSWORD, "10.0.3.1")
    unknown = log_in(client, "nobody@secretariat.test", PASSWORD, "10.0.3.2")
    assert (known.status_code, message_of(known)) == (429, TOO_MANY)
    assert (unknown.status_code, message_of(unknown)) == (429, TOO_MANY)

    def without_tokens(page: str) -> str:
        return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", page)

    assert without_tokens(known.get_data(as_text=True)) == without_tokens(
        unknown.get_data(as_text=True).replace("nobody@", "officer@")
    )


def test_throttled_attempt_is_refused_without_checking_the_password(
    client: FlaskClient, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(OFFICER)
    for number in range(5):
        log_in(client, OFFICER, "wrong password", f"10.0.4.{number}")

    def must_not_be_called(*_args: Any) -> None:
        raise AssertionError("the password was checked under throttling")

    monkeypatch.setattr(throttle, "authenticate", must_not_be_called)
    assert log_in(client, OFFICER, PASSWORD).status_code == 429


def _median_cpu_seconds(action: Any, rounds: int = 5) -> float:
    """CPU time of this process (argon2's threads included): the neighbours' load is not ours."""
    times = []
    for _round in range(rounds):
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return sorted(times)[rounds // 2]


def _cost_of_a_log_in(client: FlaskClient, email: str, password: str, address: str) -> float:
    def attempt() -> None:
        token = csrf_token(client)
        client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        )

    return _median_cpu_seconds(attempt)


@pytest.mark.real_password_hashing
def test_throttled_answers_cost_about_the_same_for_known_and_unknown_accounts(
    client: FlaskClient, db: Session, make_user: Any
) -> None:
    """Under throttling neither a known nor an unknown account is looked up and hashed, so
    the time of the answer cannot tell which e-mails have accounts. Measured against one
    verification at the production cost: a throttled path that checked the password would
    cost at least that much more for one of the two."""
    user = make_user(OFFICER)
    one_hash = _median_cpu_seconds(
        lambda: PasswordHasher().verify(user.password_hash, PASSWORD), rounds=3
    )
    assert one_hash > 0.01, "the production hash is too cheap for this test to see it"
    for email in (OFFICER, "nobody@secretariat.test"):
        record_failures(db, 5, email=email)

    known = _cost_of_a_log_in(client, OFFICER, PASSWORD, "10.0.5.1")
    unknown = _cost_of_a_log_in(client, "nobody@secretariat.test", PASSWORD, "10.0.5.2")
    assert max(known, unknown) < one_hash / 2
    assert abs(known - unknown) < one_hash / 4


@pytest.mark.real_password_hashing
def test_a_wrong_password_costs_what_an_unknown_account_costs(
    client: FlaskClient, make_user: Any
) -> None:
    """Unthrottled, both are one verification at the production cost (the unknown one
    against a placeholder hash), so timing does not reveal which e-mails have accounts."""
    user = make_user(OFFICER)
    one_hash = _median_cpu_seconds(
        lambda: PasswordHasher().verify(user.password_hash, PASSWORD), rounds=3
    )
    # One address per attempt, and fewer attempts per account than lock it.
    known = _median_cpu_seconds(
        lambda: log_in(client, OFFICER, "wrong password", "10.0.6.1"), rounds=3
    )
    unknown = _median_cpu_seconds(
        lambda: log_in(client, "nobody@secretariat.test", PASSWORD, "10.0.6.2"), rounds=3
    )
    assert min(known, unknown) > one_hash * 0.75
    assert abs(known - unknown) < one_hash / 2


# Throttling per address


def test_twenty_failures_from_one_address_lock_that_address(
    client: FlaskClient, db: Session, make_user: Any
) -> None:
    make_user(OFFICER)
    record_failures(db, 18, address="192.0.2.7")
    log_in(client, "guess18@example.org", "wrong password", "192.0.2.7")
    assert log_in(client, OFFICER, "wrong password", "192.0.2.7").status_code == 200
    refused = log_in(client, OFFICER, PASSWORD, "192.0.2.7")
    assert (refused.status_code, message_of(refused)) == (429, TOO_MANY)
    assert log_in(client, OFFICER, PASSWORD, "192.0.2.8").status_code == 302


def test_address_comes_from_the_connection_not_from_forwarded_headers(
    client: FlaskClient, db: Session, make_user: Any
) -> None:
    make_user(OFFICER)
    record_failures(db, 20, address="192.0.2.9")

    def log_in_forwarded(forwarded_for: str) -> TestResponse:
        return client.post(
            "/login",
            data={"email": OFFICER, "password": PASSWORD, "csrf_token": csrf_token(client)},
            headers={"X-Forwarded-For": forwarded_for},
            environ_base={"REMOTE_ADDR": "192.0.2.9"},
        )

    assert log_in_forwarded("203.0.113.1").status_code == 429
    latest = db.scalars(select(LoginAttempt).order_by(LoginAttempt.id.desc())).first()
    assert latest is not None and latest.address == "192.0.2.9"


# The window slides


def test_failures_older_than_fifteen_minutes_do_not_count(
    client: FlaskClient, db: Session, make_user: Any
) -> None:
    make_user(OFFICER)
    long_ago = utc_now() - dt.timedelta(minutes=16)
    db.add_all(
        LoginAttempt(email=OFFICER, address="10.0.6.1", succeeded=False, at=long_ago)
        for _number in range(25)
    )
    db.commit()
    assert log_in(client, OFFICER, PASSWORD, "10.0.6.1").status_code == 302


def test_a_successful_log_in_clears_no_failures(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    make_user(OFFICER)
    for number in range(4):
        log_in(client, OFFICER, "wrong password", f"10.0.7.{number}")
    assert log_in(client, OFFICER, PASSWORD).status_code == 302
    auth.logout()
    log_in(client, OFFICER, "wrong password", "10.0.7.9")
    assert log_in(client, OFFICER, PASSWORD).status_code == 429


# What is recorded and logged


def test_every_attempt_is_recorded_with_a_lower_case_email(
    client: FlaskClient, db: Session, make_user: Any
) -> None:
    make_user(OFFICER)
    log_in(client, "Officer@Secretariat.TEST", "wrong password", "10.0.8.1")
    log_in(client, "Officer@Secretariat.TEST", PASSWORD, "10.0.8.2")
    attempts = db.scalars(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    assert [(a.email, a.address, a.succeeded) for a in attempts] == [
        (OFFICER, "10.0.8.1", False),
        (OFFICER, "10.0.8.2", True),
    ]


def test_failures_are_logged_without_the_password(
    client: FlaskClient, make_user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    make_user(OFFICER)
    with caplog.at_level(logging.WARNING):
        log_in(client, OFFICER, "secret guess 1234", "10.0.9.1")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert OFFICER in warnings[0] and "10.0.9.1" in warnings[0]
    assert "secret guess 1234" not in caplog.text


# Session cookies


def test_session_cookie_is_http_only_and_same_site_lax(client: FlaskClient) -> None:
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_settings_send_session_cookies_over_https_only(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "QUESTIONNAIRE_ENV": "production",
            "SECRET_KEY": "a-production-secret-key-of-enough-length",
            "INSTANCE_DIR": str(tmp_path),
        }
    ).flask_config()
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_application_marks_its_session_cookie_secure(
    migrated: str, tmp_path: Path
) -> None:
    production = create_app(
        {
            "QUESTIONNAIRE_ENV": "production",
            "DATABASE_URL": migrated,
            "SECRET_KEY": "a-production-secret-key-of-enough-length",
            "INSTANCE_DIR": str(tmp_path / "instance"),
        }
    )
    try:
        cookie = production.test_client().get("/login").headers["Set-Cookie"]
    finally:
        production.extensions["database"].engine.dispose()
    assert "Secure" in cookie


def test_log_in_issues_a_new_session(app: Flask, client: FlaskClient, make_user: Any) -> None:
    make_user(OFFICER)
    client.get("/login")
    before = client.get_cookie("session")
    assert before is not None
    log_in(client, OFFICER, PASSWORD)
    after = client.get_cookie("session")
    assert after is not None and after.value != before.value
    assert is_logged_in(client)
    from_before = app.test_client()
    from_before.set_cookie("session", before.value)
    assert from_before.get("/").status_code == 302


def test_idle_session_is_logged_out(client: FlaskClient, make_user: Any) -> None:
    make_user(OFFICER)
    log_in(client, OFFICER, PASSWORD)
    assert is_logged_in(client)
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 31 * 60
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not is_logged_in(client)


def test_active_session_stays_logged_in(client: FlaskClient, make_user: Any) -> None:
    make_user(OFFICER)
    log_in(client, OFFICER, PASSWORD)
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 29 * 60
    assert is_logged_in(client)


def test_session_ends_after_its_absolute_lifetime(client: FlaskClient, make_user: Any) -> None:
    make_user(OFFICER)
    log_in(client, OFFICER, PASSWORD)
    is_logged_in(client)
    with client.session_transaction() as session:
        session["started_at"] = time.time() - 13 * 3600
    assert not is_logged_in(client)


def test_throttling_holds_for_every_role(client: FlaskClient, db: Session, make_user: Any) -> None:
    make_user("fp@china.test", Role.FOCAL_POINT, "CHN")
    record_failures(db, 5, email="fp@china.test")
    assert log_in(client, "fp@china.test", PASSWORD).status_code == 429


@pytest.mark.real_password_hashing
def test_passwords_are_stored_as_argon2id_at_the_production_cost(
    db: Session, make_user: Any
) -> None:
    """The rest of the suite hashes cheaply; what an account stores is the real thing."""
    user = make_user("cost@secretariat.test")
    parameters = extract_parameters(user.password_hash)
    defaults = PasswordHasher()
    assert user.password_hash.startswith("$argon2id$")
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        defaults.time_cost,
        defaults.memory_cost,
        defaults.parallelism,
    )
    assert parameters.memory_cost >= 46 * 1024  # RFC 9106 and OWASP: at least 46 MiB
