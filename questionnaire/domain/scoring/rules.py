"""The bank names and thresholds the scoring formulas read.

The thresholds the formulas compare with live here once (the bank's ids and values they
read, in `domain.vocabulary`),
for the score of a commitment, its explanation and the roll-ups. Option scores are read
from the bank scales, never written into the code: a bank version can change them without
a code change.
"""

from __future__ import annotations

from dataclasses import dataclass

from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.bank.schema import Scale
from questionnaire.domain.vocabulary import (
    FRAMEWORK_NOT_IMPLEMENTED,
    FRAMEWORK_PARTIALLY,
    FRAMEWORK_SCALE,
    PRACTICE_SCALE,
    STATUS_SCALE,
)

HIGH_PRIORITY_FRAMEWORK = frozenset({FRAMEWORK_PARTIALLY, FRAMEWORK_NOT_IMPLEMENTED})
MEDIUM_PRIORITY_GAP = 0.5
DIVERGENCE_THRESHOLD = 0.5
TOLERANCE = 1e-9


class ScoringError(ValueError):
    """An assessment that cannot be scored against its bank; the message says what to fix."""


@dataclass(frozen=True)
class RatingScales:
    """The three bank scales scoring reads, with the top of the reviewer scales."""

    status: Scale
    framework: Scale
    practice: Scale
    top: float  # the best reviewer rating (3): reviewer score = mean rating / top

    @classmethod
    def of(cls, bank: QuestionBank) -> RatingScales:
        missing = [
            name
            for name in (STATUS_SCALE, FRAMEWORK_SCALE, PRACTICE_SCALE)
            if name not in bank.scales
        ]
        if missing:
            raise ScoringError(
                f"bank {bank.id} v{bank.version} has no scale {', '.join(missing)}; "
                "scoring reads its option scores from there"
            )
        framework, practice = bank.scales[FRAMEWORK_SCALE], bank.scales[PRACTICE_SCALE]
        tops = {_top(framework), _top(practice)}
        if len(tops) != 1 or next(iter(tops)) <= 0:
            raise ScoringError(
                f"scales {FRAMEWORK_SCALE} and {PRACTICE_SCALE} must share the same positive "
                f"best score; they have {sorted(tops)}"
            )
        return cls(bank.scales[STATUS_SCALE], framework, practice, tops.pop())


def _top(scale: Scale) -> float:
    return max((option.score for option in scale.options if option.score is not None), default=0)


def _option_scores(scale: Scale) -> dict[str, float | None]:
    """Score of every option value; None for options that are left out (N/A, no evidence)."""
    return {option.value: option.score for option in scale.options}


def option_score(scale: Scale, value: str | None, what: str) -> float | None:
    """The bank's score for a chosen option; an option the scale lacks is refused, not
    guessed, since it means the answer was given in another bank version."""
    if value is None:
        return None
    scores = _option_scores(scale)
    if value not in scores:
        raise ScoringError(
            f"{what} {value!r} is not an option of scale {scale.id} "
            f"({', '.join(scores)}); correct the answer or reload the bank it was given in"
        )
    return scores[value]
