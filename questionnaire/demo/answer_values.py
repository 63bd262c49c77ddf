"""Answer values a country might give: every visible question, consistent with its conditions.

Pure: no database. Every choice is drawn from the `random.Random` the caller passes in, so a
seed gives the same answers anywhere.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass

from questionnaire.demo import text as demo_text
from questionnaire.demo.text import Language
from questionnaire.domain.bank import BankCommitment, BankQuestion
from questionnaire.domain.bank.schema import QuestionType
from questionnaire.domain.conditions import AnswerValue


@dataclass(frozen=True)
class AnswerContext:
    """What a country's answers depend on besides the question."""

    state_code: str
    language: Language
    year: int
    profile: float  # 0..1: how far the country has implemented; skews the choices


OPTIONAL_ANSWERED = 0.7


def answers_for(
    rng: random.Random, commitment: BankCommitment, context: AnswerContext
) -> dict[str, AnswerValue]:
    """Answers to every required question that shows, and to most optional ones.

    Conditions may refer to any question of the commitment, so passes repeat until no
    question appears or disappears; answers to questions that became hidden are dropped.
    """
    values: dict[str, AnswerValue] = {}
    skipped: set[str] = set()
    for _ in range(len(commitment.questions)):
        changed = False
        for question in commitment.questions:
            shown = question.condition is None or question.condition.holds(values)
            if not shown and question.id in values:
                del values[question.id]
                changed = True
            elif shown and question.id not in values and question.id not in skipped:
                if not question.required and rng.random() > OPTIONAL_ANSWERED:
                    skipped.add(question.id)
                    continue
                values[question.id] = value_for(rng, question, commitment, context, values)
                changed = True
        if not changed:
            break
    return values


def leave_unfinished(
    rng: random.Random, commitment: BankCommitment, values: dict[str, AnswerValue]
) -> dict[str, AnswerValue]:
    """A commitment someone started: the status and part of the rest."""
    kept = {key: value for key, value in values.items() if key == "status" or rng.random() < 0.5}
    return {
        question.id: kept[question.id]
        for question in commitment.questions
        if question.id in kept and (question.condition is None or question.condition.holds(kept))
    }


def value_for(
    rng: random.Random,
    question: BankQuestion,
    commitment: BankCommitment,
    context: AnswerContext,
    values: Mapping[str, AnswerValue],
) -> AnswerValue:
    """One question's answer, by its type; `values` holds the commitment's answers so far."""
    match question.type:
        case QuestionType.SINGLE_CHOICE:
            return _single_choice(rng, question, context, values)
        case QuestionType.MULTIPLE_CHOICE:
            return _multiple_choice(rng, question, context)
        case QuestionType.NUMBER:
            return _number(rng, question, context)
        case QuestionType.DATE:
            return _date(rng, question, context)
        case QuestionType.LINK:
            slug = question.id.replace("_", "-")
            return f"https://example.gov.{context.state_code.lower()}/{slug}/{commitment.paragraph}"
        case _:
            themes = commitment.spec.themes
            return demo_text.answer_text(rng, question.id, themes, context.language, context.year)


def _single_choice(
    rng: random.Random,
    question: BankQuestion,
    context: AnswerContext,
    values: Mapping[str, AnswerValue],
) -> str:
    assert question.scale is not None
    options = [option.value for option in question.scale.options]
    if question.id == "status":
        gap = 1 - context.profile
        return rng.choices(options, weights=[context.profile, gap * 0.6, gap * 0.35, 0.04])[0]
    if question.id == "ta_needed":
        needed = 0.15 if values.get("status") == "yes" else 0.45
        return "yes" if rng.random() < needed else "no"
    # Scales list the strongest option first; a country further along picks it more often.
    ratio = 1.15 - context.profile
    return rng.choices(options, weights=[ratio**rank for rank in range(len(options))])[0]


def _multiple_choice(
    rng: random.Random, question: BankQuestion, context: AnswerContext
) -> list[str]:
    assert question.scale is not None
    options = [option.value for option in question.scale.options]
    if "none" in options and rng.random() < (1 - context.profile) * 0.15:
        return ["none"]
    chosen = [
        value
        for value in options
        if value not in ("none", "other") and rng.random() < 0.25 + 0.4 * context.profile
    ]
    if "other" in options and rng.random() < 0.08:
        chosen.append("other")
    return chosen or [next(value for value in options if value != "none")]


def _number(rng: random.Random, question: BankQuestion, context: AnswerContext) -> float:
    low = question.minimum or 0.0
    high = question.maximum if question.maximum is not None else 100000.0
    if low >= 1900:  # a year
        return float(min(high, context.year - rng.randint(1, 6)))
    if high <= 100:  # a share in per cent, or a small count such as months
        return float(rng.randint(int(max(low, high * 0.2)), int(high * 0.95)))
    return float(min(high, max(low, round(10 ** rng.uniform(0.5, 3.7)))))


def _date(rng: random.Random, question: BankQuestion, context: AnswerContext) -> str:
    if "target" in question.id or "due" in question.id:
        year = context.year + rng.randint(1, 3)
    else:
        year = context.year - rng.randint(1, 3)
    return dt.date(year, rng.randint(1, 12), rng.randint(1, 28)).isoformat()
