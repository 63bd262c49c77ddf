"""Error pages in the person's language, saying what happened and what to do.

A database that does not answer in time (down, refusing connections, locked, read-only,
a statement or lock time-out) is a passing fault, not a bug: the person is told so with a
503 and `Retry-After`, and that nothing they saved is lost. Those pages and the 500 page
never touch the database, so they can be shown when the database is the fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g, jsonify, render_template, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.wrappers import Response

from questionnaire.database import is_unavailable
from questionnaire.extensions import login_manager
from questionnaire.storage import StorageError
from questionnaire.web.i18n import LANGUAGES, request_translations

RETRY_AFTER_SECONDS = 30


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(SQLAlchemyError, _database_error)
    app.register_error_handler(StorageError, _storage_unavailable)


def _wants_json() -> bool:
    return (
        request.path.endswith("/autosave")
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    )


def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    if _wants_json():
        return error
    if (error.code or 500) >= 500:
        # Whatever failed may be what a full page needs (the database, the person's
        # account), so the server error page is drawn from nothing but the request.
        with _without_the_database():
            return render_template("plain_error.html", unavailable=False), error.code or 500
    description = error.description or ""
    if description and error.code == 403:
        # Refusals marked for translation (N_) are in the catalogue; others stay as said.
        description = request_translations().ugettext(description)
    return render_template("error.html", error=error, description=description), error.code


def _database_error(error: SQLAlchemyError) -> Response | tuple[str, int, dict[str, str]]:
    if not is_unavailable(error):
        raise error  # a bug, not a fault of the database: the usual server error
    current_app.logger.warning(
        "database unavailable on %s %s: %s", request.method, request.path, error
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    with _without_the_database():
        if _wants_json():
            message = _(
                "The service is temporarily unavailable. Nothing you saved is lost; your "
                "text is still here and will be saved when it is back."
            )
            response = jsonify(error=message, retry_after=RETRY_AFTER_SECONDS)
            response.status_code = 503
            response.headers.update(headers)
            return response
        page = render_template("plain_error.html", unavailable=True, sent=request.method == "POST")
    return page, 503, headers


def _storage_unavailable(error: StorageError) -> Response | tuple[str, int, dict[str, str]]:
    """The file store did not answer: say so, and that nothing saved is lost (a 503 that a
    load balancer and the person's browser may retry)."""
    current_app.logger.warning(
        "file store unavailable on %s %s: %s", request.method, request.path, error
    )
    message = _(
        "The file store is not answering. Nothing you saved is lost; try again in a few minutes."
    )
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _wants_json():
        response = jsonify(error=message, retry_after=RETRY_AFTER_SECONDS)
        response.status_code = 503
        response.headers.update(headers)
        return response
    page = render_template(
        "error.html", error=ServiceUnavailable(description=message), description=message
    )
    return page, 503, headers


@contextmanager
def _without_the_database() -> Iterator[None]:
    """Render in the request's language without asking the database: the language chosen
    in this session, else the browser's (the account's own setting needs the database);
    and the person counts as not logged in for this page, unless already loaded."""
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()
    chosen = session.get("language")
    if chosen not in LANGUAGES:
        chosen = request.accept_languages.best_match(LANGUAGES) or "zh"
    g._language = chosen
    g._translations = None
    with force_locale(chosen):
        yield
