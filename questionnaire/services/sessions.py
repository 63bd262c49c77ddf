"""Whether a log-in session is still valid, as a condition a query can carry.

A session names an account and the account's session generation at log-in; the generation
is raised at log-out, password change, disabling and change of role (`accounts`), so an
older session is no longer valid. Pages that take the person from the signed session
instead of loading the account (web/identity.py) check this in their first statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Integer, Result, bindparam, event, exists, select
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from questionnaire.models import User

# Execution option of a statement that carries the check itself: nothing need run before it.
CHECKS_SESSION = "checks_session"


@dataclass(frozen=True)
class SessionCheck:
    """The account and generation a session was issued for."""

    user_id: int
    generation: int

    def condition(self) -> ColumnElement[bool]:
        """True while the account is active and still at this generation."""
        return self._condition(self.user_id, self.generation)

    def parameters(self) -> dict[str, int]:
        """The values of `parametrized_condition`."""
        return {"session_user": self.user_id, "session_generation": self.generation}

    @staticmethod
    def parametrized_condition() -> ColumnElement[bool]:
        """`condition` with its values left as bind parameters, for a statement built once."""
        return SessionCheck._condition(
            bindparam("session_user", type_=Integer),
            bindparam("session_generation", type_=Integer),
        )

    @staticmethod
    def _condition(user_id: Any, generation: Any) -> ColumnElement[bool]:
        return exists(
            select(User.id).where(
                User.id == user_id,
                User.session_generation == generation,
                User.active.is_(True),
            )
        )


def is_current(session: Session, check: SessionCheck) -> bool:
    """The check on its own, one small query: for requests with no first query to carry it."""
    return bool(
        session.scalar(select(check.condition()).execution_options(**{CHECKS_SESSION: True}))
    )


class SessionEnded(Exception):
    """The session's account was logged out, changed or disabled since the cookie was made."""


class PendingCheck(Protocol):
    """Where the web layer keeps the check still to be made for the current request."""

    def peek(self) -> SessionCheck | None: ...

    def take(self) -> SessionCheck | None: ...


def check_before_first_statement(sessions: sessionmaker[Session], pending: PendingCheck) -> None:
    """Make the pending check before a request's first statement or flush, unless that
    statement carries the check itself (`CHECKS_SESSION`) and returns rows.

    A statement that carries it and finds nothing does not count as the check: the view's
    next statement (its "not found or not yours?") makes the check alone first, so "not
    found" is never the answer to a session that has ended.
    """

    def before_statement(state: ORMExecuteState) -> Result[Any] | None:
        if not state.execution_options.get(CHECKS_SESSION):
            _check_now(state.session)
            return None
        if pending.peek() is None:
            return None
        rows = state.invoke_statement().freeze()
        if rows().first() is not None:
            pending.take()
        return rows()

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        with session.no_autoflush:
            _check_now(session)

    def _check_now(session: Session) -> None:
        check = pending.take()
        if check is not None and not is_current(session, check):
            raise SessionEnded

    event.listen(sessions, "do_orm_execute", before_statement)
    event.listen(sessions, "before_flush", before_flush)
