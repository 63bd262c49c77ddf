"""Sessions carry their start and last-seen times from the log-in response on (issue 14, 2).

The cookie set by the log-in response used to have neither time, and the check defaulted
both to now: replaying that first cookie never timed out. Tested with limits of a second
or two, on the real clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from questionnaire import create_app
from tests.conftest import PASSWORD, csrf_token

OFFICER = "officer@secretariat.test"


def short_lived_app(migrated: str, tmp_path: Path, **limits: float) -> Flask:
    """An application whose limits are fractions of a minute or an hour (the settings
    themselves take whole numbers)."""
    short = create_app(
        {
            "QUESTIONNAIRE_ENV": "testing",
            "DATABASE_URL": migrated,
            "SECRET_KEY": "test-secret-key",
            "INSTANCE_DIR": str(tmp_path / "short"),
        }
    )
    short.config.update(limits)
    return short


@pytest.fixture()
def idle_app(app: Flask, migrated: str, tmp_path: Path) -> Iterator[Flask]:
    """Log out after one second without a request (the `app` fixture empties the tables)."""
    short = short_lived_app(migrated, tmp_path, SESSION_IDLE_MINUTES=1 / 60)
    yield short
    short.extensions["database"].engine.dispose()


@pytest.fixture()
def absolute_app(app: Flask, migrated: str, tmp_path: Path) -> Iterator[Flask]:
    """Log out two seconds after log-in, however active the person is."""
    short = short_lived_app(migrated, tmp_path, SESSION_ABSOLUTE_HOURS=2 / 3600)
    yield short
    short.extensions["database"].engine.dispose()


def log_in(client: FlaskClient) -> str:
    """Log in and hand back the session cookie the log-in response set."""
    response = client.post(
        "/login", data={"email": OFFICER, "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def logged_in_with(app: Flask, cookie: str) -> bool:
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    return replay.get("/").status_code == 200


def test_the_first_cookie_replayed_after_the_idle_limit_is_refused(
    idle_app: Flask, make_user: Any
) -> None:
    make_user(OFFICER)
    first_cookie = log_in(idle_app.test_client())
    assert logged_in_with(idle_app, first_cookie)
    time.sleep(1.5)
    assert not logged_in_with(idle_app, first_cookie)


def test_a_person_active_within_the_idle_limit_stays_logged_in(
    idle_app: Flask, make_user: Any
) -> None:
    make_user(OFFICER)
    client = idle_app.test_client()
    log_in(client)
    # 4 × 0.3 s outlasts the 1 s limit; the clock moves every 0.5 s, so the first two
    # requests must land within 1 s of the log-in with the home page's time between them.
    for _step in range(4):
        time.sleep(0.3)
        assert client.get("/").status_code == 200


def test_the_absolute_limit_ends_even_an_active_session(
    absolute_app: Flask, make_user: Any
) -> None:
    make_user(OFFICER)
    client = absolute_app.test_client()
    first_cookie = log_in(client)
    for _step in range(3):
        time.sleep(0.4)
        assert client.get("/").status_code == 200
    time.sleep(1.2)
    assert client.get("/").status_code == 302
    assert not logged_in_with(absolute_app, first_cookie)


@pytest.mark.parametrize("missing", ["started_at", "last_seen"])
def test_a_session_cookie_without_its_times_is_not_valid(
    app: Flask, client: FlaskClient, make_user: Any, missing: str
) -> None:
    make_user(OFFICER)
    log_in(client)
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        del session[missing]
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/").status_code == 302


def test_a_password_change_keeps_the_absolute_clock_running(
    client: FlaskClient, make_user: Any
) -> None:
    make_user(OFFICER)
    log_in(client)
    with client.session_transaction() as session:
        session["started_at"] = time.time() - 11 * 3600
    new_password = "another horse battery staple"
    response = client.post(
        "/password",
        data={
            "current_password": PASSWORD,
            "new_password": new_password,
            "new_password_again": new_password,
            "csrf_token": csrf_token(client, "/password"),
        },
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert time.time() - session["started_at"] > 10 * 3600
