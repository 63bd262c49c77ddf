"""WSGI entry point for gunicorn and `flask --app wsgi`."""

from __future__ import annotations

import sys

from questionnaire import create_app
from questionnaire.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    print(f"Cannot start: {error}", file=sys.stderr)
    raise SystemExit(2) from None
