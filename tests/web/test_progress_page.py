"""The cross-country workbook's progress page counts assessments right and never reloads
itself (issue 15, item 7).

It said "8 of 8 assessments" when 7 existed: the job's total counted the final write as
one more assessment, and chunks added their count each time they were delivered. The steps
a worker takes are called here one by one, so the page is read between them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from questionnaire.domain.scope import Scope
from questionnaire.models import Job, JobStatus, Role, User
from questionnaire.services import jobs, reports
from questionnaire.services.assessments import create_assessment
from tests.conftest import AuthActions

SECRETARIAT = "officer@secretariat.test"
STATES = ("ARG", "BRA", "CHN", "DEU", "EGY", "FRA", "JPN")  # seven assessments


@pytest.fixture()
def seven_assessments(db: Session, make_user: Any, loaded_bank: Any) -> User:
    secretariat = make_user(SECRETARIAT, Role.SECRETARIAT)
    for code in STATES:
        create_assessment(
            db,
            secretariat,
            state_party_code=code,
            review_year=2026,
            scope=Scope(sections=("prevention",)),
        )
    db.commit()
    return secretariat


def _page(client: FlaskClient, job_id: str) -> str:
    reply = client.get(f"/secretariat/reports/{job_id}", headers={"Accept-Language": "en"})
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


def _said(page: str) -> str:
    section = re.search(r'<section[^>]*id="job-status".*?</section>', page, re.S)
    assert section
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section.group(0))).strip()


def test_the_progress_page_counts_each_assessment_once_and_never_one_too_many(
    app: Flask, db: Session, seven_assessments: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reports, "CHUNK_SIZE", 3)  # parts of 3, 3 and 1 assessments
    job = jobs.create(db, seven_assessments, reports.CROSS_COUNTRY_TASK, {"language": "en"})
    db.commit()
    sessions, storage = app.extensions["database"].sessions, app.extensions["storage"]
    assert jobs.begin(sessions, job.id) is not None
    client = app.test_client()
    AuthActions(client).login(SECRETARIAT)

    assert "Working out which assessments" in _said(_page(client, job.id))
    plan = reports.plan_cross_country(sessions, storage, job.id)
    assert plan is not None and plan.chunks == 3
    assert "0 of 7 assessments" in _said(_page(client, job.id))

    reports.build_cross_country_part(sessions, storage, job.id, 0)
    assert "3 of 7 assessments" in _said(_page(client, job.id))
    # Delivered again (its worker was thought dead): the same three, counted once.
    reports.build_cross_country_part(sessions, storage, job.id, 0)
    assert "3 of 7 assessments" in _said(_page(client, job.id))

    reports.build_cross_country_part(sessions, storage, job.id, 1)
    reports.build_cross_country_part(sessions, storage, job.id, 2)
    page = _said(_page(client, job.id))
    assert "All 7 assessments are read and scored" in page
    assert not re.search(r"\b8\b", page)

    reports.assemble_cross_country(sessions, storage, job.id)
    db.expire_all()
    assert db.get(Job, job.id).status is JobStatus.DONE
    assert "The workbook is ready." in _said(_page(client, job.id))


def test_a_part_stored_by_a_worker_that_died_before_counting_it_is_counted(
    app: Flask, db: Session, seven_assessments: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = jobs.create(db, seven_assessments, reports.CROSS_COUNTRY_TASK, {"language": "en"})
    db.commit()
    sessions, storage = app.extensions["database"].sessions, app.extensions["storage"]
    jobs.begin(sessions, job.id)
    reports.plan_cross_country(sessions, storage, job.id)

    def worker_dies(*_args: object) -> None:
        raise SystemExit("worker killed after storing its part")

    with monkeypatch.context() as patched:
        patched.setattr(jobs, "record_done", worker_dies)
        with pytest.raises(SystemExit):
            reports.build_cross_country_part(sessions, storage, job.id, 0)
    reports.build_cross_country_part(sessions, storage, job.id, 0)  # delivered again
    client = app.test_client()
    AuthActions(client).login(SECRETARIAT)
    assert "All 7 assessments are read and scored" in _said(_page(client, job.id))


def test_the_progress_page_never_refreshes_itself_and_offers_a_refresh_link(
    app: Flask, db: Session, seven_assessments: User
) -> None:
    """axe counts <meta http-equiv="refresh"> as a critical fault, inside <noscript> too."""
    job = jobs.create(db, seven_assessments, reports.CROSS_COUNTRY_TASK, {"language": "en"})
    db.commit()
    client = app.test_client()
    AuthActions(client).login(SECRETARIAT)
    page = _page(client, job.id)
    assert "http-equiv" not in page.lower()
    noscript = re.search(r"<noscript>(.*?)</noscript>", page, re.S)
    assert noscript, "without JavaScript, nothing tells the person how to see the progress"
    assert f'href="/secretariat/reports/{job.id}"' in noscript.group(1)
    assert "Refresh" in noscript.group(1)
    assert db.scalar(select(Job.status).where(Job.id == job.id)) is JobStatus.QUEUED
