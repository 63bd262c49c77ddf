"""The secretariat opens assessments and chooses their scope from the bank."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import DateField, IntegerField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from questionnaire.domain.scope import Scope, ScopeError
from questionnaire.extensions import db_session
from questionnaire.models import Role, StateParty
from questionnaire.services.assessments import AssessmentError, create_assessment
from questionnaire.services.bank_store import current_bank
from questionnaire.web.i18n import current_language, localized, term
from questionnaire.web.policy import allow

blueprint = Blueprint("secretariat", __name__, url_prefix="/secretariat")


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewAssessmentForm(FlaskForm):
    state_party = SelectField(_l("State party"), validators=[DataRequired()])
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


@blueprint.route("/assessments/new", methods=["GET", "POST"])
@allow(Role.SECRETARIAT)
def new_assessment() -> str | Response | tuple[str, int]:
    session = db_session()
    bank = current_bank(session)
    if bank is None:
        flash(_("Load the question bank first."), "error")
        return redirect(url_for("home.index"))
    form = NewAssessmentForm()
    name = "name_zh" if current_language() == "zh" else "name_en"
    states = session.scalars(select(StateParty).order_by(getattr(StateParty, name)))
    form.state_party.choices = [
        SelectChoice(s.code, f"{getattr(s, name)} ({s.code})") for s in states
    ]
    form.sections.choices = [
        SelectChoice(s.id, f"{s.number}. {localized(s.title)}") for s in bank.sections
    ]
    form.themes.choices = [SelectChoice(t.id, localized(t.label)) for t in bank.themes.values()]
    form.chapters.choices = [
        SelectChoice(c.number, f"{c.number}. {localized(c.title)}") for c in bank.uncac.chapters
    ]
    form.strengths.choices = [
        SelectChoice(s, term(s)) for s in ("commit", "encourage", "invite_to_consider")
    ]
    if form.review_year.data is None and not form.is_submitted():
        form.review_year.data = dt.date.today().year
    if form.validate_on_submit():
        scope = Scope(
            sections=tuple(form.sections.data or ()),
            themes=tuple(form.themes.data or ()),
            review_cycles=tuple(int(c) for c in form.review_cycles.data or ()),
            chapters=tuple(form.chapters.data or ()),
            strengths=tuple(form.strengths.data or ()),
        )
        try:
            assessment = create_assessment(
                session,
                current_user,
                state_party_code=form.state_party.data or "",
                review_year=form.review_year.data or 0,
                scope=scope,
                due_date=form.due_date.data,
            )
            session.commit()
        except (AssessmentError, ScopeError) as error:
            session.rollback()
            flash(_("The assessment was not created: %(reason)s", reason=str(error)), "error")
            return render_template("secretariat/new_assessment.html", form=form), 400
        flash(
            _("Assessment created with %(count)s commitments.", count=len(assessment.items)), "info"
        )
        return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    status = 400 if form.is_submitted() else 200
    return render_template("secretariat/new_assessment.html", form=form), status
