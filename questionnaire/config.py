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
# A request must not hang on a slow query or a held lock: past these it fails, and the
# person is told the service is briefly unavailable (503) instead of waiting on.
DEFAULT_STATEMENT_TIMEOUT_MS = 15_000
DEFAULT_LOCK_TIMEOUT_MS = 3_000


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
    max_upload_bytes: int
    max_import_bytes: int
    session_idle_minutes: int
    session_absolute_hours: int
    trusted_proxies: int = 0
    storage_url: str = ""
    storage_endpoint_url: str = ""
    broker_url: str = ""
    result_backend: str = ""
    queue_eager: bool = False
    queue_visibility_timeout: int = 900
    queue_resend_seconds: int = 60
    import_stash_hours: int = 24
    report_cache_days: int = 30
    report_cache_mb: int = 1024
    database_statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS
    database_lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS
    extra: dict[str, Any] = field(default_factory=dict)

    def flask_config(self) -> dict[str, Any]:
        secure_cookies = self.environment == "production"
        return {
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "DATABASE_STATEMENT_TIMEOUT_MS": self.database_statement_timeout_ms,
            "DATABASE_LOCK_TIMEOUT_MS": self.database_lock_timeout_ms,
            "EXPORT_DIR": self.export_dir,
            "QUESTION_BANK_DIR": self.question_bank_dir,
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
            "STORAGE_URL": self.storage_url,
            "STORAGE_ENDPOINT_URL": self.storage_endpoint_url,
            "BROKER_URL": self.broker_url,
            "RESULT_BACKEND": self.result_backend,
            "QUEUE_EAGER": self.queue_eager,
            "QUEUE_VISIBILITY_TIMEOUT": self.queue_visibility_timeout,
            "QUEUE_RESEND_SECONDS": self.queue_resend_seconds,
            "IMPORT_STASH_HOURS": self.import_stash_hours,
            "REPORT_CACHE_DAYS": self.report_cache_days,
            "REPORT_CACHE_BYTES": self.report_cache_mb * 1024 * 1024,
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
        "MAX_UPLOAD_MB",
        "MAX_IMPORT_MB",
        "SESSION_IDLE_MINUTES",
        "SESSION_ABSOLUTE_HOURS",
        "TRUSTED_PROXIES",
        "STORAGE_URL",
        "STORAGE_ENDPOINT_URL",
        "REDIS_URL",
        "BROKER_URL",
        "RESULT_BACKEND",
        "QUEUE_EAGER",
        "QUEUE_VISIBILITY_TIMEOUT",
        "QUEUE_RESEND_SECONDS",
        "IMPORT_STASH_HOURS",
        "REPORT_CACHE_DAYS",
        "REPORT_CACHE_MB",
        "DATABASE_STATEMENT_TIMEOUT_MS",
        "DATABASE_LOCK_TIMEOUT_MS",
    }
    broker_url, result_backend = _queue_urls(env, instance_dir)
    return Settings(
        environment=environment,
        database_url=database_url,
        secret_key=secret_key,
        instance_dir=instance_dir,
        export_dir=Path(env.get("EXPORT_DIR", PROJECT_ROOT / "exports")).resolve(),
        question_bank_dir=Path(env.get("QUESTION_BANK_DIR", PROJECT_ROOT / "question_bank")),
        max_upload_bytes=_megabytes(env, "MAX_UPLOAD_MB", 10),
        max_import_bytes=_megabytes(env, "MAX_IMPORT_MB", 5),
        session_idle_minutes=_positive_int(env, "SESSION_IDLE_MINUTES", 30),
        session_absolute_hours=_positive_int(env, "SESSION_ABSOLUTE_HOURS", 12),
        trusted_proxies=_count(env, "TRUSTED_PROXIES"),
        storage_url=_storage_url(env, instance_dir),
        storage_endpoint_url=env.get("STORAGE_ENDPOINT_URL", ""),
        broker_url=broker_url,
        result_backend=result_backend,
        queue_eager=_flag(env, "QUEUE_EAGER", default=environment == "testing"),
        queue_visibility_timeout=_positive_int(env, "QUEUE_VISIBILITY_TIMEOUT", 900),
        queue_resend_seconds=_positive_int(env, "QUEUE_RESEND_SECONDS", 60),
        import_stash_hours=_positive_int(env, "IMPORT_STASH_HOURS", 24),
        report_cache_days=_positive_int(env, "REPORT_CACHE_DAYS", 30),
        report_cache_mb=_positive_int(env, "REPORT_CACHE_MB", 1024),
        database_statement_timeout_ms=_milliseconds(
            env, "DATABASE_STATEMENT_TIMEOUT_MS", DEFAULT_STATEMENT_TIMEOUT_MS
        ),
        database_lock_timeout_ms=_milliseconds(
            env, "DATABASE_LOCK_TIMEOUT_MS", DEFAULT_LOCK_TIMEOUT_MS
        ),
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


def _storage_url(env: Mapping[str, str], instance_dir: Path) -> str:
    """Where files go: a folder in the instance by default, or an S3-compatible bucket."""
    url = env.get("STORAGE_URL", "").strip()
    if not url:
        return (instance_dir / "storage").as_uri()
    if url.startswith("/"):
        return Path(url).as_uri()
    if not (url.startswith("file:///") or url.startswith("s3://")):
        raise ConfigError(
            f"STORAGE_URL is {url!r}; set it to file:///absolute/folder or s3://bucket/prefix "
            "(with STORAGE_ENDPOINT_URL for a store other than Amazon S3)."
        )
    return url


def _queue_urls(env: Mapping[str, str], instance_dir: Path) -> tuple[str, str]:
    """The task broker and result store: Redis when REDIS_URL (or BROKER_URL) names it, else
    SQLite files in the instance folder, which need no server (one machine only)."""
    redis_url = env.get("REDIS_URL", "").strip()
    broker = env.get("BROKER_URL", "").strip() or redis_url
    if not broker:
        broker = f"sqla+sqlite:///{instance_dir / 'queue.sqlite3'}"
    results = env.get("RESULT_BACKEND", "").strip() or redis_url
    if not results:
        results = (
            broker
            if broker.startswith("redis")
            else f"db+sqlite:///{instance_dir / 'results.sqlite3'}"
        )
    for name, value in (("BROKER_URL", broker), ("RESULT_BACKEND", results)):
        if "://" not in value:
            raise ConfigError(
                f"{name} is {value!r}; set it to a URL such as redis://127.0.0.1:6379/0."
            )
    return broker, results


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} is {raw!r}; set it to true or false.")


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


def _milliseconds(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit():
        raise ConfigError(f"{name} is {raw!r}; set it to a number of milliseconds (0 for none).")
    return int(raw)


def _megabytes(env: Mapping[str, str], name: str, default: int) -> int:
    return _positive_int(env, name, default) * 1024 * 1024
