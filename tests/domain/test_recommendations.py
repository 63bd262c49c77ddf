"""Recommendation wording: one table of verbs by strength, for reviewers' pages and reports."""

from __future__ import annotations

import pytest

from questionnaire.domain.bank.schema import Strength
from questionnaire.domain.recommendations import recommendation_id, recommendation_wording
from questionnaire.domain.reports.labels import Labels
from questionnaire.domain.reports.recommendations import suggested_wording


@pytest.mark.parametrize(
    ("strength", "zh", "en"),
    [
        (Strength.COMMIT, "肯尼亚应", "Kenya should"),
        (Strength.ENCOURAGE, "鼓励肯尼亚", "Kenya is encouraged to"),
        (Strength.INVITE_TO_CONSIDER, "肯尼亚可考虑", "Kenya could consider"),
        (Strength.TAKE_NOTE, "肯尼亚可考虑", "Kenya could consider"),
    ],
)
def test_the_opening_follows_the_strength(strength: Strength, zh: str, en: str) -> None:
    assert recommendation_wording(strength, "肯尼亚", "zh") == zh
    assert recommendation_wording(strength, "Kenya", "en") == en


def test_the_report_sentence_is_the_opening_completed() -> None:
    """The reviewers' page and the report say the same words."""
    for strength in Strength:
        for language, state in (("zh", "肯尼亚"), ("en", "Kenya")):
            opening = recommendation_wording(strength, state, language)
            sentence = suggested_wording(
                Labels(language), strength, state, "adopt a law.", 5, "Title"
            )
            assert sentence.startswith(opening)
    en = suggested_wording(Labels("en"), Strength.COMMIT, "Kenya", " adopt a law. ", 5, "T")
    assert en == "Kenya should adopt a law."
    zh = suggested_wording(Labels("zh"), Strength.ENCOURAGE, "肯尼亚", "通过法律。", 5, "T")
    assert zh == "鼓励肯尼亚通过法律。"


def test_a_recommendation_without_action_asks_to_implement_the_paragraph() -> None:
    sentence = suggested_wording(Labels("en"), Strength.COMMIT, "Kenya", "", 5, "Integrity")
    assert sentence == "Kenya should fully implement paragraph 5 (Integrity)."


def test_recommendation_ids() -> None:
    assert recommendation_id("chn", 2026, 16, 2) == "CHN-2026-P16-R2"
