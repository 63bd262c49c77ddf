"""Every view declares who may call it; a test fails when a route declares nothing.

`allow(...)` names the audiences a view is for (`Audience`, from the policy module
`services/access.py`, which also decides who belongs to each) and turns refusals into responses:
out-of-scope objects are 404 (`NotFound`), in-scope actions a person may not take now
are 403 with the reason (`NotAllowed`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort
from flask_login import current_user

from questionnaire.models import Role
from questionnaire.services.access import Audience, NotAllowed, NotFound, Permissions, in_audience

__all__ = ["PUBLIC", "Audience", "allow", "public"]

View = TypeVar("View", bound=Callable[..., Any])
PUBLIC = "public"


def allow(*audiences: frozenset[Role]) -> Callable[[View], View]:
    """No audience: any signed-in person (scope and refusals still apply)."""
    audience = frozenset().union(*audiences) or Audience.EVERYONE
    names = frozenset(role.value for role in audience)

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from questionnaire.extensions import login_manager

                return login_manager.unauthorized()
            if not in_audience(current_user, audience):
                abort(404)
            try:
                return view(*args, **kwargs)
            except NotFound:
                abort(404)
            except NotAllowed as refusal:
                abort(403, description=str(refusal))

        guarded.access_policy = tuple(sorted(names))  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def public(view: View) -> View:
    view.access_policy = (PUBLIC,)  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    """Templates offer or hide a person's actions by `can.<decision>`, never by role."""

    @app.context_processor
    def permissions() -> dict[str, Permissions]:
        return {"can": Permissions(current_user)}
