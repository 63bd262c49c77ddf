"""The first page after log-in: what this person can do, and where things stand."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, render_template
from flask_login import current_user

from questionnaire.extensions import db_session
from questionnaire.services.dashboards import dashboard_for
from questionnaire.services.site_summary import site_summary_for
from questionnaire.web.policy import allow

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
@allow()
def index() -> str:
    session = db_session()
    return render_template(
        "home.html",
        site=site_summary_for(session, current_user),
        dashboard=dashboard_for(session, current_user),
    )


@blueprint.app_template_filter("zip_counts")
def zip_counts(
    labels: Iterable[str], keys: list[str], counts: dict[str, int], total: int
) -> list[tuple[str, int, int]]:
    """(label, count, total) rows for a bar chart of counts by status."""
    return [(label, counts.get(key, 0), total) for label, key in zip(labels, keys, strict=True)]


@blueprint.app_template_filter("section_bars")
def section_bars(
    rows: list[tuple[str, str, float | None, int, int]], chinese: bool
) -> list[tuple[str, float | None, float]]:
    """(section, score rounded to 2 places, 1) rows for a bar chart of scores."""
    return [
        (zh if chinese else en, None if score is None else round(score, 2), 1.0)
        for zh, en, score, _answered, _asked in rows
    ]
