"""A real server and a real browser for the walk-through.

The application runs under gunicorn, as in production, on a fresh SQLite database in a
temporary folder; Debian's chromium is driven by Playwright without any browser download.
Without chromium or Playwright the walk-through is skipped, so `make test` still passes on a
machine that has neither; CI installs chromium, so there it runs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from questionnaire import migrate
from questionnaire.database import make_engine, make_session_factory
from questionnaire.domain.bank.loader import read_bank_files
from questionnaire.models import Role
from questionnaire.services.accounts import SYSTEM, create_user
from questionnaire.services.bank_store import load_bank_edition
from questionnaire.services.state_parties import load_state_parties_into

if TYPE_CHECKING:
    from playwright.sync_api import Browser

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
GUNICORN = PROJECT_ROOT / ".venv" / "bin" / "gunicorn"
SCREENSHOT_DIR = PROJECT_ROOT / "test-output" / "screenshots"
PASSWORD = "walk-through password 2021"
SERVER_START_SECONDS = 30
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Person:
    email: str
    name: str


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    log_path: Path
    database_url: str  # tests that need data beyond the three accounts add it here

    def url(self, path: str) -> str:
        return self.base_url + path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


SECRETARIAT = Person("secretariat@unodc.example.org", "Secretariat Officer")
REVIEWER_JPN = Person("expert@jpn.example.org", "Reviewer Japan")
REVIEWER_FRA = Person("expert@fra.example.org", "Reviewer France")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium under Playwright; skipped with the reason when either is missing."""
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="Playwright is not installed: .venv/bin/pip install 'playwright>=1.40'",
    )
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_api.sync_playwright() as playwright:
        # Playwright gives every launch a new, empty profile of its own.
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The application under gunicorn with the secretariat and two reviewers, nothing else."""
    root = tmp_path_factory.mktemp("walkthrough")
    database_url = f"sqlite:///{root / 'walkthrough.sqlite3'}"
    _prepare_database(database_url)
    with running_server(root, database_url) as live:
        yield live


@contextmanager
def running_server(root: Path, database_url: str) -> Iterator[LiveServer]:
    """gunicorn serving `database_url`, its instance folder under `root`, until the block ends."""
    port = _free_port()
    log_path = root / "gunicorn.log"
    environment = {
        **os.environ,
        "QUESTIONNAIRE_ENV": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "walk-through-secret-key",
        "INSTANCE_DIR": str(root / "instance"),
        "EXPORT_DIR": str(root / "exports"),
    }
    # The production configuration (gevent workers). With sync workers, Chromium's idle
    # preconnected sockets could hold both workers, and a page then waited for gunicorn's
    # 30 s time-out: a reload in the review walk timed out that way in CI.
    config = "python:questionnaire.gunicorn_conf"
    command = [str(GUNICORN), "-c", config, "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    command.append("wsgi:app")
    with log_path.open("w", encoding="utf-8") as log:
        server = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    live = LiveServer(f"http://127.0.0.1:{port}", log_path, database_url)
    try:
        _wait_until_healthy(live, server)
        yield live
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        # Shown by pytest only when a test fails: what the server said meanwhile.
        print(f"gunicorn log ({log_path}):\n{live.log()[-8000:]}")


@pytest.fixture(scope="module")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


def _prepare_database(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            load_state_parties_into(session)
            load_bank_edition(session, read_bank_files(PROJECT_ROOT / "question_bank"), SYSTEM)
            create_user(
                session,
                SYSTEM,
                email=SECRETARIAT.email,
                name=SECRETARIAT.name,
                role=Role.SECRETARIAT,
                password=PASSWORD,
            )
            for reviewer, state in ((REVIEWER_JPN, "JPN"), (REVIEWER_FRA, "FRA")):
                create_user(
                    session,
                    SYSTEM,
                    email=reviewer.email,
                    name=reviewer.name,
                    role=Role.REVIEWER,
                    state_party_code=state,
                    password=PASSWORD,
                )
            session.commit()
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_healthy(live: LiveServer, server: subprocess.Popen[bytes]) -> None:
    """Poll /healthz until gunicorn answers; fail with its log if it dies or never answers."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn stopped at start-up:\n{live.log()}")
        try:
            with urllib.request.urlopen(live.url("/healthz"), timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:  # refused, reset or timed out while the workers boot
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer /healthz within {SERVER_START_SECONDS} s:\n{live.log()}")
