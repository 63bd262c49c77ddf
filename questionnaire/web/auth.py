"""Log-in and log-out, password change, and setting a password from an invitation."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from questionnaire.extensions import db_session, login_manager
from questionnaire.models import User
from questionnaire.services.accounts import MIN_PASSWORD_LENGTH, log_out
from questionnaire.services.invitations import (
    InvalidInvitation,
    accept_invitation,
    find_valid_invitation,
)
from questionnaire.services.throttle import Outcome, attempt_log_in, attempt_password_change
from questionnaire.web import identity
from questionnaire.web.policy import allow, public
from questionnaire.web.redirects import same_site_path
from questionnaire.web.request_values import InvalidRequestValue, whole_number
from questionnaire.web.security import start_session_clock

blueprint = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.session_protection = "strong"
MAX_PASSWORD_LENGTH = 200
TOO_MANY_ATTEMPTS = _l("Too many attempts. Wait 15 minutes and try again.")


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )


def _new_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l("Use between %(min)d and %(max)d characters."),
            ),
        ],
    )


def _repeat_field(label: str, original: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            EqualTo(original, message=_l("The two passwords are not the same; type them again.")),
        ],
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    new_password = _new_password_field(_l("New password"))
    new_password_again = _repeat_field(_l("New password again"), "new_password")


class SetPasswordForm(FlaskForm):
    password = _new_password_field(_l("Password"))
    password_again = _repeat_field(_l("Password again"), "password")


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _sep, generation = session_id.partition(":")
    try:
        account_id = whole_number("user", user_id)
        current_generation = whole_number("session", generation)
    except InvalidRequestValue:
        return None
    remembered = identity.remembered_person(account_id, current_generation)
    if remembered is not None:
        return remembered  # checked by the view's first statement
    user = db_session().get(User, account_id)
    if user is None or not user.active or user.session_generation != current_generation:
        return None
    return user


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        address = _client_address()
        result = attempt_log_in(
            db_session(), form.email.data or "", form.password.data or "", address
        )
        if result.user is not None:
            _start_fresh_session(result.user)
            return redirect(same_site_path(request.args.get("next"), url_for("home.index")))
        current_app.logger.warning(
            "log-in %s for %r from %s", result.outcome.value, result.email, address
        )
        if result.outcome is Outcome.THROTTLED:
            flash(str(TOO_MANY_ATTEMPTS), "error")
            return render_template("auth/login.html", form=form), 429
        flash(_("The e-mail or password is not correct."), "error")
    return render_template("auth/login.html", form=form)


@blueprint.post("/logout")
@allow()
def logout() -> Response:
    log_out(db_session(), current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@blueprint.route("/password", methods=["GET", "POST"])
@allow()
def change_password() -> str | Response | tuple[str, int]:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        address = _client_address()
        outcome = attempt_password_change(
            db_session(),
            user,
            current_password=form.current_password.data or "",
            new_password=form.new_password.data or "",
            address=address,
        )
        if outcome is Outcome.ACCEPTED:
            # Other sessions carry the old generation and end; this one starts afresh.
            _start_fresh_session(user, keep=("language", "started_at"))
            flash(_("Your password is changed. Every other session has ended."), "info")
            return redirect(url_for("home.index"))
        current_app.logger.warning(
            "password change %s for %r from %s", outcome.value, user.email, address
        )
        if outcome is Outcome.THROTTLED:
            form.current_password.errors.append(str(TOO_MANY_ATTEMPTS))
        else:
            form.current_password.errors.append(
                _("The current password is not correct. Nothing was changed.")
            )
    status = 400 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form), status


@blueprint.route("/invitation/<token>", methods=["GET", "POST"])
@public
def invitation(token: str) -> str | Response | tuple[str, int]:
    database = db_session()
    try:
        _invitation, user = find_valid_invitation(database, token)
    except InvalidInvitation:
        return _no_longer_valid()
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accept_invitation(database, token, form.password.data or "")
        except InvalidInvitation:
            return _no_longer_valid()
        _start_fresh_session(user)
        flash(_("Welcome. Your password is set and you are logged in."), "info")
        return redirect(url_for("home.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/invitation.html", form=form, invited=user), status


def _no_longer_valid() -> tuple[str, int]:
    return render_template("auth/invitation_invalid.html"), 404


def _start_fresh_session(user: User, keep: tuple[str, ...] = ("language",)) -> None:
    """Log in on an emptied session, so nothing from before carries over (no fixation).

    The session's start and last-seen times are set here, so the very cookie of the log-in
    response already carries them and times out like any other.
    """
    kept = {key: session[key] for key in keep if key in session}
    session.clear()
    session.update(kept)
    login_user(user)
    identity.remember(user)
    start_session_clock(keep_start="started_at" in kept)


def _client_address() -> str:
    # The direct peer only: X-Forwarded-For is whatever the client wants it to be.
    return request.remote_addr or "unknown"
