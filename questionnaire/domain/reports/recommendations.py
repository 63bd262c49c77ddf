"""Recommendation identifiers and wording, so a report doubles as a follow-up plan.

The IRM words a recommendation by the obligation behind it; the declaration's verbs play
that part here: a commitment "should", an encouragement "is encouraged to", an invitation
"could consider".
"""

from __future__ import annotations

from questionnaire.domain.assessment import Finding
from questionnaire.domain.bank.schema import Strength
from questionnaire.domain.recommendations import recommendation_id as derived_id
from questionnaire.domain.recommendations import recommendation_wording
from questionnaire.domain.reports.labels import Labels


def recommendation_id(
    finding: Finding, state_party_code: str, review_year: int, paragraph: int, position: int
) -> str:
    """The reviewer's id if given, else one derived from where the challenge stands.

    `position` counts challenges of the same commitment from 1, so the id stays the same
    as long as the findings keep their order.
    """
    if finding.recommendation_id:
        return finding.recommendation_id
    return derived_id(state_party_code, review_year, paragraph, position)


def suggested_wording(
    labels: Labels,
    strength: Strength,
    state_name: str,
    action: str,
    paragraph: int,
    commitment_title: str,
) -> str:
    """The recommendation as a sentence whose verb follows the commitment's strength."""
    action = action.strip().rstrip("。.") or labels["wording.default_action"].format(
        paragraph=paragraph, title=commitment_title
    )
    sentence = recommendation_wording(strength, state_name, labels.language, action)
    return sentence + ("。" if labels.language == "zh" else ".")
