# `make run` and `make test` do all set-up on a fresh machine with Python 3.11+ and make.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Use uv from PATH if there is one, otherwise bootstrap a private copy into .uv/.
UV := $(or $(shell command -v uv 2>/dev/null),.uv/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
CELERY := $(VENV)/bin/celery
PYTEST_ARGS ?=
# Two workers: one sends (the default "celery" queue), one runs only the outbox's dispatcher
# (its own "dispatch" queue, clinic/settings.py), so a backlog of sends never delays the
# dispatch that brings a crashed worker's emails back.
WORKER := $(CELERY) -A clinic worker --loglevel=INFO --concurrency=2 -Q celery -n send@%h
DISPATCHER := $(CELERY) -A clinic worker --loglevel=INFO --concurrency=1 -Q dispatch -n dispatch@%h
BEAT := $(CELERY) -A clinic beat --loglevel=INFO
# A local, stateful Stripe (no money, no network) for the payment step; the keys default to it.
LOCALSTRIPE := $(VENV)/bin/localstripe --port 8420

.PHONY: help setup run test worker beat lint format clean

help:
	@echo "make run    - set up, migrate, load demo data, serve http://127.0.0.1:8000 with the Celery workers (send, dispatch), beat and a local Stripe"
	@echo "make test   - set up and run the test suite (SQLite by default; DATABASE_URL / CELERY_BROKER_URL switch)"
	@echo "make lint   - ruff: lint and check formatting (make format rewrites the files)"
	@echo "make worker - the Celery workers alone, send and dispatch (for a separate web server, or docker-compose's shape)"
	@echo "make beat   - Celery beat alone"

.uv/bin/uv:
	python3 -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	touch $@

# axe-core for the browser tests' accessibility scans, which fail without it. No npm is an
# error when the browser tests will run (Chromium is installed); without Chromium they skip.
node_modules/.installed: package.json package-lock.json
	if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent && touch $@; \
	elif [ -x /usr/bin/chromium ]; then echo "npm not found: the browser tests need axe-core from npm (install Node.js and npm, then make test)" >&2; exit 1; \
	else echo "npm not found and no Chromium: the browser tests will be skipped"; fi

setup: $(VENV)/.synced
	mkdir -p var/celery/queue var/celery/control var/celery/results var/outbox

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Emails are written to var/outbox/. Test payments go to a local Stripe (card 4242 4242 4242 4242)."
	@echo "Ctrl-C stops the web server, workers, beat and the local Stripe."
	trap 'kill $$(jobs -p) 2>/dev/null || true' EXIT; \
	$(LOCALSTRIPE) >var/localstripe.log 2>&1 & \
	$(WORKER) & $(DISPATCHER) & $(BEAT) & \
	$(PY) manage.py stripe_local_webhook & \
	$(PY) manage.py runserver 127.0.0.1:8000

worker: setup
	trap 'kill $$(jobs -p) 2>/dev/null || true' EXIT; \
	$(WORKER) & $(DISPATCHER) & wait -n

beat: setup
	$(BEAT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: setup node_modules/.installed
	$(VENV)/bin/pytest $(PYTEST_ARGS)

clean:
	rm -rf var staticfiles test-artifacts .pytest_cache
