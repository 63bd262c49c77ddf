"""The first page after log-in: what this person can do, and where things stand."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from questionnaire.extensions import db_session
from questionnaire.services.overview import overview_for

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
@login_required
def index() -> str:
    return render_template("home.html", overview=overview_for(db_session(), current_user))
