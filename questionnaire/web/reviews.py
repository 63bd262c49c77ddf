"""Reviewers rate commitments and record findings; everyone in scope talks in threads."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from questionnaire.domain.assessment import (
    FindingKind,
    FrameworkRating,
    PracticeRating,
    PublicationConsent,
    WorkflowStatus,
)
from questionnaire.domain.recommendations import suggested_opening
from questionnaire.domain.workflow import available_transitions
from questionnaire.extensions import db_session
from questionnaire.models import Role, User
from questionnaire.services import access, answers, evidence, questionnaires, reports, reviews
from questionnaire.services.assessments import bank_for
from questionnaire.services.reviews import NewFinding, ReviewError
from questionnaire.services.workflow import transition
from questionnaire.web.i18n import current_language
from questionnaire.web.policy import allow
from questionnaire.web.request_values import form_id, form_identifier

blueprint = Blueprint("reviews", __name__, url_prefix="/assessments")


def _back(assessment_id: int, commitment_id: str, anchor: str = "") -> Response:
    return redirect(
        url_for(
            ".review",
            assessment_id=assessment_id,
            commitment_id=commitment_id,
            _anchor=anchor or None,
        )
    )


@blueprint.get("/<int:assessment_id>/review/<commitment_id>")
@allow(Role.REVIEWER, Role.SECRETARIAT)
def review(assessment_id: int, commitment_id: str) -> str:
    session = db_session()
    assessment, item = access.get_item_with_answers(
        session, current_user, assessment_id, commitment_id
    )
    findings = reviews.findings_of(session, item)
    commitment = answers.commitment_of(assessment, item)
    state = assessment.state_party
    name = state.name_zh if current_language() == "zh" else state.name_en
    values = answers.answer_values(session, item.id)
    return render_template(
        "reviews/review.html",
        assessment=assessment,
        item=item,
        commitment=commitment,
        bank=bank_for(assessment),
        values=values,
        review=reviews.review_of(session, item),
        findings=findings,
        removable={
            finding.id
            for finding in findings
            if access.may_remove_finding(session, current_user, assessment, finding)
        },
        clarifications=reviews.clarifications_of(session, item),
        comments=reviews.comments_of(session, item),
        evidence=evidence.evidence_of(session, item),
        can_review=access.is_assigned_reviewer(session, current_user, assessment)
        and assessment.status in reviews.REVIEWABLE,
        framework_ratings=list(FrameworkRating),
        practice_ratings=list(PracticeRating),
        finding_kinds=list(FindingKind),
        suggested=suggested_opening(commitment.strength, name, current_language()),
    )


@blueprint.post("/<int:assessment_id>/review/<commitment_id>/rating")
@allow(Role.REVIEWER)
def rate(assessment_id: int, commitment_id: str) -> Response:
    session = db_session()
    assessment, item = access.get_item(session, current_user, assessment_id, commitment_id)
    try:
        reviews.save_rating(
            session,
            current_user,
            assessment,
            item,
            framework=request.form.get("framework") or None,
            practice=request.form.get("practice") or None,
            observations=request.form.get("observations", ""),
        )
        flash(_("Rating saved."), "info")
    except ReviewError as error:
        flash(_("Not saved: %(reason)s", reason=str(error)), "error")
    return _back(assessment.id, item.commitment_id, "rating")


@blueprint.post("/<int:assessment_id>/review/<commitment_id>/findings")
@allow(Role.REVIEWER)
def add_finding(assessment_id: int, commitment_id: str) -> Response:
    session = db_session()
    assessment, item = access.get_item(session, current_user, assessment_id, commitment_id)
    scale = bank_for(assessment).scales["technical_assistance_types"]
    provided = request.form.get("already_provided")
    try:
        kind = FindingKind(request.form.get("kind", ""))
    except ValueError:
        flash(_("Not saved: choose what kind of finding this is."), "error")
        return _back(assessment.id, item.commitment_id, "findings")
    try:
        reviews.add_finding(
            session,
            current_user,
            assessment,
            item,
            NewFinding(
                kind=kind,
                text=request.form.get("text", ""),
                recommendation=request.form.get("recommendation", ""),
                technical_assistance_type=form_identifier("technical_assistance_type", 40) or "",
                already_provided=None if not provided else provided == "yes",
                provided_by=request.form.get("provided_by", ""),
            ),
            frozenset(option.value for option in scale.options),
        )
        flash(_("Finding recorded."), "info")
    except ReviewError as error:
        flash(_("Not saved: %(reason)s", reason=str(error)), "error")
    return _back(assessment.id, item.commitment_id, "findings")


@blueprint.post("/<int:assessment_id>/review/<commitment_id>/findings/<int:finding_id>/delete")
@allow(Role.REVIEWER, Role.SECRETARIAT)
def remove_finding(assessment_id: int, commitment_id: str, finding_id: int) -> Response:
    session = db_session()
    assessment, item = access.get_item(session, current_user, assessment_id, commitment_id)
    reviews.remove_finding(session, current_user, assessment, item, finding_id)
    flash(_("Finding removed."), "info")
    return _back(assessment.id, item.commitment_id, "findings")


@blueprint.post("/<int:assessment_id>/review/<commitment_id>/clarifications")
@allow(Role.REVIEWER)
def ask(assessment_id: int, commitment_id: str) -> Response:
    session = db_session()
    assessment, item = access.get_item(session, current_user, assessment_id, commitment_id)
    try:
        reviews.ask_clarification(
            session, current_user, assessment, item, request.form.get("question", "")
        )
        flash(_("Question sent to the state party."), "info")
    except ReviewError as error:
        flash(_("Not sent: %(reason)s", reason=str(error)), "error")
    return _back(assessment.id, item.commitment_id, "clarifications")


@blueprint.post("/<int:assessment_id>/c/<commitment_id>/clarifications/<int:clarification_id>")
@allow(Role.FOCAL_POINT, Role.CONTRIBUTOR)
def answer(assessment_id: int, commitment_id: str, clarification_id: int) -> Response:
    session = db_session()
    assessment, item = access.get_item(session, current_user, assessment_id, commitment_id)
    try:
        reviews.answer_clarification(
            session,
            current_user,
            assessment,
            item,
            clarification_id,
            request.form.get("answer", ""),
        )
        flash(_("Answer saved."), "info")
    except ReviewError as error:
        flash(_("Not saved: %(reason)s", reason=str(error)), "error")
    return redirect(
        url_for(
            "assessments.commitment",
            assessment_id=assessment.id,
            commitment_id=item.commitment_id,
            _anchor="clarifications",
        )
    )


@blueprint.post("/<int:assessment_id>/c/<commitment_id>/comments")
@allow()
def comment(assessment_id: int, commitment_id: str) -> Response:
    session = db_session()
    assessment, item = access.get_item(session, current_user, assessment_id, commitment_id)
    try:
        reviews.add_comment(session, current_user, assessment, item, request.form.get("body", ""))
    except ReviewError as error:
        flash(_("Not sent: %(reason)s", reason=str(error)), "error")
    target = request.form.get("back", "")
    if target == "review":
        return _back(assessment.id, item.commitment_id, "comments")
    return redirect(
        url_for(
            "assessments.commitment",
            assessment_id=assessment.id,
            commitment_id=item.commitment_id,
            _anchor="comments",
        )
    )


@blueprint.post("/<int:assessment_id>/status")
@allow()
def change_status(assessment_id: int) -> Response:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    try:
        target = WorkflowStatus(request.form.get("target", ""))
    except ValueError:
        flash(_("Unknown step."), "error")
        return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    try:
        if target is WorkflowStatus.ANSWERED:
            reviews.send_clarifications(session, current_user, assessment)
        elif target is WorkflowStatus.SUBMITTED:
            questionnaires.submit(session, current_user, assessment)
        else:
            transition(
                session, current_user, assessment, target, note=request.form.get("note", "")[:2000]
            )
        flash(_("The assessment is now: %(status)s", status=_(target.value)), "info")
        if target in reports.PREBUILT_AT:
            reports.prebuild_country_reports(session, current_user, assessment)
    except access.NotAllowed as refusal:
        flash(_("Not possible: %(reason)s", reason=str(refusal)), "error")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id))


@blueprint.post("/<int:assessment_id>/reviewers")
@allow(Role.SECRETARIAT)
def assign(assessment_id: int) -> Response:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    reviewer_id = form_id("reviewer_id")
    reviewer = session.get(User, reviewer_id) if reviewer_id is not None else None
    try:
        if reviewer is None:
            raise ReviewError("choose a reviewer")
        reviews.assign_reviewer(session, current_user, assessment, reviewer)
        flash(_("Reviewer assigned."), "info")
    except ReviewError as error:
        flash(_("Not assigned: %(reason)s", reason=str(error)), "error")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id, _anchor="review"))


@blueprint.post("/<int:assessment_id>/reviewers/<int:reviewer_id>/remove")
@allow(Role.SECRETARIAT)
def unassign(assessment_id: int, reviewer_id: int) -> Response:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    reviews.unassign_reviewer(session, current_user, assessment, reviewer_id)
    flash(_("Reviewer removed."), "info")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id, _anchor="review"))


@blueprint.post("/<int:assessment_id>/reviewers/drafts")
@allow(Role.SECRETARIAT)
def open_draft(assessment_id: int) -> Response:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    opened = request.form.get("opened") == "1"
    reviews.open_draft_to_reviewers(session, current_user, assessment, opened=opened)
    if opened:
        flash(_("The assigned reviewers can now read the draft's answers."), "info")
    else:
        flash(_("The reviewers will read the answers once the questionnaire is submitted."), "info")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id, _anchor="review"))


@blueprint.post("/<int:assessment_id>/consent")
@allow(Role.SECRETARIAT)
def consent(assessment_id: int) -> Response:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    try:
        reviews.set_publication_consent(
            session, current_user, assessment, request.form.get("consent", "")
        )
        flash(_("Publication consent recorded."), "info")
    except ReviewError as error:
        flash(_("Not saved: %(reason)s", reason=str(error)), "error")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id, _anchor="review"))


def review_panel(assessment_id: int) -> dict[str, object]:
    """What the overview page shows of the review: reviewers, candidates, next steps."""
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    assigned = reviews.assignments(session, assessment)
    candidates: list[User] = []
    if current_user.role is Role.SECRETARIAT:
        taken = {a.reviewer_id for a in assigned}
        candidates = [
            user
            for user in session.scalars(
                select(User)
                .where(User.role == Role.REVIEWER, User.active.is_(True))
                .order_by(User.state_party_code, User.name)
            )
            if user.id not in taken and user.state_party_code != assessment.state_party_code
        ]
    steps = [
        t
        for t in available_transitions(assessment.status, current_user.role.value)
        if current_user.role is not Role.CONTRIBUTOR
    ]
    return {
        "assignments": assigned,
        "candidates": candidates,
        "steps": steps,
        "consents": list(PublicationConsent),
        "open_clarifications": reviews.open_clarifications(session, assessment),
        "answers_readable": access.may_read_answers(session, current_user, assessment),
    }
