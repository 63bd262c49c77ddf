"""Error pages in the person's language, saying what happened and what to do."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)


def _http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
    if request.path.endswith("/autosave") or request.accept_mimetypes.best == "application/json":
        return error
    return render_template("error.html", error=error), error.code or 500
