"""Error pages in the person's language, saying what happened and what to do."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.wrappers import Response

from questionnaire.storage import StorageError

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = "60"


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(StorageError, _storage_unavailable)


def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    if _wants_json():
        return error
    return render_template("error.html", error=error), error.code or 500


def _wants_json() -> bool:
    return request.path.endswith("/autosave") or request.accept_mimetypes.best == "application/json"


def _storage_unavailable(error: StorageError) -> tuple[str | Response, int, dict[str, str]]:
    """The file store did not answer: say so, and that nothing saved is lost (a 503 that a
    load balancer and the person's browser may retry)."""
    logger.warning("file store unavailable: %s", error)
    message = _(
        "The file store is not answering. Nothing you saved is lost; try again in a few minutes."
    )
    headers = {"Retry-After": RETRY_AFTER_SECONDS}
    if _wants_json():
        return jsonify(error=message), 503, headers
    page = render_template("error.html", error=ServiceUnavailable(description=message))
    return page, 503, headers
