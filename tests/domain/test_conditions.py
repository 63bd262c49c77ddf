"""Conditions decide which follow-up questions a person sees."""

from __future__ import annotations

import pytest

from questionnaire.domain.conditions import ConditionError, parse_condition


@pytest.mark.parametrize(
    ("source", "answers", "expected"),
    [
        ("status in ('yes', 'in_part')", {"status": "yes"}, True),
        ("status in ('yes', 'in_part')", {"status": "no"}, False),
        ("status in ('yes', 'in_part')", {}, False),
        ("status not in ('yes',)", {}, True),
        (
            "ta_needed == 'yes' and 'other' in ta_types",
            {"ta_needed": "yes", "ta_types": ["other"]},
            True,
        ),
        ("ta_needed == 'yes' and 'other' in ta_types", {"ta_needed": "yes", "ta_types": []}, False),
        ("'other' in ta_types", {}, False),
        ("staff > 10", {"staff": 11.0}, True),
        ("staff > 10", {"staff": None}, False),
        ("staff >= 10 or status == 'no'", {"status": "no"}, True),
        ("not (status == 'yes')", {"status": "no"}, True),
        ("body_types and 'none' not in body_types", {"body_types": ["preventive"]}, True),
        ("body_types and 'none' not in body_types", {"body_types": []}, False),
    ],
)
def test_condition_evaluation(source: str, answers: dict, expected: bool) -> None:
    assert parse_condition(source).holds(answers) is expected


def test_names_are_collected_for_validation() -> None:
    assert parse_condition("a == 'x' and 'y' in b").names == {"a", "b"}


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('id')",
        "status.upper() == 'YES'",
        "status == 'yes' if x else y",
        "[x for x in status]",
        "status ==",
        "lambda: 1",
        "status + 'x' == 'y'",
    ],
)
def test_anything_outside_the_grammar_is_refused(source: str) -> None:
    with pytest.raises(ConditionError):
        parse_condition(source)
