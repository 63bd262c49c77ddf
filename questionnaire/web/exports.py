"""Workbook downloads and uploads: gap reports, offline questionnaires."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

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
from questionnaire.extensions import db_session, storage
from questionnaire.services import access, jobs, offline, reports
from questionnaire.web.i18n import current_language, said
from questionnaire.web.policy import Audience, allow

blueprint = Blueprint("exports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _language() -> str:
    chosen = request.args.get("lang", "")
    return chosen if chosen in reports.LANGUAGES else current_language()


def offline_secret() -> bytes:
    return offline.offline_secret(current_app.config["SECRET_KEY"])


def _limits() -> ImportLimits:
    return ImportLimits(max_file_bytes=current_app.config["MAX_IMPORT_BYTES"])


@blueprint.get("/assessments/<int:assessment_id>/report.xlsx")
@allow()
def country_report(assessment_id: int) -> Response:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    built = reports.country_report(session, current_user, assessment, _language(), storage())
    return send_file(
        BytesIO(built.data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=built.download_name,
        max_age=0,
    )


@blueprint.post("/secretariat/reports")
@allow(Audience.SECRETARIAT)
def start_secretariat_report() -> Response:
    job = reports.start_cross_country(db_session(), current_user, _language_form())
    return redirect(url_for(".secretariat_report", job_id=job.id))


def _language_form() -> str:
    chosen = request.form.get("lang", "")
    return chosen if chosen in reports.LANGUAGES else current_language()


@blueprint.get("/secretariat/reports/<job_id>")
@allow(Audience.SECRETARIAT)
def secretariat_report(job_id: str) -> str:
    job = jobs.job_for(db_session(), current_user, job_id)
    return render_template(
        "exports/job.html", job=job, progress=reports.cross_country_progress(job)
    )


@blueprint.get("/secretariat/reports/<job_id>/download")
@allow(Audience.SECRETARIAT)
def secretariat_report_file(job_id: str) -> Response | tuple[str, int]:
    job = jobs.job_for(db_session(), current_user, job_id)
    try:
        data = reports.job_file(storage(), job)
    except reports.ReportError as error:
        return render_template(
            "exports/job.html",
            job=job,
            progress=reports.cross_country_progress(job),
            error=str(error),
        ), 410
    return send_file(
        BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=job.result_name or "cross-country.xlsx",
        max_age=0,
    )


@blueprint.get("/assessments/<int:assessment_id>/offline.xlsx")
@allow(Audience.SECRETARIAT, Audience.STATE_PARTY)
def offline_template(assessment_id: int) -> Response:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    data = offline.template_bytes(session, current_user, assessment, _language(), offline_secret())
    name = f"questionnaire-{assessment.state_party_code}-{assessment.review_year}.xlsx"
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


@blueprint.route("/assessments/<int:assessment_id>/offline/import", methods=["GET", "POST"])
@allow(Audience.STATE_PARTY)
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
        preview, token = offline.preview_and_stash_import(
            session,
            current_user,
            assessment,
            data,
            offline_secret(),
            _limits(),
            storage(),
            _stash_lifetime(),
        )
    except OfflineImportError as error:
        return render_template(
            "exports/import.html", assessment=assessment, preview=None, error=error
        ), 400
    return render_template(
        "exports/import.html",
        assessment=assessment,
        preview=preview.preview,
        token=token,
        exported_at=preview.exported_at,
    )


@blueprint.post("/assessments/<int:assessment_id>/offline/apply")
@allow(Audience.STATE_PARTY)
def offline_apply(assessment_id: int) -> str | Response | tuple[str, int]:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    try:
        applied = offline.apply_stashed_import(
            session,
            current_user,
            assessment,
            request.form.get("token", ""),
            offline_secret(),
            _limits(),
            storage(),
        )
    except offline.StashUnavailable as gone:
        flash(said(gone), "error")  # type: ignore[arg-type]
        return redirect(url_for(".offline_import", assessment_id=assessment.id))
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


def _stash_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["IMPORT_STASH_HOURS"])
