"""Bad configuration stops start-up with one sentence saying what to set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "QUESTIONNAIRE_ENV"}
    }
    clean.update(INSTANCE_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=PROJECT_ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"DATABASE_URL": "not a url", "QUESTIONNAIRE_ENV": "development"},
            "DATABASE_URL 'not a url' is not a database URL",
        ),
        (
            {"DATABASE_URL": "mysql://root@localhost/x", "QUESTIONNAIRE_ENV": "development"},
            "set it to a PostgreSQL",
        ),
        (
            {
                "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/test",
                "QUESTIONNAIRE_ENV": "development",
            },
            "cannot reach the database at DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:1/test",
        ),
        ({"QUESTIONNAIRE_ENV": "production"}, "SECRET_KEY is not set; set SECRET_KEY"),
        ({"QUESTIONNAIRE_ENV": "staging"}, "QUESTIONNAIRE_ENV is 'staging'; set it to one of"),
        ({"QUESTIONNAIRE_ENV": "development", "MAX_UPLOAD_MB": "lots"}, "MAX_UPLOAD_MB is 'lots'"),
    ],
)
def test_bad_setting_stops_start_up_with_one_sentence(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    result = _start(tmp_path, **env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'dev.sqlite3'}"
    assert _start(tmp_path, QUESTIONNAIRE_ENV="development", DATABASE_URL=database).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) == 64
    assert _start(tmp_path, QUESTIONNAIRE_ENV="development", DATABASE_URL=database).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key
