"""Alembic is the only way the schema is made, and it can go down and up again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from questionnaire import migrate
from questionnaire.config import DEFAULT_LOCK_TIMEOUT_MS
from questionnaire.database import Base, make_engine


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _round_trip(url: str) -> None:
    migrate.upgrade(url)
    assert _tables(url) == set(Base.metadata.tables)
    migrate.downgrade(url, "base")
    assert _tables(url) == set()
    migrate.upgrade(url)
    assert _tables(url) == set(Base.metadata.tables)
    migrate.check(url)  # alembic check: the models and the migrations agree


def test_round_trip_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")


def test_round_trip_on_the_suite_database(migrated: str) -> None:
    """On PostgreSQL when the suite runs against it (DATABASE_URL), else on SQLite."""
    _round_trip(migrated)


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        assert busy_timeout == DEFAULT_LOCK_TIMEOUT_MS
    engine.dispose()


RATING_CHECKS = {"ck_item_reviews_framework_rating", "ck_item_reviews_practice_rating"}


def _check_names(url: str, table: str) -> set[str]:
    engine = make_engine(url)
    try:
        return {check["name"] for check in inspect(engine).get_check_constraints(table)}
    finally:
        engine.dispose()


def _bank_vocabulary_is_not_pinned(url: str) -> None:
    """Ratings are bank values (no CHECK); the application's own states keep theirs."""
    migrate.upgrade(url)
    assert not _check_names(url, "item_reviews") & RATING_CHECKS
    assert "ck_assessments_workflow_status" in _check_names(url, "assessments")
    assert "ck_findings_follow_up_status" in _check_names(url, "findings")
    migrate.downgrade(url, "0007_ux_review")
    assert RATING_CHECKS <= _check_names(url, "item_reviews")
    migrate.upgrade(url)
    assert not _check_names(url, "item_reviews") & RATING_CHECKS
    migrate.check(url)


def test_ratings_are_not_pinned_by_check_constraints_on_sqlite(tmp_path: Path) -> None:
    _bank_vocabulary_is_not_pinned(f"sqlite:///{tmp_path / 'checks.sqlite3'}")


def test_ratings_are_not_pinned_by_check_constraints_on_the_suite_database(migrated: str) -> None:
    _bank_vocabulary_is_not_pinned(migrated)
