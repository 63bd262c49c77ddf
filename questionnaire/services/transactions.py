"""The one rule for transactions: each use case commits once, or rolls back entirely.

A service function that is a use case (what a page or a command asks for) runs its work
inside `with transaction(session):`. The outermost block commits when it ends normally
and rolls back everything when anything in it raises, a failed commit included. Blocks
opened inside it (a use case calling another, such as asking a question that also moves
the assessment's status) join it: they neither commit nor roll back, so the whole use case
lands in one commit or not at all. Helpers never commit; views and the command line never
commit or roll back: they parse, call one service, and render.

Work that must survive part of a use case failing (one refused answer among several) uses
a savepoint, `session.begin_nested()`, inside the block, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

# How many `transaction` blocks are open on a session; kept in the session's own `info`.
_DEPTH = "questionnaire.transaction_depth"


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """Run one use case: commit at the end of the outermost block, or roll all of it back."""
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth
