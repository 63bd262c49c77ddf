"""Background jobs as rows: what a worker must do, how far it got, what came of it.

The web creates the row and puts only its id on the queue; the worker that takes the id
marks it running, reports progress and finishes it, in its own short transactions, so the
progress page on any application server reads the truth. A job is never "running" for
ever: each start counts an attempt, and after `MAX_ATTEMPTS` (a worker killed again and
again, or a fault that does not pass) it is marked failed with a message for the person.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from questionnaire.domain.answers import N_
from questionnaire.models import Job, JobStatus, User, utc_now
from questionnaire.services.access import NotFound
from questionnaire.services.transactions import transaction

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
GAVE_UP = N_("the work was interrupted too many times (a worker stopped); try again")


def create(session: Session, owner: User | None, kind: str, parameters: dict[str, Any]) -> Job:
    """A queued job in the session's transaction; the caller commits, then sends it."""
    job = Job(
        id=secrets.token_hex(12),
        kind=kind,
        owner_id=owner.id if owner is not None else None,
        parameters=parameters,
        status=JobStatus.QUEUED,
    )
    session.add(job)
    session.flush()
    return job


def job_for(session: Session, user: User, job_id: str) -> Job:
    """The person's own job; anyone else's, or none, is not found."""
    job = session.get(Job, job_id) if job_id.isalnum() and len(job_id) <= 32 else None
    if job is None or job.owner_id != user.id:
        raise NotFound(f"job {job_id}")
    return job


def begin(sessions: sessionmaker[Session], job_id: str) -> Job | None:
    """Mark the job running and count the attempt; None when there is nothing to do.

    Nothing to do: the job is gone, finished already (a message delivered twice), or has
    used up its attempts, in which case it is marked failed here.
    """
    with sessions() as session, transaction(session):
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        now = utc_now()
        job.attempts += 1
        if job.attempts > MAX_ATTEMPTS:
            job.status = JobStatus.FAILED
            job.error = GAVE_UP
            job.finished_at = now
            return None
        job.status = JobStatus.RUNNING
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        return job


def set_total(sessions: sessionmaker[Session], job_id: str, total: int) -> None:
    with sessions() as session, transaction(session):
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(progress_total=total, progress_done=0, heartbeat_at=utc_now())
        )


def advance(sessions: sessionmaker[Session], job_id: str, steps: int) -> None:
    """Count `steps` more done; several workers may advance one job at once."""
    with sessions() as session, transaction(session):
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(progress_done=Job.progress_done + steps, heartbeat_at=utc_now())
        )


def record_done(sessions: sessionmaker[Session], job_id: str, done: int) -> None:
    """Count `done` steps finished in all, a figure worked out from what is stored: it
    only ever rises, whichever of several workers reports last."""
    with sessions() as session, transaction(session):
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.progress_done < done)
            .values(progress_done=done, heartbeat_at=utc_now())
        )


def finish(
    sessions: sessionmaker[Session], job_id: str, result_key: str | None, result_name: str | None
) -> None:
    with sessions() as session, transaction(session):
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                status=JobStatus.DONE,
                result_key=result_key,
                result_name=result_name,
                progress_done=Job.progress_total,
                finished_at=utc_now(),
                error=None,
            )
        )


def fail(sessions: sessionmaker[Session], job_id: str, message: str) -> None:
    """Mark the job failed with a message the person reads on the progress page."""
    with sessions() as session, transaction(session):
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status != JobStatus.DONE)
            .values(status=JobStatus.FAILED, error=message[:2000], finished_at=utc_now())
        )


def waiting_too_long(
    session: Session, now: dt.datetime, *, queued_for: dt.timedelta, silent_for: dt.timedelta
) -> list[Job]:
    """Jobs whose message may have been lost: queued and never started (the broker was
    down when they were sent), or running with no sign of life for longer than any task
    takes (their worker died and the broker has not handed the message on)."""
    return list(
        session.scalars(
            select(Job).where(
                ((Job.status == JobStatus.QUEUED) & (Job.created_at < now - queued_for))
                | ((Job.status == JobStatus.RUNNING) & (Job.heartbeat_at < now - silent_for))
            )
        )
    )


def send(job: Job) -> bool:
    """Put the job's id on the queue; False when the broker cannot be reached.

    The job is committed before it is sent, so a worker always finds its row. When the
    broker is down the row stays queued, and the scheduler sends it again once the broker
    is back (`resend_waiting`), so the person's request is not lost.
    """
    from celery import current_app as celery

    try:
        celery.tasks[job.kind].apply_async(args=[job.id])
    except Exception:  # noqa: BLE001 - kombu's errors differ per transport
        logger.warning("could not send job %s (%s) to the broker", job.id, job.kind, exc_info=True)
        return False
    return True


def resend_waiting(
    sessions: sessionmaker[Session], now: dt.datetime, *, after: int, visibility: int
) -> int:
    """Send again the jobs whose message may have been lost; returns how many."""
    with sessions() as session:
        waiting = waiting_too_long(
            session,
            now,
            queued_for=dt.timedelta(seconds=after),
            silent_for=dt.timedelta(seconds=2 * visibility),
        )
        session.expunge_all()
    return sum(send(job) for job in waiting)
