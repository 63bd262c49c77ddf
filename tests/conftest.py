"""Fixtures: a migrated database (SQLite, or PostgreSQL when DATABASE_URL names one),
an application on it, a client, and helpers to log in.

The schema is created by Alembic, never by `create_all`; every test starts from empty
tables, whichever database runs the suite.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from questionnaire import create_app, migrate
from questionnaire.database import Base
from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.bank.loader import BankFiles, build_bank, read_bank_files
from questionnaire.models import Role, User
from questionnaire.services import accounts
from questionnaire.services.accounts import SYSTEM, create_user
from questionnaire.services.bank_store import load_bank_edition
from questionnaire.services.state_parties import load_state_parties_into

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BANK_DIR = PROJECT_ROOT / "question_bank"
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its lowest cost, so that hundreds of log-ins do not take a minute.

    Tests of the hashing itself are marked `real_password_hashing` and keep the production
    parameters.
    """
    if request.node.get_closest_marker("real_password_hashing"):
        return
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def migrated(database_url: str) -> str:
    migrate.upgrade(database_url)
    return database_url


@pytest.fixture(scope="session")
def bank_files() -> BankFiles:
    return read_bank_files(BANK_DIR)


@pytest.fixture(scope="session")
def bank(bank_files: BankFiles) -> QuestionBank:
    return build_bank(bank_files)


@pytest.fixture()
def app(migrated: str, tmp_path: Path) -> Iterator[Flask]:
    yield from application_on(migrated, tmp_path)


def application_on(database_url: str, tmp_path: Path, **settings: str) -> Iterator[Flask]:
    """The test application on the migrated database; `settings` override the defaults.

    A module can override the `app` fixture with it to test other settings."""
    app = create_app(
        {
            "QUESTIONNAIRE_ENV": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "EXPORT_DIR": str(tmp_path / "exports"),
            **settings,
        }
    )
    yield app
    _empty_tables(app)
    app.extensions["database"].engine.dispose()


def _empty_tables(app: Flask) -> None:
    with app.extensions["database"].sessions() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
        session.commit()


@pytest.fixture()
def db(app: Flask) -> Iterator[Session]:
    with app.extensions["database"].sessions() as session:
        yield session


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture()
def state_parties(db: Session) -> None:
    load_state_parties_into(db)
    db.commit()


@pytest.fixture()
def loaded_bank(db: Session, bank_files: BankFiles) -> QuestionBank:
    load_bank_edition(db, bank_files, SYSTEM)
    db.commit()
    return build_bank(bank_files)


@pytest.fixture()
def make_user(db: Session, state_parties: None) -> Any:
    def make(email: str, role: Role = Role.SECRETARIAT, state: str | None = None) -> User:
        user = create_user(
            db,
            SYSTEM,
            email=email,
            name=email.split("@")[0],
            role=role,
            state_party_code=state,
            password=PASSWORD,
        )
        db.commit()
        return user

    return make


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = PASSWORD) -> Any:
        token = csrf_token(self._client)
        return self._client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self) -> Any:
        token = csrf_token(self._client, "/")
        return self._client.post("/logout", data={"csrf_token": token})


@pytest.fixture()
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


def finished_workbook_job(
    db: Session, app: Flask, owner: User, job_id: str, data: bytes, name: str
) -> None:
    """A cross-country workbook job that has finished, its file in the app's storage."""
    from questionnaire.models import Job, JobStatus

    key = f"reports/{job_id}.xlsx"
    app.extensions["storage"].put(key, data)
    db.add(
        Job(
            id=job_id,
            kind="reports.cross_country",
            owner_id=owner.id,
            parameters={"language": "en"},
            status=JobStatus.DONE,
            progress_done=1,
            progress_total=1,
            result_key=key,
            result_name=name,
        )
    )
    db.commit()
