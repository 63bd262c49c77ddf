# Two commands on a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run dev test lint format bench install translations clean

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

run: prepare
	@echo "Serving on http://$(HOST):$(PORT)/ (gunicorn, 2 workers). Ctrl-C stops it."
	QUESTIONNAIRE_ENV=$${QUESTIONNAIRE_ENV:-development} $(BIN)/gunicorn --workers 2 \
		--bind $(HOST):$(PORT) --access-logfile - wsgi:app

dev: prepare
	QUESTIONNAIRE_ENV=development $(BIN)/flask run --debug --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r questionnaire -lll

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest

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
