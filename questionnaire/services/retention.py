"""What storage keeps, and for how long: so the store holds only what someone may still ask
for, and never grows without bound.

- Offline-import uploads are kept until applied or until they expire (IMPORT_STASH_HOURS).
- Built reports are a cache: removed after REPORT_CACHE_DAYS, and the oldest first once
  they take more than REPORT_CACHE_MB (a removed report is simply built again).
- Files that no row refers to (an upload whose transaction failed, the parts of a job that
  ended) are removed once they are older than a grace period, so a file being written
  while the collector runs is never taken.

The scheduler runs `collect_garbage` hourly; `flask --app wsgi storage gc [--dry-run]` runs
it by hand and prints what it removes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from questionnaire.models import Evidence, ImportStash, Job, JobStatus
from questionnaire.services.transactions import transaction
from questionnaire.storage import Storage, StoredObject

EVIDENCE_PREFIX = "evidence/"
IMPORTS_PREFIX = "imports/"
REPORTS_PREFIX = "reports/"
JOBS_PREFIX = "jobs/"
PROBE_PREFIX = "probe/"


@dataclass(frozen=True)
class Policy:
    stash_lifetime: dt.timedelta
    report_max_age: dt.timedelta
    report_max_bytes: int
    grace: dt.timedelta = dt.timedelta(hours=1)
    forget_stashes_after: dt.timedelta = dt.timedelta(days=30)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Policy:
        return cls(
            stash_lifetime=dt.timedelta(hours=config["IMPORT_STASH_HOURS"]),
            report_max_age=dt.timedelta(days=config["REPORT_CACHE_DAYS"]),
            report_max_bytes=config["REPORT_CACHE_BYTES"],
        )


@dataclass(frozen=True)
class Removal:
    key: str
    size: int
    reason: str


def collect_garbage(
    sessions: sessionmaker[Session],
    storage: Storage,
    policy: Policy,
    now: dt.datetime,
    *,
    dry_run: bool = False,
) -> list[Removal]:
    """Remove what is no longer needed; with `dry_run`, only say what that would be."""
    removals: list[Removal] = []
    with sessions() as session, transaction(session):
        removals += _finished_stashes(session, storage, now, dry_run)
        referenced = _referenced_keys(session)
        active_jobs = set(
            session.scalars(
                select(Job.id).where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
            )
        )
        if not dry_run:
            session.execute(
                delete(ImportStash).where(
                    ImportStash.removed_at < now - policy.forget_stashes_after
                )
            )

    def old(stored: StoredObject) -> bool:
        return now - stored.modified > policy.grace

    orphans = (
        (EVIDENCE_PREFIX, "no evidence refers to it"),
        (IMPORTS_PREFIX, "no import upload refers to it"),
        (PROBE_PREFIX, "a readiness probe left behind"),
    )
    for prefix, reason in orphans:
        for stored in storage.list(prefix):
            if stored.key not in referenced and old(stored):
                removals.append(_remove(storage, stored, reason, dry_run))
    for stored in storage.list(JOBS_PREFIX):
        job_id = stored.key.split("/")[1] if stored.key.count("/") >= 2 else ""
        if job_id not in active_jobs and old(stored):
            removals.append(_remove(storage, stored, "a part of a job that has ended", dry_run))
    removals += _report_cache(storage, policy, now, dry_run)
    return removals


def _finished_stashes(
    session: Session, storage: Storage, now: dt.datetime, dry_run: bool
) -> list[Removal]:
    removals = []
    stashes = session.scalars(
        select(ImportStash).where(
            ImportStash.removed_at.is_(None),
            (ImportStash.expires_at < now) | ImportStash.applied_at.is_not(None),
        )
    )
    for stash in stashes:
        reason = "import applied" if stash.applied_at else "import upload expired"
        removals.append(Removal(stash.storage_key, 0, reason))
        if not dry_run:
            storage.delete(stash.storage_key)
            stash.removed_at = now
    return removals


def _referenced_keys(session: Session) -> set[str]:
    evidence = {
        f"{EVIDENCE_PREFIX}{name}"
        for name in session.scalars(
            select(Evidence.stored_name).where(Evidence.stored_name.is_not(None))
        )
    }
    stashes = set(
        session.scalars(select(ImportStash.storage_key).where(ImportStash.removed_at.is_(None)))
    )
    return evidence | stashes


def _report_cache(
    storage: Storage, policy: Policy, now: dt.datetime, dry_run: bool
) -> list[Removal]:
    removals = []
    kept = []
    for stored in storage.list(REPORTS_PREFIX):
        if now - stored.modified > policy.report_max_age:
            removals.append(_remove(storage, stored, "cached report older than allowed", dry_run))
        else:
            kept.append(stored)
    total = sum(stored.size for stored in kept)
    for stored in sorted(kept, key=lambda stored: stored.modified):
        if total <= policy.report_max_bytes:
            break
        removals.append(_remove(storage, stored, "report cache over its size limit", dry_run))
        total -= stored.size
    return removals


def _remove(storage: Storage, stored: StoredObject, reason: str, dry_run: bool) -> Removal:
    if not dry_run:
        storage.delete(stored.key)
    return Removal(stored.key, stored.size, reason)
