"""The measured steps, each run inside a child process by `benchmarks.child`.

Every step returns plain data: its samples in seconds, what it produced, and the peak
resident memory before and after (ru_maxrss, so a high-water mark of the whole process).
Stored banks are built once per process in real use (bank_store caches them), so steps
that serve requests warm that cache first and measure the steady state.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.floors import write_bare_floor, write_country_bare_floor
from benchmarks.measure import median, peak_rss_mib, start_peak_window, timed
from questionnaire.config import PROJECT_ROOT
from questionnaire.database import bulk_insert
from questionnaire.domain.bank.loader import load_bank
from questionnaire.domain.reports import CountryRow
from questionnaire.domain.scoring import score_assessment
from questionnaire.models import (
    Answer,
    Assessment,
    AssessmentItem,
    BankEdition,
    Role,
    User,
    utc_now,
)
from questionnaire.services.bank_store import question_bank_of_edition
from questionnaire.services.reports import (
    build_cross_country,
    country_report,
    country_rows,
    workbook_order,
)
from questionnaire.services.scoring import rescore_all
from questionnaire.services.snapshots import snapshot_of
from questionnaire.storage import Storage

BANK_DIR = PROJECT_ROOT / "question_bank"
DEMO_SEED = 2021
DEMO_PASSWORD = "demo-password-2021"
SYNTHETIC_PREFIX = "bench_"  # question ids no bank uses, so imported rows never collide
REPORT_LANGUAGE = "en"
Result = dict[str, Any]


def bank_step(sessions: sessionmaker[Session], work_dir: Path, runs: int) -> Result:
    """Read and validate every bank file, `runs` times."""
    baseline = start_peak_window()
    samples = [timed(lambda: load_bank(BANK_DIR))[0] for _ in range(runs)]
    return {"seconds": samples, "baseline_rss_mib": baseline, "peak_rss_mib": peak_rss_mib()}


def demo_step(sessions: sessionmaker[Session], work_dir: Path, countries: int) -> Result:
    """The demo data for `countries` state parties, through the services (one run)."""
    from questionnaire.cli.accounts import DEMO_ACCOUNTS
    from questionnaire.demo.generate import DemoRequest, generate_demo
    from questionnaire.demo.people import DemoAccount

    request = DemoRequest(
        countries=countries,
        seed=DEMO_SEED,
        password=DEMO_PASSWORD,
        review_year=dt.date.today().year,
        base_accounts=tuple(DemoAccount(*account) for account in DEMO_ACCOUNTS),
        bank_dir=BANK_DIR,
    )
    baseline = start_peak_window()
    with sessions() as session:
        seconds, summary = timed(lambda: generate_demo(session, request))
    return {
        "seconds": [seconds],
        "baseline_rss_mib": baseline,
        "peak_rss_mib": peak_rss_mib(),
        "countries": len(summary.added),
        "answers": summary.answers,
        "findings": summary.findings,
        "statuses": summary.statuses,
    }


def rescore_step(sessions: sessionmaker[Session], work_dir: Path, runs: int) -> Result:
    """Read, score and write back every assessment, `runs` times, each in a new session."""
    _warm_banks(sessions)
    baseline = start_peak_window()
    samples = []
    written = 0
    for _ in range(runs):
        with sessions() as session:
            seconds, written = timed(lambda: rescore_all(session))  # noqa: B023 - called at once
        samples.append(seconds)
    return {
        "seconds": samples,
        "baseline_rss_mib": baseline,
        "peak_rss_mib": peak_rss_mib(),
        "scores_written": written,
    }


def country_report_step(
    sessions: sessionmaker[Session], work_dir: Path, runs: int, countries: int
) -> Result:
    """Per run: each chosen country's report with an empty cache, then again from the cache.

    And the floor, in the same run: the same assessment read and scored, and the same table
    cells written bare (no formats, chart, filters, summary or legend).
    """
    _warm_banks(sessions)
    ids = _spread_assessment_ids(sessions, countries)
    baseline = start_peak_window()
    cold_p50, cached_p50, floor_p50, cold_all, cached_all = [], [], [], [], []
    for run in range(runs):
        export_dir = work_dir / f"country-reports-{run}"
        shutil.rmtree(export_dir, ignore_errors=True)
        cold = [_one_country_report(sessions, i, export_dir, expect_cached=False) for i in ids]
        cached = [_one_country_report(sessions, i, export_dir, expect_cached=True) for i in ids]
        floor = [_one_bare_country_report(sessions, i) for i in ids]
        cold_p50.append(median(cold))
        cached_p50.append(median(cached))
        floor_p50.append(median(floor))
        cold_all.extend(cold)
        cached_all.extend(cached)
        shutil.rmtree(export_dir, ignore_errors=True)
    return {
        "cold_p50_seconds": cold_p50,
        "cached_p50_seconds": cached_p50,
        "floor_p50_seconds": floor_p50,
        "cold_seconds": cold_all,
        "cached_seconds": cached_all,
        "assessments": len(ids),
        "baseline_rss_mib": baseline,
        "peak_rss_mib": peak_rss_mib(),
    }


def _secretariat(session: Session) -> User:
    """The person the reports are built for, as a request would be: the demo's officer."""
    secretariat = session.scalars(select(User).where(User.role == Role.SECRETARIAT)).first()
    if secretariat is None:
        raise RuntimeError("the benchmark's demo data has no secretariat account")
    return secretariat


def _one_country_report(
    sessions: sessionmaker[Session], assessment_id: int, export_dir: Path, expect_cached: bool
) -> float:
    """Seconds for one report as a request makes it: a session, the assessment, the file."""

    def build() -> bool:
        with sessions() as session:
            assessment = session.get(Assessment, assessment_id)
            assert assessment is not None
            storage = Storage(export_dir.as_uri())
            secretariat = _secretariat(session)
            return country_report(
                session, secretariat, assessment, REPORT_LANGUAGE, storage
            ).from_cache

    seconds, from_cache = timed(build)
    if from_cache is not expect_cached:
        raise RuntimeError(f"report of assessment {assessment_id}: from_cache={from_cache}")
    return seconds


def _one_bare_country_report(sessions: sessionmaker[Session], assessment_id: int) -> float:
    def build() -> None:
        with sessions() as session:
            assessment = session.get(Assessment, assessment_id)
            assert assessment is not None
            snapshot = snapshot_of(session, assessment)
            write_country_bare_floor(snapshot, score_assessment(snapshot), io.BytesIO())

    seconds, _ = timed(build)
    return seconds


def workbook_step(sessions: sessionmaker[Session], work_dir: Path) -> Result:
    """One cross-country workbook with an empty cache, then the bare floor of the same rows.

    The peak memory is read right after the workbook, before the floor's rows are held.
    """
    _warm_banks(sessions)
    export_dir = work_dir / "workbook-exports"
    shutil.rmtree(export_dir, ignore_errors=True)
    storage = Storage(export_dir.as_uri())
    baseline = start_peak_window()

    def build() -> Any:
        with sessions() as session:
            return build_cross_country(session, _secretariat(session), REPORT_LANGUAGE, storage)

    seconds, built = timed(build)
    peak = peak_rss_mib()
    if built.from_cache:
        raise RuntimeError("the cross-country workbook came from the cache; expected a fresh build")
    size = len(built.data)
    shutil.rmtree(export_dir, ignore_errors=True)
    read_seconds, rows = timed(lambda: _country_rows(sessions))
    floor_seconds, _ = timed(lambda: write_bare_floor(rows, io.BytesIO()))
    return {
        "seconds": [seconds],
        "floor_seconds": [floor_seconds],
        "rows_read_seconds": [read_seconds],
        "assessments": len(rows),
        "workbook_bytes": size,
        "baseline_rss_mib": baseline,
        "peak_rss_mib": peak,
    }


def _country_rows(sessions: sessionmaker[Session]) -> list[CountryRow]:
    """The rows the workbook streams, read into memory in the workbook's order."""
    with sessions() as session:
        return list(country_rows(session, workbook_order(session)))


def import_step(sessions: sessionmaker[Session], work_dir: Path, runs: int, answers: int) -> Result:
    """Bulk-insert `answers` answers in one transaction; delete them after each run."""
    with sessions() as session:
        item_ids = list(session.scalars(select(AssessmentItem.id).order_by(AssessmentItem.id)))
    if not item_ids:
        raise RuntimeError("no assessment items to import answers into; create demo data first")
    per_item = math.ceil(answers / len(item_ids))
    baseline = start_peak_window()
    samples = []
    for _ in range(runs):
        rows = _synthetic_answers(item_ids, per_item, answers)
        with sessions() as session:
            seconds, _ = timed(lambda: _insert(session, rows))  # noqa: B023 - called at once
            samples.append(seconds)
            synthetic = Answer.question_id.startswith(SYNTHETIC_PREFIX, autoescape=True)
            imported = session.scalar(select(func.count()).select_from(Answer).where(synthetic))
            session.execute(delete(Answer).where(synthetic))
            session.commit()
        if imported != answers:
            raise RuntimeError(f"imported {imported} answers, expected {answers}")
    _vacuum_answers(sessions)
    return {
        "seconds": samples,
        "answers": answers,
        "questions_per_item": per_item,
        "baseline_rss_mib": baseline,
        "peak_rss_mib": peak_rss_mib(),
    }


def _vacuum_answers(sessions: sessionmaker[Session]) -> None:
    """Leave the answers table as the import found it, for the steps measured after it.

    The deleted rows stay behind as dead tuples until a vacuum, which never comes where
    autovacuum is off (as on this project's CI server): the commitment page's look-ups
    then wade through them, and its throughput fell from 0.76x to 0.44x the reference's.
    """
    with sessions() as session:
        engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE answers"))


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    bulk_insert(session, Answer.__table__, rows)  # COPY on PostgreSQL, else one executemany
    session.commit()


def _synthetic_answers(item_ids: list[int], per_item: int, total: int) -> list[dict[str, Any]]:
    """Text answers of a realistic length under question ids that no bank uses."""
    now = utc_now()
    text = (
        "The Anti-Corruption Act (2019) and its implementing regulations set out the measures; "
        "the commission reports yearly to parliament on cases, sanctions and assets recovered."
    )
    rows = []
    for position in range(total):
        item_id = item_ids[position // per_item]
        question_id = f"{SYNTHETIC_PREFIX}{position % per_item}"
        rows.append(
            {
                "item_id": item_id,
                "question_id": question_id,
                "value": f"{text} ({position})",
                "version": 1,
                "updated_by_id": None,
                "updated_at": now,
            }
        )
    return rows


def _warm_banks(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        for version in session.scalars(select(BankEdition)):
            question_bank_of_edition(version)


def _spread_assessment_ids(sessions: sessionmaker[Session], count: int) -> list[int]:
    """`count` assessments spread evenly over all, so every workflow status is among them."""
    with sessions() as session:
        ids = list(session.scalars(select(Assessment.id).order_by(Assessment.id)))
    if not ids:
        raise RuntimeError("no assessments to report on; create demo data first")
    step = max(1, len(ids) // count)
    return ids[::step][:count]
