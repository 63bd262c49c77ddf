"""The floor of the commitment page: a 50-field WTForms page from 50 database rows.

No application logic: no log-in, no access checks, no bank, no conditions. The same
framework, template engine, form library (with its CSRF token) and database do the same
kind of work, so the ratio of the two throughputs is what the application itself costs.
Serve with `gunicorn 'benchmarks.reference_app:create_app()'`; DATABASE_URL names the
database (any migrated one holding at least 50 answers).
"""

from __future__ import annotations

import os
import secrets

from flask import Flask, render_template
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from questionnaire.database import make_engine
from questionnaire.models import Answer

FIELDS = 50
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reference form</title></head>
<body><main><h1>Reference form</h1>
<form method="post">{{ form.csrf_token }}
{% for field in form if field.name != "csrf_token" %}
<div class="question">{{ field.label }} {{ field(maxlength=4000) }}</div>
{% endfor %}
<button type="submit">Save</button></form></main></body></html>"""


class ReferenceForm(FlaskForm):
    pass


for _number in range(FIELDS):
    setattr(ReferenceForm, f"field_{_number}", StringField(f"Question {_number + 1}"))


def create_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
    engine = make_engine(os.environ["DATABASE_URL"])
    query = select(Answer.question_id, Answer.value).order_by(Answer.id).limit(FIELDS)
    # Compiled once, as Flask's loader does for template files: compiling on every request
    # (render_template_string) made this floor about a sixth slower than it should be.
    page = app.jinja_env.from_string(PAGE)

    @app.get("/reference")
    def reference() -> str:
        with engine.connect() as connection:
            rows = connection.execute(query).all()
        data = {f"field_{n}": str(value) for n, (_question, value) in enumerate(rows)}
        return render_template(page, form=ReferenceForm(data=data))

    return app
