"""The secretariat opens assessments and chooses their scope from the bank."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.scope import Scope, ScopeError
from questionnaire.domain.state_parties import load_regional_groups
from questionnaire.extensions import db_session
from questionnaire.services import bulk
from questionnaire.services.assessments import (
    AssessmentError,
    active_reviewers,
    find_assessments,
    open_assessment,
    state_codes_of_group,
)
from questionnaire.services.bank_store import latest_question_bank
from questionnaire.services.bulk import parse_state_codes
from questionnaire.services.state_parties import state_parties_by_name
from questionnaire.web.filters import AssessmentFilterForm
from questionnaire.web.i18n import current_language, localized, term
from questionnaire.web.policy import Audience, allow
from questionnaire.web.request_values import whole_number

blueprint = Blueprint("secretariat", __name__, url_prefix="/secretariat")


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ScopeForm(FlaskForm):
    """Year, due date and scope: what one assessment or a bulk opening is made with."""

    review_year = IntegerField(
        _l("Review year"), validators=[DataRequired(), NumberRange(min=2021, max=2100)]
    )
    due_date = DateField(_l("Answers due by"), validators=[Optional()])
    sections = Checkboxes(_l("Sections"))
    themes = Checkboxes(_l("Themes"))
    review_cycles = Checkboxes(
        _l("IRM review cycle"), choices=[SelectChoice("1", "1"), SelectChoice("2", "2")]
    )
    chapters = Checkboxes(_l("UNCAC chapter"))
    strengths = Checkboxes(_l("Strength of the commitment"))

    def offer_choices(self, bank: QuestionBank) -> None:
        self.sections.choices = [
            SelectChoice(s.id, f"{s.number}. {localized(s.title)}") for s in bank.sections
        ]
        self.themes.choices = [SelectChoice(t.id, localized(t.label)) for t in bank.themes.values()]
        self.chapters.choices = [
            SelectChoice(c.number, f"{c.number}. {localized(c.title)}") for c in bank.uncac.chapters
        ]
        self.strengths.choices = [
            SelectChoice(s, term(s)) for s in ("commit", "encourage", "invite_to_consider")
        ]
        if self.review_year.data is None and not self.is_submitted():
            self.review_year.data = dt.date.today().year

    def scope(self) -> Scope:
        return Scope(
            sections=tuple(self.sections.data or ()),
            themes=tuple(self.themes.data or ()),
            review_cycles=tuple(int(c) for c in self.review_cycles.data or ()),
            chapters=tuple(self.chapters.data or ()),
            strengths=tuple(self.strengths.data or ()),
        )


class NewAssessmentForm(ScopeForm):
    state_party = SelectField(_l("State party"), validators=[DataRequired()])


class OpenManyForm(ScopeForm):
    states = TextAreaField(
        _l("State parties (three-letter codes)"),
        validators=[Length(max=2000)],
        description=_l("Separated by spaces, commas or new lines, for example: CHN, JPN, KEN."),
    )
    region = SelectField(_l("Or every state party of a regional group"), validators=[Optional()])


@blueprint.route("/assessments/new", methods=["GET", "POST"])
@allow(Audience.SECRETARIAT)
def new_assessment() -> str | Response | tuple[str, int]:
    session = db_session()
    bank = latest_question_bank(session)
    if bank is None:
        flash(_("Load the question bank first."), "error")
        return redirect(url_for("home.index"))
    form = NewAssessmentForm()
    language = current_language()
    name = "name_zh" if language == "zh" else "name_en"
    states = state_parties_by_name(session, language)
    form.state_party.choices = [
        SelectChoice(s.code, f"{getattr(s, name)} ({s.code})") for s in states
    ]
    form.offer_choices(bank)
    if form.validate_on_submit():
        scope = form.scope()
        try:
            assessment = open_assessment(
                session,
                current_user,
                state_party_code=form.state_party.data or "",
                review_year=form.review_year.data or 0,
                scope=scope,
                due_date=form.due_date.data,
            )
        except (AssessmentError, ScopeError) as error:
            flash(_("The assessment was not created: %(reason)s", reason=str(error)), "error")
            return render_template("secretariat/new_assessment.html", form=form), 400
        flash(
            _("Assessment created with %(count)s commitments.", count=len(assessment.items)), "info"
        )
        return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    status = 400 if form.is_submitted() else 200
    return render_template("secretariat/new_assessment.html", form=form), status


@blueprint.route("/assessments/open-many", methods=["GET", "POST"])
@allow(Audience.SECRETARIAT)
def open_many() -> str | Response | tuple[str, int]:
    """Open assessments for many state parties at once, for one year and scope."""
    session = db_session()
    bank = latest_question_bank(session)
    if bank is None:
        flash(_("Load the question bank first."), "error")
        return redirect(url_for("home.index"))
    form = OpenManyForm()
    form.offer_choices(bank)
    zh = current_language() == "zh"
    groups = load_regional_groups()
    form.region.choices = [SelectChoice("", _("No regional group"))] + [
        SelectChoice(g.id, g.label_zh if zh else g.label_en) for g in groups
    ]
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("secretariat/open_many.html", form=form), status
    codes = parse_state_codes(form.states.data or "")
    if form.region.data:
        codes += state_codes_of_group(session, form.region.data)
    try:
        result = bulk.open_assessments(
            session,
            current_user,
            state_party_codes=codes,
            review_year=form.review_year.data or 0,
            scope=form.scope(),
            due_date=form.due_date.data,
        )
    except (bulk.BulkError, ScopeError) as error:
        flash(_("Nothing was opened: %(reason)s", reason=_reason(error)), "error")
        return render_template("secretariat/open_many.html", form=form), 400
    return render_template(
        "secretariat/bulk_result.html",
        title=_("Assessments opened"),
        result=result,
        reasons=[_reason(o.reason) for o in result.outcomes],
        back=url_for("assessments.index", year=form.review_year.data),
    )


@blueprint.route("/assessments/assign", methods=["GET", "POST"])
@allow(Audience.SECRETARIAT)
def bulk_assign() -> str | tuple[str, int]:
    """Assign the same reviewers to many assessments, chosen from the filtered list."""
    session = db_session()
    filters = AssessmentFilterForm().offer_choices(session, current_user)
    valid = filters.checked()
    if request.method == "GET":
        return _assign_page(filters, set(), set(), 200 if valid else 400)
    assessment_ids = form_ids("assessment")
    reviewer_ids = form_ids("reviewer")
    try:
        result = bulk.assign_reviewers(
            session, current_user, assessment_ids=assessment_ids, reviewer_ids=reviewer_ids
        )
    except bulk.BulkError as error:
        flash(_("Nobody was assigned: %(reason)s", reason=_reason(error)), "error")
        return _assign_page(filters, set(assessment_ids), set(reviewer_ids), 400)
    return render_template(
        "secretariat/bulk_result.html",
        title=_("Reviewers assigned"),
        result=result,
        reasons=[_reason(o.reason) for o in result.outcomes],
        back=url_for("secretariat.bulk_assign", **request.args),
    )


def _assign_page(
    filters: AssessmentFilterForm, chosen: set[int], chosen_reviewers: set[int], status: int
) -> tuple[str, int]:
    session = db_session()
    zh = current_language() == "zh"
    page = render_template(
        "secretariat/bulk_assign.html",
        filters=filters,
        assessments=find_assessments(session, current_user, filters.wanted()),
        reviewers=active_reviewers(session, current_user),
        groups={g.id: g.label_zh if zh else g.label_en for g in load_regional_groups()},
        chosen=chosen,
        chosen_reviewers=chosen_reviewers,
    )
    return page, status


def form_ids(field: str) -> list[int]:
    """Every checked id of a list of checkboxes; a malformed one is a 400 naming the field."""
    return [whole_number(field, raw) for raw in request.form.getlist(field)]


def _reason(reason: bulk.Reason | bulk.BulkError | ScopeError | None) -> str:
    """A reason in the person's language: the template translated, then its values."""
    if reason is None:
        return ""
    if isinstance(reason, ScopeError):
        return str(reason)
    template = _(reason.template)
    params = {key: _(value) if key == "reason" else value for key, value in reason.params.items()}
    return template % params if params else template
