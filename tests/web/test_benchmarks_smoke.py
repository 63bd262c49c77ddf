"""`make bench` in a tiny mode: the harness runs end to end and writes every figure.

No timing is asserted here: this machine is shared and noisy, and targets are judged by
the full benchmark, not by the test suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.load import summarize
from benchmarks.measure import Target

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STEP_FIGURES = {
    "bank_load",
    "demo_data",
    "rescore_all",
    "country_report_cold",
    "country_report_floor",
    "country_report_ratio",
    "country_report_cached",
    "secretariat_workbook",
    "workbook_floor",
    "workbook_rows_read",
    "workbook_ratio",
    "workbook_peak_memory",
    "import_answers",
    "workbook_one_worker",
    "workbook_two_workers",
    "workbook_two_to_one",
    "workbook_two_to_floor",
    "report_ready_after_review",
}
MEMORY_STEPS = {
    "bank_load",
    "demo_data",
    "rescore_all",
    "country_reports",
    "secretariat_workbook",
    "import_answers",
}


def run_benchmarks(
    *arguments: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *arguments],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_quick_run_prints_the_table_and_writes_every_figure(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    finished = run_benchmarks("--quick", "--database", "sqlite", "--output", str(output))

    assert finished.returncode == 0, finished.stderr
    assert "rescore every assessment" in finished.stdout
    assert "verdict" in finished.stdout
    results = json.loads(output.read_text(encoding="utf-8"))
    assert results["cpu_count"] == os.cpu_count()
    assert {"date", "load_average_at_start", "memory_measure", "options"} <= set(results)
    sqlite = results["databases"]["sqlite"]
    assert sqlite["database"].startswith("SQLite")
    assert set(sqlite["figures"]) == STEP_FIGURES  # --quick leaves out the load test
    for figure in sqlite["figures"].values():
        assert {"median", "min", "max", "runs", "target", "verdict", "unit"} <= set(figure)
        assert figure["min"] <= figure["median"] <= figure["max"]
    assert sqlite["figures"]["demo_data"]["note"] == "one run only"
    assert set(sqlite["memory"]) == MEMORY_STEPS
    assert sqlite["details"]["demo"]["countries"] == 2


def test_help_documents_every_option() -> None:
    finished = run_benchmarks("--help")

    assert finished.returncode == 0
    for option in ("--runs", "--countries", "--quick", "--skip-load", "--database"):
        assert option in finished.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--runs", "0"), "--runs must be at least 1"),
        (("--countries", "196"), "--countries must be between 1 and 195"),
        (("--database", "mysql"), "invalid choice: 'mysql'"),
        (("--load-seconds", "600"), "--load-seconds must be between 1 and 120"),
    ],
)
def test_bad_options_are_refused_with_the_reason(arguments: tuple[str, ...], message: str) -> None:
    finished = run_benchmarks(*arguments)

    assert finished.returncode == 2
    assert message in finished.stderr


def test_postgres_without_a_database_url_says_what_to_set(tmp_path: Path) -> None:
    finished = run_benchmarks("--database", "postgres", "--output", str(tmp_path / "r.json"))

    assert finished.returncode == 2
    assert "DATABASE_URL" in finished.stderr
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize(
    ("target", "value", "verdict"),
    [
        (Target(0.5), 0.4, "meets"),
        (Target(0.5), 0.6, "misses by 20%"),
        (Target(0.8, upper=False), 0.9, "meets"),
        (Target(0.8, upper=False), 0.6, "misses by 25%"),
        (Target(0), 0, "meets"),
        (Target(0), 3, "misses (3)"),
    ],
)
def test_verdicts_say_by_how_much_a_target_is_missed(
    target: Target, value: float, verdict: str
) -> None:
    assert target.verdict(value) == verdict


def test_autosave_conflicts_are_counted_apart_from_errors() -> None:
    summary = summarize(
        {
            "requests": 100,
            "duration_us": 2_000_000,
            "connect_errors": 0,
            "read_errors": 1,
            "write_errors": 0,
            "timeouts": 2,
            "p50_us": 10_000,
            "p90_us": 20_000,
            "p99_us": 40_000,
            "mean_us": 12_000.0,
            "max_us": 90_000,
            "statuses": {"200": 90, "409": 7, "500": 3},
        },
        handled=(409,),
    )

    assert summary["requests_per_second"] == 50
    assert (summary["ok_2xx"], summary["conflicts_409"], summary["other_statuses"]) == (90, 7, 3)
    assert summary["errors"] == 3 + 3  # the 500s and the socket errors, not the conflicts
    assert summary["p99_ms"] == 40


def test_load_figures_are_judged_as_ratios_to_the_reference_of_the_same_round() -> None:
    """Issue 21's goals: p99 of the page and of autosave within 1.25x of the reference
    route's p99, and a web worker within twice the reference worker's memory."""
    from benchmarks.runner import load_figures

    def load(rps: float, p99: float) -> dict[str, float]:
        return {
            "requests_per_second": rps,
            "p50_ms": p99 / 3,
            "p99_ms": p99,
            "errors": 0,
            "redirects_3xx": 0,
            "ok_2xx": 100,
            "conflicts_409": 0,
        }

    rounds = [
        {
            "reference": load(300, 100),
            "commitment_page": load(270, 120),
            "autosave": load(250, 150),
            "page_to_reference": 0.9,
            "application_worker_peak_rss_mib": [120.0, 110.0],
            "reference_worker_peak_rss_mib": [70.0, 68.0],
        }
    ]
    figures = {figure.name: figure.as_json() for figure in load_figures(rounds)}
    assert figures["page_p99_to_reference"]["median"] == pytest.approx(1.2)
    assert figures["page_p99_to_reference"]["verdict"] == "meets"
    assert figures["autosave_p99_to_reference"]["median"] == pytest.approx(1.5)
    assert figures["autosave_p99_to_reference"]["verdict"] == "misses by 20%"
    assert figures["served_memory_ratio"]["median"] == pytest.approx(120 / 70)
    assert figures["served_memory_ratio"]["verdict"] == "meets"
    assert figures["page_p99"]["target"] is None  # no absolute p99 target any more


def test_the_queue_step_leaves_the_environment_as_it_found_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The served steps run after the queue step and start gunicorn with this process's
    environment: a leftover REDIS_URL of the queue step's own (stopped) Redis once made the
    application refuse to start, and `make bench` stopped before serving anything."""
    from contextlib import contextmanager

    from benchmarks import workers

    @contextmanager
    def fake_redis(_work_dir: Path):  # type: ignore[no-untyped-def]
        yield "redis://127.0.0.1:1/0"

    seen: dict[str, str] = {}

    def measure(env: dict[str, str], _queue_dir: Path, _runs: int) -> dict[str, object]:
        seen.update({name: os.environ[name] for name in ("REDIS_URL", "QUEUE_EAGER")})
        return {}

    monkeypatch.setattr(workers, "_redis", fake_redis)
    monkeypatch.setattr(workers, "_measure_queue", measure)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("QUEUE_EAGER", "true")
    workers.queue_step("sqlite://", tmp_path, runs=1)
    assert seen == {"REDIS_URL": "redis://127.0.0.1:1/0", "QUEUE_EAGER": "false"}
    assert "REDIS_URL" not in os.environ and os.environ["QUEUE_EAGER"] == "true"
