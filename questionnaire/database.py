"""Engine, sessions and the declarative base shared by models and migrations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from sqlalchemy import JSON, MetaData, Table, create_engine, event, insert, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from questionnaire.config import DEFAULT_LOCK_TIMEOUT_MS, ConfigError

# Alembic names constraints from this convention, so migrations stay the same on SQLite
# and PostgreSQL and a downgrade can drop what an upgrade created.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


UNAVAILABLE_SQLSTATE_CLASSES = frozenset({"08", "53", "57"})
READ_ONLY_SQL_TRANSACTION = "25006"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(
    url: str,
    *,
    statement_timeout_ms: int = 0,
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS,
    **options: Any,
) -> Engine:
    """An engine whose statements and lock waits end in time (0 turns a limit off).

    PostgreSQL gets both as connection options, so they hold for every statement of every
    connection; SQLite has no statement time-out, and waits for a writer's lock at most
    `lock_timeout_ms` (its busy time-out). The application passes its settings; tools
    that call this directly (migrations, benchmarks) get no statement time-out.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, **options)
        event.listen(engine, "connect", partial(_configure_sqlite, busy_timeout_ms=lock_timeout_ms))
        return engine
    settings = f"-c statement_timeout={statement_timeout_ms} -c lock_timeout={lock_timeout_ms}"
    connect_args = {"connect_timeout": 5, "options": settings}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **options)


def _configure_sqlite(connection: Any, _record: Any, *, busy_timeout_ms: int) -> None:
    """Foreign keys on, WAL so readers do not block the writer, and wait a while for a lock."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_unavailable(error: BaseException) -> bool:
    """Whether a database error is a passing fault of the database rather than a bug.

    Unreachable, refusing connections, locked, read-only, out of time for a statement or a
    lock, a dropped connection: the request may well succeed in a minute. The DB-API calls
    all of these OperationalError (psycopg's statement and lock time-outs included).
    """
    if isinstance(error, OperationalError | PoolTimeout | DisconnectionError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    # PostgreSQL's own classes: connection exceptions (08), insufficient resources (53),
    # operator intervention (57), and a server that takes no writes now (a standby).
    state = str(getattr(error.orig, "sqlstate", "") or "")
    return (
        error.connection_invalidated
        or state[:2] in UNAVAILABLE_SQLSTATE_CLASSES
        or (state == READ_ONLY_SQL_TRANSACTION)
    )


def accepts_writes(engine: Engine) -> None:
    """Write a row and roll it back: raises unless the database takes writes now.

    A read (SELECT 1) succeeds on a locked or read-only SQLite file and on a PostgreSQL
    server in read-only mode, where nobody can save or even log in.
    """
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(
                text("INSERT INTO readiness_probes (checked_at) VALUES (CURRENT_TIMESTAMP)")
            )
        finally:
            transaction.rollback()


def ping(session: Session) -> None:
    """Ask the database the simplest question; raises when it does not answer (liveness)."""
    session.execute(text("SELECT 1"))


def check_connection(engine: Engine) -> None:
    """Fail with one sentence when the database does not answer."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        url = engine.url.render_as_string(hide_password=True)
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise ConfigError(
            f"cannot reach the database at DATABASE_URL={url} ({reason}); "
            "start the database or set DATABASE_URL to one that answers."
        ) from None


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def refresh_planner_statistics(session: Session) -> None:
    """After a bulk load, let PostgreSQL's planner see how big the tables have become.

    Autovacuum does this eventually, or never where it is off (as on this project's CI
    server); until then the planner plans for empty tables. After the 195-country demo it
    read a report's 682 answers by scanning all 127,000 (12 ms instead of under 1 ms).
    SQLite plans well without statistics and is left alone.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.commit()  # ANALYZE sees committed rows only
        session.execute(text("ANALYZE"))
        session.commit()


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many rows in the session's transaction: COPY on PostgreSQL, else executemany.

    On PostgreSQL, COPY streams the rows in one command; an INSERT per thousand rows
    (SQLAlchemy's insertmanyvalues) took 2.6 s for 100,000 answers here. Every row must
    have the same keys; values are stored exactly as an ORM insert would store them (JSON
    columns as JSON, so None becomes JSON null, not SQL NULL).
    """
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    from psycopg.types.json import Json

    names = list(rows[0])
    is_json = [isinstance(table.c[name].type, JSON) for name in names]
    columns = ", ".join(f'"{name}"' for name in names)
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cursor:  # type: ignore[attr-defined]
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(
                    [
                        Json(row[name]) if json else row[name]
                        for name, json in zip(names, is_json, strict=True)
                    ]
                )
