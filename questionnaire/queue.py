"""The task queue: Celery, configured from the application's settings.

Web servers put a job's id on the queue; workers (`celery -A questionnaire.worker worker`),
any number on any host, take it and do the work; the scheduler (`celery -A
questionnaire.worker beat`) starts the periodic tasks. With REDIS_URL set, Redis carries
the messages and the chord results; without it, SQLite files in the instance folder do,
which needs no server but serves one machine only (what `make run` uses). In the test
suite tasks run in the calling process (eager), unless a test asks for real workers.

This is the pattern Flask documents ("Background Tasks with Celery"): each task runs
inside the application context, so it reaches the same database and storage as a view.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Celery, Task
from flask import Flask
from kombu.utils.url import maybe_sanitize_url

from questionnaire.config import ConfigError

# How a job is retried after a fault that may pass (database or store unreachable): the
# waits between attempts, in seconds. After the last one the job is marked failed.
RETRY_DELAYS = (2, 10, 30, 60)


def init_queue(app: Flask) -> Celery:
    """Make the application's Celery instance and keep it in `app.extensions["celery"]`."""

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    config = app.config
    celery = Celery(app.import_name, task_cls=FlaskTask)
    broker = config["BROKER_URL"]
    visibility = config["QUEUE_VISIBILITY_TIMEOUT"]
    celery.conf.update(
        broker_url=broker,
        result_backend=config["RESULT_BACKEND"],
        task_always_eager=config["QUEUE_EAGER"],
        task_eager_propagates=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # A message is acknowledged only when its task has finished: a worker that dies
        # mid-task (deploy, crash, SIGKILL) leaves it to be delivered again to another.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Redis hands an unacknowledged message to another worker after this long; it
        # must exceed the longest task (the cross-country assembly takes seconds).
        broker_transport_options=_transport_options(broker, visibility),
        result_expires=timedelta(days=1),
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        # A web request that cannot reach the broker gives up within seconds; the job
        # stays queued in the database and the scheduler sends it again later.
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 1,
        },
        worker_hijack_root_logger=False,
        beat_schedule={
            "send-waiting-jobs-again": {
                "task": "jobs.resend_waiting",
                "schedule": timedelta(seconds=config["QUEUE_RESEND_SECONDS"]),
            },
            "collect-storage-garbage": {
                "task": "storage.collect_garbage",
                "schedule": timedelta(hours=1),
            },
        },
        beat_schedule_filename=str(app.instance_path + "/celerybeat-schedule"),
    )
    if broker.startswith("sqla+sqlite") or str(config["RESULT_BACKEND"]).startswith("db+sqlite"):
        # Chords on the SQL result store poll for their parts; poll often, they are few.
        celery.conf.update(result_chord_retry_interval=0.2)
    celery.set_default()
    app.extensions["celery"] = celery

    from questionnaire import tasks  # noqa: F401  (registers the tasks)

    return celery


def _transport_options(broker: str, visibility: int) -> dict[str, Any]:
    """Redis redelivers a message its worker never acknowledged after `visibility` seconds,
    and each worker looks for such messages every few seconds (kombu's default is every
    hundred seconds or so, too slow for a person waiting on a progress page). The SQL
    transport of the embedded default takes no such options."""
    if not broker.startswith(("redis://", "rediss://")):
        return {}
    return {
        "visibility_timeout": visibility,
        "unacked_restore_interval": max(1, min(10, visibility // 2)),
        "unacked_restore_throttle": 1,
    }


def reach_broker(celery: Celery, timeout: float) -> None:
    """Return when the broker answers (or tasks run in this process); raise when not."""
    if celery.conf.task_always_eager:
        return
    with celery.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=timeout)


def check_broker(celery: Celery) -> None:
    """Fail with one sentence naming the setting when the broker does not answer."""
    try:
        reach_broker(celery, timeout=3)
    except Exception as error:  # noqa: BLE001 - any transport's failure means the same
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        raise ConfigError(
            f"cannot reach the task broker at "
            f"BROKER_URL={maybe_sanitize_url(celery.conf.broker_url)} ({reason}); "
            "start it, or set REDIS_URL (or BROKER_URL) to one that answers."
        ) from None
