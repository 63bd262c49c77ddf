"""The bank is right on the source and complete in both languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from questionnaire.domain.bank import QuestionBank
from questionnaire.domain.bank.schema import Localized, QuestionType, Strength
from questionnaire.domain.bank.source_text import load_source, normalize_whitespace

SOURCE = (
    Path(__file__).resolve().parents[2] / "question_bank/source/political-declaration-2021.zh.md"
)
CHECKLIST = {
    "status",
    "measures",
    "examples",
    "steps_needed",
    "challenges",
    "ta_needed",
    "ta_types",
    "ta_provided",
    "ta_provided_by",
}
# Paragraphs whose specific factual questions the bank must carry (issue 3).
MUST_HAVE_SPECIFIC_QUESTIONS = [
    4,
    5,
    7,
    11,
    12,
    16,
    19,
    22,
    24,
    25,
    30,
    38,
    40,
    45,
    46,
    47,
    48,
    49,
    51,
    52,
    78,
]


def test_paragraphs_1_to_86_each_exactly_once(bank: QuestionBank) -> None:
    assert [c.paragraph for c in bank.commitments] == list(range(1, 87))
    assert len({c.id for c in bank.commitments}) == 86
    assert bank.commitment("pd2021.p16").paragraph == 16


def test_every_text_is_the_source_word_for_word(bank: QuestionBank) -> None:
    source = load_source(SOURCE)
    for commitment in bank.commitments:
        expected = normalize_whitespace(source.paragraphs[commitment.paragraph].text)
        assert normalize_whitespace(commitment.spec.text_zh) == expected, commitment.id
    for paragraph, original in zip(bank.preamble, source.preamble, strict=True):
        assert normalize_whitespace(paragraph.text_zh) == normalize_whitespace(original.text)


def test_each_text_appears_in_the_raw_file(bank: QuestionBank) -> None:
    """A check that does not trust the parser: the text, markup stripped, is in the file."""
    raw = SOURCE.read_text(encoding="utf-8")
    raw = re.sub(r"^<sup>\d+</sup>.*$", "", raw, flags=re.M)
    flat = re.sub(r"<sup>\d+</sup>|\s", "", raw)
    for commitment in bank.commitments:
        assert re.sub(r"\s", "", commitment.spec.text_zh) in flat, commitment.id


def test_source_defects_are_kept_and_flagged(bank: QuestionBank) -> None:
    p10, p47 = bank.commitment("pd2021.p10"), bank.commitment("pd2021.p47")
    assert " and " in p10.spec.text_zh and p10.spec.notes
    assert p47.spec.text_zh.endswith("取决于国内法律要求以。") and p47.spec.notes


def test_seven_sections_with_titles_in_both_languages(bank: QuestionBank) -> None:
    assert [s.id for s in bank.sections] == [
        "prevention",
        "criminalization",
        "international_cooperation",
        "asset_recovery",
        "technical_assistance",
        "agenda_2030",
        "forward_looking",
    ]
    assert bank.commitment("pd2021.p23").section.id == "criminalization"


def test_every_assessable_commitment_has_the_checklist_block(bank: QuestionBank) -> None:
    assessable = list(bank.assessable())
    assert 50 <= len(assessable) < 86
    for commitment in assessable:
        assert CHECKLIST <= {q.id for q in commitment.questions}, commitment.id
        assert "state" in commitment.spec.addressees
        assert commitment.strength is not Strength.TAKE_NOTE


def test_paragraphs_addressed_to_unodc_or_cosp_are_not_asked_of_states(bank: QuestionBank) -> None:
    for number in (2, 59, 63, 65, 79, 80, 83, 84):
        commitment = bank.commitment(f"pd2021.p{number}")
        assert not commitment.assessable, number
        assert commitment.questions == ()


def test_named_measures_get_specific_questions(bank: QuestionBank) -> None:
    for number in MUST_HAVE_SPECIFIC_QUESTIONS:
        commitment = bank.commitment(f"pd2021.p{number}")
        specific = [q for q in commitment.questions if q.block is None]
        assert len(specific) >= 2, number


def test_paragraph_24_asks_about_each_offence_it_names(bank: QuestionBank) -> None:
    commitment = bank.commitment("pd2021.p24")
    articles = {ref.article.number for ref in commitment.references}
    assert {15, 16, 17, 23, 25, 27, 18, 19, 20, 21, 22, 24} <= articles
    assert any(r.link == "explicit" and r.ref == "16(1)" for r in commitment.references)
    assert len([q for q in commitment.questions if q.block is None]) >= 12


def test_follow_up_questions_depend_on_earlier_answers(bank: QuestionBank) -> None:
    p16 = bank.commitment("pd2021.p16")
    conditional = [q for q in p16.questions if q.block is None and q.condition]
    assert conditional
    first_specific = next(q for q in p16.questions if q.block is None)
    hidden = {q.id for q in conditional if not q.condition.holds({})}  # type: ignore[union-attr]
    assert hidden, "follow-ups stay hidden until the question they depend on is answered"
    assert first_specific.condition is None


def test_every_choice_question_has_a_scale_and_others_none(bank: QuestionBank) -> None:
    for commitment in bank.commitments:
        for question in commitment.questions:
            is_choice = question.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE)
            assert (question.scale is not None) == is_choice, question.key


def test_uncac_references_resolve_to_articles_and_irm_placement(bank: QuestionBank) -> None:
    p16 = bank.commitment("pd2021.p16")
    assert any(ref.article.number == 12 for ref in p16.references)
    p24 = bank.commitment("pd2021.p24")
    assert 1 in p24.review_cycles  # chapter III is reviewed in the first cycle
    assert all(1 <= r.article.number <= 71 for c in bank.commitments for r in c.references)


def test_chinese_and_english_are_present_everywhere(bank: QuestionBank) -> None:
    for commitment in bank.commitments:
        assert commitment.spec.summary_en.strip()
        assert "TODO" not in commitment.spec.summary_en
        for text in _localized(commitment.spec):
            if not re.search(r"[A-Za-z]", text.en + text.zh):
                continue  # a symbol such as the unit "%" reads the same in both
            assert re.search(r"[\u4e00-\u9fff]", text.zh), (commitment.id, text)
            assert re.search(r"[A-Za-z]", text.en), (commitment.id, text)
        for question in commitment.questions:
            for text in (question.text, question.help):
                assert text.zh.strip() and text.en.strip(), question.key
    for paragraph in bank.preamble:
        assert paragraph.summary_en.strip() and "TODO" not in paragraph.summary_en


def test_guidance_is_written_for_each_paragraph_not_pasted(bank: QuestionBank) -> None:
    evidence = [c.spec.guidance.evidence.en for c in bank.commitments]
    reviewer = [c.spec.guidance.reviewer.en for c in bank.commitments]
    titles = [c.spec.title.en for c in bank.commitments]
    assert len(set(evidence)) == 86 and len(set(reviewer)) == 86 and len(set(titles)) == 86


def test_weights_follow_strength_unless_overridden(bank: QuestionBank) -> None:
    weights = bank.metadata.strength_weights
    for commitment in bank.commitments:
        if commitment.spec.weight is None:
            assert commitment.weight == weights[commitment.strength]


def _localized(node: Any) -> Iterator[Localized]:
    if isinstance(node, Localized):
        yield node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _localized(getattr(node, name))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _localized(item)
