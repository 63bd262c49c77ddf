"""State parties fill in their questionnaire; everyone in scope follows its progress."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from questionnaire.domain.answers import visible_questions
from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.bank import BankCommitment
from questionnaire.domain.conditions import condition_data
from questionnaire.domain.text import without_control_characters
from questionnaire.extensions import db_session, storage
from questionnaire.models import Answer, Assessment, AssessmentItem
from questionnaire.services import access, answers, evidence, questionnaires, reviews
from questionnaire.services.assessments import (
    assessment_question_bank,
    find_assessments,
    progress_of,
)
from questionnaire.services.evidence import EvidenceError
from questionnaire.services.questionnaires import ItemFilter, OverviewFilter
from questionnaire.storage import StorageError
from questionnaire.web.filters import AssessmentFilterForm
from questionnaire.web.i18n import said
from questionnaire.web.identity import person_from_session, unchecked_session
from questionnaire.web.policy import Audience, allow
from questionnaire.web.questionnaire_forms import (
    VERSION_PREFIX,
    CommitmentForm,
    build_form,
    submitted_values,
    submitted_versions,
)
from questionnaire.web.request_values import InvalidRequestValue, form_identifier

blueprint = Blueprint("assessments", __name__, url_prefix="/assessments")
# The page lists the latest changes; every version stays stored (and in the audit log).
HISTORY_SHOWN = 50


@blueprint.get("/")
@allow()
def index() -> tuple[str, int]:
    session = db_session()
    filters = AssessmentFilterForm().offer_choices(session, current_user)
    valid = filters.checked()
    rows = find_assessments(session, current_user, filters.wanted())
    page = render_template(
        "assessments/index.html",
        assessments=rows,
        progress=progress_of(session, [a.id for a in rows]),
        filters=filters,
    )
    return page, 200 if valid else 400


@blueprint.get("/<int:assessment_id>")
@allow()
def overview(assessment_id: int) -> str:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    listed = _overview_filter()
    view = questionnaires.overview(session, current_user, assessment, listed)
    return render_template(
        "assessments/overview.html",
        assessment=assessment,
        view=view,
        listed=listed,
        filters=list(ItemFilter),
        panel=reviews.review_panel(session, current_user, assessment),
    )


# Longer search text matches no title; it is cut rather than refused.
SEARCH_LIMIT = 200


def _overview_filter() -> OverviewFilter:
    """The overview's filter from the query string; an unknown choice lists everything."""
    try:
        show = ItemFilter(request.args.get("show", ItemFilter.ALL.value))
    except ValueError:
        show = ItemFilter.ALL
    return OverviewFilter(show, request.args.get("q", "")[:SEARCH_LIMIT])


@blueprint.get("/<int:assessment_id>/print")
@allow()
def printable(assessment_id: int) -> str:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    return render_template(
        "assessments/print.html",
        assessment=assessment,
        sections=questionnaires.printable(session, current_user, assessment),
    )


@blueprint.route("/<int:assessment_id>/c/<commitment_id>", methods=["GET", "POST"])
@allow()
@person_from_session
def commitment(assessment_id: int, commitment_id: str) -> str | Response | tuple[str, int]:
    session = db_session()
    page = access.get_item_page(
        session, current_user, assessment_id, commitment_id, session_check=unchecked_session()
    )
    assessment, item, stored = page.assessment, page.item, page.answers
    access.require_answer_reading(session, current_user, assessment)
    bank_commitment = answers.commitment_of(assessment, item)
    values = {qid: row.value for qid, row in stored.items()}
    versions = {qid: row.revision for qid, row in stored.items()}
    if request.method == "GET":
        form = build_form(bank_commitment, values, versions)
        return _render_commitment(page, form, values)

    form = build_form(bank_commitment, values, versions, formdata=request.form)
    if not form.validate():  # CSRF and field types
        return _render_commitment(page, form, values), 400
    try:
        result = _save_submitted(assessment, item, bank_commitment, stored)
    except InvalidRequestValue as error:
        flash(str(error.description), "error")
        return _render_commitment(page, form, values), 400
    if result.conflicts:
        return render_template(
            "assessments/conflict.html",
            assessment=assessment,
            item=item,
            commitment=bank_commitment,
            result=result,
            refused=_refused(result),
            typed=request.form,  # the refused text goes on to the merge, as typed
        ), 409
    saved_at = format_datetime(result.saved_at, "HH:mm:ss")
    if result.errors:
        # The valid answers are stored; the refused ones stay in the form as typed, each
        # with its reason, on the versions just stored so the next save is not a conflict.
        for question_id, problem in _refused(result).items():
            getattr(form, question_id).errors = [problem]
        for question_id in result.saved:
            getattr(form, VERSION_PREFIX + question_id).data = str(result.versions[question_id])
        flash(
            _(
                "Saved at %(time)s, except the fields marked below: correct them and save "
                "again. What you typed in them is still there.",
                time=saved_at,
            ),
            "error",
        )
        return _render_commitment(page, form, result.values), 400
    flash(_("Saved at %(time)s.", time=saved_at), "info")
    following = questionnaires.neighbours(session, assessment, item)[1]
    if request.form.get("then") == "next" and following:
        return redirect(
            url_for(".commitment", assessment_id=assessment.id, commitment_id=following)
        )
    return redirect(
        url_for(".commitment", assessment_id=assessment.id, commitment_id=item.commitment_id)
    )


@blueprint.post("/<int:assessment_id>/c/<commitment_id>/autosave")
@allow(Audience.STATE_PARTY)
@person_from_session
def autosave(assessment_id: int, commitment_id: str) -> tuple[Response, int]:
    session = db_session()
    assessment, item, stored = access.get_item_and_answers(
        session,
        current_user,
        assessment_id,
        commitment_id,
        session_check=unchecked_session(),
    )
    bank_commitment = answers.commitment_of(assessment, item)
    try:
        result = _save_submitted(assessment, item, bank_commitment, stored)
    except InvalidRequestValue as error:
        return jsonify(error=error.description, fields={error.field: error.description}), 400
    except access.NotAllowed as refusal:
        return jsonify(error=str(refusal)), 403
    visible = [q.id for q in visible_questions(bank_commitment, result.values)]
    status = 409 if result.conflicts else 400 if result.errors else 200
    return jsonify(
        saved=result.saved,
        saved_at=format_datetime(result.saved_at, "HH:mm:ss"),
        versions=result.versions,
        visible=visible,
        fields=_refused(result),
        error=_("Saved, except the marked fields: correct them; your text is kept.")
        if result.errors
        else None,
        conflicts=[c.question_id for c in result.conflicts],
        conflict_url=url_for(
            ".commitment", assessment_id=assessment.id, commitment_id=item.commitment_id
        )
        if result.conflicts
        else None,
    ), status


@blueprint.get("/<int:assessment_id>/c/<commitment_id>/history")
@allow()
def history(assessment_id: int, commitment_id: str) -> str:
    """The saved versions of a commitment's answers: read when asked for, not with the page."""
    session = db_session()
    assessment, item = access.get_item_with_answers(
        session, current_user, assessment_id, commitment_id
    )
    return render_template(
        "assessments/history.html",
        assessment=assessment,
        item=item,
        commitment=answers.commitment_of(assessment, item),
        history=answers.answer_history(session, item, limit=HISTORY_SHOWN + 1),
        history_shown=HISTORY_SHOWN,
    )


@blueprint.post("/<int:assessment_id>/c/<commitment_id>/follow-up")
@allow(Audience.STATE_PARTY)
def toggle_follow_up(assessment_id: int, commitment_id: str) -> Response:
    session = db_session()
    assessment, item = access.get_item(session, current_user, assessment_id, commitment_id)
    questionnaires.mark_follow_up(
        session, current_user, assessment, item, request.form.get("follow_up") == "1"
    )
    return redirect(
        url_for(".commitment", assessment_id=assessment.id, commitment_id=item.commitment_id)
    )


@blueprint.post("/<int:assessment_id>/c/<commitment_id>/evidence")
@allow(Audience.STATE_PARTY)
def add_evidence(assessment_id: int, commitment_id: str) -> Response | tuple[str, int]:
    session = db_session()
    assessment, item = access.get_item(session, current_user, assessment_id, commitment_id)
    back = redirect(
        url_for(
            ".commitment",
            assessment_id=assessment.id,
            commitment_id=item.commitment_id,
            _anchor="evidence",
        )
    )
    upload = request.files.get("file")
    try:
        if upload is not None and upload.filename:
            content = upload.stream.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
            evidence.add_file(
                session,
                current_user,
                assessment,
                item,
                filename=upload.filename,
                content=content,
                storage=storage(),
                max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            )
        else:
            evidence.add_link(
                session,
                current_user,
                assessment,
                item,
                url=request.form.get("url", ""),
                title=request.form.get("title", ""),
            )
    except EvidenceError as error:
        flash(_("Evidence not added: %(reason)s", reason=str(error)), "error")
        return back
    except StorageError:
        message = _(
            "Evidence not added: the file store is not answering. Your answers are "
            "saved; try the upload again in a few minutes."
        )
        flash(message, "error")
        return back
    flash(_("Evidence added."), "info")
    return back


@blueprint.get("/<int:assessment_id>/c/<commitment_id>/evidence/<int:evidence_id>")
@allow()
def download_evidence(assessment_id: int, commitment_id: str, evidence_id: int) -> Response:
    session = db_session()
    _assessment, item = access.get_item_with_answers(
        session, current_user, assessment_id, commitment_id
    )
    record, content = evidence.evidence_file(session, item, evidence_id, storage())
    # Titles stored before control characters were cleaned from file names would break
    # the header; Werkzeug writes RFC 6266's filename* for the rest.
    name = " ".join(without_control_characters(record.title).split()) or "evidence"
    return send_file(
        BytesIO(content), mimetype=record.content_type, as_attachment=True, download_name=name
    )


@blueprint.post("/<int:assessment_id>/c/<commitment_id>/evidence/<int:evidence_id>/remove")
@allow()
def remove_evidence(assessment_id: int, commitment_id: str, evidence_id: int) -> Response:
    session = db_session()
    assessment, item = access.get_item(session, current_user, assessment_id, commitment_id)
    removed = evidence.remove_evidence(
        session, current_user, assessment, item, evidence_id, storage()
    )
    flash(_("Evidence removed: %(title)s", title=removed.title), "info")
    return redirect(
        url_for(
            ".commitment",
            assessment_id=assessment.id,
            commitment_id=item.commitment_id,
            _anchor="evidence",
        )
    )


@blueprint.route("/<int:assessment_id>/submit", methods=["GET", "POST"])
@allow()
def submit(assessment_id: int) -> str | Response | tuple[str, int]:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    missing = questionnaires.missing_answers(session, assessment)
    if request.method == "POST":
        if missing:
            flash(_("Answer the questions listed below before submitting."), "error")
        elif request.form.get("confirm") != "yes":
            # Submitting locks the answers: it is confirmed on the server, not only in the page.
            flash(_("Nothing was submitted: tick the box to confirm the submission."), "error")
            return render_template(
                "assessments/submit.html",
                assessment=assessment,
                missing=missing,
                bank=assessment_question_bank(assessment),
            ), 400
        else:
            try:
                questionnaires.submit(session, current_user, assessment)
            except access.NotAllowed as refusal:  # submitted already, or not the focal point
                flash(_("Not possible: %(reason)s", reason=str(refusal)), "error")
                return redirect(url_for(".overview", assessment_id=assessment.id))
            flash(_("The questionnaire was submitted. The answers are now locked."), "info")
            return redirect(url_for(".overview", assessment_id=assessment.id))
    return render_template(
        "assessments/submit.html",
        assessment=assessment,
        missing=missing,
        bank=assessment_question_bank(assessment),
    )


def _save_submitted(
    assessment: Assessment,
    item: AssessmentItem,
    bank_commitment: BankCommitment,
    stored: dict[str, Answer],
) -> answers.SaveResult:
    """Save what the form (posted or autosaved) carries; the same path for both."""
    return answers.save_answers(
        db_session(),
        current_user,
        assessment,
        item,
        submitted_values(bank_commitment, request.form),
        submitted_versions(bank_commitment, request.form),
        request_id=form_identifier("request_id"),
        stored=stored,
    )


def _refused(result: answers.SaveResult) -> dict[str, str]:
    """Why each refused value was not saved, in the person's language, by question id."""
    return {question_id: said(problem) for question_id, problem in result.errors.items()}


def _render_commitment(page: access.ItemPage, form: CommitmentForm, values: dict[str, Any]) -> str:
    session = db_session()
    assessment, item, clarifications = page.assessment, page.item, page.clarifications
    bank_commitment = answers.commitment_of(assessment, item)
    visible = {q.id for q in visible_questions(bank_commitment, values)}
    can_edit = questionnaires.can_edit(current_user, assessment)
    neighbours = questionnaires.neighbours(session, assessment, item)
    refused = [
        (question, form[question.id].errors[0])
        for question in bank_commitment.questions
        if form[question.id].errors
    ]
    return render_template(
        "assessments/commitment.html",
        assessment=assessment,
        item=item,
        commitment=bank_commitment,
        bank=assessment_question_bank(assessment),
        form=form,
        visible=visible,
        can_edit=can_edit,
        evidence=page.evidence,
        may_remove_evidence=lambda record: access.may_remove_evidence(
            current_user, assessment, record
        ),
        neighbours=neighbours,
        clarifications=clarifications,
        pending_clarifications=[c for c in clarifications if c.answered_at is None],
        refused=refused,
        conditions={
            question.id: condition_data(question.condition)
            for question in bank_commitment.questions
            if question.condition is not None
        },
        # Unsaved text waits in the browser under this key: one person, one page.
        draft_key=f"answers-draft:{current_user.id}:{assessment.id}:{item.commitment_id}",
        comments=page.comments,
        can_answer=access.is_state_member(current_user, assessment)
        and assessment.status is WorkflowStatus.CLARIFICATION_REQUESTED,
    )
