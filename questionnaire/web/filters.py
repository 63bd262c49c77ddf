"""Filter forms of the lists: read from the query string, so a filtered list is a link that
works without JavaScript and can be bookmarked or shared.

A value that is not one of the choices, or a year out of range, is shown next to its field
with the list narrowed by the other fields only.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import IntegerField, SearchField, SelectChoice, SelectField
from wtforms.validators import Length, NumberRange, Optional

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.state_parties import load_regional_groups
from questionnaire.models import Role, User
from questionnaire.services.accounts import AccountFilter, AccountStatus
from questionnaire.services.assessments import AssessmentFilter, review_years
from questionnaire.web.i18n import current_language, term


class QueryForm(FlaskForm):
    """A GET form: no CSRF token (it changes nothing), values from the query string."""

    class Meta:
        csrf = False

    def __init__(self) -> None:
        super().__init__(formdata=request.args)

    def checked(self) -> bool:
        """Validate; a field in error is emptied so it does not narrow the list."""
        if self.validate():
            return True
        for field in self:
            if field.errors:
                field.data = None
        return False


class AssessmentFilterForm(QueryForm):
    q = SearchField(_l("State party"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), validators=[Optional()])
    year = IntegerField(_l("Review year"), validators=[Optional(), NumberRange(min=2021, max=2100)])
    region = SelectField(_l("Regional group"), validators=[Optional()])

    def offer_choices(self, session: Session, user: User) -> AssessmentFilterForm:
        self.status.choices = [SelectChoice("", _("Any status"))] + [
            SelectChoice(status.value, term(status.value)) for status in WorkflowStatus
        ]
        zh = current_language() == "zh"
        self.region.choices = [SelectChoice("", _("Any regional group"))] + [
            SelectChoice(group.id, group.label_zh if zh else group.label_en)
            for group in load_regional_groups()
        ]
        self.known_years = review_years(session, user)
        return self

    def wanted(self) -> AssessmentFilter:
        return AssessmentFilter(
            status=WorkflowStatus(self.status.data) if self.status.data else None,
            year=self.year.data,
            region=self.region.data or None,
            text=self.q.data or "",
        )

    @property
    def narrowed(self) -> bool:
        return any(field.data for field in self)


class AccountFilterForm(QueryForm):
    q = SearchField(_l("E-mail or name"), validators=[Optional(), Length(max=254)])
    role = SelectField(_l("Role"), validators=[Optional()])
    state = SelectField(_l("State party"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])

    def offer_choices(self, state_choices: list[SelectChoice]) -> AccountFilterForm:
        self.role.choices = [SelectChoice("", _("Any role"))] + [
            SelectChoice(role.value, term(role.value)) for role in Role
        ]
        self.state.choices = [SelectChoice("", _("Any state party"))] + state_choices
        self.status.choices = [
            SelectChoice("", _("Any status")),
            SelectChoice(AccountStatus.ACTIVE.value, _("Active")),
            SelectChoice(AccountStatus.INVITED.value, _("Invited, no password yet")),
            SelectChoice(AccountStatus.DISABLED.value, _("Disabled")),
        ]
        return self

    def wanted(self) -> AccountFilter:
        return AccountFilter(
            role=Role(self.role.data) if self.role.data else None,
            state_party_code=self.state.data or None,
            status=AccountStatus(self.status.data) if self.status.data else None,
            text=self.q.data or "",
        )

    @property
    def narrowed(self) -> bool:
        return any(field.data for field in self)
