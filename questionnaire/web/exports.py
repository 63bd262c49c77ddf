"""Workbook downloads and uploads: gap reports, offline questionnaires."""

from __future__ import annotations

import json
import secrets
from io import BytesIO
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from questionnaire.domain.offline import ImportLimits, OfflineImportError
from questionnaire.extensions import database, db_session
from questionnaire.models import Role
from questionnaire.services import access, offline, reports
from questionnaire.web.i18n import current_language
from questionnaire.web.policy import allow

blueprint = Blueprint("exports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _language() -> str:
    chosen = request.args.get("lang", "")
    return chosen if chosen in reports.LANGUAGES else current_language()


def _export_dir() -> Path:
    return Path(current_app.config["EXPORT_DIR"])


def offline_secret() -> bytes:
    return offline.offline_secret(current_app.config["SECRET_KEY"])


def _limits() -> ImportLimits:
    return ImportLimits(max_file_bytes=current_app.config["MAX_IMPORT_BYTES"])


@blueprint.get("/assessments/<int:assessment_id>/report.xlsx")
@allow()
def country_report(assessment_id: int) -> Response:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    built = reports.country_report(session, current_user, assessment, _language(), _export_dir())
    return send_file(
        built.path, mimetype=XLSX, as_attachment=True, download_name=built.download_name, max_age=0
    )


@blueprint.post("/secretariat/reports")
@allow(Role.SECRETARIAT)
def start_secretariat_report() -> Response:
    job_id = reports.start_secretariat_job(
        database().sessions, current_user, _language_form(), _export_dir()
    )
    return redirect(url_for(".secretariat_report", job_id=job_id))


def _language_form() -> str:
    chosen = request.form.get("lang", "")
    return chosen if chosen in reports.LANGUAGES else current_language()


@blueprint.get("/secretariat/reports/<job_id>")
@allow(Role.SECRETARIAT)
def secretariat_report(job_id: str) -> str:
    status = reports.job_for(_export_dir(), job_id, current_user)
    return render_template("exports/job.html", job_id=job_id, status=status)


@blueprint.get("/secretariat/reports/<job_id>/download")
@allow(Role.SECRETARIAT)
def secretariat_report_file(job_id: str) -> Response:
    status = reports.job_for(_export_dir(), job_id, current_user)
    return send_file(
        reports.job_file(_export_dir(), status),
        mimetype=XLSX,
        as_attachment=True,
        download_name=status.get("name", "cross-country.xlsx"),
        max_age=0,
    )


@blueprint.get("/assessments/<int:assessment_id>/offline.xlsx")
@allow(Role.SECRETARIAT, Role.FOCAL_POINT, Role.CONTRIBUTOR)
def offline_template(assessment_id: int) -> Response:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    data = offline.template_bytes(session, current_user, assessment, _language(), offline_secret())
    name = f"questionnaire-{assessment.state_party_code}-{assessment.review_year}.xlsx"
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


@blueprint.route("/assessments/<int:assessment_id>/offline/import", methods=["GET", "POST"])
@allow(Role.FOCAL_POINT, Role.CONTRIBUTOR)
def offline_import(assessment_id: int) -> str | Response | tuple[str, int]:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    access.require_answer_editing(current_user, assessment)
    if request.method == "GET":
        return render_template("exports/import.html", assessment=assessment, preview=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose the filled-in workbook to upload."), "error")
        return render_template("exports/import.html", assessment=assessment, preview=None), 400
    data = upload.stream.read(current_app.config["MAX_IMPORT_BYTES"] + 1)
    try:
        preview = offline.preview_import(
            session, current_user, assessment, data, offline_secret(), _limits()
        )
    except OfflineImportError as error:
        return render_template(
            "exports/import.html", assessment=assessment, preview=None, error=error
        ), 400
    token = _stash(data, assessment.id)
    return render_template(
        "exports/import.html",
        assessment=assessment,
        preview=preview.preview,
        token=token,
        exported_at=preview.exported_at,
    )


@blueprint.post("/assessments/<int:assessment_id>/offline/apply")
@allow(Role.FOCAL_POINT, Role.CONTRIBUTOR)
def offline_apply(assessment_id: int) -> str | Response | tuple[str, int]:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    data = _unstash(request.form.get("token", ""), assessment.id)
    if data is None:
        flash(_("The uploaded file has expired; upload it again."), "error")
        return redirect(url_for(".offline_import", assessment_id=assessment.id))
    try:
        applied = offline.apply_import(
            session, current_user, assessment, data, offline_secret(), _limits()
        )
    except OfflineImportError as error:
        return render_template(
            "exports/import.html", assessment=assessment, preview=None, error=error
        ), 409
    flash(
        _(
            "%(count)s answers imported; %(conflicts)s conflicts left for you to resolve.",
            count=len(applied.preview.to_apply),
            conflicts=len(applied.preview.conflicts),
        ),
        "info",
    )
    return redirect(url_for("assessments.overview", assessment_id=assessment.id))


def _stash_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stash(data: bytes, assessment_id: int) -> str:
    token = secrets.token_hex(16)
    (_stash_dir() / f"{token}.xlsx").write_bytes(data)
    owner = {"user_id": current_user.id, "assessment_id": assessment_id}
    (_stash_dir() / f"{token}.json").write_text(json.dumps(owner), encoding="utf-8")
    return token


def _unstash(token: str, assessment_id: int) -> bytes | None:
    if not token.isalnum() or len(token) != 32:
        return None
    try:
        owner = json.loads((_stash_dir() / f"{token}.json").read_text(encoding="utf-8"))
        data = (_stash_dir() / f"{token}.xlsx").read_bytes()
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if owner != {"user_id": current_user.id, "assessment_id": assessment_id}:
        return None
    return data
