"""Excel gap reports: built from snapshots and scores, cached by revision, audited.

A report of unchanged data is served from the cache: the key holds every assessment's
revision, which rises with each change, so a cached file can never be stale. The
cross-country workbook takes seconds, so the web builds it as a background job whose
progress the page shows.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.reports import CountryRow, write_country_report, write_secretariat_report
from questionnaire.domain.scoring import score_assessment
from questionnaire.models import Assessment, Role, User
from questionnaire.services import access
from questionnaire.services.accounts import Actor
from questionnaire.services.audit import record
from questionnaire.services.snapshots import snapshot_of, snapshots_of

logger = logging.getLogger(__name__)

# Raise when the layout of a workbook changes, so cached files of the old layout are not served.
REPORT_LAYOUT = 1
LANGUAGES = ("zh", "en")


class ReportError(ValueError):
    """A report cannot be made as asked; the message says why."""


def require_report_access(session: Session, user: User, assessment: Assessment) -> None:
    """The secretariat, the assigned reviewers once they may read the answers, and the
    country itself once finalized."""
    if user.role is Role.SECRETARIAT:
        return
    if access.is_assigned_reviewer(session, user, assessment):
        access.require_answer_reading(session, user, assessment)
        return
    if access.is_state_member(user, assessment):
        if assessment.status is WorkflowStatus.FINALIZED:
            return
        raise access.NotAllowed("your country's gap report is available once it is finalized")
    raise access.NotFound(f"assessment {assessment.id}")


@dataclass(frozen=True)
class BuiltReport:
    path: Path
    download_name: str
    from_cache: bool


def country_report(
    session: Session,
    user: User | None,
    assessment: Assessment,
    language: str,
    export_dir: Path,
) -> BuiltReport:
    """The per-country workbook, from the cache when nothing changed since it was built."""
    language = _language(language)
    if user is not None:
        require_report_access(session, user, assessment)
    path, cached = _country_file(session, assessment, language, export_dir)
    name = f"gap-report-{assessment.state_party_code}-{assessment.review_year}-{language}.xlsx"
    actor = Actor.of(user) if user is not None else Actor("command line")
    record(
        session,
        actor,
        "export.country_report",
        assessment,
        {"language": language, "from_cache": cached},
    )
    session.commit()
    return BuiltReport(path, name, cached)


def _country_file(
    session: Session, assessment: Assessment, language: str, export_dir: Path
) -> tuple[Path, bool]:
    """The cached workbook's path, built first unless it exists; and whether it existed."""
    bank_checksum = assessment.bank_version.checksum
    key = _key("country", assessment.id, assessment.revision, language, bank_checksum)
    path = _cache_dir(export_dir) / f"country-{assessment.id}-{key}.xlsx"
    if path.exists():
        return path, True
    snapshot = snapshot_of(session, assessment)
    buffer = io.BytesIO()
    write_country_report(snapshot, score_assessment(snapshot), buffer, language)
    _write_atomically(path, buffer.getvalue())
    return path, False


# Built ahead at the steps after which people download reports: their first download is then
# served from the cache. One thread per process, so prebuilding never takes both cores.
PREBUILT_AT = frozenset({WorkflowStatus.REVIEW_COMPLETED, WorkflowStatus.FINALIZED})
_prebuilder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-prebuild")


def prebuild_country_reports(
    sessions: sessionmaker[Session], assessment_id: int, export_dir: Path
) -> Future[None]:
    """Build the assessment's reports in both languages in the background; nothing is
    audited, since nobody has downloaded anything. A failure is logged, not raised: the
    download then builds the report as if nothing had been prebuilt."""

    def build() -> None:
        try:
            with sessions() as session:
                assessment = session.get(Assessment, assessment_id)
                if assessment is None:
                    return
                for language in LANGUAGES:
                    _country_file(session, assessment, language, export_dir)
        except Exception:  # noqa: BLE001 - a background nicety must never break anything
            logger.exception("prebuilding the reports of assessment %s failed", assessment_id)

    return _prebuilder.submit(build)


def wait_for_prebuilds() -> None:
    """Return once every prebuild started so far has finished (one worker, in order)."""
    _prebuilder.submit(lambda: None).result()


def secretariat_cache_path(session: Session, language: str, export_dir: Path) -> Path:
    revisions = session.execute(
        select(Assessment.id, Assessment.revision).order_by(Assessment.id)
    ).all()
    key = _key("secretariat", language, *(f"{i}:{r}" for i, r in revisions))
    return _cache_dir(export_dir) / f"secretariat-{key}.xlsx"


def build_secretariat_report(
    sessions: sessionmaker[Session],
    language: str,
    export_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    actor: Actor | None = None,
) -> BuiltReport:
    """The cross-country workbook, streamed one assessment at a time."""
    language = _language(language)
    with sessions() as session:
        path = secretariat_cache_path(session, language, export_dir)
        ids = workbook_order(session)
        cached = path.exists()
        if not ids:
            raise ReportError("there is no assessment to report on yet")
        if not cached:
            buffer = io.BytesIO()
            write_secretariat_report(
                country_rows(session, ids), buffer, progress, language=language, total=len(ids)
            )
            _write_atomically(path, buffer.getvalue())
        elif progress is not None:
            progress(len(ids) + 1, len(ids) + 1)
        record(
            session,
            actor or Actor("command line"),
            "export.secretariat_report",
            "secretariat",
            {"language": language, "assessments": len(ids), "from_cache": cached},
        )
        session.commit()
    return BuiltReport(path, f"cross-country-gap-analysis-{language}.xlsx", cached)


def workbook_order(session: Session) -> list[int]:
    """Every assessment's id in the order the cross-country workbook lists them."""
    return list(
        session.scalars(
            select(Assessment.id).order_by(Assessment.state_party_code, Assessment.review_year)
        )
    )


def country_rows(session: Session, ids: list[int]) -> Iterator[CountryRow]:
    """Read in chunks (snapshots_of), so memory stays flat however many assessments."""
    for snapshot in snapshots_of(session, ids):  # the workbook shows figures, no explanations
        yield CountryRow.from_snapshot(snapshot, score_assessment(snapshot, explain=False))


# Background jobs: status kept as small JSON files so every worker process sees them.


def start_secretariat_job(
    sessions: sessionmaker[Session], user: User, language: str, export_dir: Path
) -> str:
    language = _language(language)
    job_id = secrets.token_hex(12)
    _save_job(
        export_dir,
        job_id,
        {
            "status": "running",
            "done": 0,
            "total": 0,
            "user_id": user.id,
            "language": language,
            "started": time.time(),
        },
    )
    actor = Actor.of(user)

    def run() -> None:
        def progress(done: int, total: int) -> None:
            _save_job(
                export_dir, job_id, {**job_status(export_dir, job_id), "done": done, "total": total}
            )

        try:
            built = build_secretariat_report(sessions, language, export_dir, progress, actor)
        except Exception as error:  # noqa: BLE001 - shown to the person on the job page
            _save_job(
                export_dir,
                job_id,
                {**job_status(export_dir, job_id), "status": "failed", "error": str(error)},
            )
            return
        _save_job(
            export_dir,
            job_id,
            {
                **job_status(export_dir, job_id),
                "status": "done",
                "file": built.path.name,
                "name": built.download_name,
                "finished": time.time(),
            },
        )

    threading.Thread(target=run, name=f"report-{job_id}", daemon=True).start()
    return job_id


def job_status(export_dir: Path, job_id: str) -> dict[str, Any]:
    if not job_id.isalnum():
        raise access.NotFound(f"job {job_id}")
    path = _jobs_dir(export_dir) / f"{job_id}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        raise access.NotFound(f"job {job_id}") from None


def job_for(export_dir: Path, job_id: str, user: User) -> dict[str, Any]:
    status = job_status(export_dir, job_id)
    if status.get("user_id") != user.id:
        raise access.NotFound(f"job {job_id}")
    return status


def job_file(export_dir: Path, status: dict[str, Any]) -> Path:
    if status.get("status") != "done":
        raise access.NotFound("job not finished")
    return _cache_dir(export_dir) / status["file"]


def _save_job(export_dir: Path, job_id: str, status: dict[str, Any]) -> None:
    _write_atomically(_jobs_dir(export_dir) / f"{job_id}.json", json.dumps(status).encode("utf-8"))


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise ReportError(f"reports are made in Chinese (zh) or English (en), not {language!r}")
    return language


def _key(*parts: object) -> str:
    text = "|".join(str(part) for part in (REPORT_LAYOUT, *parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _cache_dir(export_dir: Path) -> Path:
    path = export_dir / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _jobs_dir(export_dir: Path) -> Path:
    path = export_dir / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(path.suffix + f".{secrets.token_hex(4)}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
