"""Run every step on each chosen database and gather the figures results.json records."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.databases import chosen_kinds, describe, fresh_database
from benchmarks.load import LoadSettings, run_load
from benchmarks.measure import Figure, Target
from benchmarks.options import Options
from benchmarks.workers import queue_step
from questionnaire.config import PROJECT_ROOT
from questionnaire.database import make_engine, make_session_factory


def run(options: Options, progress: Any = print) -> dict[str, Any]:
    kinds = chosen_kinds(options.database)
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": list(os.getloadavg()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()},
        "memory_measure": (
            "peak resident set (Linux VmHWM, reset just before the step; ru_maxrss elsewhere) "
            "of a child process that runs only that step, in MiB, imports included; growth = "
            "peak minus the resident set when the step began (after imports and warm-up); "
            "served steps: VmHWM of each gunicorn worker"
        ),
        "databases": {},
    }
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix=f"bench-{kind}-") as folder:
            work_dir = Path(folder)
            with fresh_database(kind, work_dir) as url:
                progress(f"[{kind}] {describe(url)}")
                results["databases"][kind] = measure_database(url, work_dir, options, progress)
        # Written after each database, so a long run that stops later keeps what it measured.
        results["load_average_at_end"] = list(os.getloadavg())
        _write(results, options.output)
    return results


def _write(results: dict[str, Any], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


def measure_database(
    url: str, work_dir: Path, options: Options, progress: Any = print
) -> dict[str, Any]:
    def child(step: str, **arguments: int) -> dict[str, Any]:
        progress(f"  {step} ...")
        return run_child(step, url, work_dir, **arguments)

    runs = options.runs
    bank = child("bank", runs=runs)
    demo = child("demo", countries=options.countries)
    rescore = child("rescore", runs=runs)
    reports = child("country_reports", runs=runs, report_countries=options.report_countries)
    workbooks = [child("workbook") for _ in range(runs)]
    progress("  queue (Redis + Celery workers) ...")
    queue = queue_step(url, work_dir, runs)
    imported = child("import", runs=runs, answers=options.answers)

    figures = [
        Figure("bank_load", "1. load and validate the bank", "s", tuple(bank["seconds"])),
        Figure(
            "demo_data",
            f"2. demo data, {demo['countries']} countries",
            "s",
            tuple(demo["seconds"]),
            note="one run only",
        ),
        Figure(
            "rescore_all",
            "3. rescore every assessment",
            "s",
            tuple(rescore["seconds"]),
            Target(0.5),
            note=f"{rescore['scores_written']} scores written; bank cache warm",
        ),
        Figure(
            "country_report_cold",
            f"4. country report p50 ({reports['assessments']}), empty cache",
            "ms",
            _ms(reports["cold_p50_seconds"]),
            Target(60),
        ),
        Figure(
            "country_report_floor",
            "4. same reads + cells written bare, p50",
            "ms",
            _ms(reports["floor_p50_seconds"]),
            note="write_country_bare_floor: no formats, chart, summary or legend",
        ),
        Figure(
            "country_report_ratio",
            "4. country report / its floor",
            "x",
            tuple(
                cold / floor
                for cold, floor in zip(
                    reports["cold_p50_seconds"], reports["floor_p50_seconds"], strict=True
                )
            ),
        ),
        Figure(
            "country_report_cached",
            "4. country report p50, from cache",
            "ms",
            _ms(reports["cached_p50_seconds"]),
            Target(50),
        ),
        Figure(
            "secretariat_workbook",
            "4. cross-country workbook, empty cache",
            "s",
            tuple(w["seconds"][0] for w in workbooks),
        ),
        Figure(
            "workbook_floor",
            "4. bare xlsxwriter floor, same rows",
            "s",
            tuple(w["floor_seconds"][0] for w in workbooks),
            note="write_bare_floor over rows already in memory",
        ),
        Figure(
            "workbook_rows_read",
            "4. reading those rows (snapshots + scores)",
            "s",
            tuple(w["rows_read_seconds"][0] for w in workbooks),
        ),
        Figure(
            "workbook_ratio",
            "4. workbook / floor",
            "x",
            tuple(w["seconds"][0] / w["floor_seconds"][0] for w in workbooks),
            Target(1.3),
        ),
        Figure(
            "workbook_peak_memory",
            "4. workbook build peak RSS",
            "MiB",
            tuple(w["peak_rss_mib"] for w in workbooks),
            Target(150),
            note="whole process, imports included; growth in the memory table",
        ),
        Figure(
            "workbook_one_worker",
            "7. cross-country workbook, 1 worker (queue)",
            "s",
            tuple(queue["one_worker_seconds"]),
            note="request to file in the store; Redis, Celery, empty cache",
        ),
        Figure(
            "workbook_two_workers",
            "7. cross-country workbook, 2 workers (queue)",
            "s",
            tuple(queue["two_worker_seconds"]),
        ),
        Figure(
            "workbook_two_to_one",
            "7. 2 workers / 1 worker",
            "x",
            tuple(
                two / one
                for two, one in zip(
                    queue["two_worker_seconds"], queue["one_worker_seconds"], strict=True
                )
            ),
            Target(0.75),
        ),
        Figure(
            "workbook_two_to_floor",
            "7. 2 workers / bare floor",
            "x",
            tuple(
                two / w["floor_seconds"][0]
                for two, w in zip(queue["two_worker_seconds"], workbooks, strict=True)
            ),
            Target(1.3),
            note="floor: write_bare_floor of the same rows, from step 4 of the same run",
        ),
        Figure(
            "report_ready_after_review",
            "7. country reports cached after a review is completed",
            "s",
            tuple(queue["report_ready_seconds"]),
            Target(2.0),
            note="both languages, 1 worker",
        ),
        Figure(
            "import_answers",
            f"6. import {imported['answers']:,} answers (bulk insert)",
            "s",
            tuple(imported["seconds"]),
            Target(2.0),
        ),
    ]
    memory = {
        "bank_load": _memory(bank),
        "demo_data": _memory(demo),
        "rescore_all": _memory(rescore),
        "country_reports": _memory(reports),
        "secretariat_workbook": _memory_of_runs(workbooks),
        "import_answers": _memory(imported),
    }
    details: dict[str, Any] = {
        "demo": {k: demo[k] for k in ("countries", "answers", "findings", "statuses")},
        "country_report_cold_seconds": reports["cold_seconds"],
        "country_report_cached_seconds": reports["cached_seconds"],
        "workbook_bytes": workbooks[0]["workbook_bytes"],
        "workbook_assessments": workbooks[0]["assessments"],
        "import_questions_per_item": imported["questions_per_item"],
    }
    if not options.skip_load:
        progress("  load (gunicorn + wrk) ...")
        engine = make_engine(url)
        try:
            rounds = run_load(
                make_session_factory(engine),
                url,
                work_dir,
                runs,
                LoadSettings(duration_seconds=options.load_seconds),
            )
        finally:
            engine.dispose()
        figures += load_figures(rounds)
        details["load_rounds"] = rounds
        memory["served_application"] = _served_memory(rounds, "application_worker_peak_rss_mib")
        memory["served_reference"] = _served_memory(rounds, "reference_worker_peak_rss_mib")
    return {
        "database": describe(url),
        "figures": {figure.name: figure.as_json() for figure in figures},
        "memory": memory,
        "details": details,
    }


def load_figures(rounds: list[dict[str, Any]]) -> list[Figure]:
    def values(load: str, key: str) -> tuple[float, ...]:
        return tuple(float(r[load][key]) for r in rounds)

    page_errors = tuple(
        float(r["commitment_page"]["errors"] + r["commitment_page"]["redirects_3xx"])
        for r in rounds
    )
    return [
        Figure(
            "reference_rps",
            "5. reference route",
            "req/s",
            values("reference", "requests_per_second"),
        ),
        Figure("reference_p99", "5. reference route p99", "ms", values("reference", "p99_ms")),
        Figure(
            "page_rps",
            "5. commitment page",
            "req/s",
            values("commitment_page", "requests_per_second"),
        ),
        Figure(
            "page_to_reference",
            "5. commitment page / reference",
            "x",
            tuple(r["page_to_reference"] for r in rounds),
            Target(0.8, upper=False),
        ),
        Figure("page_p50", "5. commitment page p50", "ms", values("commitment_page", "p50_ms")),
        Figure("page_p99", "5. commitment page p99", "ms", values("commitment_page", "p99_ms")),
        Figure(
            "page_p99_to_reference",
            "5. commitment page p99 / reference p99",
            "x",
            _ratios(values("commitment_page", "p99_ms"), values("reference", "p99_ms")),
            Target(1.25),
            note="same round; replaces the 75 ms target Little's law put out of reach",
        ),
        Figure(
            "page_errors",
            "5. commitment page errors",
            "count",
            page_errors,
            Target(0),
            note="non-2xx/3xx, socket errors, timeouts, and redirects (a lost session)",
        ),
        Figure("autosave_rps", "5. autosave", "req/s", values("autosave", "requests_per_second")),
        Figure("autosave_p50", "5. autosave p50", "ms", values("autosave", "p50_ms")),
        Figure("autosave_p99", "5. autosave p99", "ms", values("autosave", "p99_ms")),
        Figure(
            "autosave_p99_to_reference",
            "5. autosave p99 / reference p99",
            "x",
            _ratios(values("autosave", "p99_ms"), values("reference", "p99_ms")),
            Target(1.25),
        ),
        Figure("autosave_2xx", "5. autosave 2xx responses", "count", values("autosave", "ok_2xx")),
        Figure(
            "autosave_409",
            "5. autosave 409 (conflicts, handled)",
            "count",
            values("autosave", "conflicts_409"),
        ),
        Figure(
            "autosave_errors",
            "5. autosave errors",
            "count",
            tuple(float(r["autosave"]["errors"] + r["autosave"]["redirects_3xx"]) for r in rounds),
            Target(0),
        ),
        Figure(
            "served_memory_ratio",
            "5. web worker peak RSS / reference worker",
            "x",
            _ratios(
                tuple(max(r["application_worker_peak_rss_mib"], default=0.0) for r in rounds),
                tuple(max(r["reference_worker_peak_rss_mib"], default=0.0) for r in rounds),
            ),
            Target(2.0),
            note="largest worker of each, same round",
        ),
    ]


def _ratios(values: tuple[float, ...], floors: tuple[float, ...]) -> tuple[float, ...]:
    """Each value over the floor measured in the same round."""
    return tuple(value / floor for value, floor in zip(values, floors, strict=True) if floor)


def run_child(step: str, url: str, work_dir: Path, **arguments: int) -> dict[str, Any]:
    """Run one step in a new Python process and return what it measured."""
    result_file = work_dir / f"result-{step}.json"
    result_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "benchmarks.child", step]
    command += ["--database-url", url, "--work-dir", str(work_dir)]
    command += ["--result-file", str(result_file)]
    for name, value in arguments.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    finished = subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=3600, check=False
    )
    if finished.returncode != 0 or not result_file.exists():
        raise RuntimeError(
            f"benchmark step {step!r} failed ({finished.returncode}):\n{finished.stderr[-4000:]}"
        )
    return json.loads(result_file.read_text(encoding="utf-8"))


def _ms(seconds: list[float]) -> tuple[float, ...]:
    return tuple(value * 1000 for value in seconds)


def _memory(result: dict[str, Any]) -> dict[str, float]:
    peak, baseline = result["peak_rss_mib"], result["baseline_rss_mib"]
    return {"peak_rss_mib": peak, "before_step_mib": baseline, "growth_mib": peak - baseline}


def _memory_of_runs(results: list[dict[str, Any]]) -> dict[str, float]:
    """The largest peak of several runs, each in its own process."""
    return max((_memory(result) for result in results), key=lambda m: m["peak_rss_mib"])


def _served_memory(rounds: list[dict[str, Any]], key: str) -> dict[str, float]:
    peaks = [peak for r in rounds for peak in r[key]]
    return {"peak_rss_mib": max(peaks) if peaks else 0.0, "workers_measured": len(peaks)}
