"""The logged-in person of the busiest requests, taken from the signed session.

Every page used to start with a query for the person's account (Flask-Login's user
loader). The two requests a person makes most, reading a commitment and autosaving it,
take the person from the session instead: at log-in the account's id, role, state party,
name, e-mail, language and session generation are stored in the session cookie, which is
signed with the secret key (its owner can read it, nobody can change it).

What the cookie cannot know is whether the session has ended since: a log-out elsewhere,
a password change, the account disabled or given another role all raise the account's
session generation (services/accounts.py). So the view's first statement, which it runs
anyway, carries that check (`services.sessions.SessionCheck`): one round trip instead of
two, and a stale session reads nothing. Why fold it rather than keep one tiny query: on
PostgreSQL the round trip, not the size of the row, is the cost (issue 21: about 0.4 ms of
CPU each, client and server on the same cores), so a separate check would save nothing
over loading the account.

The safety net: until the check has been made, any other statement of the request's
database session, or any flush, makes it first on its own. A view that forgets to carry
it costs one query, never a stale session. Other views load the account as before.

What the cookie remembers of the person (name, language) may be as old as the log-in;
neither grants anything, and a change of role or state party ends the session. (A language
chosen on another device shows on these two pages from the next log-in; the language
chosen in this browser always wins, as on every page.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import logout_user
from sqlalchemy.orm import make_transient_to_detached
from werkzeug.wrappers import Response

from questionnaire.extensions import db_session, login_manager
from questionnaire.models import Role, User
from questionnaire.services.sessions import (
    SessionCheck,
    SessionEnded,
    check_before_first_statement,
)

View = TypeVar("View", bound=Callable[..., Any])
PERSON_KEY = "person"
_UNCHECKED = "unchecked_session"  # on `g`: the SessionCheck still to make


class _RequestCheck:
    """The check still to make for this request, kept on `g` (none outside a request)."""

    def peek(self) -> SessionCheck | None:
        return g.get(_UNCHECKED) if has_request_context() else None

    def take(self) -> SessionCheck | None:
        return g.pop(_UNCHECKED, None) if has_request_context() else None


def init_app(app: Flask) -> None:
    check_before_first_statement(app.extensions["database"].sessions, _RequestCheck())
    app.register_error_handler(SessionEnded, _ended)


def person_from_session(view: View) -> View:
    """Mark a view whose first statement checks the session (see `unchecked_session`)."""
    view.person_from_session = True  # type: ignore[attr-defined]
    return view


def remember(user: User) -> None:
    """Store what the marked views need of the person; called at every log-in."""
    session[PERSON_KEY] = {
        "id": user.id,
        "generation": user.session_generation,
        "role": user.role.value,
        "state_party": user.state_party_code,
        "name": user.name,
        "email": user.email,
        "language": user.language,
    }


def remembered_person(user_id: int, generation: int) -> User | None:
    """The person as the session remembers them, for a marked view; None elsewhere, or when
    the session remembers no one (a cookie from before this was added): load the account.

    The account is put in the request's database session as if loaded (no query);
    anything not remembered (the password hash) is loaded on first use.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    saved = session.get(PERSON_KEY)
    if not getattr(view, "person_from_session", False) or not isinstance(saved, dict):
        return None
    if saved.get("id") != user_id or saved.get("generation") != generation:
        return None
    try:
        role = Role(saved["role"])
        person = User(
            id=user_id,
            session_generation=generation,
            role=role,
            state_party_code=saved["state_party"],
            name=saved["name"],
            email=saved["email"],
            language=saved["language"],
            active=True,
        )
    except (KeyError, ValueError):
        return None
    make_transient_to_detached(person)
    db_session().add(person)
    setattr(g, _UNCHECKED, SessionCheck(user_id, generation))
    return person


def unchecked_session() -> SessionCheck | None:
    """The check the view's first statement should carry, if still to be made.

    A statement that carries it and returns rows counts as the check made. One that finds
    nothing does not: the view's next statement (its "not found or not yours?") makes the
    check alone first, so "not found" is never the answer to a session that has ended.
    """
    return g.get(_UNCHECKED) if has_request_context() else None


def _ended(_error: SessionEnded) -> Response:
    """As when the account is loaded and found changed: log in again."""
    logout_user()
    session.pop(PERSON_KEY, None)
    return login_manager.unauthorized()
