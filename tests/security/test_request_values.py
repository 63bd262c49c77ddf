"""Malformed integers and identifiers from a request get a 400 naming the field (issue 14, 8).

`version__status=²` (`isdigit()` is true, `int()` fails), `reviewer_id=²` or a 40-digit id,
and a `request_id` over 64 characters (on PostgreSQL) each gave a 500. Nothing is saved,
and what was saved before is still there.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from questionnaire.models import (
    Answer,
    AnswerChange,
    FindingRecord,
    ReviewerAssignment,
    Role,
    SaveRequest,
)
from tests.security.conftest import FOCAL_POINT, Target
from tests.security.helpers import client_for, count_rows, post_form
from tests.security.test_control_characters import REVIEWER, World
from tests.security.test_control_characters import world as world  # noqa: F401  (fixture)
from tests.web.questionnaire_helpers import form_fields

SECRETARIAT = "officer@secretariat.test"
FORTY_DIGITS = "1" * 40
MALFORMED_NUMBERS = ["²", "٣", " 1", "1.0", "-1", "0x10", FORTY_DIGITS, "99999999999"]


def page(target: Target) -> str:
    return f"/assessments/{target.assessment_id}/c/{target.commitment_id}"


def saved_first(app: Flask, target: Target) -> tuple[Any, dict[str, str]]:
    """The focal point's client after one answer was saved, and the form as now shown."""
    client = client_for(app, FOCAL_POINT)
    fields = form_fields(client, page(target))
    first = client.post(page(target) + "/autosave", data={**fields, "measures": "Act of 2024"})
    assert first.status_code == 200
    return client, form_fields(client, page(target))


@pytest.mark.parametrize("value", MALFORMED_NUMBERS)
def test_a_malformed_answer_version_is_refused_by_name_and_nothing_is_lost(
    app: Flask, db: Session, target: Target, value: str
) -> None:
    client, fields = saved_first(app, target)
    data = {**fields, "version__measures": value, "measures": "Act of 2025"}
    autosaved = client.post(page(target) + "/autosave", data=data)
    assert autosaved.status_code == 400
    assert "version__measures" in autosaved.get_json()["fields"]
    posted = client.post(page(target), data=data)
    assert posted.status_code == 400
    assert "version__measures" in posted.get_data(as_text=True)
    assert "Act of 2025" in posted.get_data(as_text=True)  # the typed text is still there
    db.expire_all()
    assert [a.value for a in db.query(Answer).all()] == ["Act of 2024"]
    assert count_rows(db, AnswerChange) == 1


@pytest.mark.parametrize("request_id", ["x" * 65, "a b", "id\u00b2", "<script>"])
def test_a_malformed_request_id_is_refused_by_name(
    app: Flask, db: Session, target: Target, request_id: str
) -> None:
    client, fields = saved_first(app, target)
    data = {**fields, "measures": "Act of 2025", "request_id": request_id}
    response = client.post(page(target) + "/autosave", data=data)
    assert response.status_code == 400
    assert "request_id" in response.get_json()["fields"]
    assert count_rows(db, AnswerChange) == 1


def test_a_request_id_of_64_characters_is_accepted(app: Flask, db: Session, target: Target) -> None:
    client, fields = saved_first(app, target)
    data = {**fields, "measures": "Act of 2025", "request_id": "a" * 64}
    assert client.post(page(target) + "/autosave", data=data).status_code == 200
    assert count_rows(db, SaveRequest) == 1


@pytest.mark.parametrize("value", ["²", FORTY_DIGITS, "2147483648", "1e3"])
def test_a_malformed_reviewer_id_is_refused_by_name(
    app: Flask, db: Session, target: Target, value: str
) -> None:
    secretariat = client_for(app, SECRETARIAT)
    response = post_form(
        secretariat, f"/assessments/{target.assessment_id}/reviewers", {"reviewer_id": value}
    )
    assert response.status_code == 400
    assert "reviewer_id" in response.get_data(as_text=True)
    assert count_rows(db, ReviewerAssignment) == 0


@pytest.mark.parametrize("number", ["²", "٣", FORTY_DIGITS, "2147483648"])
def test_ids_in_paths_that_no_row_can_have_are_not_found(
    app: Flask, target: Target, number: str
) -> None:
    client = client_for(app, FOCAL_POINT)
    for url in (
        f"/assessments/{number}",
        f"/assessments/{target.assessment_id}/c/{target.commitment_id}/evidence/{number}",
        f"/assessments/{number}/offline.xlsx",
    ):
        assert client.get(url).status_code == 404, url
    secretariat = client_for(app, SECRETARIAT)
    assert post_form(secretariat, f"/accounts/{number}/disable").status_code == 404


def test_a_valid_reviewer_id_still_assigns(
    app: Flask, db: Session, target: Target, make_user: Any
) -> None:
    reviewer = make_user("reviewer@kenya.test", Role.REVIEWER, "KEN")
    secretariat = client_for(app, SECRETARIAT)
    response = post_form(
        secretariat,
        f"/assessments/{target.assessment_id}/reviewers",
        {"reviewer_id": str(reviewer.id)},
    )
    assert response.status_code == 302
    assert count_rows(db, ReviewerAssignment) == 1


def test_an_over_long_technical_assistance_type_is_refused_by_name(
    app: Flask, db: Session, world: World
) -> None:
    """Stored unchecked for other kinds of finding: a 500 on PostgreSQL (a 40-character column)."""
    reviewer = client_for(app, REVIEWER)
    form = {"kind": "good_practice", "text": "Training", "technical_assistance_type": "t" * 41}
    response = post_form(reviewer, world.review, form)
    assert response.status_code == 400
    assert "technical_assistance_type" in response.get_data(as_text=True)
    assert count_rows(db, FindingRecord) == 0
