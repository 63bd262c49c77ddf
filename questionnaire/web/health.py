"""Liveness for load balancers and monitors: the application and its database answer."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from questionnaire.extensions import db_session
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
