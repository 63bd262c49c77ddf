"""A state party fills in its questionnaire online: save, resume, evidence, conflicts, submit."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.domain.bank import QuestionBank
from questionnaire.models import Answer, AnswerChange, Assessment, Evidence, Role
from questionnaire.web.assessments import HISTORY_SHOWN
from tests.conftest import AuthActions
from tests.web.questionnaire_helpers import form_fields, open_assessment, page_url, post_answers

FP = "fp@china.test"


def _as_focal_point(db: Session, make_user, auth: AuthActions) -> Assessment:
    assessment = open_assessment(db, make_user)
    make_user(FP, Role.FOCAL_POINT, "CHN")
    auth.login(FP)
    return assessment


def _stored(db: Session, question_id: str) -> object:
    db.expire_all()
    return db.scalar(select(Answer.value).where(Answer.question_id == question_id))


def test_secretariat_opens_an_assessment_with_a_chosen_scope(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    make_user("officer@secretariat.test", Role.SECRETARIAT)
    auth.login("officer@secretariat.test")
    token = form_fields(client, "/secretariat/assessments/new")["csrf_token"]
    response = client.post(
        "/secretariat/assessments/new",
        data={
            "csrf_token": token,
            "state_party": "KEN",
            "review_year": "2026",
            "sections": ["asset_recovery"],
        },
    )
    assert response.status_code == 302
    assessment = db.scalar(select(Assessment))
    assert assessment.state_party_code == "KEN"
    expected = [c.id for c in loaded_bank.assessable() if c.section.id == "asset_recovery"]
    assert [i.commitment_id for i in assessment.items] == expected


def test_a_second_assessment_for_the_same_year_is_refused(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    open_assessment(db, make_user)
    auth.login("officer@secretariat.test")
    token = form_fields(client, "/secretariat/assessments/new")["csrf_token"]
    response = client.post(
        "/secretariat/assessments/new",
        data={"csrf_token": token, "state_party": "CHN", "review_year": "2026"},
    )
    assert response.status_code == 400
    assert "already has an assessment for 2026" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Assessment)) == 1


def test_fill_save_leave_and_come_back(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    response = post_answers(
        client,
        url,
        {"status": "in_part", "measures": "Anti-Corruption Act 2019, art. 5", "ta_needed": "no"},
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Anti-Corruption Act 2019, art. 5" in page
    assert 'value="in_part" checked' in page or 'checked id="status-1"' in page or "checked" in page
    assert _stored(db, "status") == "in_part"
    overview = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "in_progress" in overview


def test_follow_up_question_appears_only_when_its_condition_holds(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    assert 'id="q-steps_needed" data-question="steps_needed" hidden' in client.get(url).get_data(
        as_text=True
    )
    post_answers(client, url, {"status": "no"})
    page = client.get(url).get_data(as_text=True)
    assert 'id="q-steps_needed" data-question="steps_needed">' in page


def test_every_saved_change_is_kept_as_a_version_with_its_author(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    post_answers(client, url, {"status": "yes", "measures": "first"})
    post_answers(client, url, {"status": "yes", "measures": "second"})
    assert db.scalar(select(func.count()).select_from(AnswerChange)) == 3
    page = client.get(url).get_data(as_text=True)
    assert f'href="{url}/history"' in page  # the history is read when asked for
    history = client.get(url + "/history").get_data(as_text=True)
    assert "first" in history and "second" in history and "(v2)" in history


def test_pages_link_to_the_previous_and_next_commitment_in_questionnaire_order(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    order = [item.commitment_id for item in assessment.items]
    assert len(order) >= 3

    def pager(commitment_id: str) -> list[str]:
        page = client.get(page_url(assessment, commitment_id)).get_data(as_text=True)
        nav = page[page.index('<nav class="pager">') :]
        nav = nav[: nav.index("</nav>")]
        return re.findall(r'href="/assessments/\d+/c/([^"]+)"', nav)

    assert pager(order[0]) == [order[1]]  # the first page has no "previous"
    assert pager(order[1]) == [order[0], order[2]]
    assert pager(order[-1]) == [order[-2]]  # the last page has no "next"


def test_a_long_history_shows_the_latest_changes_and_says_older_ones_are_kept(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    post_answers(client, url, {"status": "yes", "measures": "draft 1"})
    answer = db.scalar(select(Answer).where(Answer.question_id == "measures"))
    assert answer is not None
    for number in range(2, HISTORY_SHOWN + 6):  # versions written as an import would
        db.add(AnswerChange(answer_id=answer.id, revision=number, value=f"draft {number}"))
    db.commit()
    page = client.get(url + "/history").get_data(as_text=True)
    assert f"draft {HISTORY_SHOWN + 5}" in page  # the newest
    assert "<em>draft 1</em>" not in page  # beyond the latest fifty
    assert page.count('<li><span class="muted">20') == HISTORY_SHOWN
    assert f"显示最近 {HISTORY_SHOWN} 次修改" in page  # the interface is in Chinese by default
    assert db.scalar(select(func.count()).select_from(AnswerChange)) == HISTORY_SHOWN + 6


def test_bad_values_get_a_message_by_the_field_and_nothing_is_lost(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    post_answers(client, url, {"status": "yes", "measures": "kept text"})
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    cases = [
        ({"measures": "x" * 8001}, "the limit is 8000"),
        ({"status": "perhaps"}, "is not one of the choices"),
        ({"body_types": ["preventive_body", "not_a_choice"]}, "is not one of the choices"),
        ({"staff_number": "many"}, "is not a number"),
        ({"staff_number": "-5"}, "must be at least 0"),
        ({"staff_number": "约4000"}, "enter the number alone (4000)"),
        ({"staff_number": "4,5"}, "use a point for a decimal (4.5)"),
        ({"steps_target_date": "31/12/2026"}, "is not a date"),
        ({"measures_link": "javascript:alert(1)"}, "must start with http"),
        ({"no_such_question": "x"}, ""),  # ignored: not a field of this form
    ]
    for answers, message in cases:
        response = post_answers(client, url, answers)
        if not message:
            assert response.status_code == 302
            continue
        assert response.status_code == 400, answers
        assert message in response.get_data(as_text=True), answers
        assert _stored(db, "measures") == "kept text"
        assert _stored(db, "status") == "yes"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"  # the same messages, in Chinese
    for answers, message in [
        ({"staff_number": "many"}, "“many”不是数字"),
        ({"staff_number": "-5"}, "数字不得小于 0"),
        ({"staff_number": "约4000"}, "只填写数字（4000）"),
        ({"measures_link": "javascript:alert(1)"}, "链接必须以 http:// 或 https:// 开头"),
    ]:
        response = post_answers(client, url, answers)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True), answers
    assert _stored(db, "measures") == "kept text"


def test_one_bad_field_does_not_hold_back_the_others_and_stays_as_typed(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    post_answers(client, url, {"status": "yes", "staff_number": "12", "measures": "first text"})
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = post_answers(
        client,
        url,
        {
            "measures": "The 2020 law on asset declarations.",
            "body_types": ["preventive_body"],
            "staff_number": "约4000",
            "measures_link": "javascript:alert(1)",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    # The valid answers are stored...
    assert _stored(db, "measures") == "The 2020 law on asset declarations."
    assert _stored(db, "body_types") == ["preventive_body"]
    # ...the refused ones keep their earlier answer, and the page shows them as typed,
    # marked, with the reason, tied to the field for screen readers.
    assert _stored(db, "staff_number") == 12
    assert _stored(db, "measures_link") is None
    assert 'value="约4000"' in page and 'value="javascript:alert(1)"' in page
    assert "is an approximate value: enter the number alone (4000)" in page
    assert "Saved at" in page and "except the fields marked below" in page
    field = re.search(r'<input id="staff_number"[^>]*>', page)
    assert field is not None
    assert 'aria-invalid="true"' in field[0]
    assert 'aria-describedby="help-staff_number error-staff_number"' in field[0]
    assert 'id="error-summary"' in page and 'href="#staff_number"' in page
    # The form now carries the stored versions: saving the corrected number is no conflict.
    versions = dict(re.findall(r'name="(version__\w+)" value="(\d+)"', page))
    assert versions["version__measures"] == "2"
    token = form_fields(client, url)["csrf_token"]
    again = client.post(url, data={**versions, "csrf_token": token, "staff_number": "4 230"})
    assert again.status_code == 302
    assert _stored(db, "staff_number") == 4230
    assert _stored(db, "measures") == "The 2020 law on asset declarations."


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("4 230", 4230),
        ("4,230", 4230),
        ("4\u00a0230", 4230),  # a no-break space, as word processors put in
        ("4\u202f230", 4230),  # a narrow no-break space
        ("４２３０", 4230),  # full-width digits of a Chinese input method
        ("４，２３０", 4230),
        ("0.4万", 4000),
    ],
)
def test_numbers_are_accepted_in_the_forms_people_type(
    client: FlaskClient,
    auth: AuthActions,
    make_user,
    loaded_bank: QuestionBank,
    db: Session,
    typed: str,
    stored: int,
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    assert post_answers(client, url, {"staff_number": typed}).status_code == 302
    assert _stored(db, "staff_number") == stored


def test_a_tampered_version_field_is_refused_without_losing_anything(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    post_answers(client, url, {"status": "yes", "measures": "kept"})
    response = post_answers(client, url, {"measures": "evil"}, version__measures="1; DROP")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "version__measures" in page  # named in the message, in the reader's language
    assert _stored(db, "measures") == "kept"


def test_a_stale_save_gets_the_conflict_page_with_both_texts(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user,
    loaded_bank: QuestionBank,
    db: Session,
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    make_user("colleague@china.test", Role.CONTRIBUTOR, "CHN")
    url = page_url(assessment)
    post_answers(client, url, {"status": "yes", "measures": "original"})
    stale = form_fields(client, url)  # the focal point's page, at version 1

    other = app.test_client()
    AuthActions(other).login("colleague@china.test")
    assert post_answers(other, url, {"measures": "colleague's text"}).status_code == 302

    response = client.post(url, data={**stale, "measures": "focal point's text"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "colleague&#39;s text" in page and "focal point&#39;s text" in page
    assert _stored(db, "measures") == "colleague's text"  # nothing overwritten silently


def test_autosave_returns_versions_and_a_retry_creates_no_second_version(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    data = {**form_fields(client, url), "status": "no", "request_id": "req-1"}
    first = client.post(url + "/autosave", data=data)
    again = client.post(url + "/autosave", data=data)
    assert first.status_code == 200 and first.get_json()["versions"]["status"] == 1
    assert "steps_needed" in first.get_json()["visible"]
    assert again.status_code == 200 and again.get_json()["saved"] == []
    assert db.scalar(select(func.count()).select_from(AnswerChange)) == 1


@pytest.mark.parametrize(
    ("language", "message"), [("en", "“many” is not a number"), ("zh", "“many”不是数字")]
)
def test_autosave_names_a_bad_field_in_the_persons_language(
    client: FlaskClient,
    auth: AuthActions,
    make_user,
    loaded_bank: QuestionBank,
    db: Session,
    language: str,
    message: str,
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    data = {**form_fields(client, url), "status": "yes", "staff_number": "many"}
    reply = client.post(url + "/autosave", data=data)
    assert reply.status_code == 400
    assert reply.get_json()["fields"] == {"staff_number": message}
    # The valid answer of the same request is saved; its new version goes back to the page.
    assert _stored(db, "status") == "yes"
    assert reply.get_json()["saved"] == ["status"]
    assert reply.get_json()["versions"] == {"status": 1}
    assert "measures" in reply.get_json()["visible"]


def test_evidence_link_and_file(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user,
    loaded_bank: QuestionBank,
    db: Session,
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    token = form_fields(client, url)["csrf_token"]
    client.post(
        url + "/evidence",
        data={
            "csrf_token": token,
            "url": "https://example.org/law",
            "title": "Anti-corruption law",
        },
    )
    pdf = b"%PDF-1.7\n" + b"0" * 2000
    client.post(
        url + "/evidence",
        data={"csrf_token": token, "file": (io.BytesIO(pdf), "annual report.pdf")},
        content_type="multipart/form-data",
    )
    records = db.scalars(select(Evidence).order_by(Evidence.id)).all()
    assert [r.kind for r in records] == ["link", "file"]
    stored = records[1].stored_name
    assert stored and "annual" not in stored
    with client.get(f"{url}/evidence/{records[1].id}") as download:
        assert download.status_code == 200 and download.data == pdf
        assert download.headers["Content-Disposition"].startswith("attachment")

    other = app.test_client()
    make_user("fp@kenya.test", Role.FOCAL_POINT, "KEN")
    AuthActions(other).login("fp@kenya.test")
    assert other.get(f"{url}/evidence/{records[1].id}").status_code == 404


def test_wrong_or_oversized_files_are_refused_with_a_message(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user,
    loaded_bank: QuestionBank,
    db: Session,
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    token = form_fields(client, url)["csrf_token"]
    cases = [
        ((io.BytesIO(b"MZ\x90\x00"), "tool.exe"), "this type of file is not accepted"),
        ((io.BytesIO(b"<html>not a pdf"), "report.pdf"), "not a .pdf file"),
        ((io.BytesIO(b"%PDF-" + b"0" * (10 * 1024 * 1024 + 100)), "big.pdf"), "the limit is 10 MB"),
        ((io.BytesIO(b"%PDF-" + b"0" * (12 * 1024 * 1024)), "huge.pdf"), "upload limit (10 MB)"),
    ]
    for upload, message in cases:
        response = client.post(
            url + "/evidence",
            data={"csrf_token": token, "file": upload},
            content_type="multipart/form-data",
            follow_redirects=True,
            headers={"Accept-Language": "en"},
        )
        assert message in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Evidence)) == 0


def test_another_countrys_questionnaire_is_not_found(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user,
    loaded_bank: QuestionBank,
    db: Session,
) -> None:
    assessment = open_assessment(db, make_user, state="CHN")
    make_user("fp@kenya.test", Role.FOCAL_POINT, "KEN")
    auth.login("fp@kenya.test")
    assert client.get(f"/assessments/{assessment.id}").status_code == 404
    assert client.get(page_url(assessment)).status_code == 404
    assert "CHN" not in client.get("/assessments/").get_data(as_text=True)


def test_submission_lists_missing_answers_then_locks(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = open_assessment(db, make_user, sections=("technical_assistance",))
    make_user(FP, Role.FOCAL_POINT, "CHN")
    auth.login(FP)
    page = client.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    assert "required answers are missing" in page or "项必答" in page
    first = assessment.items[0].commitment_id
    assert f"/assessments/{assessment.id}/c/{first}#q-status" in page

    for item in assessment.items:
        commitment = loaded_bank.commitment(item.commitment_id)
        answers = {"status": "no", "steps_needed": "Draft a law", "ta_needed": "no"}
        for question in commitment.questions:
            if question.required and question.block is None and question.id not in answers:
                answers[question.id] = _any_value(question)
        response = post_answers(client, page_url(assessment, item.commitment_id), answers)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    token = form_fields(client, page_url(assessment, first))["csrf_token"]
    response = client.post(
        f"/assessments/{assessment.id}/submit", data={"csrf_token": token, "confirm": "yes"}
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(Assessment, assessment.id).status.value == "submitted"
    locked = post_answers(client, page_url(assessment, first), {"steps_needed": "changed"})
    assert locked.status_code == 403
    assert _stored(db, "steps_needed") == "Draft a law"


def _any_value(question) -> object:  # type: ignore[no-untyped-def]
    if question.scale is not None:
        first = question.scale.options[0].value
        return first if question.type.value == "single_choice" else [first]
    return {"number": "3", "date": "2027-01-01", "link": "https://example.org"}.get(
        question.type.value, "An answer"
    )


def test_a_save_naming_a_version_that_does_not_exist_is_a_conflict_not_an_error(
    client: FlaskClient, auth: AuthActions, make_user, loaded_bank: QuestionBank, db: Session
) -> None:
    assessment = _as_focal_point(db, make_user, auth)
    url = page_url(assessment)
    data = {**form_fields(client, url), "measures": "my text", "version__measures": "1"}
    response = client.post(url + "/autosave", data=data)
    assert response.status_code == 409
    assert response.get_json()["conflicts"] == ["measures"]
    assert _stored(db, "measures") is None
