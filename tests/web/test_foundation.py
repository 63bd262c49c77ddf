"""The application starts, answers its health check, and serves the log-in page."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from questionnaire.models import Role
from tests.conftest import AuthActions


def test_factory_applies_test_config(app: Flask) -> None:
    assert app.config["TESTING"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_healthz_reports_application_and_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "application": "ok", "database": "ok"}


def test_home_sends_anonymous_people_to_log_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_log_in_page_in_both_languages(client: FlaskClient) -> None:
    chinese = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "登录" in chinese
    assert "Log in" in english


def test_log_in_and_out(client: FlaskClient, auth: AuthActions, make_user) -> None:
    make_user("officer@secretariat.test", Role.SECRETARIAT)
    response = auth.login("officer@secretariat.test")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_answer(
    client: FlaskClient, auth: AuthActions, make_user
) -> None:
    make_user("officer@secretariat.test")
    wrong = auth.login("officer@secretariat.test", "not the password").get_data(as_text=True)
    unknown = auth.login("nobody@secretariat.test", "not the password").get_data(as_text=True)
    assert "email or password" in wrong.replace("e-mail", "email") or "电子邮件" in wrong

    def without_tokens(page: str) -> str:
        return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", page)

    assert without_tokens(wrong) == without_tokens(unknown.replace("nobody@", "officer@"))


def test_old_session_cookie_is_useless_after_log_out(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user
) -> None:
    make_user("officer@secretariat.test")
    auth.login("officer@secretariat.test")
    stolen = client.get_cookie("session")
    assert stolen is not None
    auth.logout()
    other = app.test_client()
    other.set_cookie("session", stolen.value)
    assert other.get("/").status_code == 302


def test_log_in_without_csrf_token_is_refused(client: FlaskClient, make_user) -> None:
    make_user("officer@secretariat.test")
    response = client.post(
        "/login", data={"email": "officer@secretariat.test", "password": "x" * 20}
    )
    assert response.status_code == 400


def test_security_headers(client: FlaskClient) -> None:
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_authenticated_pages_are_not_cached(
    client: FlaskClient, auth: AuthActions, make_user
) -> None:
    make_user("officer@secretariat.test")
    auth.login("officer@secretariat.test")
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_language_switch_is_remembered(client: FlaskClient, auth: AuthActions, make_user) -> None:
    make_user("officer@secretariat.test")
    auth.login("officer@secretariat.test")
    from tests.conftest import csrf_token

    token = csrf_token(client, "/")
    client.post("/language", data={"language": "en", "next": "/", "csrf_token": token})
    assert "Question bank" in client.get("/").get_data(as_text=True)
    client.post("/language", data={"language": "zh", "next": "/", "csrf_token": token})
    assert "题库" in client.get("/").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client: FlaskClient) -> None:
    from tests.conftest import csrf_token

    token = csrf_token(client)
    response = client.post(
        "/language", data={"language": "en", "next": "//evil.example/", "csrf_token": token}
    )
    assert response.headers["Location"] == "/"
