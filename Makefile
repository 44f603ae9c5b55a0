# Two commands for a new user: `make run` and `make test`. `make bench` runs the benchmark.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export FLASK_APP := exercise_app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench install db lint chromium clean

$(STAMP): setup.cfg pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

db: install
	$(VENV)/bin/flask db upgrade
	$(VENV)/bin/flask library sync
	$(VENV)/bin/flask summaries rebuild
	$(VENV)/bin/flask seed-demo

run: db
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C stops; the demo logins are above)"
	$(VENV)/bin/flask run --host $(HOST) --port $(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy exercise_app/domain $(addprefix exercise_app/library/,schema.py loader.py figure.py labels.py sync.py)

chromium:
	@./scripts/ensure-chromium

# One pytest worker per core, 8 at most (pytest-xdist); each has its own databases
# (tests/conftest.py: a PostgreSQL database and a Redis database counted down from 15).
test: install chromium lint
	$(VENV)/bin/pytest -n auto --maxprocesses 8 $(PYTEST_ARGS)

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
