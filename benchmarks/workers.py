"""The task queue measured as it runs in production: Redis, Celery workers in processes of
their own, the object store, and the application asking for work.

- The cross-country workbook with one worker and with two, runs alternated so the
  machine's drift falls on both alike; each run starts from an empty report cache.
- A country report's readiness after a review is completed: the seconds from the
  status change until both languages are in the cache, so the first download is a hit.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import update

from questionnaire.config import PROJECT_ROOT

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001, S110 - not up yet
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{what}: not after {seconds} s")


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 - our own commands
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def _redis(work_dir: Path) -> Iterator[str]:
    executable = shutil.which("redis-server")
    if executable is None:
        raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server)")
    port = _free_port()
    process = _start(
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        dict(os.environ),
        work_dir / "redis.log",
    )
    try:
        _wait(lambda: _ping(port), 20, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)


def _ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
        connection.sendall(b"PING\r\n")
        return connection.recv(16).startswith(b"+PONG")


@contextmanager
def _workers(count: int, env: dict[str, str], work_dir: Path) -> Iterator[None]:
    processes = []
    logs = []
    for number in range(count):
        instance = work_dir / f"worker-{number}"
        instance.mkdir(exist_ok=True)
        log = work_dir / f"worker-{number}.log"
        log.write_text("")
        logs.append(log)
        command = [str(BIN / "celery"), "-A", "questionnaire.worker", "worker"]
        command += ["--concurrency", "1", "--hostname", f"bench{number}@%h"]
        command += ["--without-mingle", "--without-gossip", "--loglevel", "INFO"]
        processes.append(_start(command, {**env, "INSTANCE_DIR": str(instance)}, log))
    try:
        for log, process in zip(logs, processes, strict=True):
            try:
                _wait(lambda log=log: " ready." in log.read_text(errors="replace"), 60, "worker")
            except RuntimeError:
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(
                    f"a Celery worker did not start (exit {process.poll()}):\n{tail}"
                ) from None
        yield
    finally:
        for process in processes:
            _stop(process)


def queue_step(url: str, work_dir: Path, runs: int) -> dict[str, Any]:
    """Both measurements; returns seconds per run for one and two workers, and readiness."""
    queue_dir = work_dir / "queue"
    shutil.rmtree(queue_dir, ignore_errors=True)
    queue_dir.mkdir()
    with _redis(queue_dir) as redis_url:
        env = {
            **os.environ,
            "QUESTIONNAIRE_ENV": "development",
            "SECRET_KEY": "benchmark",
            "DATABASE_URL": url,
            "REDIS_URL": redis_url,
            "STORAGE_URL": (queue_dir / "store").as_uri(),
            "QUEUE_EAGER": "false",
            "INSTANCE_DIR": str(queue_dir / "instance"),
        }
        # The application made here reads these from the environment; they are put back
        # afterwards, or the served steps that follow would look for this step's Redis.
        saved = {k: os.environ.get(k) for k in ("REDIS_URL", "STORAGE_URL", "QUEUE_EAGER")}
        os.environ.update({k: env[k] for k in saved})
        try:
            return _measure_queue(env, queue_dir, runs)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _measure_queue(env: dict[str, str], queue_dir: Path, runs: int) -> dict[str, Any]:
    """One worker against two, alternating, then how soon country reports are ready."""
    from questionnaire import create_app

    app = create_app(
        {k: env[k] for k in ("QUESTIONNAIRE_ENV", "SECRET_KEY", "DATABASE_URL", "INSTANCE_DIR")}
    )
    one: list[float] = []
    two: list[float] = []
    with app.app_context():
        for run in range(runs):
            # Alternate which goes first, so a drift of the machine hits both alike.
            order = (1, 2) if run % 2 == 0 else (2, 1)
            for count in order:
                with _workers(count, env, queue_dir):
                    _cross_country(app)  # warm: banks built, connections made
                    seconds = _cross_country(app)
                (one if count == 1 else two).append(seconds)
        with _workers(1, env, queue_dir):
            ready = [_report_readiness(app) for _ in range(runs)]
    app.extensions["database"].engine.dispose()
    return {
        "one_worker_seconds": one,
        "two_worker_seconds": two,
        "report_ready_seconds": ready,
    }


def _touch_every_assessment(app: Any) -> None:
    from questionnaire.models import Assessment

    with app.extensions["database"].sessions() as session:
        session.execute(update(Assessment).values(revision=Assessment.revision + 1))
        session.commit()


def _cross_country(app: Any) -> float:
    """Seconds from the request to the workbook in the store, with an empty cache."""
    from questionnaire.models import Job, JobStatus, Role, User
    from questionnaire.services import reports

    _touch_every_assessment(app)
    sessions = app.extensions["database"].sessions
    with sessions() as session:
        secretariat = session.query(User).filter_by(role=Role.SECRETARIAT).first()
        started = time.perf_counter()
        job_id = reports.start_cross_country(session, secretariat, "en").id

    def finished() -> bool:
        with sessions() as session:
            job = session.get(Job, job_id)
            if job.status is JobStatus.FAILED:
                raise RuntimeError(f"the workbook job failed: {job.error}")
            return job.status is JobStatus.DONE

    _wait(finished, 300, "cross-country workbook")
    return time.perf_counter() - started


def _report_readiness(app: Any) -> float:
    """Seconds from completing a review until both country reports are in the cache."""
    from questionnaire.domain.assessment import WorkflowStatus
    from questionnaire.models import Assessment, Role, User
    from questionnaire.services import reports

    storage = app.extensions["storage"]
    sessions = app.extensions["database"].sessions
    with sessions() as session:
        secretariat = session.query(User).filter_by(role=Role.SECRETARIAT).first()
        assessment = (
            session.query(Assessment).filter_by(status=WorkflowStatus.REVIEW_COMPLETED).first()
            or session.query(Assessment).first()
        )
        started = time.perf_counter()
        # What completing the review does: the status changes, the revision rises, and the
        # reports of both languages are queued.
        assessment.status = WorkflowStatus.REVIEW_COMPLETED
        assessment.revision += 1
        session.commit()
        reports.prebuild_country_reports(session, secretariat, assessment)
        keys = [reports.country_cache_key(assessment, language) for language in reports.LANGUAGES]
    _wait(lambda: all(storage.exists(key) for key in keys), 60, "country reports in the cache")
    return time.perf_counter() - started
