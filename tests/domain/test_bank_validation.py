"""A broken bank is refused with every problem named: file, node, and what to fix."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from questionnaire.domain.bank.loader import BankError, BankFiles, build_bank

SECTION_FILE = "commitments/2-criminalization.yaml"


def _edit(files: BankFiles, name: str, change: Callable[[dict], None]) -> BankFiles:
    data = yaml.safe_load(files[name])
    change(data)
    return {**files, name: yaml.safe_dump(data, allow_unicode=True, sort_keys=False)}


def _problems(files: BankFiles) -> list[str]:
    with pytest.raises(BankError) as caught:
        build_bank(files)
    return [str(problem) for problem in caught.value.problems]


def _commitment(data: dict, paragraph: int) -> dict:
    return next(c for c in data["commitments"] if c["paragraph"] == paragraph)


def _specific(data: dict, paragraph: int) -> list[dict]:
    return _commitment(data, paragraph)["questions"]


def test_the_real_bank_loads(bank_files: BankFiles) -> None:
    assert build_bank(bank_files).version >= 1


def test_duplicate_question_id(bank_files: BankFiles) -> None:
    def change(data: dict) -> None:
        questions = _specific(data, 24)
        questions.append(dict(questions[0]))

    problems = _problems(_edit(bank_files, SECTION_FILE, change))
    assert any("pd2021.p24" in p and "duplicate question id" in p for p in problems)


def test_duplicate_paragraph(bank_files: BankFiles) -> None:
    def change(data: dict) -> None:
        data["commitments"].append(dict(_commitment(data, 23)))

    problems = _problems(_edit(bank_files, SECTION_FILE, change))
    assert any("paragraph 23" in p and "appears 2 times" in p for p in problems)


def test_missing_translation(bank_files: BankFiles) -> None:
    def change(data: dict) -> None:
        del _commitment(data, 23)["title"]["en"]

    problems = _problems(_edit(bank_files, SECTION_FILE, change))
    assert any(
        p.startswith(SECTION_FILE) and "pd2021.p23" in p and "missing the English text (en)" in p
        for p in problems
    )


def test_unknown_scale(bank_files: BankFiles) -> None:
    def change(data: dict) -> None:
        _specific(data, 24)[0]["scale"] = "no_such_scale"

    problems = _problems(_edit(bank_files, SECTION_FILE, change))
    assert any("unknown scale 'no_such_scale'" in p and "pd2021.p24" in p for p in problems)


def test_condition_naming_a_missing_question(bank_files: BankFiles) -> None:
    def change(data: dict) -> None:
        _specific(data, 30)[-1]["condition"] = "no_such_question == 'yes'"

    problems = _problems(_edit(bank_files, SECTION_FILE, change))
    assert any("condition names question 'no_such_question'" in p for p in problems)


def test_condition_with_a_value_outside_the_scale(bank_files: BankFiles) -> None:
    def change(data: dict) -> None:
        _specific(data, 30)[-1]["condition"] = "status == 'perhaps'"

    problems = _problems(_edit(bank_files, SECTION_FILE, change))
    assert any("'perhaps', which is not in scale 'implementation_status'" in p for p in problems)


def test_article_that_does_not_exist_in_uncac(bank_files: BankFiles) -> None:
    def change(data: dict) -> None:
        _commitment(data, 23)["uncac"].append({"ref": "72(1)", "link": "inferred"})

    problems = _problems(_edit(bank_files, SECTION_FILE, change))
    assert any("article 72 does not exist in UNCAC" in p for p in problems)


def test_unknown_theme_and_missing_checklist_are_both_reported(bank_files: BankFiles) -> None:
    def change(data: dict) -> None:
        _commitment(data, 23)["themes"] = ["no_such_theme"]
        _commitment(data, 25)["blocks"] = []

    problems = _problems(_edit(bank_files, SECTION_FILE, change))
    assert any("unknown theme 'no_such_theme'" in p for p in problems)
    assert any("pd2021.p25" in p and "irm_checklist" in p for p in problems)


def test_paraphrased_chinese_is_refused(bank_files: BankFiles) -> None:
    def change(data: dict) -> None:
        _commitment(data, 23)["text_zh"] = "我们拒绝腐败。"

    problems = _problems(_edit(bank_files, SECTION_FILE, change))
    assert any("pd2021.p23" in p and "differs from the source" in p for p in problems)


def test_non_state_paragraph_cannot_be_assessable(bank_files: BankFiles) -> None:
    def change(data: dict) -> None:
        _commitment(data, 23)["addressees"] = ["unodc"]

    problems = _problems(_edit(bank_files, SECTION_FILE, change))
    assert any("a state is not among its addressees" in p for p in problems)


def test_invalid_yaml_names_the_line(bank_files: BankFiles) -> None:
    problems = _problems({**bank_files, SECTION_FILE: "section: [unclosed\n"})
    assert any(
        p.startswith(SECTION_FILE) and "line" in p and "not valid YAML" in p for p in problems
    )


def test_changed_source_document_is_noticed(bank_files: BankFiles) -> None:
    source = "source/political-declaration-2021.zh.md"
    problems = _problems({**bank_files, source: bank_files[source] + "\n"})
    assert any("source document has changed" in p for p in problems)
