"""`python -m benchmarks` (`make bench`): measure, print the table, write results.json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.options import Options


def parse_options(argv: list[str] | None = None) -> Options:
    defaults = Options()
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=(
            "Measure the speed targets of issue 7 on a fresh database: bank loading, demo "
            "data, rescoring, reports, serving under load and bulk import. Prints a table "
            "and writes results.json (median, min and max of several runs)."
        ),
    )
    parser.add_argument(
        "--runs", type=int, default=defaults.runs, help="runs per figure (default %(default)s)"
    )
    parser.add_argument(
        "--countries",
        type=int,
        default=defaults.countries,
        help="state parties in the demo data, 1 to 195 (default %(default)s)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 2 countries, 1 run, a small import, no load test",
    )
    parser.add_argument("--skip-load", action="store_true", help="leave out gunicorn and wrk")
    parser.add_argument(
        "--database",
        choices=("auto", "sqlite", "postgres", "both"),
        default="auto",
        help="auto (default): SQLite, and PostgreSQL too when DATABASE_URL names one",
    )
    parser.add_argument(
        "--load-seconds",
        type=int,
        default=defaults.load_seconds,
        help="length of each wrk load (default %(default)s)",
    )
    parser.add_argument(
        "--output", type=Path, default=defaults.output, help="where results.json goes"
    )
    arguments = parser.parse_args(argv)
    if arguments.runs < 1:
        parser.error("--runs must be at least 1")
    if not 1 <= arguments.countries <= 195:
        parser.error("--countries must be between 1 and 195")
    if not 1 <= arguments.load_seconds <= 120:
        parser.error("--load-seconds must be between 1 and 120")
    if arguments.quick:
        return Options.quick(arguments.output, database=arguments.database)
    return Options(
        runs=arguments.runs,
        countries=arguments.countries,
        database=arguments.database,
        skip_load=arguments.skip_load,
        load_seconds=arguments.load_seconds,
        output=arguments.output,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    # Imported here so that --help and refused options answer without loading the app.
    from benchmarks.databases import BenchmarkSetupError
    from benchmarks.load import LoadTestError
    from benchmarks.report import render
    from benchmarks.runner import run

    try:
        results = run(options, progress=lambda message: print(message, flush=True))
    except (BenchmarkSetupError, LoadTestError) as error:
        print(f"benchmark stopped: {error}", file=sys.stderr)
        return 2
    print(render(results))
    print(f"\nWrote {options.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
