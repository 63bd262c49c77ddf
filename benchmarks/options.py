"""What a benchmark run measures; kept apart so `--help` starts without the application."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Options:
    runs: int = 3
    countries: int = 195
    database: str = "auto"
    skip_load: bool = False
    report_countries: int = 10
    answers: int = 100_000
    load_seconds: int = 20
    output: Path = PROJECT_ROOT / "benchmarks" / "results.json"

    @classmethod
    def quick(cls, output: Path, database: str = "sqlite") -> Options:
        """A smoke run: two countries, one run, a small import, no load test."""
        return cls(
            runs=1,
            countries=2,
            database=database,
            skip_load=True,
            report_countries=2,
            answers=2_000,
            output=output,
        )
