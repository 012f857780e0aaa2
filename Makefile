# Postern — the two commands: `make run` (serve the console) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export PORT ?= 8000

.PHONY: run dev test bench venv test-deps clean

$(VENV)/.runtime-installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --disable-pip-version-check -q -r requirements.txt
	@touch $@

$(VENV)/.test-installed: requirements.txt requirements-test.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --disable-pip-version-check -q -r requirements-test.txt
	@touch $@ $(VENV)/.runtime-installed

venv: $(VENV)/.runtime-installed

run: $(VENV)/.runtime-installed
	$(PY) -m console.launcher

dev: $(VENV)/.runtime-installed
	$(PY) -m console.launcher --dev

test-deps: $(VENV)/.test-installed
	@command -v chromium >/dev/null || test -x /usr/bin/chromium || { \
	  echo "Installing Debian chromium for the browser tests…"; \
	  (apt-get update -q && apt-get install -y -q chromium) >/dev/null || { echo "Could not install chromium: run 'apt-get install -y chromium' as root"; exit 1; }; }
	@command -v xgettext >/dev/null || { \
	  echo "Installing Debian gettext for the translation catalogue test…"; \
	  (apt-get update -q && apt-get install -y -q gettext) >/dev/null || { echo "Could not install gettext: run 'apt-get install -y gettext' as root"; exit 1; }; }
	@cd tests/node && { test -d node_modules -a node_modules/.package-lock.json -nt package-lock.json || npm ci --no-audit --no-fund --loglevel=error; }

# Everything on PostgreSQL, then the OIDC tests again on SQLite (`make run`'s default database).
test: test-deps
	$(PY) tests/ensure_services.py -- $(PY) -m pytest $(PYTEST_ARGS)
	rm -rf data/test-sqlite
	$(PY) tests/ensure_services.py -- env DATABASE_URL=sqlite:///$(CURDIR)/data/test-sqlite/postern.sqlite3 \
	  POSTERN_DATA_DIR=$(CURDIR)/data/test-sqlite $(PY) -m pytest tests/oidc $(PYTEST_ARGS)

bench: $(VENV)/.test-installed
	@cd bench/node && { test -d node_modules -a node_modules/.package-lock.json -nt package-lock.json || npm ci --no-audit --no-fund --loglevel=error; }
	$(PY) tests/ensure_services.py -- $(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data
