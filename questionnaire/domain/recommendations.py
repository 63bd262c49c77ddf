"""Recommendations as IRM reports word them, with ids that survive into the next cycle."""

from __future__ import annotations

from questionnaire.domain.bank.schema import Strength

# The obligation level sets the verb, as in IRM country reports: mandatory provisions
# "should", "shall consider" provisions "is encouraged to consider", optional "could".
SUGGESTED_OPENING = {
    Strength.COMMIT: {"en": "{state} should", "zh": "{state}应"},
    Strength.ENCOURAGE: {"en": "{state} is encouraged to", "zh": "鼓励{state}"},
    Strength.INVITE_TO_CONSIDER: {"en": "{state} could consider", "zh": "{state}可考虑"},
    Strength.TAKE_NOTE: {"en": "{state} could consider", "zh": "{state}可考虑"},
}


def suggested_opening(strength: Strength, state_name: str, language: str = "en") -> str:
    """The opening words of a recommendation on a commitment of this strength."""
    template = SUGGESTED_OPENING[strength]["zh" if language == "zh" else "en"]
    return template.format(state=state_name)


def recommendation_id(state_code: str, review_year: int, paragraph: int, number: int) -> str:
    """A stable id such as CHN-2026-P16-R2, unique within an assessment."""
    return f"{state_code.upper()}-{review_year}-P{paragraph}-R{number}"
