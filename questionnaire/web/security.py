"""Response headers and session time-outs that every page gets."""

from __future__ import annotations

import time
from typing import TypeGuard

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

# The idle clock is moved on at most once a minute: writing it on every request made every
# response re-sign and re-send the session cookie, for a time-out counted in minutes. The
# price: an idle session can end up to a minute before its full idle time.
SESSION_TOUCH_SECONDS = 60
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Production is served over HTTPS only (its cookies are Secure): browsers should never try
# plain HTTP for a year.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    app.before_request(_enforce_session_timeouts)
    app.after_request(_set_security_headers)


def start_session_clock(*, keep_start: bool = False) -> None:
    """Stamp a new log-in session: both times travel in the cookie from the first response.

    `keep_start` keeps the absolute clock running (a password change is no new log-in).
    """
    now = time.time()
    session["last_seen"] = now
    if not (keep_start and _is_time(session.get("started_at"))):
        session["started_at"] = now


def _enforce_session_timeouts() -> Response | None:
    if not current_user.is_authenticated:
        return None
    now = time.time()
    last_seen, started = session.get("last_seen"), session.get("started_at")
    idle_limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
    absolute_limit = current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    # A session without both times was never stamped at log-in (or was tampered with):
    # it is not valid, rather than one whose clocks start now.
    if (
        not _is_time(last_seen)
        or not _is_time(started)
        or now - last_seen > idle_limit
        or now - started > absolute_limit
    ):
        logout_user()
        session.clear()
        flash(_("Your session has ended. Please log in again."), "info")
        return redirect(url_for("auth.login", next=request.full_path))
    if now - last_seen >= min(SESSION_TOUCH_SECONDS, idle_limit / 2):
        session["last_seen"] = now
    return None


def _is_time(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _set_security_headers(response: Response) -> Response:
    """Every response, error pages and 500s included: so nothing here may fail, and
    nothing here asks the database (it may be the reason for the error)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["APP_ENVIRONMENT"] == "production":
        headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    # A session that names a person, whether or not the account still loads.
    if "_user_id" in session:
        headers["Cache-Control"] = "no-store"
    return response
