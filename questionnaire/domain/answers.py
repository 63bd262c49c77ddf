"""Answers to bank questions: checking a value, and what a person still has to answer.

Online forms and offline workbooks both pass through `parse_answer`, so a value is
accepted or refused the same way wherever it comes from.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from questionnaire.domain.bank import BankCommitment, BankQuestion
from questionnaire.domain.bank.schema import QuestionType
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.errors import N_ as N_
from questionnaire.domain.errors import AnswerError as AnswerError
from questionnaire.domain.numbers import parse_number
from questionnaire.domain.text import control_character

DEFAULT_TEXT_LIMIT = 4000
LINK_LIMIT = 2000


class ItemProgress(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"


def text_limit(question: BankQuestion) -> int:
    return question.max_length or DEFAULT_TEXT_LIMIT


def parse_answer(question: BankQuestion, raw: object) -> AnswerValue:
    """The stored form of `raw` for `question`, or `AnswerError` saying what is wrong.

    Empty input means "no answer" (None); a required question is enforced at submission,
    not at save, so people can save half-finished work.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        return None
    match question.type:
        case QuestionType.SINGLE_CHOICE:
            value = str(raw).strip()
            if question.option(value) is None:
                raise AnswerError(N_("“%(value)s” is not one of the choices"), value=value)
            return value
        case QuestionType.MULTIPLE_CHOICE:
            values = [raw] if isinstance(raw, str) else list(raw)  # type: ignore[call-overload]
            chosen: list[str] = []
            for item in values:
                value = str(item).strip()
                if question.option(value) is None:
                    raise AnswerError(N_("“%(value)s” is not one of the choices"), value=value)
                if value not in chosen:
                    chosen.append(value)
            return chosen or None
        case QuestionType.TEXT:
            text = str(raw).replace("\r\n", "\n")
            _refuse_control_characters(text)
            if len(text) > text_limit(question):
                raise AnswerError(
                    N_("the text has %(length)s characters; the limit is %(limit)s"),
                    length=len(text),
                    limit=text_limit(question),
                )
            return text
        case QuestionType.NUMBER:
            return _number(question, raw)
        case QuestionType.DATE:
            return _date(raw)
        case QuestionType.LINK:
            return parse_link(raw)
    raise AnswerError(N_("unknown question type %(type)s"), type=question.type)  # pragma: no cover


def _number(question: BankQuestion, raw: object) -> float:
    if isinstance(raw, bool):
        raise AnswerError(N_("enter a number"))
    if isinstance(raw, str):
        number = parse_number(raw)  # the forms people type: "4 230", "４２３０", "4.5万"
    else:
        try:
            number = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise AnswerError(N_("“%(value)s” is not a number"), value=raw) from None
    if not math.isfinite(number):
        raise AnswerError(N_("enter a finite number"))
    if question.minimum is not None and number < question.minimum:
        raise AnswerError(N_("the number must be at least %(minimum)g"), minimum=question.minimum)
    if question.maximum is not None and number > question.maximum:
        raise AnswerError(N_("the number must be at most %(maximum)g"), maximum=question.maximum)
    return number


def _date(raw: object) -> str:
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    try:
        return dt.date.fromisoformat(str(raw).strip()).isoformat()
    except ValueError:
        message = N_("“%(value)s” is not a date; use the form 2026-12-31")
        raise AnswerError(message, value=raw) from None


def _refuse_control_characters(text: str) -> None:
    code = control_character(text)
    if code:
        raise AnswerError(
            N_("the text contains a control character (%(code)s); remove it and save again"),
            code=code,
        )


def parse_link(raw: object) -> str:
    link = str(raw).strip()
    _refuse_control_characters(link)
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise AnswerError(N_("a link must start with http:// or https://"))
    if len(link) > LINK_LIMIT:
        raise AnswerError(N_("a link may have at most %(limit)s characters"), limit=LINK_LIMIT)
    return link


def is_answered(value: AnswerValue) -> bool:
    return value is not None and value != "" and value != []


def visible_questions(
    commitment: BankCommitment, answers: Mapping[str, AnswerValue]
) -> list[BankQuestion]:
    """The questions a person sees now: those without a condition or whose condition holds."""
    return [
        question
        for question in commitment.questions
        if question.condition is None or question.condition.holds(answers)
    ]


@dataclass(frozen=True)
class MissingAnswer:
    commitment_id: str
    paragraph: int
    question: BankQuestion


def missing_required(
    commitment: BankCommitment, answers: Mapping[str, AnswerValue]
) -> list[MissingAnswer]:
    return [
        MissingAnswer(commitment.id, commitment.paragraph, question)
        for question in visible_questions(commitment, answers)
        if question.required and not is_answered(answers.get(question.id))
    ]


def item_progress(commitment: BankCommitment, answers: Mapping[str, AnswerValue]) -> ItemProgress:
    if not any(is_answered(value) for value in answers.values()):
        return ItemProgress.NOT_STARTED
    if missing_required(commitment, answers):
        return ItemProgress.IN_PROGRESS
    return ItemProgress.COMPLETE
