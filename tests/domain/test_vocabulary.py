"""The bank's words the code computes with exist in the bank, so a rename fails here first."""

from __future__ import annotations

from questionnaire.domain import vocabulary as words
from questionnaire.domain.bank import QuestionBank


def _values(bank: QuestionBank, scale_id: str) -> set[str]:
    return {option.value for option in bank.scales[scale_id].options}


def test_every_scale_the_code_reads_is_in_the_bank(bank: QuestionBank) -> None:
    for scale_id in (
        *words.SCORING_SCALES,
        words.TECHNICAL_ASSISTANCE_SCALE,
        words.CHALLENGES_SCALE,
    ):
        assert scale_id in bank.scales


def test_every_question_the_code_reads_is_asked_by_each_assessable_commitment(
    bank: QuestionBank,
) -> None:
    ids = {
        words.STATUS_QUESTION,
        words.MEASURES_QUESTION,
        words.CHALLENGES_QUESTION,
        words.TA_NEEDED_QUESTION,
        words.TA_TYPES_QUESTION,
        words.TA_OTHER_QUESTION,
        words.TA_PROVIDED_QUESTION,
        words.TA_PROVIDED_BY_QUESTION,
    }
    for commitment in bank.commitments:
        if commitment.assessable:
            assert ids <= {question.id for question in commitment.questions}, commitment.id


def test_every_value_the_code_compares_with_is_an_option(bank: QuestionBank) -> None:
    status = _values(bank, words.STATUS_SCALE)
    assert {words.STATUS_YES, words.STATUS_IN_PART, words.STATUS_NO} <= status
    assert words.STATUS_NOT_APPLICABLE in status
    framework = _values(bank, words.FRAMEWORK_SCALE)
    assert {words.FRAMEWORK_PARTIALLY, words.FRAMEWORK_NOT_IMPLEMENTED} <= framework
    assert {words.YES, words.NO} <= _values(bank, "yes_no")
    assert words.OTHER in _values(bank, words.TECHNICAL_ASSISTANCE_SCALE)
