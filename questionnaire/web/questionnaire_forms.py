"""WTForms built from the bank: one form per commitment, one field per question."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import escape
from wtforms import (
    Field,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from questionnaire.domain.answer_text import format_number
from questionnaire.domain.answers import text_limit
from questionnaire.domain.bank import BankCommitment, BankQuestion
from questionnaire.domain.bank.schema import QuestionType
from questionnaire.domain.conditions import AnswerValue
from questionnaire.web.i18n import current_language, localized
from questionnaire.web.request_values import whole_number

VERSION_PREFIX = "version__"


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CommitmentForm(FlaskForm):
    # Hidden fields get an explicit empty label: without one WTForms translates a made-up
    # label for every field of every request.
    request_id = HiddenField(label="")


def build_form(
    commitment: BankCommitment,
    answers: Mapping[str, AnswerValue],
    versions: Mapping[str, int],
    formdata: Any = None,
) -> CommitmentForm:
    """A form for `commitment`, filled from the stored answers unless `formdata` is given."""
    form_class = _form_class(commitment)
    data = {
        question.id: _form_value(question, answers.get(question.id))
        for question in commitment.questions
    }
    form = (
        form_class(formdata=formdata, data=data) if formdata is not None else form_class(data=data)
    )
    if formdata is None:
        for question in commitment.questions:
            getattr(form, VERSION_PREFIX + question.id).data = str(versions.get(question.id, 0))
    return form


# Form classes by commitment and language: a bank version never changes, so the class built
# for it can serve every request (building one costs about a tenth of a page).
_form_classes: dict[tuple[int, str], tuple[BankCommitment, type[CommitmentForm]]] = {}


def _form_class(commitment: BankCommitment) -> type[CommitmentForm]:
    key = (id(commitment), current_language())
    cached = _form_classes.get(key)
    if cached is not None and cached[0] is commitment:
        return cached[1]

    class Form(CommitmentForm):
        pass

    for question in commitment.questions:
        setattr(Form, question.id, _field(question))
        setattr(Form, VERSION_PREFIX + question.id, HiddenField(label=""))
    _form_classes[key] = (commitment, Form)
    return Form


def _field(question: BankQuestion) -> Field:
    # Escaped once here, for the life of the cached class, instead of on every page.
    label = escape(localized(question.text))
    description = escape(localized(question.help))
    choices = (
        [SelectChoice(o.value, escape(localized(o.label))) for o in question.scale.options]
        if question.scale
        else []
    )
    match question.type:
        case QuestionType.SINGLE_CHOICE:
            return RadioField(
                label,
                choices=choices,
                description=description,
                validators=[Optional()],
                validate_choice=False,
            )
        case QuestionType.MULTIPLE_CHOICE:
            return CheckboxListField(
                label, choices=choices, description=description, validate_choice=False
            )
        case QuestionType.TEXT if question.multiline:
            return TextAreaField(
                label,
                description=description,
                render_kw={"maxlength": text_limit(question), "rows": 5},
            )
        case QuestionType.TEXT:
            return StringField(
                label, description=description, render_kw={"maxlength": text_limit(question)}
            )
        case QuestionType.NUMBER:
            render = {"inputmode": "decimal"}
            return StringField(label, description=description, render_kw=render)
        case QuestionType.DATE:
            return StringField(
                label,
                description=description,
                render_kw={"type": "date", "placeholder": "2026-12-31"},
            )
        case QuestionType.LINK:
            return StringField(
                label, description=description, render_kw={"type": "url", "placeholder": "https://"}
            )
    raise ValueError(question.type)  # pragma: no cover


def _form_value(question: BankQuestion, value: AnswerValue) -> Any:
    if value is None:
        return [] if question.type is QuestionType.MULTIPLE_CHOICE else None
    if question.type is QuestionType.NUMBER and isinstance(value, int | float):
        return format_number(value, current_language())
    return value


def submitted_values(commitment: BankCommitment, formdata: Any) -> dict[str, object]:
    """The raw values of the questions present in the submitted form."""
    values: dict[str, object] = {}
    for question in commitment.questions:
        if question.type is QuestionType.MULTIPLE_CHOICE:
            if question.id in formdata or f"{question.id}__present" in formdata:
                values[question.id] = formdata.getlist(question.id)
        elif question.id in formdata:
            values[question.id] = formdata.get(question.id)
    return values


def submitted_versions(commitment: BankCommitment, formdata: Any) -> dict[str, int]:
    """The answer versions the form was built on; `InvalidRequestValue` for a malformed one."""
    versions: dict[str, int] = {}
    for question in commitment.questions:
        field = VERSION_PREFIX + question.id
        raw = formdata.get(field)
        if raw is None:
            continue
        versions[question.id] = whole_number(field, raw)
    return versions
