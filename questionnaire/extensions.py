"""Flask extensions and the per-request database session."""

from __future__ import annotations

from flask import Flask, current_app, g
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from questionnaire.database import make_engine, make_session_factory
from questionnaire.storage import Storage

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()


class Database:
    """The engine and session factory of one application."""

    def __init__(self, url: str, *, statement_timeout_ms: int, lock_timeout_ms: int) -> None:
        self.engine: Engine = make_engine(
            url, statement_timeout_ms=statement_timeout_ms, lock_timeout_ms=lock_timeout_ms
        )
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)


def init_database(app: Flask) -> Database:
    database = Database(
        app.config["DATABASE_URL"],
        statement_timeout_ms=app.config["DATABASE_STATEMENT_TIMEOUT_MS"],
        lock_timeout_ms=app.config["DATABASE_LOCK_TIMEOUT_MS"],
    )
    app.extensions["database"] = database
    app.teardown_appcontext(_close_session)
    return database


def init_storage(app: Flask) -> Storage:
    storage = Storage(
        app.config["STORAGE_URL"], endpoint_url=app.config["STORAGE_ENDPOINT_URL"] or None
    )
    app.extensions["storage"] = storage
    return storage


def storage() -> Storage:
    """The application's object store (evidence, reports, import uploads)."""
    return current_app.extensions["storage"]


def database() -> Database:
    return current_app.extensions["database"]


def db_session() -> Session:
    """The session of the current request, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def _close_session(_error: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
