"""Serving under load: gunicorn on 127.0.0.1, driven by wrk, bounded in time.

Per run, three loads of the same length at the same concurrency: the reference route
(the floor), the commitment page, and autosave. Gunicorn is stopped (by its pid) when
each server is done, whatever happened.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks import wrk_scripts
from benchmarks.steps import DEMO_PASSWORD
from questionnaire.config import PROJECT_ROOT
from questionnaire.domain.vocabulary import MEASURES_QUESTION
from questionnaire.models import Answer, Assessment, AssessmentItem

HOST = "127.0.0.1"
THREADS = 2
CONNECTIONS = 32
WRK_TIMEOUT = "5s"
FOCAL_POINT = "focal.point@demo.test"
FOCAL_POINT_STATE = "CHN"
# Flask-Login's strong session protection ties the session to the client's address and
# User-Agent, so the log-in and wrk must send the same one.
USER_AGENT = "questionnaire-benchmark/1"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class LoadTestError(RuntimeError):
    """The load test could not run; the message says what failed."""


@dataclass(frozen=True)
class LoadSettings:
    duration_seconds: int = 20
    warm_up_seconds: int = 2


@dataclass(frozen=True)
class Target:
    """The demo focal point's draft and the commitments the load reads and writes."""

    assessment_id: int
    page_commitment: str
    measures_versions: dict[str, int]


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise LoadTestError(
            "wrk is not installed; install it (`apt-get install wrk`, which `make bench` does) "
            "or pass --skip-load"
        )
    return path


def find_target(sessions: sessionmaker[Session]) -> Target:
    with sessions() as session:
        assessment_id = session.scalar(
            select(Assessment.id)
            .where(Assessment.state_party_code == FOCAL_POINT_STATE)
            .order_by(Assessment.review_year.desc())
        )
        if assessment_id is None:
            raise LoadTestError(f"no assessment of {FOCAL_POINT_STATE}: create demo data first")
        commitments = list(
            session.scalars(
                select(AssessmentItem.commitment_id)
                .where(AssessmentItem.assessment_id == assessment_id)
                .order_by(AssessmentItem.position)
            )
        )
        return Target(assessment_id, commitments[0], measures_versions(session, assessment_id))


def measures_versions(session: Session, assessment_id: int) -> dict[str, int]:
    """The current version of every commitment's `measures` answer (0: none yet)."""
    items = session.execute(
        select(AssessmentItem.id, AssessmentItem.commitment_id).where(
            AssessmentItem.assessment_id == assessment_id
        )
    ).all()
    stored = dict(
        session.execute(
            select(Answer.item_id, Answer.revision).where(
                Answer.item_id.in_([item_id for item_id, _ in items]),
                Answer.question_id == MEASURES_QUESTION,
            )
        ).all()
    )
    return {commitment: stored.get(item_id, 0) for item_id, commitment in items}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    base: str
    pid: int

    def worker_peak_rss_mib(self) -> list[float]:
        """Each worker's peak resident memory so far (VmHWM), read from /proc on Linux."""
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            return []
        peaks = []
        for child in children:
            try:
                status = Path(f"/proc/{child}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return peaks


@contextmanager
def gunicorn(
    application: str, env: Mapping[str, str], ready_path: str, log: Path
) -> Iterator[Server]:
    """Serve `application` with 2 sync workers on a free local port."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:benchmarks.gunicorn_hooks",
        "--bind",
        f"{HOST}:{port}",
        application,
    ]
    with log.open("ab") as output:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://{HOST}:{port}"
    try:
        _wait_until_serving(process, base + ready_path, log)
        yield Server(base, process.pid)
    finally:
        _stop(process)


def _wait_until_serving(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadTestError(f"gunicorn stopped at start-up; see {log}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local only
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise LoadTestError(f"gunicorn did not answer {url} within 60 s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the master (it stops its workers), SIGKILL to its group if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@dataclass(frozen=True)
class LoggedIn:
    cookie: str
    csrf_token: str


def log_in(base: str, commitment_path: str) -> LoggedIn:
    """Log in as the demo focal point; the cookie and CSRF token of the commitment page."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    login_page = _read(opener, base + "/login")
    form = {"email": FOCAL_POINT, "password": DEMO_PASSWORD, "csrf_token": _token(login_page)}
    with opener.open(base + "/login", urllib.parse.urlencode(form).encode(), timeout=30) as reply:
        if urllib.parse.urlparse(reply.url).path == "/login":
            raise LoadTestError(f"log-in as {FOCAL_POINT} failed; is the demo data there?")
    page = _read(opener, base + commitment_path)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return LoggedIn(cookie, _token(page))


def _read(opener: urllib.request.OpenerDirector, url: str) -> str:
    with opener.open(url, timeout=30) as reply:
        return reply.read().decode("utf-8")


def _token(page: str) -> str:
    match = CSRF_FIELD.search(page)
    if match is None:
        raise LoadTestError("no CSRF token on the page; did the log-in work?")
    return match.group(1)


def run_wrk(
    url: str, script: str, seconds: int, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """wrk at 2 threads and 32 connections for `seconds`; the counts `done` printed."""
    wrk = require_wrk()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
        script_path = file.name
    command = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", WRK_TIMEOUT, "-s", script_path]
    for name, value in {"User-Agent": USER_AGENT, **(headers or {})}.items():
        command += ["-H", f"{name}: {value}"]
    try:
        finished = subprocess.run(
            [*command, url], capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    finally:
        os.unlink(script_path)
    if finished.returncode != 0:
        raise LoadTestError(f"wrk failed ({finished.returncode}): {finished.stderr.strip()}")
    return summarize(wrk_scripts.parse_result(finished.stdout), handled=(409,))


def summarize(raw: dict[str, Any], handled: tuple[int, ...] = ()) -> dict[str, Any]:
    """Requests per second, latencies in ms, and responses by kind."""
    statuses = {int(code): int(count) for code, count in dict(raw["statuses"]).items()}
    socket_errors = sum(
        int(raw[key]) for key in ("connect_errors", "read_errors", "write_errors", "timeouts")
    )
    ok = sum(count for code, count in statuses.items() if 200 <= code < 300)
    redirects = sum(count for code, count in statuses.items() if 300 <= code < 400)
    conflicts = sum(count for code, count in statuses.items() if code in handled)
    other = sum(statuses.values()) - ok - redirects - conflicts
    return {
        "requests": int(raw["requests"]),
        "requests_per_second": int(raw["requests"]) / (int(raw["duration_us"]) / 1e6),
        "p50_ms": int(raw["p50_us"]) / 1000,
        "p90_ms": int(raw["p90_us"]) / 1000,
        "p99_ms": int(raw["p99_us"]) / 1000,
        "max_ms": int(raw["max_us"]) / 1000,
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "ok_2xx": ok,
        "redirects_3xx": redirects,
        "conflicts_409": conflicts,
        "other_statuses": other,
        "socket_errors": socket_errors,
        # As wrk counts them: neither 2xx nor 3xx, plus socket errors and timeouts.
        "errors": other + socket_errors,
    }


def app_environment(database_url: str, work_dir: Path) -> dict[str, str]:
    return {
        "QUESTIONNAIRE_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "INSTANCE_DIR": str(work_dir / "instance"),
        "EXPORT_DIR": str(work_dir / "exports"),
        "UPLOAD_DIR": str(work_dir / "uploads"),
    }


def run_load(
    sessions: sessionmaker[Session],
    database_url: str,
    work_dir: Path,
    runs: int,
    settings: LoadSettings,
) -> list[dict[str, Any]]:
    """`runs` rounds of reference, commitment page and autosave; one dict per round."""
    require_wrk()
    target = find_target(sessions)
    env = app_environment(database_url, work_dir)
    log = work_dir / "gunicorn.log"
    rounds = []
    for _ in range(runs):
        reference_app = "benchmarks.reference_app:create_app()"
        with gunicorn(reference_app, env, "/reference", log) as server:
            url = server.base + "/reference"
            run_wrk(url, wrk_scripts.counting_script(), settings.warm_up_seconds)
            reference = run_wrk(url, wrk_scripts.counting_script(), settings.duration_seconds)
            reference_peaks = server.worker_peak_rss_mib()
        with gunicorn("wsgi:app", env, "/healthz", log) as server:
            base = server.base
            page_path = f"/assessments/{target.assessment_id}/c/{target.page_commitment}"
            session = log_in(base, page_path)
            cookie = {"Cookie": session.cookie}
            script = wrk_scripts.counting_script()
            run_wrk(base + page_path, script, settings.warm_up_seconds, cookie)
            page = run_wrk(base + page_path, script, settings.duration_seconds, cookie)
            with sessions() as db:
                versions = measures_versions(db, target.assessment_id)
            autosave = run_wrk(
                base + page_path,
                wrk_scripts.autosave_script(
                    assessment_id=target.assessment_id,
                    versions=versions,
                    token=session.csrf_token,
                    run=secrets.token_hex(6),
                    thread_count=THREADS,
                ),
                settings.duration_seconds,
                cookie,
            )
            application_peaks = server.worker_peak_rss_mib()
        rounds.append(
            {
                "reference": reference,
                "commitment_page": page,
                "autosave": autosave,
                "page_to_reference": page["requests_per_second"] / reference["requests_per_second"],
                "application_worker_peak_rss_mib": application_peaks,
                "reference_worker_peak_rss_mib": reference_peaks,
            }
        )
    return rounds
