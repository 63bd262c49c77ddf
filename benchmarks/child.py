"""One step in a process of its own: `python -m benchmarks.child STEP --database-url ...`.

A fresh process per step makes its peak memory (ru_maxrss) that step's own. The result is
written as JSON to --result-file, so whatever the application prints cannot garble it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks import steps
from questionnaire.database import make_engine, make_session_factory

STEPS = ("bank", "demo", "rescore", "country_reports", "workbook", "import")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.child")
    parser.add_argument("step", choices=STEPS)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--result-file", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--countries", type=int, default=195)
    parser.add_argument("--report-countries", type=int, default=10)
    parser.add_argument("--answers", type=int, default=100_000)
    options = parser.parse_args(argv)

    engine = make_engine(options.database_url)
    sessions = make_session_factory(engine)
    work_dir: Path = options.work_dir
    try:
        match options.step:
            case "bank":
                result = steps.bank_step(sessions, work_dir, options.runs)
            case "demo":
                result = steps.demo_step(sessions, work_dir, options.countries)
            case "rescore":
                result = steps.rescore_step(sessions, work_dir, options.runs)
            case "country_reports":
                result = steps.country_report_step(
                    sessions, work_dir, options.runs, options.report_countries
                )
            case "workbook":
                result = steps.workbook_step(sessions, work_dir)
            case _:
                result = steps.import_step(sessions, work_dir, options.runs, options.answers)
    finally:
        engine.dispose()
    options.result_file.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
