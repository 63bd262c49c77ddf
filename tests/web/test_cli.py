"""The command-line tools a secretariat runs."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.models import BankEdition, StateParty, User

BANK_DIR = Path(__file__).resolve().parents[2] / "question_bank"


def test_bank_validate_reports_the_bank(runner) -> None:
    result = runner.invoke(args=["bank", "validate", str(BANK_DIR)])
    assert result.exit_code == 0, result.output
    assert "86 commitments" in result.output and "No problems found" in result.output


def test_bank_validate_lists_every_problem_of_a_broken_bank(runner, tmp_path: Path) -> None:
    broken = tmp_path / "bank"
    _copy_bank(broken)
    data = yaml.safe_load((broken / "themes.yaml").read_text(encoding="utf-8"))
    data["themes"].append(dict(data["themes"][0]))
    (broken / "themes.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["bank", "validate", str(broken)])
    assert result.exit_code == 1
    assert "duplicate theme id 'policies_strategies'" in result.output


def test_bank_load_is_idempotent(runner, db: Session) -> None:
    first = runner.invoke(args=["bank", "load", str(BANK_DIR)])
    second = runner.invoke(args=["bank", "load", str(BANK_DIR)])
    assert first.exit_code == 0 and "loaded pd2021 version" in first.output
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert db.scalar(select(func.count()).select_from(BankEdition)) == 1


def test_a_new_version_is_added_and_a_lower_one_refused(
    runner, db: Session, tmp_path: Path
) -> None:
    runner.invoke(args=["bank", "load", str(BANK_DIR)])
    newer = tmp_path / "newer"
    _copy_bank(newer, version_delta=1)
    assert runner.invoke(args=["bank", "load", str(newer)]).exit_code == 0
    assert db.scalar(select(func.count()).select_from(BankEdition)) == 2
    older = runner.invoke(args=["bank", "load", str(BANK_DIR)])
    assert older.exit_code == 1
    assert "lower than version" in older.output and "versions may only go up" in older.output
    assert db.scalar(select(func.count()).select_from(BankEdition)) == 2


def test_changed_bank_with_the_same_version_is_refused(runner, db: Session, tmp_path: Path) -> None:
    runner.invoke(args=["bank", "load", str(BANK_DIR)])
    changed = tmp_path / "changed"
    _copy_bank(changed)
    themes = changed / "themes.yaml"
    themes.write_text(themes.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    result = runner.invoke(args=["bank", "load", str(changed)])
    assert result.exit_code == 1 and "still says version" in result.output


def test_bank_export_json_has_one_record_per_commitment(runner, tmp_path: Path) -> None:
    runner.invoke(args=["bank", "load", str(BANK_DIR)])
    out = tmp_path / "bank.json"
    result = runner.invoke(args=["bank", "export", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    records = json.loads(out.read_text(encoding="utf-8"))["commitments"]
    assert len(records) == 86
    p24 = next(r for r in records if r["paragraph"] == 24)
    for key in (
        "section",
        "text_zh",
        "title_en",
        "addressees",
        "strength",
        "themes",
        "uncac",
        "irm_cycles",
        "irm_chapters",
        "questions",
    ):
        assert p24[key], key
    assert {"explicit", "inferred"} >= {ref["link"] for ref in p24["uncac"]}


def test_bank_export_xlsx_is_a_readable_workbook(runner, tmp_path: Path) -> None:
    runner.invoke(args=["bank", "load", str(BANK_DIR)])
    out = tmp_path / "bank.xlsx"
    result = runner.invoke(args=["bank", "export", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(out, read_only=True)
    assert {"About", "Commitments", "Questions", "Scales", "Themes", "UNCAC"} <= set(
        workbook.sheetnames
    )
    rows = list(workbook["Commitments"].iter_rows(values_only=True))
    assert len(rows) == 87 and rows[1][0] == "pd2021.p1"
    workbook.close()


def test_bank_export_before_any_load_says_what_to_do(runner) -> None:
    result = runner.invoke(args=["bank", "export"])
    assert result.exit_code == 1 and "bank load" in result.output


def test_states_load_then_demo_accounts(runner, db: Session) -> None:
    assert "195 added" in runner.invoke(args=["states", "load"]).output
    assert "0 added, 0 updated" in runner.invoke(args=["states", "load"]).output
    assert db.get(StateParty, "CHN").name_zh == "中国"
    result = runner.invoke(args=["users", "demo"])
    assert result.exit_code == 0, result.output
    assert "focal.point@demo.test" in result.output
    assert db.scalar(select(func.count()).select_from(User)) == 5
    assert runner.invoke(args=["users", "demo"]).exit_code == 0  # a second run adds nothing
    assert db.scalar(select(func.count()).select_from(User)) == 5


def test_users_create_refuses_a_focal_point_without_a_state(runner) -> None:
    runner.invoke(args=["states", "load"])
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@b.test",
            "--name",
            "A",
            "--role",
            "focal_point",
            "--password",
            "a long enough password",
        ]
    )
    assert result.exit_code == 1 and "must belong to a state party" in result.output


def test_db_check_says_models_and_migrations_agree(runner) -> None:
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def _copy_bank(target: Path, version_delta: int = 0) -> None:
    import shutil

    shutil.copytree(BANK_DIR, target)
    if version_delta:
        meta = target / "bank.yaml"
        text = meta.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        meta.write_text(
            text.replace(
                f"version: {data['version']}", f"version: {data['version'] + version_delta}"
            ),
            encoding="utf-8",
        )


def test_a_new_bank_version_leaves_existing_questionnaires_on_theirs(
    runner, db: Session, tmp_path: Path
) -> None:
    from questionnaire.domain.scope import Scope
    from questionnaire.models import Answer, Role
    from questionnaire.services.accounts import SYSTEM, create_user
    from questionnaire.services.assessments import assessment_question_bank, create_assessment

    runner.invoke(args=["states", "load"])
    runner.invoke(args=["bank", "load", str(BANK_DIR)])
    officer = create_user(
        db,
        SYSTEM,
        email="o@s.test",
        name="O",
        role=Role.SECRETARIAT,
        password="a long enough password",
    )
    assessment = create_assessment(
        db, officer, state_party_code="CHN", review_year=2026, scope=Scope(sections=("prevention",))
    )
    db.add(Answer(item_id=assessment.items[0].id, question_id="status", value="yes"))
    db.commit()

    newer = tmp_path / "newer"
    _copy_bank(newer, version_delta=1)
    assert runner.invoke(args=["bank", "load", str(newer)]).exit_code == 0
    db.expire_all()
    assert assessment_question_bank(assessment).version == 1
    assert db.scalar(select(func.count()).select_from(Answer)) == 1
