"""Save request ids count within one assessment and one person (issue 14, 9).

Request ids are chosen by the client. They were unique across the whole database, so an
autosave reusing an id another country had used was answered 200 "saved" while nothing
was stored.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.models import Answer, AssessmentItem, Role, SaveRequest
from tests.security.conftest import FOCAL_POINT, Target
from tests.security.helpers import client_for, open_small_assessment
from tests.web.questionnaire_helpers import form_fields

SHARED_ID = "3f2c9a1e-0000-4000-8000-000000000001"


def autosave(client: Any, url: str, text: str, request_id: str = SHARED_ID) -> Any:
    data = {**form_fields(client, url), "measures": text, "request_id": request_id}
    return client.post(url + "/autosave", data=data)


def stored_measures(db: Session, assessment_id: int) -> list[object]:
    db.expire_all()
    return list(
        db.scalars(
            select(Answer.value)
            .join(AssessmentItem, AssessmentItem.id == Answer.item_id)
            .where(AssessmentItem.assessment_id == assessment_id, Answer.question_id == "measures")
        )
    )


def test_another_countrys_request_id_does_not_swallow_a_save(
    app: Flask, db: Session, target: Target, make_user: Any
) -> None:
    make_user("fp@kenya.test", Role.FOCAL_POINT, "KEN")
    kenya = open_small_assessment(db, "KEN")
    kenya_url = f"/assessments/{kenya.id}/c/{kenya.items[0].commitment_id}"
    china_url = f"/assessments/{target.assessment_id}/c/{target.commitment_id}"

    kenyan = autosave(client_for(app, "fp@kenya.test"), kenya_url, "Kenyan act")
    assert kenyan.status_code == 200 and kenyan.get_json()["saved"] == ["measures"]
    chinese = autosave(client_for(app, FOCAL_POINT), china_url, "Chinese act")
    assert chinese.status_code == 200 and chinese.get_json()["saved"] == ["measures"]
    assert stored_measures(db, target.assessment_id) == ["Chinese act"]
    assert stored_measures(db, kenya.id) == ["Kenyan act"]


def test_another_person_of_the_same_country_has_their_own_request_ids(
    app: Flask, db: Session, target: Target, make_user: Any
) -> None:
    make_user("contributor@china.test", Role.CONTRIBUTOR, "CHN")
    url = f"/assessments/{target.assessment_id}/c/{target.commitment_id}"
    assert autosave(client_for(app, FOCAL_POINT), url, "First").get_json()["saved"]
    second = autosave(client_for(app, "contributor@china.test"), url, "Second")
    assert second.get_json()["saved"] == ["measures"]
    assert stored_measures(db, target.assessment_id) == ["Second"]


def test_a_retry_by_the_same_person_still_counts_once(
    app: Flask, db: Session, target: Target
) -> None:
    client = client_for(app, FOCAL_POINT)
    url = f"/assessments/{target.assessment_id}/c/{target.commitment_id}"
    data = {**form_fields(client, url), "measures": "Once", "request_id": SHARED_ID}
    assert client.post(url + "/autosave", data=data).get_json()["saved"] == ["measures"]
    retried = client.post(url + "/autosave", data=data)
    assert retried.status_code == 200 and retried.get_json()["saved"] == []
    rows = db.scalars(select(SaveRequest)).all()
    assert [(r.assessment_id, r.request_id) for r in rows] == [(target.assessment_id, SHARED_ID)]
