"""Recommendations as IRM reports word them, with ids that survive into the next cycle."""

from __future__ import annotations

from questionnaire.domain.bank.schema import Strength

# The obligation level sets the verb, as in IRM country reports: mandatory provisions
# "should", "shall consider" provisions "is encouraged to consider", optional "could".
# A commitment that only takes note asks for nothing; it gets the mildest wording.
_WORDING = {
    Strength.COMMIT: {"en": "{state} should {action}", "zh": "{state}应{action}"},
    Strength.ENCOURAGE: {"en": "{state} is encouraged to {action}", "zh": "鼓励{state}{action}"},
    Strength.INVITE_TO_CONSIDER: {
        "en": "{state} could consider {action}",
        "zh": "{state}可考虑{action}",
    },
    Strength.TAKE_NOTE: {"en": "{state} could consider {action}", "zh": "{state}可考虑{action}"},
}


def recommendation_wording(
    strength: Strength, state_name: str, language: str, action: str = ""
) -> str:
    """A recommendation whose verb follows the commitment's strength, without end mark.

    Without `action`, the opening words a reviewer completes ("Kenya should"); the
    reports give the action and end the sentence.
    """
    template = _WORDING[strength]["zh" if language == "zh" else "en"]
    return template.format(state=state_name, action=action.strip()).strip()


def recommendation_id(state_code: str, review_year: int, paragraph: int, number: int) -> str:
    """A stable id such as CHN-2026-P16-R2, unique within an assessment."""
    return f"{state_code.upper()}-{review_year}-P{paragraph}-R{number}"
