"""The tasks workers run. Each is a thin wrapper: the message carries a job's id, the
service does the work, and `_run_job` turns faults into retries or a failed job.

Faults that may pass (the database or the store unreachable for a moment) are retried
with growing waits; anything else fails the job at once with a message for the person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Task, chord, shared_task
from flask import current_app
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from questionnaire.domain.answers import N_
from questionnaire.models import utc_now
from questionnaire.queue import RETRY_DELAYS
from questionnaire.services import jobs, reports, retention
from questionnaire.storage import Storage, StorageError

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError, StorageError, reports.PartMissing)
UNEXPECTED = N_("an unexpected error stopped the work; the technical log has the details")


def _sessions() -> sessionmaker[Session]:
    return current_app.extensions["database"].sessions


def _storage() -> Storage:
    return current_app.extensions["storage"]


def _retry_or_fail(task: Task, job_id: str, error: Exception) -> None:
    retries = task.request.retries
    if retries < len(RETRY_DELAYS):
        logger.warning("job %s: %s; retrying in %s s", job_id, error, RETRY_DELAYS[retries])
        raise task.retry(exc=error, countdown=RETRY_DELAYS[retries], max_retries=None)
    jobs.fail(_sessions(), job_id, _person_message(error))


def _person_message(error: Exception) -> str:
    if isinstance(error, StorageError):
        return N_("the file store could not be reached; try again later")
    if isinstance(error, OperationalError | InterfaceError):
        return N_("the database could not be reached; try again later")
    return UNEXPECTED


def _run_job(task: Task, job_id: str, work: Callable[[], Any]) -> Any:
    """Start the job (counting the attempt), do the work, and turn faults into outcomes."""
    if jobs.begin(_sessions(), job_id) is None:
        return None
    try:
        return work()
    except reports.ReportError as refusal:
        jobs.fail(_sessions(), job_id, str(refusal))
    except TRANSIENT as error:
        _retry_or_fail(task, job_id, error)
    except Exception:
        logger.exception("job %s failed", job_id)
        jobs.fail(_sessions(), job_id, UNEXPECTED)
    return None


@shared_task(bind=True, name=reports.COUNTRY_TASK)
def build_country_reports(self: Task, job_id: str) -> None:
    _run_job(self, job_id, lambda: reports.build_country_reports(_sessions(), _storage(), job_id))


@shared_task(bind=True, name=reports.CROSS_COUNTRY_TASK)
def build_cross_country(self: Task, job_id: str) -> None:
    """Plan the workbook, then fan out: one task per chunk, one to assemble them."""

    def work() -> None:
        plan = reports.plan_cross_country(_sessions(), _storage(), job_id)
        if plan is None:
            return
        header = [cross_country_part.si(job_id, index) for index in range(plan.chunks)]
        chord(header)(assemble_cross_country.si(job_id))

    _run_job(self, job_id, work)


@shared_task(bind=True, name="reports.cross_country_part", ignore_result=False)
def cross_country_part(self: Task, job_id: str, index: int) -> None:
    try:
        reports.build_cross_country_part(_sessions(), _storage(), job_id, index)
    except TRANSIENT as error:
        _retry_or_fail(self, job_id, error)
        raise
    except Exception:
        logger.exception("job %s, part %s failed", job_id, index)
        jobs.fail(_sessions(), job_id, UNEXPECTED)
        raise


@shared_task(bind=True, name="reports.cross_country_assemble")
def assemble_cross_country(self: Task, job_id: str) -> None:
    try:
        reports.assemble_cross_country(_sessions(), _storage(), job_id)
    except TRANSIENT as error:
        _retry_or_fail(self, job_id, error)
    except Exception:
        logger.exception("job %s: assembling the workbook failed", job_id)
        jobs.fail(_sessions(), job_id, UNEXPECTED)


@shared_task(bind=True, name="scores.rescore")
def rescore(self: Task, job_id: str) -> None:
    from questionnaire.services import scoring  # pandas: loaded by workers, not web servers

    _run_job(self, job_id, lambda: scoring.run_rescore_job(_sessions(), job_id))


@shared_task(name="jobs.resend_waiting")
def resend_waiting() -> int:
    config = current_app.config
    return jobs.resend_waiting(
        _sessions(),
        utc_now(),
        after=config["QUEUE_RESEND_SECONDS"],
        visibility=config["QUEUE_VISIBILITY_TIMEOUT"],
    )


@shared_task(name="storage.collect_garbage")
def collect_garbage() -> int:
    removed = retention.collect_garbage(
        _sessions(), _storage(), retention.Policy.from_config(current_app.config), utc_now()
    )
    for removal in removed:
        logger.info("storage: removed %s (%s)", removal.key, removal.reason)
    return len(removed)
