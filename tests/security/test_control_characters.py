"""Control characters are refused at the edge with the field named (issue 14, 4).

On PostgreSQL a NUL byte gave a 500 in comment bodies, evidence titles, clarification
questions and answers, observations, finding texts, recommendations, `provided_by`,
invited names and the log-in e-mail (without being logged in). An evidence file named
with control characters was accepted and every later download of it broke the
`Content-Disposition` header, with no way to delete it. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.models import (
    Answer,
    Assessment,
    AssessmentItem,
    AuditEvent,
    Clarification,
    Comment,
    Evidence,
    FindingRecord,
    ItemReview,
    LoginAttempt,
    ReviewerAssignment,
    Role,
    User,
)
from questionnaire.services import reviews
from questionnaire.services.reviews import ReviewError
from tests.conftest import csrf_token
from tests.security.helpers import client_for, count_rows, open_small_assessment, post_form
from tests.web.questionnaire_helpers import form_fields

SECRETARIAT = "officer@secretariat.test"
FOCAL_POINT = "fp@china.test"
CONTRIBUTOR = "contributor@china.test"
REVIEWER = "reviewer@japan.test"
PDF = b"%PDF-1.7 a law"


@dataclass(frozen=True)
class World:
    assessment_id: int
    commitment_id: str
    clarification_id: int

    @property
    def page(self) -> str:
        return f"/assessments/{self.assessment_id}/c/{self.commitment_id}"

    @property
    def review(self) -> str:
        return f"/assessments/{self.assessment_id}/review/{self.commitment_id}"


@pytest.fixture()
def world(db: Session, make_user: Any, loaded_bank: Any) -> World:
    """China's small assessment with clarification requested: both sides may write."""
    make_user(SECRETARIAT, Role.SECRETARIAT)
    make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    make_user(CONTRIBUTOR, Role.CONTRIBUTOR, "CHN")
    reviewer = make_user(REVIEWER, Role.REVIEWER, "JPN")
    assessment = open_small_assessment(db, "CHN")
    item = assessment.items[0]
    db.add(
        ReviewerAssignment(
            assessment_id=assessment.id, reviewer_id=reviewer.id, same_regional_group=True
        )
    )
    clarification = Clarification(item_id=item.id, question="Which ministry?")
    db.add(clarification)
    assessment.status = WorkflowStatus.CLARIFICATION_REQUESTED
    db.commit()
    return World(assessment.id, item.commitment_id, clarification.id)


def stored_texts(db: Session) -> list[str]:
    """Every text the writes below could store, and the audit trail."""
    db.expire_all()
    texts: list[Any] = []
    texts += db.scalars(select(Comment.body)).all()
    texts += db.scalars(select(Evidence.title)).all()
    texts += db.scalars(select(Clarification.question)).all()
    texts += db.scalars(select(Clarification.answer)).all()
    texts += db.scalars(select(ItemReview.observations)).all()
    for finding in db.scalars(select(FindingRecord)):
        texts += [finding.text, finding.recommendation, finding.provided_by]
    texts += db.scalars(select(User.name)).all()
    texts += [str(a.value) for a in db.scalars(select(Answer))]
    texts.append(count_rows(db, AuditEvent))
    return [str(text) for text in texts]


# (who, page to post to, form, the field's name as the person sees it)
WRITES = {
    "comment body": (FOCAL_POINT, "page/comments", {"body": "Hello\x00"}, "Comment"),
    "evidence title": (
        FOCAL_POINT,
        "page/evidence",
        {"url": "https://example.org/law", "title": "Law\x00"},
        "Title",
    ),
    "clarification question": (
        REVIEWER,
        "review",
        {"action": "ask", "question": "Which\x00?"},
        "Question",
    ),
    "clarification answer": (
        FOCAL_POINT,
        "page/clarifications/{clarification_id}",
        {"answer": "The ministry\x00"},
        "Answer",
    ),
    "observations": (
        REVIEWER,
        "review",
        {"framework": "fully", "practice": "high", "observations": "Good\x00"},
        "Observations",
    ),
    "finding text": (
        REVIEWER,
        "review",
        {"kind": "good_practice", "text": "Training\x00"},
        "Finding",
    ),
    "recommendation": (
        REVIEWER,
        "review",
        {"kind": "challenge", "text": "Gap", "recommendation": "Close it\x1b"},
        "Recommendation",
    ),
    "provided_by": (
        REVIEWER,
        "review",
        {
            "kind": "technical_assistance",
            "text": "Need",
            "technical_assistance_type": "legislative_drafting",
            "already_provided": "yes",
            "provided_by": "UNODC\x00",
        },
        "Provided by",
    ),
    "invited name": (
        SECRETARIAT,
        "/accounts",
        {"email": "new@kenya.test", "name": "New\x00", "role": "focal_point", "state_party": "KEN"},
        "Name",
    ),
    "answer text": (FOCAL_POINT, "page", {"measures": "Act\x7f of 2024"}, "measures"),
}


def _url(world: World, path: str) -> str:
    path = path.format(clarification_id=world.clarification_id)
    if path.startswith("page"):
        return world.page + path[len("page") :]
    if path.startswith("review"):
        return world.review + path[len("review") :]
    return path


@pytest.mark.parametrize("write", list(WRITES))
def test_a_control_character_is_refused_with_the_field_named_and_nothing_changes(
    app: Flask, db: Session, world: World, write: str
) -> None:
    who, path, form, label = WRITES[write]
    client = client_for(app, who)
    url = _url(world, path)
    if path == "page":
        form = {**form_fields(client, url), **form}
    before = stored_texts(db)
    response = post_form(client, url, form)
    assert response.status_code == 400, write
    page = response.get_data(as_text=True)
    assert f"“{label}”" in page and "control character" in page
    assert stored_texts(db) == before


def test_the_same_text_without_the_control_character_is_accepted(
    app: Flask, db: Session, world: World
) -> None:
    """The control: each form above is a real write once cleaned (tab and newlines kept)."""
    for write, (who, path, form, _label) in WRITES.items():
        client = client_for(app, who)
        url = _url(world, path)
        clean = {
            key: value.replace("\x00", "\t").replace("\x1b", "\n").replace("\x7f", "\r\n")
            for key, value in form.items()
        }
        if path == "page":
            clean = {**form_fields(client, url), **clean}
        before = stored_texts(db)
        response = post_form(client, url, clean)
        assert response.status_code in (200, 302), (write, response.status_code)
        assert stored_texts(db) != before, write


def test_an_autosave_with_a_control_character_names_the_field(
    app: Flask, db: Session, world: World
) -> None:
    client = client_for(app, FOCAL_POINT)
    data = {**form_fields(client, world.page), "measures": "Act\x00"}
    response = client.post(world.page + "/autosave", data=data)
    assert response.status_code == 400
    assert "measures" in response.get_json()["fields"]
    assert count_rows(db, Answer) == 0


def test_a_log_in_e_mail_with_a_nul_byte_is_refused_without_a_server_error(
    app: Flask, db: Session, world: World
) -> None:
    client = client_for(app, None)
    response = client.post(
        "/login",
        data={"email": "fp@china.test\x00", "password": "x", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 400
    assert "“E-mail”" in response.get_data(as_text=True)
    assert count_rows(db, LoginAttempt) == 0


def test_the_services_refuse_control_characters_too(db: Session, world: World) -> None:
    """The CLI and any other caller meet the same rule as the web forms."""
    reviewer = db.scalar(select(User).where(User.email == REVIEWER))
    focal_point = db.scalar(select(User).where(User.email == FOCAL_POINT))
    assert reviewer is not None and focal_point is not None
    clarification = db.get(Clarification, world.clarification_id)
    assert clarification is not None
    item = clarification.item_id
    assessment = db.get(Assessment, world.assessment_id)
    item_row = db.get(AssessmentItem, item)
    assert assessment is not None and item_row is not None
    with pytest.raises(ReviewError, match="control character"):
        reviews.add_comment(db, focal_point, assessment, item_row, "Hello\x00")
    with pytest.raises(ReviewError, match="control character"):
        reviews.ask_clarification(db, reviewer, assessment, item_row, "Why\x01?")


# Evidence files: names cleaned, downloads always valid, and removable


def upload(client: FlaskClient, world: World, filename: str) -> Any:
    return client.post(
        world.page + "/evidence",
        data={"csrf_token": csrf_token(client, "/"), "file": (io.BytesIO(PDF), filename)},
        content_type="multipart/form-data",
    )


def is_valid_content_disposition(value: str) -> bool:
    """RFC 6266: printable ASCII, the name quoted or in filename*=UTF-8''..."""
    return value.isascii() and value.isprintable() and value.startswith("attachment;")


@pytest.mark.parametrize(
    "filename", ["law\x00.pdf", "law\x01.pdf", "law\x1b[31m.pdf", "law\x7f.pdf", "法律\x85.pdf"]
)
def test_a_file_named_with_control_characters_is_kept_under_a_clean_name_and_downloads(
    app: Flask, db: Session, world: World, filename: str
) -> None:
    client = client_for(app, FOCAL_POINT)
    assert upload(client, world, filename).status_code == 302
    evidence = db.scalar(select(Evidence))
    assert evidence is not None
    assert "\x00" not in evidence.title and evidence.title.endswith(".pdf")
    assert evidence.title.isprintable()
    download = client.get(f"{world.page}/evidence/{evidence.id}")
    assert download.status_code == 200 and download.data == PDF
    assert is_valid_content_disposition(download.headers["Content-Disposition"])


def test_a_title_stored_with_control_characters_before_the_fix_still_downloads(
    app: Flask, db: Session, world: World
) -> None:
    client = client_for(app, FOCAL_POINT)
    assert upload(client, world, "law.pdf").status_code == 302
    evidence = db.scalar(select(Evidence))
    assert evidence is not None
    evidence.title = "law\x01\x1b\x7f.pdf"  # PostgreSQL never stored a NUL
    db.commit()
    download = client.get(f"{world.page}/evidence/{evidence.id}")
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert is_valid_content_disposition(disposition) and "law.pdf" in disposition


def evidence_audit(db: Session) -> list[dict[str, Any]]:
    db.expire_all()
    return [
        event.details
        for event in db.scalars(select(AuditEvent).where(AuditEvent.action == "evidence.removed"))
    ]


def test_the_owner_removes_their_evidence_and_its_file_is_deleted(
    app: Flask, db: Session, world: World
) -> None:
    client = client_for(app, FOCAL_POINT)
    upload(client, world, "law.pdf")
    evidence = db.scalar(select(Evidence))
    assert evidence is not None
    storage = app.extensions["storage"]
    stored = f"evidence/{evidence.stored_name}"
    assert storage.exists(stored)
    page = client.get(world.page).get_data(as_text=True)
    remove = f"{world.page}/evidence/{evidence.id}/remove"
    assert f'action="{remove}"' in page  # the button
    response = post_form(client, remove)
    assert response.status_code == 302
    assert count_rows(db, Evidence) == 0 and not storage.exists(stored)
    assert [(d["title"], d["kind"]) for d in evidence_audit(db)] == [("law.pdf", "file")]
    assert "law.pdf" in client.get(world.page).get_data(as_text=True)  # the flash says what


def test_someone_else_of_the_state_cannot_remove_it_but_the_secretariat_can(
    app: Flask, db: Session, world: World
) -> None:
    owner = client_for(app, FOCAL_POINT)
    upload(owner, world, "law.pdf")
    evidence = db.scalar(select(Evidence))
    assert evidence is not None
    remove = f"{world.page}/evidence/{evidence.id}/remove"
    contributor = client_for(app, CONTRIBUTOR)
    assert f'action="{remove}"' not in contributor.get(world.page).get_data(as_text=True)
    assert post_form(contributor, remove).status_code == 403
    assert post_form(client_for(app, REVIEWER), remove).status_code in (403, 404)
    assert count_rows(db, Evidence) == 1 and evidence_audit(db) == []

    # Once submitted, the owner's answers (and evidence) are locked; the secretariat still can.
    assessment = db.get(Assessment, world.assessment_id)
    assert assessment is not None
    assessment.status = WorkflowStatus.SUBMITTED
    db.commit()
    assert post_form(owner, remove).status_code == 403
    secretariat = client_for(app, SECRETARIAT)
    assert f'action="{remove}"' in secretariat.get(world.page).get_data(as_text=True)
    assert post_form(secretariat, remove).status_code == 302
    assert count_rows(db, Evidence) == 0
    assert [d["title"] for d in evidence_audit(db)] == ["law.pdf"]


def test_evidence_of_another_commitment_is_not_found(app: Flask, db: Session, world: World) -> None:
    client = client_for(app, FOCAL_POINT)
    upload(client, world, "law.pdf")
    evidence = db.scalar(select(Evidence))
    assert evidence is not None
    other = db.scalar(
        select(AssessmentItem).where(
            AssessmentItem.assessment_id == world.assessment_id,
            AssessmentItem.id != evidence.item_id,
        )
    )
    assert other is not None
    url = (
        f"/assessments/{world.assessment_id}/c/{other.commitment_id}/evidence/{evidence.id}/remove"
    )
    assert post_form(client, url).status_code == 404
    assert count_rows(db, Evidence) == 1


def test_the_refusal_is_said_in_chinese_to_a_chinese_reader(
    app: Flask, db: Session, world: World
) -> None:
    client = client_for(app, FOCAL_POINT)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    response = post_form(client, world.page + "/comments", {"body": "你好\x00"})
    assert response.status_code == 400
    assert "字段“评论”含有无法保存的控制字符（U+0000）" in response.get_data(as_text=True)


def test_a_control_character_in_a_path_is_not_found(app: Flask, world: World) -> None:
    """On PostgreSQL a NUL in a commitment code reached a query and gave a 500."""
    client = client_for(app, FOCAL_POINT)
    for url in (
        f"/assessments/{world.assessment_id}/c/pd2021.p1%00",
        f"/assessments/{world.assessment_id}/review/%01",
        "/bank/pd2021.p1%00",
        "/secretariat/reports/%00",
    ):
        assert client.get(url).status_code == 404, url
