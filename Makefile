# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run dev test quick lint format bench install translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d questionnaire/translations

# Everything `make run` needs before serving: schema, bank, state parties, demo accounts.
prepare: install
	QUESTIONNAIRE_ENV=$${QUESTIONNAIRE_ENV:-development} $(BIN)/flask db upgrade
	QUESTIONNAIRE_ENV=$${QUESTIONNAIRE_ENV:-development} $(BIN)/flask states load
	QUESTIONNAIRE_ENV=$${QUESTIONNAIRE_ENV:-development} $(BIN)/flask bank load
	QUESTIONNAIRE_ENV=$${QUESTIONNAIRE_ENV:-development} $(BIN)/flask demo --countries 6 --seed 2021

# The web server in the foreground and one task worker (with the scheduler) beside it, on
# the embedded broker (SQLite files in instance/) unless REDIS_URL names a Redis.
run: prepare
	@echo "Serving on http://$(HOST):$(PORT)/ (gunicorn, 2 gevent workers)."
	@echo "Task worker and scheduler: celery, log in instance/worker.log. Ctrl-C stops both."
	@export QUESTIONNAIRE_ENV=$${QUESTIONNAIRE_ENV:-development}; \
	$(BIN)/celery -A questionnaire.worker worker --beat --concurrency 1 --loglevel INFO \
		--logfile instance/worker.log & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn -c python:questionnaire.gunicorn_conf --bind $(HOST):$(PORT) wsgi:app

dev: prepare
	QUESTIONNAIRE_ENV=development $(BIN)/flask run --debug --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r questionnaire -lll

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Every test's time goes to test-output/junit-$(TEST_RUN).xml; the slowest 20 are printed.
TEST_RUN ?= sqlite
test: lint
	$(BIN)/python -m pytest --durations=20 --junitxml=test-output/junit-$(TEST_RUN).xml

# The edit loop (under a minute here): the domain and the fast web tests, without the tests
# marked slow, stopping at the first failure. `make test` runs everything, as CI does.
quick: install
	$(BIN)/python -m pytest -x -q -m "not slow" --durations=5 \
		tests/domain tests/web/test_exports.py tests/web/test_jobs_and_storage.py

# Prints the table and writes benchmarks/results.json; PostgreSQL too when DATABASE_URL names
# one. Options: make bench BENCH_ARGS="--runs 5" (see python -m benchmarks --help).
bench: install
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

# Refresh the Chinese catalogue after changing interface strings, then translate the new ones.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o /tmp/questionnaire-messages.pot questionnaire
	$(BIN)/pybabel update -i /tmp/questionnaire-messages.pot -d questionnaire/translations -w 100
