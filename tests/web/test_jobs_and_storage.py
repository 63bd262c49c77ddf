"""Background jobs, the object store, import uploads and what the store keeps (issue 13).

The task queue runs eagerly here (in the calling process); the real workers, Redis and
SeaweedFS are exercised in tests/scale.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from questionnaire import create_app
from questionnaire.config import ConfigError
from questionnaire.models import (
    Evidence,
    Job,
    JobStatus,
    Role,
    User,
    utc_now,
)
from questionnaire.services import jobs, retention
from questionnaire.storage import MissingObject, Storage, StorageError
from tests.conftest import AuthActions, csrf_token
from tests.web.questionnaire_helpers import open_assessment, page_url

SECRETARIAT = "officer@secretariat.test"
FOCAL_POINT = "fp@china.test"


def _client_for(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(email)
    return client


@pytest.fixture()
def world(app: Flask, db: Session, make_user: Any, loaded_bank: Any) -> dict[str, Any]:
    assessment = open_assessment(db, make_user)
    make_user(FOCAL_POINT, Role.FOCAL_POINT, "CHN")
    make_user("fp@kenya.test", Role.FOCAL_POINT, "KEN")
    return {"assessment": assessment, "commitment": assessment.items[0].commitment_id}


# The store.


def test_the_store_keeps_bytes_by_key_and_refuses_keys_that_leave_it(tmp_path: Any) -> None:
    storage = Storage((tmp_path / "store").as_uri())
    storage.put("reports/a.xlsx", b"first")
    storage.put("reports/a.xlsx", b"second")  # replaced whole
    storage.put("evidence/b.pdf", b"%PDF")
    assert storage.get("reports/a.xlsx") == b"second"
    assert [(o.key, o.size) for o in storage.list("reports/")] == [("reports/a.xlsx", 6)]
    storage.delete("reports/a.xlsx")
    storage.delete("reports/a.xlsx")  # gone already: no error
    assert not storage.exists("reports/a.xlsx")
    with pytest.raises(MissingObject):
        storage.get("reports/a.xlsx")
    for escaping in ("../outside", "/etc/passwd", "evidence/../../x", ""):
        with pytest.raises(MissingObject):
            storage.get(escaping)
    assert not list(tmp_path.glob("**/*.partial"))


def test_a_bad_storage_url_stops_the_start_with_one_sentence(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="STORAGE_URL"):
        create_app(_settings(tmp_path, STORAGE_URL="ftp://files.example/x"))


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("QUEUE_EAGER", "sometimes"),
        ("QUEUE_VISIBILITY_TIMEOUT", "0"),
        ("QUEUE_RESEND_SECONDS", "soon"),
        ("IMPORT_STASH_HOURS", "-1"),
        ("REPORT_CACHE_MB", "lots"),
        ("BROKER_URL", "localhost:6379"),
        ("STORAGE_URL", "relative/folder"),
    ],
)
def test_a_bad_queue_or_storage_setting_stops_the_start_naming_it(
    tmp_path: Any, setting: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=setting):
        create_app(_settings(tmp_path, **{setting: value}))


def test_an_unreachable_store_at_start_names_the_setting(tmp_path: Any) -> None:
    settings = _settings(
        tmp_path, STORAGE_URL="s3://bucket/prefix", STORAGE_ENDPOINT_URL="http://127.0.0.1:9"
    )
    with pytest.raises(ConfigError, match="STORAGE_URL=s3://bucket/prefix"):
        create_app(settings)


def test_an_unreachable_broker_at_start_names_the_setting(tmp_path: Any) -> None:
    settings = _settings(tmp_path, REDIS_URL="redis://127.0.0.1:9/0", QUEUE_EAGER="false")
    with pytest.raises(ConfigError, match=r"task broker at BROKER_URL=redis://127\.0\.0\.1:9/0"):
        create_app(settings)


def _settings(tmp_path: Any, **extra: str) -> dict[str, str]:
    return {
        "QUESTIONNAIRE_ENV": "testing",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "SECRET_KEY": "test",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        **extra,
    }


# Jobs.


def test_a_job_is_seen_only_by_its_owner(app: Flask, db: Session, world: dict[str, Any]) -> None:
    secretariat = db.scalar(select(User).where(User.role == Role.SECRETARIAT))
    job = jobs.create(db, secretariat, "reports.cross_country", {"language": "en"})
    db.commit()
    owner = _client_for(app, SECRETARIAT)
    assert owner.get(f"/secretariat/reports/{job.id}").status_code == 200
    focal_point = _client_for(app, FOCAL_POINT)
    assert focal_point.get(f"/secretariat/reports/{job.id}").status_code in (403, 404)
    assert owner.get("/secretariat/reports/nosuchjob000").status_code == 404


def test_a_job_whose_worker_keeps_dying_ends_failed_with_a_reason(
    app: Flask, db: Session, world: dict[str, Any]
) -> None:
    secretariat = db.scalar(select(User).where(User.role == Role.SECRETARIAT))
    job = jobs.create(db, secretariat, "reports.cross_country", {"language": "en"})
    db.commit()
    sessions = app.extensions["database"].sessions
    for _ in range(jobs.MAX_ATTEMPTS):  # each start counts; the worker "dies" each time
        assert jobs.begin(sessions, job.id) is not None
    assert jobs.begin(sessions, job.id) is None
    db.expire_all()
    failed = db.get(Job, job.id)
    assert failed.status is JobStatus.FAILED and "interrupted" in failed.error
    page = _client_for(app, SECRETARIAT).get(
        f"/secretariat/reports/{job.id}", headers={"Accept-Language": "en"}
    )
    assert "could not be built" in page.get_data(as_text=True)
    assert "interrupted too many times" in page.get_data(as_text=True)


def test_with_the_broker_down_the_request_is_kept_and_sent_once_it_is_back(
    app: Flask, db: Session, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from celery import current_app as celery

    task = celery.tasks["reports.cross_country"]

    def broker_down(*_args: Any, **_kwargs: Any) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(task, "apply_async", broker_down)
    secretariat = _client_for(app, SECRETARIAT)
    started = secretariat.post(
        "/secretariat/reports", data={"csrf_token": csrf_token(secretariat, "/"), "lang": "en"}
    )
    assert started.status_code == 302
    page = secretariat.get(started.headers["Location"], headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Waiting for a worker" in page and "your request is kept" in page
    job_id = started.headers["Location"].rsplit("/", 1)[-1]
    monkeypatch.undo()
    sessions = app.extensions["database"].sessions
    later = utc_now() + dt.timedelta(minutes=5)
    assert jobs.resend_waiting(sessions, later, after=60, visibility=900) == 1
    db.expire_all()
    assert db.get(Job, job_id).status is JobStatus.DONE
    download = secretariat.get(started.headers["Location"] + "/download")
    assert download.status_code == 200 and download.data[:2] == b"PK"


def test_a_workbook_removed_from_the_cache_says_to_build_it_again(
    app: Flask, db: Session, world: dict[str, Any]
) -> None:
    secretariat = _client_for(app, SECRETARIAT)
    started = secretariat.post(
        "/secretariat/reports", data={"csrf_token": csrf_token(secretariat, "/"), "lang": "en"}
    )
    job = db.get(Job, started.headers["Location"].rsplit("/", 1)[-1])
    app.extensions["storage"].delete(job.result_key)
    gone = secretariat.get(
        started.headers["Location"] + "/download", headers={"Accept-Language": "en"}
    )
    assert gone.status_code == 410
    assert "build it again" in gone.get_data(as_text=True)


# Evidence files in the store.


def test_a_store_failure_during_an_upload_keeps_everything_as_it_was(
    app: Flask, db: Session, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = app.extensions["storage"]

    def failing_put(_key: str, _data: bytes) -> None:
        raise StorageError("the file store at STORAGE_URL=s3://x could not store a file")

    monkeypatch.setattr(storage, "put", failing_put)
    focal_point = _client_for(app, FOCAL_POINT)
    url = page_url(world["assessment"], world["commitment"])
    reply = focal_point.post(
        url + "/evidence",
        data={"csrf_token": csrf_token(focal_point, url), "file": (io.BytesIO(b"%PDF-1"), "a.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
        headers={"Accept-Language": "en"},
    )
    assert "the file store is not answering" in reply.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Evidence)) == 0


# What the store keeps.


def test_the_collector_removes_orphans_and_old_or_excess_reports_but_nothing_in_use(
    app: Flask, db: Session, world: dict[str, Any]
) -> None:
    storage = app.extensions["storage"]
    storage.put("evidence/orphan.pdf", b"%PDF orphan")
    storage.put("evidence/kept.pdf", b"%PDF kept")
    db.add(
        Evidence(
            item_id=world["assessment"].items[0].id,
            kind="file",
            title="Kept",
            stored_name="kept.pdf",
            content_type="application/pdf",
            size=9,
        )
    )
    db.commit()
    for name in ("old", "middle", "new"):
        storage.put(f"reports/{name}.xlsx", b"x" * 1000)
    sessions = app.extensions["database"].sessions
    policy = retention.Policy(
        stash_lifetime=dt.timedelta(hours=24),
        report_max_age=dt.timedelta(days=30),
        report_max_bytes=1500,  # room for one report of the three
    )
    soon = utc_now() + dt.timedelta(hours=2)  # past the grace period
    dry = retention.collect_garbage(sessions, storage, policy, soon, dry_run=True)
    assert {r.key for r in dry} == {
        "evidence/orphan.pdf",
        "reports/old.xlsx",
        "reports/middle.xlsx",
    }
    assert storage.exists("evidence/orphan.pdf")  # a dry run removes nothing
    removed = retention.collect_garbage(sessions, storage, policy, soon)
    assert {r.key for r in removed} == {r.key for r in dry}
    assert [o.key for o in storage.list("evidence/")] == ["evidence/kept.pdf"]
    assert [o.key for o in storage.list("reports/")] == ["reports/new.xlsx"]
    # Within the grace period a file no row names yet (an upload in flight) is left alone.
    storage.put("evidence/in-flight.pdf", b"%PDF")
    assert retention.collect_garbage(sessions, storage, policy, utc_now()) == []


def test_storage_gc_by_hand_prints_what_it_removes(app: Flask, runner: Any) -> None:
    app.extensions["storage"].put("probe/left-behind", b"x")
    result = runner.invoke(args=["storage", "gc", "--dry-run"])
    assert result.exit_code == 0
    assert "would remove 0 files" in result.output  # younger than the grace period
    assert app.extensions["storage"].exists("probe/left-behind")


# Readiness.


def test_readyz_names_the_part_that_fails(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"]["storage"] == "ok"

    def store_down() -> None:
        raise StorageError("down")

    monkeypatch.setattr(app.extensions["storage"], "check", store_down)
    failing = client.get("/readyz")
    assert failing.status_code == 503 and failing.json["failing"] == ["storage"]
    assert client.get("/healthz").status_code == 200  # alive, though not ready


def test_a_download_with_the_store_down_says_so_instead_of_failing(
    app: Flask, db: Session, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = app.extensions["storage"]

    def store_down(_key: str) -> bytes:
        raise StorageError("the file store at STORAGE_URL=s3://x could not read a file")

    monkeypatch.setattr(storage, "get", store_down)
    secretariat = _client_for(app, SECRETARIAT)
    reply = secretariat.get(
        f"/assessments/{world['assessment'].id}/report.xlsx?lang=en",
        headers={"Accept-Language": "en"},
    )
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "30"
    assert "The file store is not answering. Nothing you saved is lost" in reply.get_data(
        as_text=True
    )
