"""Reviewers rate commitments and record findings; everyone in scope talks in threads."""

from __future__ import annotations

import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as session_store
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from questionnaire.domain.answers import N_
from questionnaire.domain.assessment import (
    FindingKind,
    FrameworkRating,
    PracticeRating,
    WorkflowStatus,
)
from questionnaire.domain.recommendations import recommendation_wording
from questionnaire.domain.review_coverage import MAX_REASON, ReviewFilter
from questionnaire.domain.vocabulary import TECHNICAL_ASSISTANCE_SCALE
from questionnaire.extensions import db_session
from questionnaire.models import Assessment, AssessmentItem, ItemReview, User
from questionnaire.services import access, answers, evidence, questionnaires, reviews
from questionnaire.services.assessments import assessment_question_bank
from questionnaire.services.reviews import NewFinding, ReviewError
from questionnaire.web.i18n import current_language, request_translations
from questionnaire.web.policy import Audience, allow
from questionnaire.web.request_values import form_id, form_identifier

blueprint = Blueprint("reviews", __name__, url_prefix="/assessments")
# Irreversible steps and the confirmation page each is taken on.
CONFIRMED_STEPS = {
    WorkflowStatus.SUBMITTED: "assessments.submit",
    WorkflowStatus.REVIEW_COMPLETED: "reviews.complete",
    WorkflowStatus.FINALIZED: "reviews.finalize",
}


def _back(assessment_id: int, commitment_id: str, anchor: str = "") -> Response:
    return redirect(
        url_for(
            ".review",
            assessment_id=assessment_id,
            commitment_id=commitment_id,
            _anchor=anchor or None,
        )
    )


# The fields of the review page's one form, and what an empty page shows.
REVIEW_FIELDS = (
    "framework",
    "practice",
    "observations",
    "unrated_reason",
    "kind",
    "text",
    "recommendation",
    "technical_assistance_type",
    "already_provided",
    "provided_by",
    "question",
    "body",
)
# What the buttons of the review page do beyond saving the rating and any finding typed.
ASK, COMMENT, FINDING = "ask", "comment", "finding"


@blueprint.get("/<int:assessment_id>/review/<commitment_id>")
@allow(Audience.REVIEW_TEAM)
def review(assessment_id: int, commitment_id: str) -> str:
    session = db_session()
    assessment, item = access.get_item_with_answers(
        session, current_user, assessment_id, commitment_id
    )
    saved_page = session_store.pop("review_saved", None)
    return _render_review(assessment, item, _stored_form(session, item), saved_page=saved_page)


@blueprint.post("/<int:assessment_id>/review/<commitment_id>")
@allow(Audience.REVIEWERS)
def save(assessment_id: int, commitment_id: str) -> str | Response | tuple[str, int]:
    """Save everything the review page's one form carries, whichever button was pressed.

    Ratings, observations, the reason for leaving the commitment unrated and any finding
    typed are saved by every button; the question and the comment are sent by their own
    button only, and otherwise shown again, unsent, with the rest saved.
    """
    session = db_session()
    assessment, item = access.get_item_with_answers(
        session, current_user, assessment_id, commitment_id
    )
    action = request.form.get("action", "save")
    typed = {name: request.form.get(name, "") for name in REVIEW_FIELDS}
    try:
        submission = _submission(assessment, item, action)
        saved = reviews.save_review(
            session,
            current_user,
            assessment,
            item,
            submission,
            _assistance_types(assessment),
        )
    except reviews.RatingConflict as conflict:
        flash(
            _("Not saved: another reviewer changed this rating since you opened the page."), "error"
        )
        return _render_review(
            assessment,
            item,
            typed,
            errors={"rating": _("Their rating is shown above your form; yours is kept in it.")},
            conflict=conflict.current,
            base=reviews.rating_base(conflict.current),
        ), 409
    except ReviewError as error:
        flash(_("Nothing was saved: %(reason)s", reason=_reason(error)), "error")
        return _render_review(
            assessment,
            item,
            typed,
            errors={error.field or "form": _reason(error)},
            base=request.form.get("rating_base") or None,
        ), 400
    request_id = request.form.get("request_id", "")
    session_store["review_saved"] = request_id
    flash(_saved_message(saved), "info")
    unsent = {
        name: typed[name]
        for name, own_action in (("question", ASK), ("body", COMMENT))
        if typed[name].strip() and action != own_action
    }
    if unsent:
        # Shown again, unsent, rather than dropped by the redirect.
        form = {**_stored_form(session, item), **unsent}
        notice = _("Your question or comment below is not sent yet: press its button to send it.")
        return _render_review(assessment, item, form, notice=notice, saved_page=request_id)
    anchor = {ASK: "ask", COMMENT: "comments", FINDING: "findings"}.get(action, "rating")
    return _back(assessment.id, item.commitment_id, anchor)


def _submission(
    assessment: Assessment, item: AssessmentItem, action: str
) -> reviews.ReviewSubmission:
    """The form as the service takes it; nothing typed is left out."""
    form = request.form
    rating = None
    if "rating_base" in form or any(
        name in form for name in ("framework", "practice", "observations", "unrated_reason")
    ):
        rating = reviews.RatingInput(
            framework=form.get("framework") or None,
            practice=form.get("practice") or None,
            observations=form.get("observations", ""),
            unrated_reason=form.get("unrated_reason") if "unrated_reason" in form else None,
            base=form_identifier("rating_base") if "rating_base" in form else None,
        )
    return reviews.ReviewSubmission(
        rating=rating,
        finding=_finding(assessment, item, action),
        question=form.get("question", "") if action == ASK else None,
        comment=form.get("body", "") if action == COMMENT else None,
        request_id=form_identifier("request_id"),
    )


def _finding(assessment: Assessment, item: AssessmentItem, action: str) -> NewFinding | None:
    """The finding typed, if any: its text, a recommendation beyond the suggested opening,
    or who provided assistance; or an empty one when its own button was pressed."""
    form = request.form
    recommendation = form.get("recommendation", "")
    if recommendation.strip() == _suggested(assessment, item):
        recommendation = ""  # the offered opening, untouched, is not part of the finding
    typed = (
        form.get("text", "").strip()
        or form.get("provided_by", "").strip()
        or recommendation.strip()
    )
    if not typed and action != FINDING:
        return None
    try:
        kind = FindingKind(form.get("kind", ""))
    except ValueError:
        raise ReviewError(N_("choose what kind of finding this is"), "kind") from None
    provided = form.get("already_provided")
    return NewFinding(
        kind=kind,
        text=form.get("text", ""),
        recommendation=recommendation,
        technical_assistance_type=form_identifier("technical_assistance_type", 40) or "",
        already_provided=None if not provided else provided == "yes",
        provided_by=form.get("provided_by", ""),
    )


def _reason(error: Exception) -> str:
    """A service's refusal in the person's language: its catalogued template, then values.

    Refusals not (yet) in the catalogue are shown as the service said them.
    """
    template = str(getattr(error, "template", error))
    params = getattr(error, "params", None)
    said = request_translations().ugettext(template)
    return said % params if params else said


def _saved_message(saved: reviews.ReviewSaved) -> str:
    if saved.repeated:
        return _("This page had been saved already; nothing was saved twice.")
    parts = []
    if saved.rating is not None:
        parts.append(_("Saved: the rating and observations."))
    if saved.finding is not None:
        parts.append(_("Finding recorded."))
    if saved.clarification is not None:
        parts.append(_("Question sent to the state party."))
    if saved.comment is not None:
        parts.append(_("Comment sent."))
    return " ".join(parts) or _("Saved: nothing had changed.")


def _assistance_types(assessment: Assessment) -> frozenset[str]:
    scale = assessment_question_bank(assessment).scales[TECHNICAL_ASSISTANCE_SCALE]
    return frozenset(option.value for option in scale.options)


def _suggested(assessment: Assessment, item: AssessmentItem) -> str:
    """The opening a recommendation is offered with, in the commitment's strength."""
    commitment = answers.commitment_of(assessment, item)
    state = assessment.state_party
    name = state.name_zh if current_language() == "zh" else state.name_en
    return recommendation_wording(commitment.strength, name, current_language())


def _stored_form(session: Session, item: AssessmentItem) -> dict[str, str]:
    """The review page's form as stored: the rating, and an empty finding and question."""
    stored = reviews.review_of(session, item)
    form = dict.fromkeys(REVIEW_FIELDS, "")
    form["kind"] = FindingKind.GOOD_PRACTICE.value
    if stored is not None:
        form["framework"] = stored.framework.value if stored.framework else ""
        form["practice"] = stored.practice.value if stored.practice else ""
        form["observations"] = stored.observations or ""
        form["unrated_reason"] = stored.unrated_reason or ""
    return form


def _render_review(
    assessment: Assessment,
    item: AssessmentItem,
    form: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    conflict: ItemReview | None = None,
    base: str | None = None,
    notice: str = "",
    saved_page: str | None = None,
) -> str:
    session = db_session()
    findings = reviews.findings_of(session, item)
    commitment = answers.commitment_of(assessment, item)
    stored = reviews.review_of(session, item)
    rows = reviews.commitment_reviews(session, assessment)
    this = next(row for row in rows if row.commitment_id == item.commitment_id)
    previous, following = questionnaires.neighbours(session, assessment, item)
    if not form["recommendation"]:
        form = {**form, "recommendation": _suggested(assessment, item) + " "}
    return render_template(
        "reviews/review.html",
        assessment=assessment,
        item=item,
        commitment=commitment,
        bank=assessment_question_bank(assessment),
        values=answers.answer_values(session, item.id),
        review=stored,
        status=this,
        rating_state=this.rating_state(current_user.id).value,
        form=form,
        errors=errors or {},
        conflict=conflict,
        rating_base=base if base is not None else reviews.rating_base(stored),
        request_id=secrets.token_urlsafe(16),
        saved_page=saved_page or "",
        notice=notice,
        previous=previous,
        following=following,
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
        max_reason=MAX_REASON,
    )


@blueprint.get("/<int:assessment_id>/review-list")
@allow(Audience.REVIEW_TEAM)
def review_list(assessment_id: int) -> str:
    """Every commitment with its review status, filtered to what still needs work."""
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    try:
        shown = ReviewFilter(request.args.get("show", ReviewFilter.ALL.value))
    except ValueError:
        shown = ReviewFilter.ALL
    rows = reviews.commitment_reviews(session, assessment)
    bank = assessment_question_bank(assessment)
    return render_template(
        "reviews/list.html",
        assessment=assessment,
        rows=[(row, bank.commitment(row.commitment_id)) for row in rows if row.shown_by(shown)],
        total=len(rows),
        shown=shown.value,
        filters=list(ReviewFilter),
        viewer_id=current_user.id,
    )


@blueprint.route("/<int:assessment_id>/complete-review", methods=["GET", "POST"])
@allow(Audience.REVIEWERS)
def complete(assessment_id: int) -> str | Response | tuple[str, int]:
    """The reviewer's confirmation page: what is rated, a reason for the rest, then confirm."""
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    if request.method == "GET":
        return _render_complete(assessment, {})
    reasons = {
        name.removeprefix("reason-"): value
        for name, value in request.form.items()
        if name.startswith("reason-")
    }
    if request.form.get("confirm") != "yes":
        flash(_("Nothing was done: tick the box to confirm that the review is complete."), "error")
        return _render_complete(assessment, reasons), 400
    try:
        reviews.complete_review(session, current_user, assessment, reasons)
    except reviews.ReviewIncomplete as incomplete:
        flash(
            _(
                "The review is not completed: %(count)s commitment(s) need a rating or a "
                "reason. The reasons you gave are saved.",
                count=len(incomplete.coverage.uncovered),
            ),
            "error",
        )
        return _render_complete(assessment, reasons), 400
    except ReviewError as error:
        flash(_("Nothing was saved: %(reason)s", reason=_reason(error)), "error")
        return _render_complete(assessment, reasons, errors={error.field: _reason(error)}), 400
    except access.NotAllowed as refusal:
        flash(_("Not possible: %(reason)s", reason=_reason(refusal)), "error")
        return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    flash(_("The review is completed. The secretariat can now finalize it."), "info")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id))


def _render_complete(
    assessment: Assessment, reasons: dict[str, str], errors: dict[str, str] | None = None
) -> str:
    session = db_session()
    if not access.is_assigned_reviewer(session, current_user, assessment):
        raise access.NotFound(f"assessment {assessment.id}")
    coverage = reviews.coverage(session, assessment)
    bank = assessment_question_bank(assessment)
    return render_template(
        "reviews/complete.html",
        assessment=assessment,
        coverage=coverage,
        titles={
            row.commitment_id: bank.commitment(row.commitment_id) for row in coverage.commitments
        },
        reasons=reasons,
        errors=errors or {},
        max_reason=MAX_REASON,
        may_complete=access.may_take_step(
            current_user, assessment, WorkflowStatus.REVIEW_COMPLETED
        ),
    )


@blueprint.route("/<int:assessment_id>/finalize", methods=["GET", "POST"])
@allow(Audience.SECRETARIAT)
def finalize(assessment_id: int) -> str | Response | tuple[str, int]:
    """The secretariat's confirmation page: the review's coverage, then confirm."""
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            flash(_("Nothing was done: tick the box to confirm the finalization."), "error")
            return _render_finalize(assessment), 400
        try:
            reviews.finalize(session, current_user, assessment)
        except access.NotAllowed as refusal:
            flash(_("Not possible: %(reason)s", reason=_reason(refusal)), "error")
            return redirect(url_for("assessments.overview", assessment_id=assessment.id))
        flash(_("The assessment is finalized. Its country reports are being prepared."), "info")
        return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    return _render_finalize(assessment)


def _render_finalize(assessment: Assessment) -> str:
    session = db_session()
    coverage = reviews.coverage(session, assessment)
    bank = assessment_question_bank(assessment)
    return render_template(
        "reviews/finalize.html",
        assessment=assessment,
        coverage=coverage,
        titles={
            row.commitment_id: bank.commitment(row.commitment_id) for row in coverage.commitments
        },
        may_finalize=assessment.status is WorkflowStatus.REVIEW_COMPLETED,
    )


@blueprint.post("/<int:assessment_id>/review/<commitment_id>/findings/<int:finding_id>/delete")
@allow(Audience.REVIEW_TEAM)
def remove_finding(assessment_id: int, commitment_id: str, finding_id: int) -> Response:
    session = db_session()
    assessment, item = access.get_item(session, current_user, assessment_id, commitment_id)
    reviews.remove_finding(session, current_user, assessment, item, finding_id)
    flash(_("Finding removed."), "info")
    return _back(assessment.id, item.commitment_id, "findings")


@blueprint.post("/<int:assessment_id>/c/<commitment_id>/clarifications/<int:clarification_id>")
@allow(Audience.STATE_PARTY)
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
        flash(_("Not saved: %(reason)s", reason=_reason(error)), "error")
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
        flash(_("Not sent: %(reason)s", reason=_reason(error)), "error")
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
    if target in CONFIRMED_STEPS:
        # Steps that cannot be undone by the person taking them are taken on a page that
        # says what follows and asks for confirmation.
        return redirect(url_for(CONFIRMED_STEPS[target], assessment_id=assessment.id))
    try:
        reviews.take_step(
            session, current_user, assessment, target, note=request.form.get("note", "")[:2000]
        )
        flash(_("The assessment is now: %(status)s", status=_(target.value)), "info")
    except access.NotAllowed as refusal:
        flash(_("Not possible: %(reason)s", reason=_reason(refusal)), "error")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id))


@blueprint.post("/<int:assessment_id>/reviewers")
@allow(Audience.SECRETARIAT)
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
        flash(_("Not assigned: %(reason)s", reason=_reason(error)), "error")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id, _anchor="review"))


@blueprint.post("/<int:assessment_id>/reviewers/<int:reviewer_id>/remove")
@allow(Audience.SECRETARIAT)
def unassign(assessment_id: int, reviewer_id: int) -> Response:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    reviews.unassign_reviewer(session, current_user, assessment, reviewer_id)
    flash(_("Reviewer removed."), "info")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id, _anchor="review"))


@blueprint.post("/<int:assessment_id>/reviewers/drafts")
@allow(Audience.SECRETARIAT)
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
@allow(Audience.SECRETARIAT)
def consent(assessment_id: int) -> Response:
    session = db_session()
    assessment = access.get_assessment(session, current_user, assessment_id)
    try:
        reviews.set_publication_consent(
            session, current_user, assessment, request.form.get("consent", "")
        )
        flash(_("Publication consent recorded."), "info")
    except ReviewError as error:
        flash(_("Not saved: %(reason)s", reason=_reason(error)), "error")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id, _anchor="review"))
