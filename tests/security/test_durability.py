"""A save that fails half-way leaves nothing behind, and a retried save counts once.

The failure is injected after the first answer of a save is written (its second answer
version, or the audit record), through the service and through the autosave route. A
retry with the same request id after a success creates no second version; see also
tests/web/test_questionnaires.py::test_autosave_returns_versions_and_a_retry_creates_no_second_version.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from questionnaire.models import (
    Answer,
    AnswerChange,
    Assessment,
    AssessmentItem,
    AuditEvent,
    SaveRequest,
    User,
)
from questionnaire.services import answers
from tests.security.conftest import FOCAL_POINT, Target
from tests.security.helpers import client_for, count_rows
from tests.web.questionnaire_helpers import form_fields

VALUES = {"status": "in_part", "measures": "Act of 2024", "steps_needed": "A decree"}


class InjectedFailure(RuntimeError):
    """The disk, the network or the database gave way in the middle of a save."""


def fail_on_call(number: int, real: Any) -> Any:
    calls = {"count": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["count"] += 1
        if calls["count"] == number:
            raise InjectedFailure(f"call {number} of {real.__name__}")
        return real(*args, **kwargs)

    return wrapper


def _state(db: Session, target: Target) -> tuple[int, ...]:
    """The revision, then how many answers, versions, audit events and save requests."""
    db.expire_all()
    assessment = db.get(Assessment, target.assessment_id)
    assert assessment is not None
    counts = (count_rows(db, m) for m in (Answer, AnswerChange, AuditEvent, SaveRequest))
    return (assessment.revision, *counts)


def _save_in_own_session(app: Flask, target: Target, request_id: str) -> answers.SaveResult:
    """One save as one request makes it: a fresh session, closed afterwards."""
    with app.extensions["database"].sessions() as session:
        user = session.get(User, target.user_id)
        assessment = session.get(Assessment, target.assessment_id)
        item = session.get(AssessmentItem, target.item_id)
        assert user and assessment and item
        return answers.save_answers(
            session, user, assessment, item, VALUES, {}, request_id=request_id
        )


@pytest.mark.parametrize(
    "broken",
    ["second answer version", "audit record"],
)
def test_a_failure_half_way_rolls_the_whole_save_back_and_the_retry_counts_once(
    app: Flask, db: Session, target: Target, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    before = _state(db, target)
    if broken == "second answer version":
        monkeypatch.setattr(answers, "AnswerChange", fail_on_call(2, AnswerChange))
    else:
        monkeypatch.setattr(answers, "record", fail_on_call(1, answers.record))
    with pytest.raises(InjectedFailure):
        _save_in_own_session(app, target, "request-1")
    assert _state(db, target) == before

    monkeypatch.undo()
    first = _save_in_own_session(app, target, "request-1")
    again = _save_in_own_session(app, target, "request-1")
    assert sorted(first.saved) == sorted(VALUES) and not again.saved and again.duplicate
    revision, answer_rows, versions, audited, requests = before
    assert _state(db, target) == (
        revision + 1,
        answer_rows + len(VALUES),
        versions + len(VALUES),
        audited + 1,
        requests + 1,
    )


def test_a_failed_autosave_leaves_nothing_and_the_page_still_works(
    app: Flask, db: Session, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(app, FOCAL_POINT)
    url = f"/assessments/{target.assessment_id}/c/{target.commitment_id}"
    data = {**form_fields(client, url), **VALUES, "request_id": "autosave-1"}
    before = _state(db, target)
    monkeypatch.setattr(answers, "AnswerChange", fail_on_call(2, AnswerChange))
    with pytest.raises(InjectedFailure):  # testing mode hands the error to the test
        client.post(url + "/autosave", data=data)
    assert _state(db, target) == before

    monkeypatch.undo()
    assert client.get(url).status_code == 200
    retried = client.post(url + "/autosave", data=data)
    assert retried.status_code == 200 and sorted(retried.get_json()["saved"]) == sorted(VALUES)
    repeated = client.post(url + "/autosave", data=data)
    assert repeated.status_code == 200 and repeated.get_json()["saved"] == []
    assert count_rows(db, AnswerChange) == len(VALUES)
