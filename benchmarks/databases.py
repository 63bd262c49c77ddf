"""A fresh database for each run: an SQLite file in a temporary folder, or a PostgreSQL
database created next to the one DATABASE_URL names and dropped at the end."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from questionnaire import migrate

KINDS = ("sqlite", "postgres")


class BenchmarkSetupError(RuntimeError):
    """The benchmark cannot run as asked; the message says what to change."""


def postgres_server_url() -> str | None:
    """DATABASE_URL when it names a PostgreSQL server, else None."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def chosen_kinds(choice: str) -> list[str]:
    """The databases to measure: `auto` is SQLite, plus PostgreSQL when DATABASE_URL names one."""
    server = postgres_server_url()
    if choice == "auto":
        return ["sqlite", "postgres"] if server else ["sqlite"]
    kinds = list(KINDS) if choice == "both" else [choice]
    if "postgres" in kinds and server is None:
        raise BenchmarkSetupError(
            "--database postgres needs DATABASE_URL to name a PostgreSQL server, e.g. "
            "DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    return kinds


@contextmanager
def fresh_database(kind: str, work_dir: Path) -> Iterator[str]:
    """Yield the URL of a new, migrated database of `kind`; remove it afterwards."""
    if kind == "sqlite":
        path = work_dir / "bench.sqlite3"
        for leftover in work_dir.glob("bench.sqlite3*"):
            leftover.unlink()
        url = f"sqlite:///{path}"
        migrate.upgrade(url)
        yield url
        return
    server = postgres_server_url()
    if server is None:
        raise BenchmarkSetupError("DATABASE_URL does not name a PostgreSQL server")
    name = f"bench_{os.getpid()}"
    admin = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    _run_admin(admin, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)"), name)
    _run_admin(admin, sql.SQL("CREATE DATABASE {}"), name)
    try:
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)
        yield url
    finally:
        _run_admin(admin, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)"), name)


def describe(url: str) -> str:
    """The database as results.json records it, without a password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite {_sqlite_version()} (fresh file in a temporary folder, WAL)"
    return f"PostgreSQL {_postgres_version(url)} (fresh database {parsed.database})"


def _run_admin(conninfo: str, statement: sql.SQL, name: str) -> None:
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as connection:
        connection.execute(statement.format(sql.Identifier(name)))


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def _postgres_version(url: str) -> str:
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, connect_timeout=5) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"
