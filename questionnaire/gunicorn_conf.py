"""How gunicorn serves the application: `gunicorn -c python:questionnaire.gunicorn_conf
wsgi:app` (what `make run` does).

gevent workers: each connection is a greenlet, so a client that sends its request slowly
(one header line a second, a slow mobile link, or someone trying to tie the server up)
costs a little memory, not a whole worker. With sync workers, three such clients held both
workers and `/healthz` waited 34 s. psycopg 3 cooperates with gevent by itself (3.1.14 and
later); SQLite calls are short and block only their own worker.
Behind a reverse proxy that buffers requests (nginx's default), sync workers would do too.
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gevent"
worker_connections = 500
# A request's headers must arrive within this many seconds, however slowly they trickle.
timeout = 30
graceful_timeout = 20
keepalive = 5
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
