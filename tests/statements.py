"""Count the SQL statements a request sends: each is a round trip to the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event


@contextmanager
def counted_statements(app: Flask) -> Iterator[list[str]]:
    """The statements the application's engine executes inside the block, in order.

    Transaction control the driver sends by itself (BEGIN, COMMIT) is not counted; savepoints
    are, as SQLAlchemy sends them.
    """
    statements: list[str] = []
    engine = app.extensions["database"].engine

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
