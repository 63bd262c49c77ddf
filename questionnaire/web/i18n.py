"""Interface language: Chinese or English, switchable at any time, remembered per person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel.support import NullTranslations
from flask import Blueprint, Flask, g, has_request_context, redirect, request, session, url_for
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from questionnaire.domain.answer_text import answer_text as rendered_answer
from questionnaire.domain.answers import AnswerError
from questionnaire.extensions import db_session
from questionnaire.services.accounts import set_language
from questionnaire.web.policy import public
from questionnaire.web.redirects import same_site_path

LANGUAGES = ("zh", "en")
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
blueprint = Blueprint("i18n", __name__)

# Codes the data model stores, as the interface names them.
TERMS = {
    "secretariat": _l("Secretariat"),
    "focal_point": _l("Focal point"),
    "contributor": _l("Contributor"),
    "reviewer": _l("Reviewer"),
    "state": _l("States"),
    "unodc": _l("UNODC"),
    "cosp": _l("Conference of the States Parties"),
    "un_system": _l("United Nations system"),
    "other": _l("Other"),
    "commit": _l("Commit / will"),
    "encourage": _l("Encourage / endeavour"),
    "invite_to_consider": _l("Invite to consider"),
    "take_note": _l("Take note"),
    "explicit": _l("stated in the declaration"),
    "inferred": _l("inferred by the team"),
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "in_review": _l("In review"),
    "clarification_requested": _l("Clarification requested"),
    "answered": _l("Clarifications answered"),
    "review_completed": _l("Review completed"),
    "finalized": _l("Finalized"),
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "complete": _l("Complete"),
    "not_recorded": _l("Not recorded"),
    "full_report": _l("Full report may be published"),
    "executive_summary": _l("Executive summary only"),
    "confidential": _l("Confidential"),
    "good_practice": _l("Success and good practice"),
    "challenge": _l("Challenge and recommendation"),
    "technical_assistance": _l("Technical assistance need"),
    "fully": _l("Fully implemented"),
    "largely": _l("Largely implemented"),
    "partially": _l("Partially implemented"),
    "not_implemented": _l("Not implemented"),
    "not_applicable": _l("Not applicable"),
    "high": _l("High"),
    "substantial": _l("Substantial"),
    "moderate": _l("Moderate"),
    "low": _l("Low"),
    "insufficient_evidence": _l("Insufficient evidence"),
    "open": _l("Open"),
    "implemented": _l("Implemented"),
    "new": _l("New"),
    "changed": _l("Changed"),
    "unchanged": _l("Unchanged"),
    "conflict": _l("Conflict"),
    # Workflow steps, by the English label the domain gives them.
    "Submit": _l("Submit"),
    "Reopen for the state": _l("Reopen for the state"),
    "Start review": _l("Start review"),
    "Request clarification": _l("Request clarification"),
    "Send clarifications": _l("Send clarifications"),
    "Resume review": _l("Resume review"),
    "Complete review": _l("Complete review"),
    "Reopen review": _l("Reopen review"),
    "Finalize": _l("Finalize"),
    "Reopen finalized": _l("Reopen finalized"),
}


def select_locale() -> str:
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES) or "zh"


def current_language() -> str:
    """The request's language, worked out once per request.

    A page asks for it about a hundred times (every bank text, every label); Flask-Babel's
    own lookup walks several context proxies each time, which was a tenth of the page.
    """
    return str(_once_per_request("_language", lambda: str(get_locale() or "zh")[:2]))


def request_translations() -> NullTranslations:
    """The request's catalogue, looked up once per request for the same reason."""
    return _once_per_request("_translations", get_translations)  # type: ignore[no-any-return]


def _once_per_request(key: str, compute: Callable[[], Any]) -> Any:
    if not has_request_context():
        return compute()
    value = g.get(key)
    if value is None:
        value = compute()
        setattr(g, key, value)
    return value


def forget_language() -> None:
    """After the person switches language in this request, look both up again."""
    g.pop("_language", None)
    g.pop("_translations", None)


def term(code: Any) -> str:
    """The interface's name for a stored code (role, strength, addressee...)."""
    key = getattr(code, "value", code)
    return str(TERMS.get(key, key))


def said(problem: AnswerError) -> str:
    """A domain message in the person's language, its values filled in afterwards."""
    template = request_translations().ugettext(problem.template)
    return template % problem.params if problem.params else template


def answer_text(value: Any, question: Any) -> str:
    """An answer as a person reads it, in the request's language (`domain.answer_text`)."""
    return rendered_answer(question, value, current_language())


def localized(value: Any) -> str:
    """Pick the current language from a bank text that has `zh` and `en`."""
    if value is None:
        return ""
    language = current_language()
    if isinstance(value, dict):
        return value.get(language) or value.get("zh") or ""
    return getattr(value, language, None) or getattr(value, "zh", "")


@blueprint.post("/language")
@public
def switch_language() -> Response:
    language = request.form.get("language", "")
    if language in LANGUAGES:
        session["language"] = language
        forget_language()
        if current_user.is_authenticated:
            set_language(db_session(), current_user, language)
    return redirect(same_site_path(request.form.get("next"), url_for("home.index")))


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.filters["term"] = term
    app.jinja_env.filters["answer_text"] = answer_text
    app.jinja_env.globals.update(current_language=current_language, language_names=LANGUAGE_NAMES)
    # Flask-Babel's template callables find the catalogue anew for every string.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda text: request_translations().ugettext(text),
        ngettext=lambda one, many, n: request_translations().ungettext(one, many, n),
        newstyle=True,
        pgettext=lambda context, text: request_translations().upgettext(context, text),
        npgettext=lambda context, one, many, n: request_translations().unpgettext(
            context, one, many, n
        ),
    )
