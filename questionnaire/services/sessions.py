"""Whether a log-in session is still valid, as a condition a query can carry.

A session names an account and the account's session generation at log-in; the generation
is raised at log-out, password change, disabling and change of role (`accounts`), so an
older session is no longer valid. Pages that take the person from the signed session
instead of loading the account (web/identity.py) check this in their first statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, exists, select
from sqlalchemy.orm import Session

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
