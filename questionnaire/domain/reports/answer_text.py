"""An answer as a reader sees it: scale values replaced by their labels."""

from __future__ import annotations

from questionnaire.domain.bank import BankQuestion
from questionnaire.domain.bank.schema import Scale
from questionnaire.domain.conditions import AnswerValue
from questionnaire.domain.reports.labels import Labels


def option_label(scale: Scale | None, value: str, labels: Labels) -> str:
    """The option's label in the report language; the stored value if the scale lacks it."""
    if scale is not None:
        for option in scale.options:
            if option.value == value:
                return labels.bank_text(option.label)
    return value


def render_answer(
    question: BankQuestion | None, value: AnswerValue, labels: Labels
) -> str | float | None:
    scale = question.scale if question is not None else None
    if isinstance(value, list):
        return "; ".join(option_label(scale, item, labels) for item in value)
    if isinstance(value, str) and scale is not None:
        return option_label(scale, value, labels)
    return value
