"""Health for load balancers and monitors.

`/healthz` (liveness): the application answers, and says whether its database does.
`/readyz` (readiness): whether people can use this instance now, as a list of named
checks, each of which must pass: the database accepts a write, the task broker answers, the
file store stores and reads back. More checks are added with `add_readiness_check`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, jsonify
from flask.blueprints import BlueprintSetupState
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from questionnaire.database import accepts_writes, ping
from questionnaire.extensions import database, db_session, storage
from questionnaire.queue import reach_broker
from questionnaire.web.errors import RETRY_AFTER_SECONDS
from questionnaire.web.policy import public

blueprint = Blueprint("health", __name__)


@dataclass(frozen=True)
class ReadinessCheck:
    """One thing the instance needs; `run` returns when it is there and raises when not."""

    name: str
    run: Callable[[], None]


def add_readiness_check(app: Flask, name: str, run: Callable[[], None]) -> None:
    checks: list[ReadinessCheck] = app.extensions.setdefault("readiness_checks", [])
    if any(check.name == name for check in checks):
        raise ValueError(f"a readiness check named {name!r} exists already")
    checks.append(ReadinessCheck(name, run))


def _database_accepts_writes() -> None:
    accepts_writes(database().engine)


def _broker_answers() -> None:
    reach_broker(current_app.extensions["celery"], timeout=2)


def _storage_stores() -> None:
    storage().check()


@blueprint.record_once
def _register_default_checks(state: BlueprintSetupState) -> None:
    add_readiness_check(state.app, "database", _database_accepts_writes)
    add_readiness_check(state.app, "broker", _broker_answers)
    add_readiness_check(state.app, "storage", _storage_stores)


@blueprint.get("/healthz")
@public
def healthz() -> tuple[Response, int]:
    try:
        ping(db_session())
    except SQLAlchemyError:
        return jsonify(status="error", application="ok", database="unreachable"), 503
    return jsonify(status="ok", application="ok", database="ok"), 200


@blueprint.get("/readyz")
@public
def readyz() -> tuple[Response, int] | tuple[Response, int, dict[str, str]]:
    results: dict[str, str] = {}
    for check in current_app.extensions["readiness_checks"]:
        try:
            check.run()
        except Exception as error:  # any failure of a check means: not ready
            # The reason goes to the log; the public answer names the check only.
            current_app.logger.warning("readiness check %s failed: %r", check.name, error)
            results[check.name] = "failed"
        else:
            results[check.name] = "ok"
    failing = [name for name, result in results.items() if result != "ok"]
    if failing:
        body = jsonify(status="unavailable", failing=failing, checks=results)
        return body, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return jsonify(status="ready", failing=[], checks=results), 200
