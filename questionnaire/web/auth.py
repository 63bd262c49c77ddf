"""Log-in and log-out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from questionnaire.extensions import db_session, login_manager
from questionnaire.models import User
from questionnaire.services.accounts import authenticate, end_sessions
from questionnaire.web.policy import allow, public

blueprint = Blueprint("auth", __name__)
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.session_protection = "strong"


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user_id, _sep, generation = session_id.partition(":")
    if not user_id.isdigit() or not generation.isdigit():
        return None
    user = db_session().get(User, int(user_id))
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        database = db_session()
        user = authenticate(database, form.email.data or "", form.password.data or "")
        if user is not None:
            database.commit()
            language = session.get("language")
            session.clear()  # a fresh session at log-in: no fixation
            if language:
                session["language"] = language
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        database.rollback()
        flash(_("The e-mail or password is not correct."), "error")
    return render_template("auth/login.html", form=form)


@blueprint.post("/logout")
@allow()
def logout() -> Response:
    database = db_session()
    end_sessions(database, current_user._get_current_object())
    database.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")
