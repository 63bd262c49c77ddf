"""The secretariat's account pages: invite people, re-issue links, disable, re-assign."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, SelectChoice, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, Regexp

from questionnaire.extensions import db_session
from questionnaire.models import Role
from questionnaire.services import access, throttle
from questionnaire.services.accounts import (
    AccountError,
    EmailTaken,
    get_account,
    list_accounts,
    reassign_account,
    set_account_active,
)
from questionnaire.services.invitations import IssuedInvitation, invite_user, reissue_invitation
from questionnaire.services.state_parties import state_parties_by_name
from questionnaire.web.filters import AccountFilterForm
from questionnaire.web.i18n import current_language, term
from questionnaire.web.policy import Audience, allow

blueprint = Blueprint("accounts", __name__, url_prefix="/accounts")
ROLE_VALUES = tuple(role.value for role in Role)


class RoleAndStateForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[DataRequired()])
    state_party = SelectField(_l("State party"))

    def validate_state_party(self, field: SelectField) -> None:
        role = Role(self.role.data) if self.role.data in ROLE_VALUES else None
        if role is not None and access.role_needs_state_party(role) and not field.data:
            raise ValidationError(
                _("Choose the state party of a focal point, contributor or reviewer.")
            )
        if role is not None and access.role_excludes_state_party(role) and field.data:
            raise ValidationError(_("Secretariat accounts belong to no state party."))

    def offer_choices(self) -> RoleAndStateForm:
        self.role.choices = [SelectChoice(value, term(value)) for value in ROLE_VALUES]
        self.state_party.choices = [SelectChoice("", _("None (secretariat)")), *state_choices()]
        return self


def state_choices() -> list[SelectChoice]:
    """Every state party by its name in the person's language, with its code."""
    language = current_language()
    name = "name_zh" if language == "zh" else "name_en"
    states = state_parties_by_name(db_session(), language)
    return [SelectChoice(state.code, f"{getattr(state, name)} ({state.code})") for state in states]


class InviteForm(RoleAndStateForm):
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(),
            Length(max=254),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message=_l("Enter an e-mail address such as name@example.org."),
            ),
        ],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


@blueprint.get("")
@allow(Audience.SECRETARIAT)
def index() -> tuple[str, int]:
    return _accounts_page(InviteForm(formdata=None).offer_choices())


@blueprint.post("")
@allow(Audience.SECRETARIAT)
def invite() -> tuple[str, int]:
    form = InviteForm().offer_choices()
    if not form.validate_on_submit():
        return _accounts_page(form, status=400)
    try:
        issued = invite_user(
            db_session(),
            current_user,
            email=form.email.data or "",
            name=form.name.data or "",
            role=Role(form.role.data),
            state_party_code=form.state_party.data or None,
        )
    except EmailTaken:
        form.email.errors.append(_("An account with this e-mail exists already."))
        return _accounts_page(form, status=400)
    except AccountError as error:
        flash(_("Nothing was changed: %(reason)s", reason=str(error)), "error")
        return _accounts_page(form, status=400)
    return _accounts_page(InviteForm(formdata=None).offer_choices(), issued=issued)


@blueprint.post("/<int:user_id>/invitation")
@allow(Audience.SECRETARIAT)
def reissue(user_id: int) -> str | Response:
    try:
        issued = reissue_invitation(db_session(), current_user, user_id)
    except AccountError as error:
        flash(_("Nothing was changed: %(reason)s", reason=str(error)), "error")
        return redirect(url_for("accounts.index"))
    return _accounts_page(InviteForm(formdata=None).offer_choices(), issued=issued)[0]


@blueprint.post("/<int:user_id>/disable")
@allow(Audience.SECRETARIAT)
def disable(user_id: int) -> Response:
    return _set_active(user_id, active=False)


@blueprint.post("/<int:user_id>/enable")
@allow(Audience.SECRETARIAT)
def enable(user_id: int) -> Response:
    return _set_active(user_id, active=True)


@blueprint.route("/<int:user_id>/edit", methods=["GET", "POST"])
@allow(Audience.SECRETARIAT)
def edit(user_id: int) -> str | Response | tuple[str, int]:
    database = db_session()
    account = get_account(database, current_user, user_id)
    form = RoleAndStateForm(
        data={"role": account.role.value, "state_party": account.state_party_code or ""}
    ).offer_choices()
    if form.validate_on_submit():
        try:
            reassign_account(
                database,
                current_user,
                user_id,
                role=Role(form.role.data),
                state_party_code=form.state_party.data or None,
            )
        except AccountError as error:
            flash(_("Nothing was changed: %(reason)s", reason=str(error)), "error")
        else:
            flash(_("%(email)s is re-assigned and logged out.", email=account.email), "info")
            return redirect(url_for("accounts.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/edit.html", form=form, account=account), status


@blueprint.post("/<int:user_id>/lockout/lift")
@allow(Audience.SECRETARIAT)
def lift_lockout(user_id: int) -> Response:
    account = throttle.lift_lockout(db_session(), current_user, user_id)
    flash(_("%(email)s can log in again now.", email=account.email), "info")
    return redirect(url_for("accounts.index"))


def _set_active(user_id: int, *, active: bool) -> Response:
    try:
        account = set_account_active(db_session(), current_user, user_id, active=active)
    except AccountError as error:
        flash(_("Nothing was changed: %(reason)s", reason=str(error)), "error")
    else:
        if active:
            flash(_("%(email)s can log in again.", email=account.email), "info")
        else:
            flash(_("%(email)s is disabled and logged out.", email=account.email), "info")
    return redirect(url_for("accounts.index"))


def _accounts_page(
    form: InviteForm, issued: IssuedInvitation | None = None, status: int = 200
) -> tuple[str, int]:
    link = url_for("auth.invitation", token=issued.token, _external=True) if issued else None
    filters = AccountFilterForm().offer_choices(state_choices())
    if not filters.checked() and status == 200:
        status = 400
    page = render_template(
        "accounts/index.html",
        accounts=list_accounts(db_session(), current_user, filters.wanted()),
        filters=filters,
        locked=throttle.locked_accounts(db_session(), current_user),
        form=form,
        issued=issued,
        link=link,
    )
    return page, status
