"""Every route, for every kind of person: only what the policy allows.

The test walks the application's URL map, so a new route is covered the day it is added,
and fails if that route declares no access policy. Out-of-scope objects answer 404, and
a refused call changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import FindingKind, WorkflowStatus
from questionnaire.models import (
    AuditEvent,
    Clarification,
    Evidence,
    FindingRecord,
    ReviewerAssignment,
    Role,
    User,
)
from questionnaire.web.policy import PUBLIC
from tests.conftest import AuthActions, csrf_token, finished_workbook_job
from tests.web.questionnaire_helpers import open_assessment

PEOPLE = {
    "anonymous": None,
    "secretariat": "officer@secretariat.test",
    "focal_point": "fp@china.test",
    "contributor": "contributor@china.test",
    "other_state": "fp@kenya.test",
    "assigned_reviewer": "expert@japan.test",
    "unassigned_reviewer": "expert@germany.test",
}
ROLE_OF = {
    "secretariat": "secretariat",
    "focal_point": "focal_point",
    "contributor": "contributor",
    "other_state": "focal_point",
    "assigned_reviewer": "reviewer",
    "unassigned_reviewer": "reviewer",
}
OUT_OF_SCOPE = {"other_state", "unassigned_reviewer"}
# Routes whose URL does not name an assessment but an object only the secretariat manages.
SECRETARIAT_OBJECTS = {"user_id", "invitation_id"}


@dataclass
class World:
    values: dict[str, Any]


@pytest.fixture()
def world(app: Flask, db: Session, make_user: Any, loaded_bank: Any) -> World:
    assessment = open_assessment(db, make_user)
    make_user(PEOPLE["focal_point"], Role.FOCAL_POINT, "CHN")
    make_user(PEOPLE["contributor"], Role.CONTRIBUTOR, "CHN")
    make_user(PEOPLE["other_state"], Role.FOCAL_POINT, "KEN")
    reviewer = make_user(PEOPLE["assigned_reviewer"], Role.REVIEWER, "JPN")
    make_user(PEOPLE["unassigned_reviewer"], Role.REVIEWER, "DEU")
    db.add(
        ReviewerAssignment(
            assessment_id=assessment.id, reviewer_id=reviewer.id, same_regional_group=True
        )
    )
    item = assessment.items[0]
    storage = app.extensions["storage"]
    storage.put("evidence/0123456789abcdef.pdf", b"%PDF-1.7 canary")
    evidence = Evidence(
        item_id=item.id,
        kind="file",
        title="Law.pdf",
        stored_name="0123456789abcdef.pdf",
        content_type="application/pdf",
        size=15,
    )
    finding = FindingRecord(item_id=item.id, kind=FindingKind.GOOD_PRACTICE, text="Training")
    clarification = Clarification(item_id=item.id, question="Which ministry?")
    db.add_all([evidence, finding, clarification])
    assessment.status = WorkflowStatus.DRAFT
    db.commit()
    secretariat = db.scalar(select(User).where(User.role == Role.SECRETARIAT))
    finished_workbook_job(db, app, secretariat, "job0123456789", b"PK canary", "cross-country.xlsx")
    return World(
        {
            "assessment_id": assessment.id,
            "commitment_id": item.commitment_id,
            "evidence_id": evidence.id,
            "finding_id": finding.id,
            "clarification_id": clarification.id,
            "reviewer_id": reviewer.id,
            "user_id": reviewer.id,
            "token": "no-such-invitation-token",
            "filename": "app.css",
            "job_id": "job0123456789",
        }
    )


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule.rule))
    # Log-out ends the session the rest of the walk runs in: take it last.
    return sorted(routes, key=lambda route: route[0] == "auth.logout")


def test_every_route_declares_an_access_policy(app: Flask) -> None:
    missing = [
        endpoint
        for endpoint, _method, _rule in _routes(app)
        if not hasattr(app.view_functions[endpoint], "access_policy")
    ]
    assert missing == [], f"declare @allow(...) or @public on: {missing}"


def _url(rule: str, values: dict[str, Any]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[-1]
        assert name in values, f"the access test needs a value for <{name}> in {rule}"
        return str(values[name])

    return re.sub(r"<([^>]+)>", fill, rule)


def _client(app: Flask, person: str) -> FlaskClient:
    client = app.test_client()
    if PEOPLE[person]:
        response = AuthActions(client).login(PEOPLE[person])
        assert response.status_code == 302, person
    return client


def _expected(policy: tuple[str, ...], person: str, rule: str) -> str:
    if PUBLIC in policy:
        return "any"
    if person == "anonymous":
        return "login"
    if ROLE_OF[person] not in policy:
        return "not_found"
    scoped = "<int:assessment_id>" in rule
    if scoped and person in OUT_OF_SCOPE:
        return "not_found"
    return "allowed"


def _changes(db: Session) -> int:
    """Audit events other than exports: a download is logged, but changes nothing."""
    db.expire_all()
    return (
        db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(~AuditEvent.action.startswith("export."))
        )
        or 0
    )


@pytest.mark.parametrize("person", list(PEOPLE))
def test_every_route_for_every_person(app: Flask, db: Session, world: World, person: str) -> None:
    client = _client(app, person)
    token = csrf_token(client, "/" if PEOPLE[person] else "/login")
    failures = []
    for endpoint, method, rule in _routes(app):
        policy = app.view_functions[endpoint].access_policy
        url = _url(rule, world.values)
        expected = _expected(policy, person, rule)
        before = _changes(db)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        status = response.status_code
        response.close()
        location = response.headers.get("Location", "")
        if status >= 500:
            failures.append(f"{method} {url}: {status}")
        elif expected == "login" and not (status == 302 and "/login" in location):
            failures.append(f"{method} {url}: expected a log-in redirect, got {status}")
        elif expected == "not_found":
            if status != 404:
                failures.append(f"{method} {url}: expected 404, got {status}")
            if _changes(db) != before:
                failures.append(f"{method} {url}: a refused call changed something")
        elif expected == "allowed" and status == 404 and method == "GET":
            failures.append(f"{method} {url}: expected access, got 404")
    assert failures == []


def test_no_get_request_changes_anything(app: Flask, db: Session, world: World) -> None:
    for person in ("secretariat", "focal_point", "assigned_reviewer"):
        client = _client(app, person)
        before = _changes(db)
        for _endpoint, method, rule in _routes(app):
            if method == "GET":
                client.get(_url(rule, world.values)).close()
        assert _changes(db) == before, person


def test_post_without_csrf_token_is_refused_and_changes_nothing(
    app: Flask, db: Session, world: World
) -> None:
    for person in ("secretariat", "focal_point", "assigned_reviewer"):
        client = _client(app, person)
        before = _changes(db)
        for _endpoint, method, rule in _routes(app):
            if method == "POST":
                response = client.post(
                    _url(rule, world.values), data={"body": "x", "url": "https://a.b"}
                )
                assert response.status_code in (400, 404), (person, rule, response.status_code)
        assert _changes(db) == before, person
        assert db.scalar(select(func.count()).select_from(User)) == len(PEOPLE) - 1
