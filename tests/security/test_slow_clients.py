"""Slow clients do not stall the service (issue 14, item 7).

Three connections that send one header line a second held both sync workers of `make
run`, and `/healthz` waited 34 s. Here the server runs exactly as `make run` serves it
(gunicorn with `questionnaire.gunicorn_conf`), three such clients trickle their headers,
and `/healthz` and `/readyz` must still answer at once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from questionnaire import migrate

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SLOW_CLIENTS = 3
ANSWERED_WITHIN_SECONDS = 1.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=40) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := connection.recv(4096):
            reply += chunk
    status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 0
    return status, time.perf_counter() - started


@pytest.fixture()
def served(tmp_path: Path) -> object:
    database = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    migrate.upgrade(database)
    port = _free_port()
    env = {
        **os.environ,
        "QUESTIONNAIRE_ENV": "development",
        "DATABASE_URL": database,
        "SECRET_KEY": "slow-clients",
        "INSTANCE_DIR": str(tmp_path / "instance"),
    }
    env.pop("REDIS_URL", None)
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 - our own server
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "python:questionnaire.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail((tmp_path / "gunicorn.log").read_text(errors="replace")[-3000:])
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _trickle(port: int, stop: threading.Event) -> None:
    """A client that sends its request one header line a second, and never finishes."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\n")
        number = 0
        while not stop.wait(1.0):
            number += 1
            try:
                connection.sendall(f"X-Slow-{number}: {'a' * 10}\r\n".encode())
            except OSError:
                return


def test_three_slow_clients_do_not_stall_the_service(served: int) -> None:
    stop = threading.Event()
    clients = [
        threading.Thread(target=_trickle, args=(served, stop), daemon=True)
        for _ in range(SLOW_CLIENTS)
    ]
    for client in clients:
        client.start()
    try:
        time.sleep(2.5)  # the slow clients hold their connections open by now
        answers = [_get(served, path) for path in ("/healthz", "/readyz", "/healthz", "/login")]
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=5)
    assert [status for status, _ in answers] == [200, 200, 200, 200]
    slowest = max(seconds for _, seconds in answers)
    assert slowest < ANSWERED_WITHIN_SECONDS, f"a request waited {slowest:.1f} s"
