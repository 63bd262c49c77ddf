"""Lock-outs end on time, the secretariat can lift one, and the CLI refuses in one sentence
(issue 14, 12).

Five wrong passwords locked an account for 15 minutes from every address, and every
attempt made while locked was counted as a new failure: anyone who kept knocking kept the
owner out for ever, and nobody could let them back in. `import responses --apply` on a
locked assessment ended in a Python traceback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.models import Answer, Assessment, AuditEvent, Role, User, utc_now
from questionnaire.services import throttle
from questionnaire.services.throttle import Outcome, attempt_log_in
from tests.conftest import PASSWORD, csrf_token
from tests.domain import offline_files
from tests.security.helpers import client_for, open_small_assessment, post_form

SECRETARIAT = "officer@secretariat.test"
FOCAL_POINT = "fp@china.test"
MINUTE = dt.timedelta(minutes=1)


def attempt(db: Session, password: str, at: dt.datetime, address: str = "10.0.0.1") -> Outcome:
    result = attempt_log_in(db, FOCAL_POINT, password, address, now=at)
    db.commit()
    return result.outcome


def test_attempts_made_while_locked_do_not_extend_the_lock_out(db: Session, make_user: Any) -> None:
    make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    start = utc_now()
    for second in range(5):
        assert attempt(db, "wrong", start + dt.timedelta(seconds=second)) is Outcome.REFUSED
    # Someone keeps knocking, from everywhere, all through the lock-out.
    for minute in range(1, 15):
        knock = attempt(db, "wrong", start + minute * MINUTE, f"192.0.2.{minute}")
        assert knock is Outcome.THROTTLED
    assert attempt(db, PASSWORD, start + 14 * MINUTE) is Outcome.THROTTLED
    # Fifteen minutes after the fifth failure the owner is let in, knocking or not.
    assert attempt(db, PASSWORD, start + 15 * MINUTE + dt.timedelta(seconds=5)) is Outcome.ACCEPTED


def test_the_secretariat_sees_a_lock_out_and_lifts_it_and_the_person_logs_in_at_once(
    app: Flask, db: Session, make_user: Any
) -> None:
    make_user(SECRETARIAT, Role.SECRETARIAT)
    locked = make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    person = client_for(app, None)

    def log_in() -> int:
        token = csrf_token(person)
        data = {"email": FOCAL_POINT, "password": PASSWORD, "csrf_token": token}
        return person.post("/login", data=data).status_code

    for _attempt in range(5):
        token = csrf_token(person)
        person.post("/login", data={"email": FOCAL_POINT, "password": "x", "csrf_token": token})
    assert log_in() == 429

    secretariat = client_for(app, SECRETARIAT)
    page = secretariat.get("/accounts").get_data(as_text=True)
    lift = f"/accounts/{locked.id}/lockout/lift"
    assert "Locked out after failed log-ins until" in page and f'action="{lift}"' in page
    response = post_form(secretariat, lift)
    assert response.status_code == 302
    assert f"{FOCAL_POINT} can log in again now." in secretariat.get("/accounts").get_data(
        as_text=True
    )
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "account.lockout_lifted"))
    assert [(e.actor, e.details["failures"]) for e in events] == [(SECRETARIAT, 5)]
    assert log_in() == 302


def test_only_the_secretariat_lifts_a_lock_out(app: Flask, db: Session, make_user: Any) -> None:
    make_user(SECRETARIAT, Role.SECRETARIAT)
    colleague = make_user("colleague@china.test", Role.FOCAL_POINT, "CHN")
    make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    start = utc_now()
    for second in range(5):
        attempt_log_in(
            db, "colleague@china.test", "x", "10.0.0.2", now=start + dt.timedelta(seconds=second)
        )
    db.commit()
    response = post_form(client_for(app, FOCAL_POINT), f"/accounts/{colleague.id}/lockout/lift")
    assert response.status_code == 404
    secretariat = db.scalar(select(User).where(User.email == SECRETARIAT))
    assert secretariat is not None
    assert "colleague@china.test" in throttle.locked_accounts(db, secretariat)


def test_importing_into_a_locked_assessment_on_the_command_line_is_one_sentence(
    app: Flask, db: Session, make_user: Any, loaded_bank: Any, runner: Any, tmp_path: Path
) -> None:
    make_user(SECRETARIAT, Role.SECRETARIAT)
    make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    assessment = open_small_assessment(db, "CHN")
    template = tmp_path / "template.xlsx"
    exported = runner.invoke(
        args=["export", "template", "--country", "CHN", "--out", template, "--as", SECRETARIAT]
    )
    assert exported.exit_code == 0, exported.output
    first = assessment.items[0].commitment_id
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(offline_files.fill(template.read_bytes(), {f"{first}.measures": "Act"}))
    locked = db.get(Assessment, assessment.id)
    assert locked is not None
    locked.status = WorkflowStatus.SUBMITTED
    db.commit()

    result = runner.invoke(
        args=["import", "responses", str(filled), "--as", FOCAL_POINT, "--apply"]
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # no exception escaped the command
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "locked" in lines[0]
    assert "Traceback" not in result.output
    db.expire_all()
    assert db.scalars(select(Answer)).all() == []
