"""Every view declares who may call it; a test fails when a route declares nothing.

`allow(...)` names the roles a view is for and turns domain refusals into responses:
out-of-scope objects are 404 (`NotFound`), in-scope actions a person may not take now
are 403 with the reason (`NotAllowed`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from questionnaire.models import Role
from questionnaire.services.access import NotAllowed, NotFound

View = TypeVar("View", bound=Callable[..., Any])
PUBLIC = "public"
ANY_ROLE = frozenset(role.value for role in Role)


def allow(*roles: Role | str) -> Callable[[View], View]:
    names = frozenset(getattr(role, "value", role) for role in roles) or ANY_ROLE

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from questionnaire.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role.value not in names:
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
