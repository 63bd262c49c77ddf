"""Liveness and readiness for load balancers and monitors.

`/healthz` says the process answers (restart it if not). `/readyz` says whether it can do
its work: the database accepts a write, the task broker answers, the file store stores;
a 503 names the part that fails, so an operator knows where to look.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, jsonify
from sqlalchemy import delete, insert, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from questionnaire.extensions import db_session, storage
from questionnaire.models import Job
from questionnaire.web.policy import public

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
@public
def healthz() -> tuple[Response, int]:
    try:
        db_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="error", application="ok", database="unreachable"), 503
    return jsonify(status="ok", application="ok", database="ok"), 200


def _database() -> None:
    """A row written and rolled back: a read-only or locked database fails here."""
    session = db_session()
    try:
        session.execute(insert(Job).values(id="readiness-probe", kind="probe", parameters={}))
        session.execute(delete(Job).where(Job.id == "readiness-probe"))
    finally:
        session.rollback()


def _broker() -> None:
    celery = current_app.extensions["celery"]
    if celery.conf.task_always_eager:
        return
    with celery.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)


def _storage() -> None:
    storage().check()


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "broker": _broker,
    "storage": _storage,
}


@blueprint.get("/readyz")
@public
def readyz() -> tuple[Response, int]:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # noqa: BLE001 - whatever breaks, the part is not ready
            results[name] = "failing"
        else:
            results[name] = "ok"
    failing = [name for name, result in results.items() if result != "ok"]
    if failing:
        return jsonify(status="unavailable", failing=failing, checks=results), 503
    return jsonify(status="ok", checks=results), 200
