"""Issue 15, item 6: the page's follow-up rules are the server's, for every bank condition.

The commitment page shows a follow-up as soon as its condition holds, evaluated in the
browser (static/conditions.js) from the tree the server builds (`condition_data`). This
walks every condition of the bank over answers of every kind each question can have and
asks Chromium and the domain the same question: they must agree on every one.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from questionnaire.domain.bank import BankQuestion
from questionnaire.domain.bank.loader import load_bank
from questionnaire.domain.bank.schema import QuestionType
from questionnaire.domain.conditions import AnswerValue, condition_data, parse_condition

if TYPE_CHECKING:
    from playwright.sync_api import Browser

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EVALUATOR = PROJECT_ROOT / "questionnaire" / "static" / "conditions.js"


def _samples(question: BankQuestion | None) -> list[AnswerValue]:
    """Answers `question` can hold as stored: none, each choice, several, text, numbers."""
    if question is None:
        return [None]
    options = [option.value for option in question.scale.options] if question.scale else []
    match question.type:
        case QuestionType.SINGLE_CHOICE:
            return [None, *options]
        case QuestionType.MULTIPLE_CHOICE:
            return [None, *([value] for value in options), options[:2], options]
        case QuestionType.NUMBER:
            return [None, 0.0, 1.0, 4230.0, -5.0]
    return [None, "", "yes", "none", "some text"]


def _cases() -> list[tuple[str, dict[str, AnswerValue], bool]]:
    bank = load_bank(PROJECT_ROOT / "question_bank")
    cases = []
    seen: set[tuple[str, str]] = set()
    for commitment in bank.commitments:
        for question in commitment.questions:
            if question.condition is None:
                continue
            key = (commitment.id, question.condition.source)
            if key in seen:
                continue
            seen.add(key)
            names = sorted(question.condition.names)
            by_id = {q.id: q for q in commitment.questions}
            for values in itertools.product(*(_samples(by_id.get(name)) for name in names)):
                answers = dict(zip(names, values, strict=True))
                cases.append(
                    (question.condition.source, answers, question.condition.holds(answers))
                )
    return cases


# The grammar's corners that the bank does not use today, decided by the same evaluator.
EXTRA = [
    ("count > 3", {"count": 4.0}),
    ("count > 3", {"count": "4"}),
    ("count > 3", {"count": None}),
    ("1 <= count < 5", {"count": 5.0}),
    ("1 <= count < 5", {"count": 1.0}),
    ("count == 4", {"count": 4.0}),
    ("count != 4", {"count": None}),
    ("'abc' in note", {"note": "xabcx"}),
    ("'abc' not in note", {"note": None}),
    ("not chosen", {"chosen": []}),
    ("not chosen", {"chosen": ["a"]}),
    ("chosen == ['a']", {"chosen": ["a"]}),
    ("chosen == ('a',)", {"chosen": ["a"]}),
    ("status in ['yes', 'no'] or not other", {"status": "maybe", "other": ""}),
    ("status == 'yes' and (a or b)", {"status": "yes", "a": None, "b": "x"}),
]


def test_the_browser_and_the_server_agree_on_every_condition(browser: Browser) -> None:
    cases = _cases()
    cases += [
        (source, answers, parse_condition(source).holds(answers)) for source, answers in EXTRA
    ]
    assert len(cases) > 500, "the bank's conditions were not all walked"
    trees = {source: condition_data(parse_condition(source)) for source, _a, _h in cases}
    page = browser.new_page()
    try:
        page.set_content("<!doctype html><title>conditions</title>")
        page.add_script_tag(content=EVALUATOR.read_text(encoding="utf-8"))
        payload: Any = [[source, answers] for source, answers, _holds in cases]
        browser_says = page.evaluate(
            """([trees, cases]) => cases.map(([source, answers]) =>
                window.QuestionnaireConditions.holds(trees[source], answers))""",
            [trees, payload],
        )
    finally:
        page.close()
    disagreements = [
        f"{source} with {json.dumps(answers, ensure_ascii=False)}: server {holds}, page {said}"
        for (source, answers, holds), said in zip(cases, browser_says, strict=True)
        if said is not holds
    ]
    assert not disagreements, "\n".join(disagreements[:20])


@pytest.mark.parametrize("source", ["a == 1", "'x' in chosen and not other"])
def test_a_condition_tree_is_plain_json(source: str) -> None:
    tree = condition_data(parse_condition(source))
    assert json.loads(json.dumps(tree)) == tree
