"""`flask demo`: realistic demo data in every workflow status, reproducible from a seed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire import create_app, migrate
from questionnaire.cli.demo import CountryCount
from questionnaire.domain.assessment import FindingKind, PublicationConsent, WorkflowStatus
from questionnaire.models import (
    Answer,
    Assessment,
    AssessmentItem,
    AuditEvent,
    Clarification,
    Evidence,
    FindingRecord,
    ItemReview,
    StateParty,
    User,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def _is_free_text(value: object) -> bool:
    """Prose, as opposed to a choice value, a date or a link."""
    return (
        isinstance(value, str)
        and not value.startswith("https://")
        and (" " in value or CJK.search(value) is not None)
    )


def _texts(session: Session) -> list[str]:
    """Every free-text answer, sorted."""
    return sorted(value for value in session.scalars(select(Answer.value)) if _is_free_text(value))


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_eight_countries_give_a_complete_demo(runner, db: Session) -> None:
    result = runner.invoke(args=["demo", "--countries", "8", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "focal.point@demo.test" in result.output and "Answers:" in result.output
    _every_status_with_china_as_a_draft(db)
    _answers_in_both_languages_with_every_status_answer(db)
    _submitted_questionnaires_are_complete(db)
    _reviews_with_findings_and_a_finished_clarification_cycle(db)


def _every_status_with_china_as_a_draft(db: Session) -> None:
    assessments = list(db.scalars(select(Assessment)))
    assert len(assessments) == 8
    assert {a.status for a in assessments} == set(WorkflowStatus)
    china = next(a for a in assessments if a.state_party_code == "CHN")
    assert china.status is WorkflowStatus.DRAFT  # the demo focal point has work to do


def _answers_in_both_languages_with_every_status_answer(db: Session) -> None:
    texts = _texts(db)
    assert any(CJK.search(text) for text in texts)
    assert any(text.isascii() and len(text) > 40 for text in texts)
    statuses = set(db.scalars(select(Answer.value).where(Answer.question_id == "status")))
    assert statuses == {"yes", "in_part", "no", "not_applicable"}
    links = list(db.scalars(select(Evidence.url)))
    assert links and all(url.startswith("https://example.gov.") for url in links)


def _submitted_questionnaires_are_complete(db: Session) -> None:
    progress = db.scalars(
        select(AssessmentItem.progress)
        .join(Assessment, Assessment.id == AssessmentItem.assessment_id)
        .where(Assessment.status != WorkflowStatus.DRAFT)
    )
    assert set(progress) == {"complete"}


def _reviews_with_findings_and_a_finished_clarification_cycle(db: Session) -> None:
    assert _count(db, ItemReview) > 0
    kinds = set(db.scalars(select(FindingRecord.kind)))
    assert kinds == set(FindingKind)
    recommendations = db.scalars(
        select(FindingRecord.recommendation).where(FindingRecord.kind == FindingKind.CHALLENGE)
    )
    openings = (" should ", " is encouraged to ", " could consider ", "应", "鼓励", "可考虑")
    assert all(any(word in text for word in openings) for text in recommendations)
    answered = db.scalars(
        select(Assessment.status)
        .join(AssessmentItem, AssessmentItem.assessment_id == Assessment.id)
        .join(Clarification, Clarification.item_id == AssessmentItem.id)
        .where(Clarification.answered_at.is_not(None))
    )
    assert WorkflowStatus.ANSWERED in set(answered)
    finalized = db.scalar(select(Assessment).where(Assessment.status == WorkflowStatus.FINALIZED))
    assert finalized is not None
    assert finalized.publication_consent is not PublicationConsent.NOT_RECORDED


def test_running_the_same_command_again_adds_nothing(runner, db: Session) -> None:
    first = runner.invoke(args=["demo", "--countries", "3", "--seed", "7"])
    assert first.exit_code == 0, first.output
    before = [_count(db, model) for model in (User, Assessment, Answer, AuditEvent)]
    again = runner.invoke(args=["demo", "--countries", "3", "--seed", "7"])
    assert again.exit_code == 0, again.output
    assert "Nothing added" in again.output
    assert [_count(db, model) for model in (User, Assessment, Answer, AuditEvent)] == before


def _fresh_app(tmp_path: Path, name: str) -> Flask:
    url = f"sqlite:///{tmp_path / name}.sqlite3"
    migrate.upgrade(url)
    return create_app(
        {
            "QUESTIONNAIRE_ENV": "testing",
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key",
            "INSTANCE_DIR": str(tmp_path / f"{name}-instance"),
        }
    )


def _texts_of_a_fresh_run(tmp_path: Path, name: str, seed: str) -> list[str]:
    app = _fresh_app(tmp_path, name)
    try:
        result = app.test_cli_runner().invoke(args=["demo", "--countries", "3", "--seed", seed])
        assert result.exit_code == 0, result.output
        with app.extensions["database"].sessions() as session:
            return _texts(session)
    finally:
        app.extensions["database"].engine.dispose()


def test_the_same_seed_gives_the_same_texts_in_fresh_databases(tmp_path: Path) -> None:
    first = _texts_of_a_fresh_run(tmp_path, "first", "11")
    second = _texts_of_a_fresh_run(tmp_path, "second", "11")
    assert first and first == second


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "0 is out of range"), ("196", "196 is out of range"), ("abc", "'abc' is not a number")],
)
def test_bad_country_counts_are_refused_and_change_nothing(
    runner, db: Session, value: str, message: str
) -> None:
    result = runner.invoke(args=["demo", "--countries", value])
    assert result.exit_code == 2
    assert message in result.output and "from 1 to 195 or 'all'" in result.output
    assert _count(db, StateParty) == 0 and _count(db, User) == 0


def test_all_means_every_state_party() -> None:
    assert CountryCount().convert("all", None, None) == 195
    assert CountryCount().convert(" 12 ", None, None) == 12


def test_demo_refuses_production_without_force(app: Flask, runner, db: Session) -> None:
    app.config["APP_ENVIRONMENT"] = "production"
    refused = runner.invoke(args=["demo", "--countries", "1"])
    assert refused.exit_code == 1 and "demo data is for development" in refused.output
    assert _count(db, User) == 0 and _count(db, Assessment) == 0
    forced = runner.invoke(args=["demo", "--countries", "1", "--force"])
    assert forced.exit_code == 0, forced.output
    assert _count(db, Assessment) == 1
