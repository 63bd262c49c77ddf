"""Two application servers and two workers behave as one application (issue 13).

Every request here goes over HTTP to gunicorn; every background job runs in a Celery
worker fed by Redis; every file lies in SeaweedFS. Nothing is shared through a local disk.
"""

from __future__ import annotations

import io
import re
import signal
import threading
import time
from typing import Any

import openpyxl
import pytest
import requests

from tests.domain import offline_files
from tests.scale.cluster import FOCAL_POINT, SECRETARIAT, Cluster, wait_until

pytestmark = pytest.mark.postgres


def _workbook_cells(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}


def _start_cross_country(cluster: Cluster, instance: str, session: requests.Session) -> str:
    started = session.post(
        cluster.url(instance, "/secretariat/reports"),
        data={"csrf_token": cluster.csrf(session, instance), "lang": "en"},
        allow_redirects=False,
        timeout=30,
    )
    assert started.status_code == 302, started.text[:500]
    return started.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


def _touch_every_assessment(cluster: Cluster) -> None:
    """A change to every assessment, so the next workbook cannot come from the cache."""
    cluster.engine_query("UPDATE assessments SET revision = revision + 1 RETURNING id")


def test_a_workbook_started_on_one_server_is_followed_and_downloaded_on_the_other(
    cluster: Cluster, tmp_path: Any
) -> None:
    _touch_every_assessment(cluster)
    on_a = cluster.login("A", SECRETARIAT)
    job_id = _start_cross_country(cluster, "A", on_a)
    on_b = cluster.login("B", SECRETARIAT)
    page = f"/secretariat/reports/{job_id}"
    wait_until(
        lambda: "The workbook is ready." in on_b.get(cluster.url("B", page), timeout=10).text,
        120,
        "the workbook, followed on B",
    )
    download = on_b.get(cluster.url("B", page + "/download"), timeout=30)
    assert download.status_code == 200
    # The same workbook built in one process by the command line, into its own store.
    out = tmp_path / "cli.xlsx"
    cluster.flask(
        "export",
        "secretariat",
        "--lang",
        "en",
        "--out",
        str(out),
        "--as",
        SECRETARIAT,
        env={"STORAGE_URL": (tmp_path / "cli-store").as_uri()},
    )
    assert _workbook_cells(download.content) == _workbook_cells(out.read_bytes())
    # Someone else's job is not found, on either server.
    other = cluster.login("B", FOCAL_POINT)
    assert other.get(cluster.url("B", page), timeout=10).status_code in (403, 404)


def test_evidence_uploaded_through_one_server_downloads_through_the_other(
    cluster: Cluster,
) -> None:
    assessment, commitment = cluster.ids["assessment_id"], cluster.ids["commitment_id"]
    on_a = cluster.login("A", FOCAL_POINT)
    base = f"/assessments/{assessment}/c/{commitment}"
    content = b"%PDF-1.7 evidence that crosses servers " + str(time.time()).encode()
    added = on_a.post(
        cluster.url("A", base + "/evidence"),
        data={"csrf_token": cluster.csrf(on_a, "A", base)},
        files={"file": ("Law on evidence.pdf", content, "application/pdf")},
        allow_redirects=False,
        timeout=30,
    )
    assert added.status_code == 302
    on_b = cluster.login("B", FOCAL_POINT)
    page = on_b.get(cluster.url("B", base), timeout=10).text
    links = re.findall(rf'href="({re.escape(base)}/evidence/\d+)"', page)
    assert links, "the evidence is not listed on B"
    downloads = [on_b.get(cluster.url("B", link), timeout=10).content for link in links]
    assert content in downloads


def test_an_offline_import_previewed_on_one_server_is_applied_on_the_other(
    cluster: Cluster,
) -> None:
    assessment, commitment = cluster.ids["assessment_id"], cluster.ids["commitment_id"]
    on_a = cluster.login("A", FOCAL_POINT)
    template = on_a.get(
        cluster.url("A", f"/assessments/{assessment}/offline.xlsx?lang=en"), timeout=30
    ).content
    value = f"Imported across servers {time.time()}"
    filled = offline_files.fill(template, {f"{commitment}.examples": value})
    preview = on_a.post(
        cluster.url("A", f"/assessments/{assessment}/offline/import"),
        data={"csrf_token": cluster.csrf(on_a, "A")},
        files={"file": ("filled.xlsx", filled)},
        timeout=30,
    )
    assert preview.status_code == 200, preview.text[:500]
    token = re.search(r'name="token" value="([0-9a-f]+)"', preview.text)
    assert token
    on_b = cluster.login("B", FOCAL_POINT)
    applied = on_b.post(
        cluster.url("B", f"/assessments/{assessment}/offline/apply"),
        data={"csrf_token": cluster.csrf(on_b, "B"), "token": token.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    assert applied.status_code == 302
    stored = cluster.engine_query(
        "SELECT a.value FROM answers a JOIN assessment_items i ON i.id = a.item_id "
        "WHERE i.assessment_id = :a AND i.commitment_id = :c AND a.question_id = 'examples'",
        a=assessment,
        c=commitment,
    )
    assert [row[0] for row in stored] == [value]
    # The token is spent: applying it again, on either server, changes nothing.
    again = on_a.post(
        cluster.url("A", f"/assessments/{assessment}/offline/apply"),
        data={"csrf_token": cluster.csrf(on_a, "A"), "token": token.group(1)},
        timeout=30,
    )
    assert "applied already" in again.text


def test_a_worker_killed_while_it_builds_loses_no_job(cluster: Cluster) -> None:
    _touch_every_assessment(cluster)
    secretariat = cluster.login("A", SECRETARIAT)
    cluster.workers["w2"].stop()  # w1 alone takes the work, then dies with it
    try:
        job_ids = [_start_cross_country(cluster, "A", secretariat)]

        def running() -> bool:
            return any(cluster.job(job)["status"] == "running" for job in job_ids)

        wait_until(running, 60, "a job running on w1", step=0.01)
        cluster.workers["w1"].kill(signal.SIGKILL)
    finally:
        cluster.start_worker("w2")
    cluster.start_worker("w1")
    finished = wait_until(
        lambda: all(cluster.job(job)["status"] in ("done", "failed") for job in job_ids),
        180,
        "every job finished after the kill",
    )
    assert finished
    outcomes = [cluster.job(job) for job in job_ids]
    assert [outcome["status"] for outcome in outcomes] == ["done"], outcomes


def _measures_version(page: str) -> str:
    field = re.search(r'name="version__measures"[^>]*value="(\d*)"', page)
    return field.group(1) if field else ""


def test_every_autosave_answered_200_survives_a_restart_of_its_server(cluster: Cluster) -> None:
    assessment, commitment = cluster.ids["assessment_id"], cluster.ids["commitment_id"]
    person = cluster.login("A", FOCAL_POINT)
    base = f"/assessments/{assessment}/c/{commitment}"
    token = cluster.csrf(person, "A", base)
    version = _measures_version(person.get(cluster.url("A", base), timeout=10).text)
    answered: list[str] = []
    stop = threading.Event()

    def burst() -> None:
        nonlocal version
        number = 0
        while not stop.is_set():
            number += 1
            value = f"burst {time.time()} #{number}"
            try:
                reply = person.post(
                    cluster.url("A", base + "/autosave"),
                    data={
                        "csrf_token": token,
                        "measures": value,
                        "version__measures": version,
                        "request_id": f"burst-{time.time_ns()}",
                    },
                    timeout=5,
                )
            except requests.RequestException:
                time.sleep(0.05)
                continue
            if reply.status_code == 200:
                answered.append(value)
                version = str(reply.json()["versions"].get("measures", version))
            elif reply.status_code == 409:
                # A save whose answer was lost in the kill moved the version on: reload the
                # page, as the person would, and go on from the stored version.
                try:
                    version = _measures_version(person.get(cluster.url("A", base), timeout=5).text)
                except requests.RequestException:
                    time.sleep(0.05)

    sender = threading.Thread(target=burst)
    sender.start()
    try:
        wait_until(lambda: len(answered) >= 20, 60, "20 autosaves answered")
        cluster.web["A"].kill(signal.SIGKILL)
        cluster.start_web("A")
        before = len(answered)
        wait_until(lambda: len(answered) >= before + 20, 60, "20 more after the restart")
    finally:
        stop.set()
        sender.join(timeout=30)
    history = {
        row[0]
        for row in cluster.engine_query(
            "SELECT v.value FROM answer_versions v JOIN answers a ON a.id = v.answer_id "
            "JOIN assessment_items i ON i.id = a.item_id "
            "WHERE i.assessment_id = :a AND a.question_id = 'measures'",
            a=assessment,
        )
    }
    lost = [value for value in answered if value not in history]
    assert lost == [], f"{len(lost)} of {len(answered)} saves answered 200 are not stored"


def test_with_redis_down_pages_say_so_readyz_names_it_and_the_work_resumes(
    cluster: Cluster,
) -> None:
    _touch_every_assessment(cluster)
    secretariat = cluster.login("B", SECRETARIAT)
    cluster.redis.stop()
    try:
        ready = requests.get(cluster.url("B", "/readyz"), timeout=30)
        assert ready.status_code == 503 and ready.json()["failing"] == ["broker"]
        job_id = _start_cross_country(cluster, "B", secretariat)
        page = secretariat.get(cluster.url("B", f"/secretariat/reports/{job_id}"), timeout=30)
        assert page.status_code == 200
        assert "Waiting for a worker" in page.text
        assert cluster.job(job_id)["status"] == "queued"  # kept, not lost
    finally:
        cluster.redis.start()
    wait_until(
        lambda: cluster.job(job_id)["status"] == "done", 120, "the queued job, once Redis is back"
    )
    assert requests.get(cluster.url("B", "/readyz"), timeout=30).status_code == 200


def _saved_answers(cluster: Cluster, assessment: int) -> int:
    rows = cluster.engine_query(
        "SELECT count(*) FROM answer_versions v JOIN answers a ON a.id = v.answer_id "
        "JOIN assessment_items i ON i.id = a.item_id WHERE i.assessment_id = :a",
        a=assessment,
    )
    return int(rows[0][0])


def test_with_the_file_store_down_an_upload_says_so_and_nothing_saved_is_lost(
    cluster: Cluster,
) -> None:
    assessment, commitment = cluster.ids["assessment_id"], cluster.ids["commitment_id"]
    person = cluster.login("A", FOCAL_POINT)
    base = f"/assessments/{assessment}/c/{commitment}"
    answers_before = _saved_answers(cluster, assessment)
    cluster.s3.stop()
    try:
        ready = requests.get(cluster.url("A", "/readyz"), timeout=60)
        assert ready.status_code == 503 and ready.json()["failing"] == ["storage"]
        added = person.post(
            cluster.url("A", base + "/evidence"),
            data={"csrf_token": cluster.csrf(person, "A", base)},
            files={"file": ("law.pdf", b"%PDF-1.7 while the store is down", "application/pdf")},
            timeout=60,
        )
        assert added.status_code == 200
        assert "the file store is not answering" in added.text
        assert _saved_answers(cluster, assessment) == answers_before
    finally:
        cluster.s3.start(wait=90)
    retried = person.post(
        cluster.url("A", base + "/evidence"),
        data={"csrf_token": cluster.csrf(person, "A", base)},
        files={"file": ("law.pdf", b"%PDF-1.7 once the store is back", "application/pdf")},
        timeout=60,
    )
    assert retried.status_code == 200 and "Evidence added." in retried.text
