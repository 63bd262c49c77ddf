"""Configuration read from the environment, checked once at start-up.

A bad setting stops the application with one sentence saying what to set, because the
people who deploy a secretariat tool are rarely the people who wrote it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "production", "testing")


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says what to set."""


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str
    secret_key: str
    instance_dir: Path
    export_dir: Path
    question_bank_dir: Path
    upload_dir: Path
    max_upload_bytes: int
    max_import_bytes: int
    session_idle_minutes: int
    session_absolute_hours: int
    trusted_proxies: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    def flask_config(self) -> dict[str, Any]:
        secure_cookies = self.environment == "production"
        return {
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "EXPORT_DIR": self.export_dir,
            "QUESTION_BANK_DIR": self.question_bank_dir,
            "UPLOAD_DIR": self.upload_dir,
            "MAX_UPLOAD_BYTES": self.max_upload_bytes,
            "MAX_IMPORT_BYTES": self.max_import_bytes,
            # Werkzeug refuses a larger body before any view reads it.
            "MAX_CONTENT_LENGTH": max(self.max_upload_bytes, self.max_import_bytes) + 1024 * 1024,
            "SESSION_COOKIE_SECURE": secure_cookies,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": secure_cookies,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "SESSION_IDLE_MINUTES": self.session_idle_minutes,
            "SESSION_ABSOLUTE_HOURS": self.session_absolute_hours,
            "TRUSTED_PROXIES": self.trusted_proxies,
            "TESTING": self.environment == "testing",
            "APP_ENVIRONMENT": self.environment,
            "BABEL_DEFAULT_LOCALE": "zh",
            "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
            **self.extra,
        }


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Build settings from the environment; `overrides` (tests) win over the environment."""
    overrides = dict(overrides or {})
    env = {**os.environ, **{k: v for k, v in overrides.items() if isinstance(v, str)}}

    environment = env.get("QUESTIONNAIRE_ENV", "production").strip().lower()
    if environment not in ENVIRONMENTS:
        raise ConfigError(
            f"QUESTIONNAIRE_ENV is {environment!r}; set it to one of {', '.join(ENVIRONMENTS)}."
        )
    instance_dir = Path(env.get("INSTANCE_DIR", PROJECT_ROOT / "instance")).resolve()
    instance_dir.mkdir(parents=True, exist_ok=True)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'questionnaire.sqlite3'}"
    _check_database_url(database_url)

    secret_key = env.get("SECRET_KEY", "")
    if not secret_key:
        if environment == "production":
            raise ConfigError(
                "SECRET_KEY is not set; set SECRET_KEY to a long random string "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        secret_key = _development_secret(instance_dir)

    known = {
        "QUESTIONNAIRE_ENV",
        "INSTANCE_DIR",
        "DATABASE_URL",
        "SECRET_KEY",
        "EXPORT_DIR",
        "QUESTION_BANK_DIR",
        "UPLOAD_DIR",
        "MAX_UPLOAD_MB",
        "MAX_IMPORT_MB",
        "SESSION_IDLE_MINUTES",
        "SESSION_ABSOLUTE_HOURS",
        "TRUSTED_PROXIES",
    }
    return Settings(
        environment=environment,
        database_url=database_url,
        secret_key=secret_key,
        instance_dir=instance_dir,
        export_dir=Path(env.get("EXPORT_DIR", PROJECT_ROOT / "exports")).resolve(),
        question_bank_dir=Path(env.get("QUESTION_BANK_DIR", PROJECT_ROOT / "question_bank")),
        upload_dir=Path(env.get("UPLOAD_DIR", instance_dir / "uploads")).resolve(),
        max_upload_bytes=_megabytes(env, "MAX_UPLOAD_MB", 10),
        max_import_bytes=_megabytes(env, "MAX_IMPORT_MB", 5),
        session_idle_minutes=_positive_int(env, "SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_positive_int(env, "SESSION_ABSOLUTE_HOURS", 12),
        trusted_proxies=_count(env, "TRUSTED_PROXIES"),
        extra={k: v for k, v in overrides.items() if k not in known},
    )


def _check_database_url(url: str) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL {url!r} is not a database URL; set it like "
            "postgresql+psycopg://user@host:5432/name or sqlite:///path/to/file.sqlite3."
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"DATABASE_URL names {parsed.get_backend_name()!r}; set it to a PostgreSQL "
            "(postgresql+psycopg://...) or SQLite (sqlite:///...) URL."
        )


def _development_secret(instance_dir: Path) -> str:
    """Generate the development key once and keep it, so sessions survive restarts."""
    path = instance_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"{name} is {raw!r}; set it to a whole number above 0.")
    return value


def _count(env: Mapping[str, str], name: str) -> int:
    raw = env.get(name) or "0"
    if not (raw.isascii() and raw.isdigit()):
        raise ConfigError(f"{name} is {raw!r}; set it to a whole number (0 when no proxy).")
    return int(raw)


def _megabytes(env: Mapping[str, str], name: str, default: int) -> int:
    return _positive_int(env, name, default) * 1024 * 1024
