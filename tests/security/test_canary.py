"""No country's data reaches another country's people, on any page or in any workbook.

A unique canary is seeded in each of two countries' answers, evidence titles and links,
uploaded file names, comments, clarifications, findings and observations. Each person then
walks every GET route of the URL map with the real ids of both countries' objects, fetches
the JSON the autosave answers, and opens every workbook they receive: the canaries they
are not entitled to never appear, decoded or not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from questionnaire.domain.assessment import FindingKind, FrameworkRating, WorkflowStatus
from questionnaire.models import (
    Assessment,
    Clarification,
    Evidence,
    FindingRecord,
    ItemReview,
    ReviewerAssignment,
    Role,
    User,
    utc_now,
)
from questionnaire.services import answers, evidence, reviews
from questionnaire.services.reports import build_cross_country
from tests.conftest import csrf_token, finished_workbook_job
from tests.security.helpers import client_for, crawl_urls, open_small_assessment, response_texts

CANARY = {"CHN": "CANARY-CHN-5d1f0e8a", "KEN": "CANARY-KEN-9b27c4e3"}
SECRETARIAT = "officer@secretariat.test"
FOCAL_POINT = {"CHN": "fp@china.test", "KEN": "fp@kenya.test"}
KENYA_REVIEWER = "expert@japan.test"
UNASSIGNED_REVIEWER = "expert@germany.test"


@dataclass
class TwoCountries:
    candidates: dict[str, list[Any]]
    assessment_ids: dict[str, int]
    commitment_id: str


def _seed(app: Flask, db: Session, assessment: Assessment, focal_point: User) -> dict[str, int]:
    """Every kind of text a country writes, each carrying the country's canary."""
    canary = CANARY[assessment.state_party_code]
    item = assessment.items[0]
    answers.save_answers(
        db,
        focal_point,
        assessment,
        item,
        {
            "status": "in_part",
            "measures": f"{canary} measures",
            "examples": f"{canary} examples",
            "steps_needed": f"{canary} steps",
        },
        {},
    )
    link = evidence.add_link(
        db, focal_point, assessment, item, url=f"https://example.org/{canary}", title=canary
    )
    upload = evidence.add_file(
        db,
        focal_point,
        assessment,
        item,
        filename=f"{canary} law.pdf",
        content=b"%PDF-1.7 " + canary.encode(),
        storage=app.extensions["storage"],
        max_bytes=app.config["MAX_UPLOAD_BYTES"],
    )
    reviews.add_comment(db, focal_point, assessment, item, f"{canary} comment")
    clarification = Clarification(
        item_id=item.id,
        question=f"{canary} question",
        answer=f"{canary} answer",
        answered_at=utc_now(),
    )
    finding = FindingRecord(
        item_id=item.id,
        kind=FindingKind.CHALLENGE,
        text=f"{canary} finding",
        recommendation=f"{canary} recommendation",
        recommendation_id=f"{assessment.state_party_code}-2026-P12-R1",
    )
    review = ItemReview(
        item_id=item.id, framework=FrameworkRating.PARTIALLY, observations=f"{canary} observations"
    )
    db.add_all([clarification, finding, review])
    # Finalized, so the country's own people may download its gap report too.
    assessment.status = WorkflowStatus.FINALIZED
    db.commit()
    return {
        "evidence_id": link.id,
        "file_id": upload.id,
        "finding_id": finding.id,
        "clarification_id": clarification.id,
    }


@pytest.fixture()
def two_countries(app: Flask, db: Session, make_user: Any, loaded_bank: Any) -> TwoCountries:
    secretariat = make_user(SECRETARIAT, Role.SECRETARIAT)
    reviewer = make_user(KENYA_REVIEWER, Role.REVIEWER, "JPN")
    make_user(UNASSIGNED_REVIEWER, Role.REVIEWER, "DEU")
    seeded: dict[str, dict[str, int]] = {}
    assessment_ids: dict[str, int] = {}
    for state in ("CHN", "KEN"):
        focal_point = make_user(FOCAL_POINT[state], Role.FOCAL_POINT, state)
        assessment = open_small_assessment(db, state)
        seeded[state] = _seed(app, db, assessment, focal_point)
        assessment_ids[state] = assessment.id
    db.add(
        ReviewerAssignment(
            assessment_id=assessment_ids["KEN"], reviewer_id=reviewer.id, same_regional_group=False
        )
    )
    db.commit()
    storage = app.extensions["storage"]
    built = build_cross_country(db, secretariat, "en", storage)
    finished_workbook_job(db, app, secretariat, "job5ecc0a11", built.data, "x.xlsx")
    users = [user.id for user in db.query(User)]
    candidates: dict[str, list[Any]] = {
        "assessment_id": sorted(assessment_ids.values()),
        "commitment_id": ["pd2021.p12"],
        "evidence_id": [s[key] for s in seeded.values() for key in ("evidence_id", "file_id")],
        "finding_id": [s["finding_id"] for s in seeded.values()],
        "clarification_id": [s["clarification_id"] for s in seeded.values()],
        "reviewer_id": users,
        "user_id": users,
        "token": ["no-such-invitation-token"],
        "filename": ["app.css"],
        "job_id": ["job5ecc0a11"],
    }
    return TwoCountries(candidates, assessment_ids, "pd2021.p12")


def _everything_received(client: FlaskClient, app: Flask, world: TwoCountries) -> list[str]:
    """The text of every page, download and JSON answer this person can fetch."""
    received: list[str] = []
    for url in crawl_urls(app, world.candidates):
        with client.get(url) as response:
            assert response.status_code < 500, url
            received.extend(response_texts(response.data, response.headers))
    token = csrf_token(client, "/")
    for assessment_id in world.assessment_ids.values():
        url = f"/assessments/{assessment_id}/c/{world.commitment_id}/autosave"
        with client.post(url, data={"csrf_token": token}) as response:
            assert response.status_code < 500, url
            received.extend(response_texts(response.data, response.headers))
    return received


@pytest.mark.parametrize(
    ("person", "own", "forbidden"),
    [
        (FOCAL_POINT["KEN"], "KEN", ("CHN",)),
        (FOCAL_POINT["CHN"], "CHN", ("KEN",)),
        (KENYA_REVIEWER, "KEN", ("CHN",)),
        (UNASSIGNED_REVIEWER, None, ("CHN", "KEN")),
    ],
    ids=["kenya-focal-point", "china-focal-point", "kenya-reviewer", "unassigned-reviewer"],
)
def test_another_countrys_canary_never_reaches_a_person(
    app: Flask, two_countries: TwoCountries, person: str, own: str | None, forbidden: tuple[str]
) -> None:
    received = _everything_received(client_for(app, person), app, two_countries)
    leaks = [
        (state, text[max(0, text.find(CANARY[state]) - 80) :][:200])
        for state in forbidden
        for text in received
        if CANARY[state] in text
    ]
    assert leaks == []
    if own is not None:  # the walk does reach the data: the person's own canary is there
        assert any(CANARY[own] in text for text in received)


def test_the_secretariat_sees_every_seeded_text_and_alone_gets_the_cross_country_workbook(
    app: Flask, db: Session, two_countries: TwoCountries
) -> None:
    """The canaries sit in every field the walk must protect, not just in one."""
    db.expire_all()
    titles = [row.title for row in db.query(Evidence)]
    assert any(title.startswith(CANARY["KEN"]) and title.endswith(".pdf") for title in titles)
    received = _everything_received(client_for(app, SECRETARIAT), app, two_countries)
    for field in ("measures", "comment", "question", "answer", "finding", "observations"):
        for canary in CANARY.values():
            assert any(f"{canary} {field}" in text for text in received), (canary, field)
    download = "/secretariat/reports/job5ecc0a11/download"
    with client_for(app, SECRETARIAT).get(download) as response:
        assert response.status_code == 200 and response.data.startswith(b"PK")
    for person in (FOCAL_POINT["KEN"], KENYA_REVIEWER, UNASSIGNED_REVIEWER):
        with client_for(app, person).get(download) as response:
            assert response.status_code == 404, person
