# fieldapp — `make run` to serve the demo (gunicorn + job worker), `make dev` with the reloader, `make test` to run every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_SUBJECTS ?= 20000

.PHONY: install system-deps python-deps node-deps assets translations db demo run dev lint test bench clean

install: system-deps python-deps assets translations

system-deps:
	@bash tools/install-system-deps.sh

python-deps: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

node-deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Front-end libraries come from the npm registry and are copied here, never committed.
assets: node-deps
	@$(PY) tools/build_assets.py

translations: python-deps
	@for dir in fieldapp/*/translations; do \
	  [ -d "$$dir" ] && $(VENV)/bin/pybabel -q compile -d "$$dir" --use-fuzzy || exit 1; \
	done

db: install
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo load --subjects $(DEMO_SUBJECTS)

# gunicorn (gunicorn.conf.py) and the job worker (Huey) side by side; Ctrl-C stops both.
run: demo
	HOST=$(HOST) PORT=$(PORT) $(PY) -m fieldapp.serve

# Flask's reloading development server and the job worker.
dev: demo
	HOST=$(HOST) PORT=$(PORT) $(PY) -m fieldapp.serve --dev

# ruff (lint) and mypy on fieldapp/, configured in pyproject.toml; either failing fails `make test`.
lint: python-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: install lint
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# make bench PROVINCE=1 [PROVINCE_SCALE=0.1]: the provincial bench alone (bench/bench_province.py, PostgreSQL).
bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache
