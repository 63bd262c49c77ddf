"""A small deployment on this machine: PostgreSQL, Redis, SeaweedFS (S3), two application
servers (gunicorn, each with its own instance folder and no shared local disk), two task
workers and the scheduler, each a real process that a test may stop, kill or restart.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "demo-password-2021"
SECRETARIAT = "secretariat@demo.test"
FOCAL_POINT = "fp.isl@scale.test"  # Iceland: a state the demo leaves alone, so tests own it


def free_port(span: int = 0) -> int:
    """A port free on loopback (and, with `span`, also `port + span`, as SeaweedFS's gRPC
    ports are its HTTP ports plus 10000)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + span > 65535:
            continue
        if span and not _is_free(port + span):
            continue
        return port
    raise RuntimeError("no free port pair")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until(check: Callable[[], Any], seconds: float, what: str, step: float = 0.1) -> Any:
    deadline = time.monotonic() + seconds
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as error:  # noqa: BLE001 - whatever it is, try again until the end
            last = error
        else:
            if last:
                return last
        time.sleep(step)
    raise AssertionError(f"{what}: not after {seconds} s (last: {last!r})")


@dataclass
class Process:
    """One service process, started in its own process group so it can be killed whole."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    ready: Callable[[], Any] | None = None
    popen: subprocess.Popen[bytes] | None = None

    def start(self, wait: float = 60) -> None:
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(  # noqa: S603 - our own commands
                self.command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if self.ready is not None:
            try:
                wait_until(self._ready_or_dead, wait, f"{self.name} ready")
            except BaseException:
                self.kill()
                raise

    def _ready_or_dead(self) -> Any:
        assert self.popen is not None
        if self.popen.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise AssertionError(f"{self.name} exited with {self.popen.returncode}:\n{tail}")
        assert self.ready is not None
        return self.ready()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


def _http_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


@dataclass
class Cluster:
    root: Path
    database_url: str
    redis_port: int
    s3_port: int
    env: dict[str, str]
    redis: Process
    s3: Process
    web: dict[str, Process] = field(default_factory=dict)
    web_ports: dict[str, int] = field(default_factory=dict)
    workers: dict[str, Process] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)

    def url(self, instance: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.web_ports[instance]}{path}"

    def engine_query(self, sql: str, **params: Any) -> list[Any]:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return list(connection.execute(text(sql), params))
        finally:
            engine.dispose()

    def flask(self, *arguments: str, env: Mapping[str, str] | None = None) -> str:
        result = subprocess.run(  # noqa: S603
            [str(BIN / "flask"), "--app", "wsgi", *arguments],
            cwd=PROJECT_ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"flask {' '.join(arguments)}:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def login(self, instance: str, email: str) -> requests.Session:
        """A browser-like session logged in through `instance`."""
        session = requests.Session()
        session.headers["Accept-Language"] = "en"
        page = session.get(self.url(instance, "/login"), timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, "no CSRF token on the log-in page"
        reply = session.post(
            self.url(instance, "/login"),
            data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
            timeout=10,
            allow_redirects=False,
        )
        assert reply.status_code == 302, f"log-in of {email} on {instance}: {reply.status_code}"
        return session

    def csrf(self, session: requests.Session, instance: str, path: str = "/") -> str:
        page = session.get(self.url(instance, path), timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, f"no CSRF token on {path}"
        return token.group(1)

    def start_web(self, name: str) -> None:
        port = self.web_ports.get(name) or free_port()
        self.web_ports[name] = port
        instance = self.root / f"instance-{name}"
        instance.mkdir(exist_ok=True)
        process = Process(
            f"web {name}",
            [
                str(BIN / "gunicorn"),
                "-c",
                "python:questionnaire.gunicorn_conf",  # as `make run` and production serve
                "--bind",
                f"127.0.0.1:{port}",
                "--graceful-timeout",
                "5",
                "wsgi:app",
            ],
            {**self.env, "INSTANCE_DIR": str(instance)},
            self.root / f"web-{name}.log",
            ready=lambda: _http_ok(f"http://127.0.0.1:{port}/healthz"),
        )
        process.start()
        self.web[name] = process

    def start_worker(self, name: str) -> None:
        instance = self.root / f"instance-{name}"
        instance.mkdir(exist_ok=True)
        log = self.root / f"{name}.log"
        offset = log.stat().st_size if log.exists() else 0

        def ready() -> bool:
            return " ready." in log.read_text(errors="replace")[offset:]

        process = Process(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "questionnaire.worker",
                "worker",
                "--concurrency",
                "1",
                "--hostname",
                f"{name}@scale",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
            ],
            {**self.env, "INSTANCE_DIR": str(instance)},
            log,
            ready=ready,
        )
        process.start()
        self.workers[name] = process

    def start_scheduler(self) -> None:
        instance = self.root / "instance-beat"
        instance.mkdir(exist_ok=True)
        process = Process(
            "scheduler",
            [str(BIN / "celery"), "-A", "questionnaire.worker", "beat", "--loglevel", "INFO"],
            {**self.env, "INSTANCE_DIR": str(instance)},
            self.root / "beat.log",
        )
        process.start()
        self.workers["scheduler"] = process

    def job(self, job_id: str) -> dict[str, Any]:
        rows = self.engine_query(
            "SELECT status, attempts, error, progress_done, progress_total FROM jobs "
            "WHERE id = :id",
            id=job_id,
        )
        assert rows, f"job {job_id} is not in the database"
        status, attempts, error, done, total = rows[0]
        return {"status": status, "attempts": attempts, "error": error, "done": done}

    def stop_all(self) -> None:
        for process in [*self.web.values(), *self.workers.values(), self.s3, self.redis]:
            process.stop()


def start_cluster(root: Path, server_url: str) -> Cluster:
    """Everything started and loaded; `server_url` names the PostgreSQL server to use."""
    database = f"scale_{os.getpid()}_{int(time.time())}"
    admin = make_url(server_url).set(database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    database_url = make_url(server_url).set(database=database).render_as_string(False)
    try:
        return _start_services(root, database_url)
    except BaseException:
        _drop(server_url, database)  # a cluster that did not start leaves no database behind
        raise


def _start_services(root: Path, database_url: str) -> Cluster:
    redis_port = free_port()
    redis = Process(
        "redis",
        [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(root),
        ],
        dict(os.environ),
        root / "redis.log",
        ready=lambda: _redis_ping(redis_port),
    )
    redis.start()
    started: list[Process] = [redis]
    try:
        return _start_rest(root, database_url, redis_port, redis, started)
    except BaseException:
        for process in reversed(started):
            process.kill()
        raise


def _start_rest(
    root: Path, database_url: str, redis_port: int, redis: Process, started: list[Process]
) -> Cluster:
    s3_port = free_port(span=10000)
    master, volume, filer = (free_port(span=10000) for _ in range(3))
    data = root / "seaweedfs"
    data.mkdir()
    s3 = Process(
        "seaweedfs",
        [
            str(BIN / "weed"),
            "server",
            "-s3",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            f"-volume.port={volume}",
            f"-filer.port={filer}",
            f"-s3.port={s3_port}",
            "-volume.max=100",
            "-master.volumeSizeLimitMB=64",
            "-master.telemetry=false",  # never call home: this machine reaches no one
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
        ],
        dict(os.environ),
        root / "seaweedfs.log",
        ready=lambda: _s3_writable(s3_port),
    )
    started.append(s3)
    s3.start(wait=90)

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "QUESTIONNAIRE_ENV": "development",
        "SECRET_KEY": "scale-test-secret-key",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "STORAGE_URL": "s3://questionnaire/scale",
        "STORAGE_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
        "STORAGE_ACCESS_KEY": "scale",
        "STORAGE_SECRET_KEY": "scale-secret",
        "AWS_EC2_METADATA_DISABLED": "true",
        "QUEUE_EAGER": "false",
        "QUEUE_VISIBILITY_TIMEOUT": "8",
        "QUEUE_RESEND_SECONDS": "3",
        "DEMO_PASSWORD": PASSWORD,
        "INSTANCE_DIR": str(root / "instance-cli"),
    }
    cluster = Cluster(root, database_url, redis_port, s3_port, env, redis, s3)
    cluster.flask("db", "upgrade")
    cluster.flask("states", "load")
    cluster.flask("bank", "load")
    cluster.flask("demo", "--countries", "8", "--seed", "2021")
    cluster.ids = json.loads(
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "tests.scale.setup_world"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    for name in ("w1", "w2"):
        cluster.start_worker(name)
        started.append(cluster.workers[name])
    cluster.start_scheduler()
    started.append(cluster.workers["scheduler"])
    for name in ("A", "B"):
        cluster.start_web(name)
        started.append(cluster.web[name])
    return cluster


def drop_database(cluster: Cluster, server_url: str) -> None:
    _drop(server_url, str(make_url(cluster.database_url).database))


def _drop(server_url: str, database: str) -> None:
    admin = make_url(server_url).set(database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    engine.dispose()


def _redis_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
        connection.sendall(b"PING\r\n")
        return connection.recv(16).startswith(b"+PONG")


def _s3_writable(port: int) -> bool:
    """SeaweedFS answers S3 a while before its filer can store: wait for a real write."""
    from questionnaire.storage import Storage

    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    previous = {k: os.environ.get(k) for k in ("STORAGE_ACCESS_KEY", "STORAGE_SECRET_KEY")}
    os.environ["STORAGE_ACCESS_KEY"], os.environ["STORAGE_SECRET_KEY"] = "scale", "scale-secret"
    try:
        Storage("s3://questionnaire/scale", endpoint_url=f"http://127.0.0.1:{port}").check()
        return True
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
