"""Offline-import uploads expire, apply once and are removed (issue 14, item 3).

Before, an uploaded workbook stayed on the server's disk for ever and its token never
expired: ten previews of a 4.9 MB file added 49 MiB, and an applied token applied again.
Now the upload lies in storage with its owner and expiry in the database, and its token is
spent in the same transaction as the import.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire.models import Answer, AnswerChange, ImportStash, Role, utc_now
from questionnaire.services import retention
from tests.conftest import csrf_token
from tests.domain import offline_files
from tests.security.helpers import client_for
from tests.web.questionnaire_helpers import open_assessment

FOCAL_POINT = "fp@china.test"


@pytest.fixture()
def world(app: Flask, db: Session, make_user: Any, loaded_bank: Any) -> dict[str, Any]:
    assessment = open_assessment(db, make_user)
    make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    return {"assessment": assessment, "commitment": assessment.items[0].commitment_id}


def _preview(app: Flask, world: dict[str, Any], value: str) -> tuple[FlaskClient, str]:
    focal_point = client_for(app, FOCAL_POINT)
    assessment = world["assessment"]
    template = focal_point.get(f"/assessments/{assessment.id}/offline.xlsx?lang=en").data
    filled = offline_files.fill(template, {f"{world['commitment']}.examples": value})
    preview = focal_point.post(
        f"/assessments/{assessment.id}/offline/import",
        data={"csrf_token": csrf_token(focal_point, "/"), "file": (io.BytesIO(filled), "f.xlsx")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    token = re.search(r'name="token" value="([0-9a-f]+)"', preview.get_data(as_text=True))
    assert token
    return focal_point, token.group(1)


def _apply(client: FlaskClient, world: dict[str, Any], token: str) -> str:
    applied = client.post(
        f"/assessments/{world['assessment'].id}/offline/apply",
        data={"csrf_token": csrf_token(client, "/"), "token": token},
        follow_redirects=True,
        headers={"Accept-Language": "en"},
    )
    return applied.get_data(as_text=True)


def _history(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(AnswerChange)) or 0


def test_an_import_upload_applies_once_and_its_file_is_removed(
    app: Flask, db: Session, world: dict[str, Any]
) -> None:
    focal_point, token = _preview(app, world, "Twelve cases in 2025")
    storage = app.extensions["storage"]
    assert len(list(storage.list("imports/"))) == 1
    _apply(focal_point, world, token)
    assert db.scalar(select(Answer.value).where(Answer.question_id == "examples")) == (
        "Twelve cases in 2025"
    )
    saved = _history(db)
    again = _apply(focal_point, world, token)
    assert "applied already" in again
    assert _history(db) == saved
    assert list(storage.list("imports/")) == []


def test_an_expired_import_upload_says_so_and_the_collector_removes_it(
    app: Flask, db: Session, world: dict[str, Any]
) -> None:
    focal_point, token = _preview(app, world, "Too late")
    stash = db.get(ImportStash, token)
    stash.expires_at = utc_now() - dt.timedelta(minutes=1)
    db.commit()
    page = _apply(focal_point, world, token)
    assert "This upload expired at" in page and "upload the workbook again" in page
    assert db.scalar(select(Answer.value).where(Answer.question_id == "examples")) is None
    storage = app.extensions["storage"]
    removed = retention.collect_garbage(
        app.extensions["database"].sessions,
        storage,
        retention.Policy.from_config(app.config),
        utc_now(),
    )
    assert [(r.key, r.reason) for r in removed] == [(stash.storage_key, "import upload expired")]
    assert list(storage.list("imports/")) == []


def test_someone_elses_import_upload_is_not_known(
    app: Flask, db: Session, world: dict[str, Any], make_user: Any
) -> None:
    _focal_point, token = _preview(app, world, "Not yours")
    make_user("contributor@china.test", Role.CONTRIBUTOR, "CHN")
    colleague = client_for(app, "contributor@china.test")
    assert "This upload is not known" in _apply(colleague, world, token)
    assert db.scalar(select(Answer.value).where(Answer.question_id == "examples")) is None
