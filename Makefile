# Two commands for a newcomer: `make run` (demo on SQLite) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev translations extract-messages lint migrate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Compile the message catalogues (.po -> .mo).
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d translations -D messages
	$(BIN)/pybabel compile --statistics -d translations -D wtforms

## Re-extract UI strings and merge them into the catalogues (then translate the new ones).
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages --no-fuzzy-matching

## Install, migrate the SQLite database, load demo data once, serve on http://127.0.0.1:5000
run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) seed demo --if-empty --visits 100000
	$(FLASK) run --host $(HOST) --port $(PORT)

## Install the dev extras and run the whole test suite.
test: $(VENV)/.installed-dev translations
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check vaerested tests benchmarks
	$(BIN)/ruff format --check vaerested tests benchmarks

migrate: $(VENV)/.installed
	$(FLASK) db upgrade
