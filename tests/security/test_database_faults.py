"""Issue 14, item 10: faults of the database.

With the database locked, read-only in effect, or not answering at all, a person gets a page
(or, from autosave, JSON) saying that the service is briefly unavailable and that nothing
they saved is lost, quickly, with `Retry-After` and every security header; `/readyz` says
the instance is not ready while `/healthz` still reports that the application lives. Once
the database is back, everything saved before is still there.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from questionnaire import create_app
from questionnaire.config import DEFAULT_STATEMENT_TIMEOUT_MS, ConfigError, load_settings
from questionnaire.database import Base
from questionnaire.extensions import Database, login_manager
from questionnaire.web.health import add_readiness_check
from tests.conftest import application_on, csrf_token
from tests.security.conftest import FOCAL_POINT, Target
from tests.security.helpers import client_for, post_form
from tests.web.questionnaire_helpers import form_fields, post_answers

# Short, so the suite does not wait: the default is a few seconds.
LOCK_TIMEOUT_MS = 300
NO_LIMITS = {"statement_timeout_ms": 0, "lock_timeout_ms": 0}
# A locked database must be answered within the lock time-out and a margin for the page.
ANSWERED_WITHIN_SECONDS = 3.0
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
)
STORED = "Anti-Corruption Law of 2020, articles 1 to 12"
TYPED_DURING_THE_FAULT = "Text typed while the database was locked"


@pytest.fixture()
def app(migrated: str, tmp_path: Path) -> Iterator[Flask]:
    yield from application_on(migrated, tmp_path, DATABASE_LOCK_TIMEOUT_MS=str(LOCK_TIMEOUT_MS))


@contextmanager
def writes_locked(engine: Engine, *, reads_too: bool = False) -> Iterator[None]:
    """Another process holds the database's write lock (and on PostgreSQL, with
    `reads_too`, a lock that stops readers as well), until the block ends."""
    if engine.dialect.name == "sqlite":
        database_file = make_url(str(engine.url)).database
        assert database_file
        holder = sqlite3.connect(database_file, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            yield
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        return
    mode = "ACCESS EXCLUSIVE" if reads_too else "EXCLUSIVE"
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.connect() as holder:
        transaction = holder.begin()
        holder.execute(text(f"LOCK TABLE {tables} IN {mode} MODE"))
        try:
            yield
        finally:
            transaction.rollback()


def _timed(request: Any) -> tuple[Any, float]:
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


def _assert_unavailable_page(response: Any, elapsed: float) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert int(response.headers["Retry-After"]) > 0
    assert elapsed < ANSWERED_WITHIN_SECONDS, f"the page took {elapsed:.1f} s"
    for header in SECURITY_HEADERS:
        assert header in response.headers, header
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "Temporarily unavailable" in page
    assert "Nothing you saved is lost" in page


def test_while_the_database_is_locked_people_are_told_quickly_and_nothing_saved_is_lost(
    app: Flask, target: Target
) -> None:
    url = _commitment_url(target)
    focal_point = client_for(app, FOCAL_POINT)
    assert post_answers(focal_point, url, {"status": "yes", "measures": STORED}).status_code == 302
    form = form_fields(focal_point, url)
    stranger = client_for(app, None)
    login_form = {"csrf_token": csrf_token(stranger, "/login")}
    engine = app.extensions["database"].engine

    with writes_locked(engine):
        saved, elapsed = _timed(
            lambda: focal_point.post(url, data={**form, "measures": TYPED_DURING_THE_FAULT})
        )
        _assert_unavailable_page(saved, elapsed)
        assert "not saved" in saved.get_data(as_text=True)  # and says so

        autosaved, elapsed = _timed(
            lambda: focal_point.post(
                f"{url}/autosave", data={**form, "measures": TYPED_DURING_THE_FAULT}
            )
        )
        assert autosaved.status_code == 503 and elapsed < ANSWERED_WITHIN_SECONDS
        assert autosaved.is_json and "Nothing you saved is lost" in autosaved.json["error"]
        assert int(autosaved.headers["Retry-After"]) > 0
        assert all(header in autosaved.headers for header in SECURITY_HEADERS)

        commented, elapsed = _timed(
            lambda: post_form(focal_point, f"{url}/comments", {"body": "A comment"})
        )
        _assert_unavailable_page(commented, elapsed)

        logged_in, elapsed = _timed(
            lambda: stranger.post(
                "/login", data={**login_form, "email": FOCAL_POINT, "password": "whatever"}
            )
        )
        _assert_unavailable_page(logged_in, elapsed)

        ready = app.test_client().get("/readyz")
        assert ready.status_code == 503
        assert ready.json["failing"] == ["database"]
        assert app.test_client().get("/healthz").status_code == 200  # alive, not ready

    assert app.test_client().get("/readyz").json == {
        "status": "ready",
        "failing": [],
        "checks": {"database": "ok", "broker": "ok", "storage": "ok"},
    }
    page = focal_point.get(url).get_data(as_text=True)
    assert STORED in page and TYPED_DURING_THE_FAULT not in page
    saved_after = post_answers(focal_point, url, {"measures": TYPED_DURING_THE_FAULT})
    assert saved_after.status_code == 302


def test_a_page_waiting_on_a_locked_table_gives_up_in_time(
    app: Flask, target: Target, db: Session
) -> None:
    engine = app.extensions["database"].engine
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite in WAL mode never makes a reader wait for a lock")
    focal_point = client_for(app, FOCAL_POINT)
    db.rollback()  # the test's own reads end, so only the page waits for the lock
    with writes_locked(engine, reads_too=True):
        page, elapsed = _timed(lambda: focal_point.get(_commitment_url(target)))
    _assert_unavailable_page(page, elapsed)


def test_when_the_database_does_not_answer_pages_say_so_and_keep_their_headers(
    app: Flask, target: Target, tmp_path: Path
) -> None:
    focal_point = client_for(app, FOCAL_POINT)
    stranger = client_for(app, None)
    login_form = {
        "csrf_token": csrf_token(stranger, "/login"),
        "email": FOCAL_POINT,
        "password": "x",
    }
    working = app.extensions["database"]
    app.extensions["database"] = Database(_unreachable_url(working.engine, tmp_path), **NO_LIMITS)
    try:
        for response, elapsed in (
            _timed(lambda: focal_point.get(_commitment_url(target))),
            _timed(lambda: focal_point.get("/")),
            _timed(lambda: stranger.post("/login", data=login_form)),
        ):
            _assert_unavailable_page(response, elapsed)
        ready = stranger.get("/readyz")
        assert (ready.status_code, ready.json["failing"]) == (503, ["database"])
        assert stranger.get("/healthz").status_code == 503
        chinese = app.test_client()  # no language asked for: Chinese, the default
        chinese_form = {**login_form, "csrf_token": csrf_token(chinese, "/login")}
        assert "暂时无法使用" in chinese.post("/login", data=chinese_form).get_data(as_text=True)
    finally:
        app.extensions["database"].engine.dispose()
        app.extensions["database"] = working


def test_a_read_only_database_is_not_ready_and_saves_and_log_in_say_so(
    app: Flask, target: Target, db: Session
) -> None:
    url = _commitment_url(target)
    focal_point = client_for(app, FOCAL_POINT)
    assert post_answers(focal_point, url, {"status": "yes", "measures": STORED}).status_code == 302
    form = form_fields(focal_point, url)
    stranger = client_for(app, None)
    login_form = {"csrf_token": csrf_token(stranger, "/login"), "email": FOCAL_POINT}
    db.rollback()
    working = app.extensions["database"]
    app.extensions["database"] = _read_only(working.engine)
    try:
        # Pages still read, and the application lives; but nobody can save or log in.
        assert STORED in focal_point.get(url).get_data(as_text=True)
        assert stranger.get("/healthz").status_code == 200
        ready = stranger.get("/readyz")
        assert (ready.status_code, ready.json["failing"]) == (503, ["database"])
        for response, elapsed in (
            _timed(lambda: focal_point.post(url, data={**form, "measures": "changed"})),
            _timed(lambda: stranger.post("/login", data={**login_form, "password": "x"})),
        ):
            _assert_unavailable_page(response, elapsed)
    finally:
        app.extensions["database"].engine.dispose()
        app.extensions["database"] = working
    assert STORED in focal_point.get(url).get_data(as_text=True)


def _read_only(engine: Engine) -> Database:
    """The same database, opened so that it refuses every write (a read-only file, or a
    PostgreSQL server in read-only mode such as a standby)."""
    if engine.dialect.name == "sqlite":
        path = make_url(str(engine.url)).database
        return Database(f"sqlite:///file:{path}?mode=ro&uri=true", **NO_LIMITS)
    read_only = Database(engine.url.render_as_string(hide_password=False), **NO_LIMITS)

    @event.listens_for(read_only.engine, "connect")
    def refuse_writes(connection: Any, _record: Any) -> None:
        connection.autocommit = True
        connection.execute("SET default_transaction_read_only = on")
        connection.autocommit = False

    return read_only


def test_a_server_error_page_carries_the_headers_and_no_details(
    app: Flask, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    focal_point = client_for(app, FOCAL_POINT)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production, not to the test

    def broken_account_table(_session_id: str) -> None:
        raise ProgrammingError("SELECT users", {}, Exception("relation users is broken"))

    monkeypatch.setattr(login_manager, "_user_callback", broken_account_table)
    response = focal_point.get("/")
    assert response.status_code == 500
    for header in SECURITY_HEADERS:
        assert header in response.headers, header
    assert response.headers["Cache-Control"] == "no-store"  # a logged-in person's request
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page and "relation users" not in page


def test_production_tells_browsers_to_use_https_only(migrated: str, tmp_path: Path) -> None:
    production = create_app(
        {
            "QUESTIONNAIRE_ENV": "production",
            "DATABASE_URL": migrated,
            "SECRET_KEY": "a-production-secret-key-of-enough-length",
            "INSTANCE_DIR": str(tmp_path / "instance"),
        }
    )
    try:
        for path in ("/login", "/healthz", "/no-such-page"):
            hsts = production.test_client().get(path).headers.get("Strict-Transport-Security")
            assert hsts is not None and "max-age=31536000" in hsts, path
    finally:
        production.extensions["database"].engine.dispose()


def test_readiness_is_a_list_of_named_checks_and_names_the_one_that_fails(app: Flask) -> None:
    def folder_is_missing() -> None:
        raise OSError("/srv/uploads is not mounted")

    add_readiness_check(app, "shared_folder", folder_is_missing)
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json["failing"] == ["shared_folder"]
    assert answer.json["checks"] == {
        "database": "ok",
        "broker": "ok",
        "storage": "ok",
        "shared_folder": "failed",
    }
    assert "/srv/uploads" not in answer.get_data(as_text=True)  # the reason goes to the log


def test_postgresql_statements_end_at_the_statement_time_out(app: Flask, tmp_path: Path) -> None:
    migrated = app.config["DATABASE_URL"]
    if not migrated.startswith("postgresql"):
        pytest.skip("SQLite has no statement time-out; its lock wait is tested above")
    with app.extensions["database"].sessions() as session:  # the defaults, but the lock's
        assert session.execute(text("SHOW statement_timeout")).scalar() == "15s"
        assert session.execute(text("SHOW lock_timeout")).scalar() == f"{LOCK_TIMEOUT_MS}ms"
    for short in application_on(migrated, tmp_path / "short", DATABASE_STATEMENT_TIMEOUT_MS="200"):
        with short.extensions["database"].sessions() as session:
            assert session.execute(text("SHOW statement_timeout")).scalar() == "200ms"
            with pytest.raises(OperationalError, match="statement timeout"):
                session.execute(text("SELECT pg_sleep(2)"))


def test_the_time_outs_are_settings_with_safe_defaults() -> None:
    settings = load_settings({"QUESTIONNAIRE_ENV": "testing"})
    assert settings.database_statement_timeout_ms == DEFAULT_STATEMENT_TIMEOUT_MS == 15_000
    with pytest.raises(ConfigError, match="DATABASE_LOCK_TIMEOUT_MS"):
        load_settings({"QUESTIONNAIRE_ENV": "testing", "DATABASE_LOCK_TIMEOUT_MS": "soon"})


def _commitment_url(target: Target) -> str:
    return f"/assessments/{target.assessment_id}/c/{target.commitment_id}"


def _unreachable_url(engine: Engine, tmp_path: Path) -> str:
    if engine.dialect.name == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'gone.sqlite3'}"
    return "postgresql+psycopg://postgres@127.0.0.1:9/refused"  # nothing listens on port 9
