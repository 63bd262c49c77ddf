"""The first page after log-in: what this person can do, and where things stand."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from questionnaire.extensions import db_session
from questionnaire.services.overview import overview_for
from questionnaire.web.policy import allow

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
@allow()
def index() -> str:
    return render_template("home.html", overview=overview_for(db_session(), current_user))
