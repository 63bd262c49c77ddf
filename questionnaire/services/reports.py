"""Excel gap reports: built from snapshots and scores, cached in storage, audited.

A report of unchanged data is served from the cache: the key holds every assessment's
revision, which rises with each change, so a cached file can never be stale. The cache is
the object store, so every application server and worker shares it. Long builds run on the
task queue: the country reports are built ahead when a review is completed or an
assessment finalized, and the cross-country workbook fans out, one task per chunk of
assessments reading and scoring them, then one task writing the workbook.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from questionnaire.domain.assessment import WorkflowStatus
from questionnaire.domain.reports import (
    CountryPart,
    CountryRow,
    Labels,
    Layout,
    TidyShares,
    country_part,
    render_tidy_rows,
    write_country_report,
    write_secretariat_parts,
    write_secretariat_report,
)
from questionnaire.domain.scoring import score_assessment
from questionnaire.models import Assessment, Job, JobStatus, User
from questionnaire.services import access, jobs
from questionnaire.services.accounts import Actor
from questionnaire.services.audit import record
from questionnaire.services.bank_store import question_bank_by_edition_id
from questionnaire.services.snapshots import snapshot_of, snapshots_of
from questionnaire.services.transactions import transaction
from questionnaire.storage import MissingObject, Storage

logger = logging.getLogger(__name__)

# Raise when the layout of a workbook changes, so cached files of the old layout are not served.
REPORT_LAYOUT = 3
LANGUAGES = ("zh", "en")
REPORTS_PREFIX = "reports/"
# Assessments read and scored by one task of the cross-country fan-out: small enough that
# two workers share 195 assessments evenly, large enough that a task's start-up is noise.
CHUNK_SIZE = 20

COUNTRY_TASK = "reports.country"
CROSS_COUNTRY_TASK = "reports.cross_country"


class ReportError(ValueError):
    """A report cannot be made as asked; the message says why."""


def require_report_access(session: Session, user: User, assessment: Assessment) -> None:
    """The secretariat, the assigned reviewers once they may read the answers, and the
    country itself once finalized."""
    if access.is_secretariat(user):
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
    data: bytes
    download_name: str
    from_cache: bool


def country_report(
    session: Session,
    user: User,
    assessment: Assessment,
    language: str,
    storage: Storage,
) -> BuiltReport:
    """The per-country workbook, from the cache when nothing changed since it was built."""
    language = _language(language)
    require_report_access(session, user, assessment)
    data, cached = _country_file(session, assessment, language, storage)
    name = f"gap-report-{assessment.state_party_code}-{assessment.review_year}-{language}.xlsx"
    with transaction(session):
        record(
            session,
            Actor.of(user),
            "export.country_report",
            assessment,
            {"language": language, "from_cache": cached},
        )
    return BuiltReport(data, name, cached)


def country_cache_key(assessment: Assessment, language: str) -> str:
    bank_checksum = assessment.bank_edition.checksum
    key = _key("country", assessment.id, assessment.revision, language, bank_checksum)
    return f"{REPORTS_PREFIX}country-{assessment.id}-{key}.xlsx"


def _country_file(
    session: Session, assessment: Assessment, language: str, storage: Storage
) -> tuple[bytes, bool]:
    """The cached workbook, built and stored first unless it exists; and whether it existed."""
    key = country_cache_key(assessment, language)
    try:
        return storage.get(key), True
    except MissingObject:
        pass
    snapshot = snapshot_of(session, assessment)
    buffer = io.BytesIO()
    write_country_report(snapshot, score_assessment(snapshot), buffer, language)
    storage.put(key, buffer.getvalue())
    return buffer.getvalue(), False


# Built ahead at the steps after which people download reports: their first download is then
# served from the cache.
PREBUILT_AT = frozenset({WorkflowStatus.REVIEW_COMPLETED, WorkflowStatus.FINALIZED})


def prebuild_country_reports(session: Session, user: User, assessment: Assessment) -> Job:
    """Queue the building of the assessment's reports in both languages. Nothing is
    audited until someone downloads; a failure only means the download builds them."""
    with transaction(session):
        job = jobs.create(session, user, COUNTRY_TASK, {"assessment_id": assessment.id})
    jobs.send(job)  # after the commit, so the worker finds the job
    return job


def build_country_reports(sessions: sessionmaker[Session], storage: Storage, job_id: str) -> None:
    """The worker's half of `prebuild_country_reports`."""
    with sessions() as session:
        job = session.get(Job, job_id)
        assessment = session.get(Assessment, job.parameters["assessment_id"]) if job else None
        if job is None or assessment is None:
            return
        jobs.set_total(sessions, job_id, len(LANGUAGES))
        for language in LANGUAGES:
            _country_file(session, assessment, language, storage)
            jobs.advance(sessions, job_id, 1)
    jobs.finish(sessions, job_id, None, None)


# The cross-country workbook.


def cross_country_key(session: Session, language: str) -> str:
    revisions = session.execute(
        select(Assessment.id, Assessment.revision).order_by(Assessment.id)
    ).all()
    key = _key("secretariat", language, *(f"{i}:{r}" for i, r in revisions))
    return f"{REPORTS_PREFIX}secretariat-{key}.xlsx"


def _cross_country_name(language: str) -> str:
    return f"cross-country-gap-analysis-{language}.xlsx"


def build_cross_country(
    session: Session, user: User, language: str, storage: Storage
) -> BuiltReport:
    """The cross-country workbook built here, in one process (the command line's way)."""
    access.require_secretariat(user, "the cross-country workbook is the secretariat's")
    language = _language(language)
    key = cross_country_key(session, language)
    ids = workbook_order(session)
    if not ids:
        raise ReportError("there is no assessment to report on yet")
    try:
        data, cached = storage.get(key), True
    except MissingObject:
        buffer = io.BytesIO()
        write_secretariat_report(
            country_rows(session, ids), buffer, language=language, total=len(ids)
        )
        data, cached = buffer.getvalue(), False
        storage.put(key, data)
    with transaction(session):
        _audit_cross_country(session, Actor.of(user), language, len(ids), cached)
    return BuiltReport(data, _cross_country_name(language), cached)


def start_cross_country(session: Session, user: User, language: str) -> Job:
    """Queue the cross-country workbook; its progress page follows the returned job."""
    if not access.is_secretariat(user):
        raise access.NotFound("cross-country workbook")
    with transaction(session):
        job = jobs.create(session, user, CROSS_COUNTRY_TASK, {"language": _language(language)})
    jobs.send(job)  # after the commit, so the worker finds the job
    return job


@dataclass(frozen=True)
class CrossCountryPlan:
    job_id: str
    language: str
    cache_key: str
    ids: list[int]
    bank_version_id: int
    bank_checksum: str

    @property
    def chunks(self) -> int:
        return (len(self.ids) + CHUNK_SIZE - 1) // CHUNK_SIZE

    def chunk(self, index: int) -> list[int]:
        return self.ids[index * CHUNK_SIZE : (index + 1) * CHUNK_SIZE]

    def part_key(self, index: int) -> str:
        return f"jobs/{self.job_id}/part-{index:04d}.json"

    def rows_key(self, index: int) -> str:
        return f"jobs/{self.job_id}/part-{index:04d}.rows.xml.z"


def plan_cross_country(
    sessions: sessionmaker[Session], storage: Storage, job_id: str
) -> CrossCountryPlan | None:
    """Fix what the workbook covers and how it is split; None when the cache has it."""
    with sessions() as session, transaction(session):
        job = session.get(Job, job_id)
        if job is None:
            return None
        language = job.parameters["language"]
        ids = workbook_order(session)
        if not ids:
            raise ReportError("there is no assessment to report on yet")
        first = session.get(Assessment, ids[0])
        assert first is not None
        plan = CrossCountryPlan(
            job_id,
            language,
            cross_country_key(session, language),
            ids,
            first.bank_version_id,
            first.bank_edition.checksum,
        )
        job.parameters = {**job.parameters, **_plan_parameters(plan)}
        # The total counts assessments only (it once counted the final write as one more
        # assessment: "8 of 8 assessments" when 7 existed). A plan made again after a
        # worker died keeps the parts already stored, so their assessments stay counted.
        job.progress_total = len(ids)
        job.progress_done = _assessments_stored(storage, plan)
    if storage.exists(plan.cache_key):
        _finish_cross_country(sessions, plan, cached=True)
        return None
    return plan


def _plan_parameters(plan: CrossCountryPlan) -> dict[str, object]:
    return {
        "cache_key": plan.cache_key,
        "ids": plan.ids,
        "bank_version_id": plan.bank_version_id,
        "bank_checksum": plan.bank_checksum,
    }


def _load_plan(session: Session, job_id: str) -> CrossCountryPlan | None:
    job = session.get(Job, job_id)
    if job is None or "ids" not in job.parameters:
        return None
    parameters = job.parameters
    return CrossCountryPlan(
        job_id,
        parameters["language"],
        parameters["cache_key"],
        list(parameters["ids"]),
        parameters["bank_version_id"],
        parameters["bank_checksum"],
    )


def _layout(session: Session, plan: CrossCountryPlan) -> Layout:
    bank = question_bank_by_edition_id(session, plan.bank_version_id, plan.bank_checksum)
    return Layout.from_bank(bank, Labels(plan.language))


def build_cross_country_part(
    sessions: sessionmaker[Session], storage: Storage, job_id: str, index: int
) -> None:
    """Read and score one chunk of assessments and store its cells (a worker's share).

    The tidy sheet's rows, nearly all of the workbook, are rendered here too, as
    SpreadsheetML, so that the workers share the writing as well as the reading. Idempotent:
    a chunk delivered again after its worker died is done again, or skipped when its part
    was stored already (the part is stored last, after its rows).
    """
    with sessions() as session:
        plan = _load_plan(session, job_id)
        if plan is None:
            return
        key = plan.part_key(index)
        if storage.exists(key):
            jobs.record_done(sessions, job_id, _assessments_stored(storage, plan))
            return
        layout = _layout(session, plan)
        ids = plan.chunk(index)
        parts = [country_part(layout, row) for row in country_rows(session, ids)]
    rendered = render_tidy_rows(parts)
    storage.put(plan.rows_key(index), zlib.compress(rendered.xml, 1))
    stored = {
        "tidy_rows": rendered.count,
        "parts": [replace(part, tidy_rows=()).to_json() for part in parts],
    }
    storage.put(key, json.dumps(stored, separators=(",", ":")).encode("utf-8"))
    # Counted from the parts in the store, not added up per delivery: a chunk delivered
    # twice (a worker died, or two ran it at once) is counted once.
    jobs.record_done(sessions, job_id, _assessments_stored(storage, plan))


def _assessments_stored(storage: Storage, plan: CrossCountryPlan) -> int:
    """How many of the plan's assessments have their part in the store."""
    return sum(
        len(plan.chunk(index))
        for index in range(plan.chunks)
        if storage.exists(plan.part_key(index))
    )


@dataclass(frozen=True)
class CrossCountryProgress:
    """What the progress page says: assessments read and scored out of those in the
    workbook, and whether the workbook itself is being written."""

    done: int
    total: int  # 0 until the job has fixed what the workbook covers

    @property
    def writing(self) -> bool:
        return self.total > 0 and self.done >= self.total


def cross_country_progress(job: Job) -> CrossCountryProgress:
    total = len(job.parameters.get("ids", ()))
    return CrossCountryProgress(min(job.progress_done, total), total)


class PartMissing(RuntimeError):
    """A chunk's part is not in storage yet: its task is still running or was redelivered."""


def assemble_cross_country(sessions: sessionmaker[Session], storage: Storage, job_id: str) -> None:
    """Write the workbook from every chunk's part, store it, and finish the job."""
    with sessions() as session:
        plan = _load_plan(session, job_id)
        if plan is None:
            return
        layout = _layout(session, plan)
    for index in range(plan.chunks):
        if not storage.exists(plan.part_key(index)):
            raise PartMissing(f"part {index} of job {job_id}")
    # Without their tidy rows the parts are small: a few kilobytes an assessment.
    stored = [json.loads(storage.get(plan.part_key(index))) for index in range(plan.chunks)]
    parts = [CountryPart.from_json(data) for chunk in stored for data in chunk["parts"]]
    rows = (zlib.decompress(storage.get(plan.rows_key(index))) for index in range(plan.chunks))
    tidy = TidyShares(sum(chunk["tidy_rows"] for chunk in stored), rows)

    buffer = io.BytesIO()
    write_secretariat_parts(layout, parts, buffer, total=len(plan.ids), tidy=tidy)
    storage.put(plan.cache_key, buffer.getvalue())
    _finish_cross_country(sessions, plan, cached=False)
    for index in range(plan.chunks):
        storage.delete(plan.part_key(index))
        storage.delete(plan.rows_key(index))


def _finish_cross_country(
    sessions: sessionmaker[Session], plan: CrossCountryPlan, *, cached: bool
) -> None:
    with sessions() as session, transaction(session):
        job = session.get(Job, plan.job_id)
        owner = session.get(User, job.owner_id) if job and job.owner_id else None
        actor = Actor.of(owner) if owner is not None else Actor("system")
        _audit_cross_country(session, actor, plan.language, len(plan.ids), cached)
    jobs.finish(sessions, plan.job_id, plan.cache_key, _cross_country_name(plan.language))


def _audit_cross_country(
    session: Session, actor: Actor, language: str, count: int, cached: bool
) -> None:
    record(
        session,
        actor,
        "export.secretariat_report",
        "secretariat",
        {"language": language, "assessments": count, "from_cache": cached},
    )


def job_file(storage: Storage, job: Job) -> bytes:
    """The finished job's workbook; gone from the cache means build it again."""
    if job.status is not JobStatus.DONE or not job.result_key:
        raise access.NotFound("job not finished")
    try:
        return storage.get(job.result_key)
    except MissingObject:
        raise ReportError(
            "this workbook has been removed from the cache since it was built; build it again"
        ) from None


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


def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise ReportError(f"reports are made in Chinese (zh) or English (en), not {language!r}")
    return language


def _key(*parts: object) -> str:
    text = "|".join(str(part) for part in (REPORT_LAYOUT, *parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
