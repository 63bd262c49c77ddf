"""Hostile text comes back escaped on every page that shows it.

Each text field a person can fill (answers, evidence titles and links, uploaded file
names, comments, clarification questions and answers, findings, observations, account
names, cells of an imported offline workbook) receives every payload below through the
real forms. Every GET page of the application is then walked as each kind of person, and
parsed: no script runs, no event handler or javascript: URL appears inside a tag, and
template syntax is shown as typed, never evaluated.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.models import (
    Assessment,
    Clarification,
    Evidence,
    ReviewerAssignment,
    Role,
    User,
)
from tests.conftest import csrf_token
from tests.domain import offline_files
from tests.security.helpers import (
    client_for,
    count_rows,
    crawl_urls,
    open_small_assessment,
    post_form,
    unsafe_markup,
)
from tests.web.questionnaire_helpers import form_fields, post_answers

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}",
    "{% raw %}{{config}}{% endraw %}",
)
# A double quote cannot travel in a multipart file name (browsers send it as %22, and the
# test client would cut the name there), so the file-name variant breaks out with ' instead.
FILE_NAMES = tuple(payload.replace('"', "'") for payload in PAYLOADS)
SECRETARIAT = "officer@secretariat.test"
FOCAL_POINT = "fp@china.test"
REVIEWER = "expert@japan.test"
FORM = "pd2021.p12"  # answered through the online form
OFFLINE = "pd2021.p16"  # answered through an imported workbook


def hostile(field: str) -> str:
    """Every payload at once, labelled with the field, so each field can be found again."""
    return f"[{field}] " + " ".join(PAYLOADS)


def shown(page: str, field: str) -> bool:
    """The field's text is on the page, escaped as Jinja escapes text."""
    return str(escape(hostile(field))) in page


def assert_safe(page: str, where: str) -> None:
    assert "<script>alert(1)</script>" not in page, where
    assert "<img src=x onerror" not in page, where
    assert unsafe_markup(page) == [], where
    assert "javascript:alert(1) 49" not in page, where  # {{7*7}} evaluated
    assert "test-secret-key" not in page and "&lt;Config" not in page, where


@dataclass
class HostileWorld:
    assessment: Assessment
    candidates: dict[str, list[Any]]
    invitation_tokens: list[str]
    pages: dict[str, str]  # responses to the POSTs themselves: previews, conflicts, errors


def _answers(client: FlaskClient, assessment: Assessment, pages: dict[str, str]) -> None:
    url = f"/assessments/{assessment.id}/c/{FORM}"
    texts = ("measures", "examples", "steps_needed", "challenges_other", "ta_other")
    values: dict[str, Any] = {field: hostile(f"answer {field}") for field in texts}
    values.update(
        status="in_part",
        challenges=["other"],
        ta_needed="yes",
        ta_types=["other"],
        ta_provided="yes",
        ta_provided_by=hostile("answer ta_provided_by"),
    )
    assert post_answers(client, url, values).status_code == 302
    refused = post_answers(client, url, {"status": hostile("a choice that is no choice")})
    assert refused.status_code == 400
    pages["refused choice"] = refused.get_data(as_text=True)
    stale = form_fields(client, url)
    newer = {"not_applicable_reason": "a newer text"}
    assert post_answers(client, url, newer).status_code == 302
    conflict = client.post(
        url, data={**stale, "not_applicable_reason": hostile("conflicting answer")}
    )
    assert conflict.status_code == 409
    pages["conflict"] = conflict.get_data(as_text=True)


def _evidence(client: FlaskClient, db: Session, assessment: Assessment) -> None:
    url = f"/assessments/{assessment.id}/c/{FORM}/evidence"
    token = csrf_token(client, "/")
    links = {
        hostile("evidence title"): "https://example.org/law",
        "a link with markup": 'https://example.org/?q="><img src=x onerror=alert(1)>',
    }
    for title, link in links.items():
        client.post(url, data={"csrf_token": token, "url": link, "title": title})
    for scheme in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>"):
        refused = client.post(
            url,
            data={"csrf_token": token, "url": scheme, "title": "x"},
            follow_redirects=True,
        )
        assert "a link must start with http:// or https://" in refused.get_data(as_text=True)
    for name in FILE_NAMES:
        client.post(
            url,
            data={"csrf_token": token, "file": (io.BytesIO(b"%PDF-1.7 x"), f"{name}.pdf")},
            content_type="multipart/form-data",
        )
    stored = db.scalars(select(Evidence.url).where(Evidence.kind == "link")).all()
    assert sorted(stored) == sorted(links.values())  # no javascript: or data: link was kept
    assert count_rows(db, Evidence) == len(links) + len(FILE_NAMES)


def _offline_import(client: FlaskClient, assessment: Assessment, pages: dict[str, str]) -> None:
    with client.get(f"/assessments/{assessment.id}/offline.xlsx?lang=en") as response:
        template = response.data
    url = f"/assessments/{assessment.id}/offline/import"
    token = csrf_token(client, "/")

    def upload(data: bytes) -> Any:
        return client.post(
            url,
            data={"csrf_token": token, "file": (io.BytesIO(data), "filled.xlsx")},
            content_type="multipart/form-data",
        )

    bad = upload(offline_files.fill(template, {f"{OFFLINE}.status": hostile("workbook choice")}))
    assert bad.status_code == 400
    pages["refused workbook"] = bad.get_data(as_text=True)
    filled = offline_files.fill(
        template,
        {
            f"{OFFLINE}.status": "yes",
            f"{OFFLINE}.measures": hostile("workbook measures"),
            f"{OFFLINE}.examples": hostile("workbook examples"),
        },
    )
    preview = upload(filled)
    assert preview.status_code == 200
    pages["import preview"] = page = preview.get_data(as_text=True)
    stash = re.search(r'name="token" value="([0-9a-f]+)"', page)
    assert stash is not None
    applied = client.post(
        f"/assessments/{assessment.id}/offline/apply",
        data={"csrf_token": token, "token": stash.group(1)},
    )
    assert applied.status_code == 302


def _review(client: FlaskClient, assessment: Assessment) -> None:
    base = f"/assessments/{assessment.id}/review/{FORM}"
    post_form(
        client,
        base,
        {"framework": "partially", "practice": "low", "observations": hostile("observations")},
    )
    post_form(client, base, {"kind": "good_practice", "text": hostile("finding")})
    post_form(
        client,
        base,
        {
            "kind": "challenge",
            "text": hostile("challenge"),
            "recommendation": hostile("recommendation"),
        },
    )
    post_form(
        client,
        base,
        {
            "kind": "technical_assistance",
            "text": hostile("assistance"),
            "technical_assistance_type": "capacity_building",
            "already_provided": "yes",
            "provided_by": hostile("provided by"),
        },
    )
    post_form(client, base, {"action": "ask", "question": hostile("clarification question")})
    post_form(
        client,
        f"/assessments/{assessment.id}/c/{FORM}/comments",
        {"body": hostile("reviewer comment"), "back": "review"},
    )


def _invitations(client: FlaskClient) -> list[str]:
    tokens = []
    for number, payload in enumerate(PAYLOADS):
        page = post_form(
            client,
            "/accounts",
            {
                "email": f"invited{number}@example.org",
                "name": f"[account name] {payload}",
                "role": "secretariat",
                "state_party": "",
            },
        ).get_data(as_text=True)
        token = re.search(r"/invitation/([\w-]+)", page)
        assert token is not None, page[:300]
        tokens.append(token.group(1))
    return tokens


@pytest.fixture()
def hostile_world(app: Flask, db: Session, make_user: Any, loaded_bank: Any) -> HostileWorld:
    make_user(SECRETARIAT, Role.SECRETARIAT)
    make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    reviewer = make_user(REVIEWER, Role.REVIEWER, "JPN")
    assessment = open_small_assessment(db, "CHN")
    db.add(
        ReviewerAssignment(
            assessment_id=assessment.id, reviewer_id=reviewer.id, same_regional_group=True
        )
    )
    db.commit()
    pages: dict[str, str] = {}
    secretariat = client_for(app, SECRETARIAT)
    tokens = _invitations(secretariat)
    focal_point = client_for(app, FOCAL_POINT)
    _answers(focal_point, assessment, pages)
    _evidence(focal_point, db, assessment)
    _offline_import(focal_point, assessment, pages)
    post_form(
        focal_point,
        f"/assessments/{assessment.id}/c/{FORM}/comments",
        {"body": hostile("focal point comment")},
    )
    db.expire_all()
    db.get(Assessment, assessment.id).status = WorkflowStatus.IN_REVIEW  # type: ignore[union-attr]
    db.commit()
    _review(client_for(app, REVIEWER), assessment)
    clarification = db.scalar(select(Clarification))
    assert clarification is not None, "the reviewer's question was not recorded"
    post_form(
        focal_point,
        f"/assessments/{assessment.id}/c/{FORM}/clarifications/{clarification.id}",
        {"answer": hostile("clarification answer")},
    )
    db.expire_all()
    return HostileWorld(
        assessment,
        {
            "assessment_id": [assessment.id],
            "commitment_id": [FORM, OFFLINE],
            "evidence_id": list(db.scalars(select(Evidence.id))),
            "finding_id": [0],
            "clarification_id": [clarification.id],
            "reviewer_id": [reviewer.id],
            "user_id": list(db.scalars(select(User.id))),
            "token": ["no-such-invitation-token"],
            "filename": ["app.css"],
            "job_id": ["no-such-job"],
        },
        tokens,
        pages,
    )


def _walk(app: Flask, email: str | None, world: HostileWorld) -> dict[str, str]:
    client = client_for(app, email)
    pages = {}
    for url in crawl_urls(app, world.candidates):
        with client.get(url) as response:
            assert response.status_code < 500, url
            if response.mimetype == "text/html":
                pages[f"{email} {url}"] = response.get_data(as_text=True)
    return pages


FIELDS_AND_WHO_SEES_THEM = {
    "answer measures": (FOCAL_POINT, REVIEWER),
    "answer examples": (FOCAL_POINT, REVIEWER),
    "answer steps_needed": (FOCAL_POINT, REVIEWER),
    "answer challenges_other": (FOCAL_POINT, REVIEWER),
    "answer ta_other": (FOCAL_POINT, REVIEWER),
    "answer ta_provided_by": (FOCAL_POINT, REVIEWER),
    "workbook measures": (FOCAL_POINT, REVIEWER),
    "workbook examples": (FOCAL_POINT, REVIEWER),
    "evidence title": (FOCAL_POINT, REVIEWER),
    "focal point comment": (FOCAL_POINT, REVIEWER, SECRETARIAT),
    "reviewer comment": (FOCAL_POINT, REVIEWER),
    "clarification question": (FOCAL_POINT, REVIEWER),
    "clarification answer": (FOCAL_POINT, REVIEWER),
    "observations": (REVIEWER, SECRETARIAT),
    "finding": (REVIEWER,),
    "challenge": (REVIEWER,),
    "recommendation": (REVIEWER,),
    "assistance": (REVIEWER,),
}


def test_every_page_shows_hostile_text_escaped_and_never_runs_it(
    app: Flask, hostile_world: HostileWorld
) -> None:
    pages = dict(hostile_world.pages)
    for email in (SECRETARIAT, FOCAL_POINT, REVIEWER):
        pages.update(_walk(app, email, hostile_world))
    anonymous = client_for(app, None)
    for token in hostile_world.invitation_tokens:
        pages[f"invitation {token}"] = anonymous.get(f"/invitation/{token}").get_data(as_text=True)
    for where, page in pages.items():
        assert_safe(page, where)

    missing = [
        (field, email)
        for field, people in FIELDS_AND_WHO_SEES_THEM.items()
        for email in people
        if not any(shown(page, field) for where, page in pages.items() if where.startswith(email))
    ]
    assert missing == []
    for label in ("conflict", "import preview"):
        assert "{{7*7}}" in pages[label], label
    assert shown(pages["conflict"], "conflicting answer")
    assert shown(pages["import preview"], "workbook measures")
    accounts = pages[f"{SECRETARIAT} /accounts"]
    for payload in PAYLOADS:
        assert str(escape(f"[account name] {payload}")) in accounts
    commitment_page = pages[f"{FOCAL_POINT} /assessments/{hostile_world.assessment.id}/c/{FORM}"]
    for name in FILE_NAMES:
        assert str(escape(f"{name}.pdf")) in commitment_page, name
    review_page = pages[f"{REVIEWER} /assessments/{hostile_world.assessment.id}/review/{FORM}"]
    hostile_href = 'href="https://example.org/?q=&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"'
    assert hostile_href in review_page
