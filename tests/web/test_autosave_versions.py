"""An autosave hands the form back only the versions its own save saw (issue 21).

The versions used to be read again after the commit. When someone else saved another
answer of the same commitment between this save's reading and its commit, the newer
version of that answer reached the form, whose text was still the older one: the next
save of that field then overwrote the other person's text without a conflict.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from questionnaire.domain.bank import QuestionBank
from questionnaire.models import Answer, Assessment, AssessmentItem, Role, User
from questionnaire.services.answers import save_answers
from tests.conftest import AuthActions
from tests.web.questionnaire_helpers import form_fields, open_assessment, page_url, post_answers

FP = "fp@china.test"
COLLEAGUE = "contributor@china.test"


def _colleague_saves_status(app: Flask, assessment_id: int, item_id: int) -> None:
    with app.extensions["database"].sessions() as session:
        person = session.scalar(select(User).where(User.email == COLLEAGUE))
        assessment = session.get(Assessment, assessment_id)
        item = session.get(AssessmentItem, item_id)
        assert person and assessment and item
        save_answers(session, person, assessment, item, {"status": "in_part"}, {"status": 1})


def test_a_version_saved_meanwhile_by_someone_else_does_not_reach_the_form(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Any,
    loaded_bank: QuestionBank,
    db: Session,
) -> None:
    assessment = open_assessment(db, make_user)
    make_user(FP, Role.FOCAL_POINT, "CHN")
    make_user(COLLEAGUE, Role.CONTRIBUTOR, "CHN")
    auth.login(FP)
    url = page_url(assessment)
    post_answers(client, url, {"status": "yes", "measures": "The commission."})
    item = next(i for i in assessment.items if i.commitment_id == "pd2021.p4")
    fields = form_fields(client, url)
    assert (fields["version__status"], fields["version__measures"]) == ("1", "1")

    engine = app.extensions["database"].engine
    done: list[bool] = []

    def after_reading_the_answers(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not done and statement.lstrip().startswith("SELECT") and "answers.version" in statement:
            done.append(True)
            _colleague_saves_status(app, assessment.id, item.id)

    event.listen(engine, "after_cursor_execute", after_reading_the_answers)
    try:
        response = client.post(
            url + "/autosave",
            data={**fields, "measures": "The commission, since 2019.", "request_id": "r-1"},
        )
    finally:
        event.remove(engine, "after_cursor_execute", after_reading_the_answers)
    assert done and response.status_code == 200, response.get_data(as_text=True)
    assert response.json is not None
    assert response.json["versions"] == {"status": 1, "measures": 2}
    stored = db.scalar(select(Answer).where(Answer.question_id == "status"))
    assert stored is not None and (stored.value, stored.revision) == ("in_part", 2)

    # The form still shows "yes" at version 1: saving it is a conflict, not an overwrite.
    fields.update({f"version__{q}": str(v) for q, v in response.json["versions"].items()})
    again = client.post(
        url + "/autosave",
        data={
            **fields,
            "status": "yes",
            "measures": "The commission, since 2019.",
            "request_id": "r-2",
        },
    )
    assert again.status_code == 409
    db.expire_all()
    assert db.scalar(select(Answer.value).where(Answer.question_id == "status")) == "in_part"
