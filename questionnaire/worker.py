"""Entry point of the task queue's processes:

    celery -A questionnaire.worker worker   # any number, on any host
    celery -A questionnaire.worker beat     # exactly one: the periodic tasks

Both read the same settings as the web servers (DATABASE_URL, REDIS_URL, STORAGE_URL...).
"""

from __future__ import annotations

import sys

from questionnaire import create_app
from questionnaire.config import ConfigError

try:
    flask_app = create_app()
except ConfigError as error:
    print(f"Cannot start: {error}", file=sys.stderr)
    raise SystemExit(2) from None

celery = flask_app.extensions["celery"]
