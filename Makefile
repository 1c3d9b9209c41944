# The README's two commands: `make demo` and `make test`. Each sets up what it needs.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python

.PHONY: help bootstrap demo celery-demo test test-unit audit services-up services-down services-status sample-site

help:
	@echo "make demo      crawl → archive → index the bundled sample site via Airflow, then a sample search"
	@echo "make test      the whole test suite against real Elasticsearch, S3 (S3Proxy) and Airflow"
	@echo "make celery-demo the DAG on the CeleryExecutor stack (Redis, PostgreSQL, 2 workers), a worker killed mid-crawl"
	@echo "make test-unit only the tests that need no services"
	@echo "make audit     pip-audit over requirements.lock (fails on known vulnerabilities)"
	@echo "make services-up / services-down / services-status   (python -m govpub_dev services up|down|status|reset)"
	@echo "make sample-site serve the bundled sample bureaus on http://127.0.0.1:8765"

bootstrap:
	@bash infra/bootstrap.sh

demo: bootstrap
	$(PY) -m govpub_dev demo

# docs/celery.md; the stack keeps running afterwards (UI on :8093): `make services-down` stops it
celery-demo: bootstrap
	$(PY) -m govpub_dev celery-demo --kill-crawl-worker

test: bootstrap
	$(PY) -m govpub_dev services up
	$(VENV)/bin/pytest -q -p no:cacheprovider --durations=25 tests

# Dependency audit of requirements.lock (govpub_dev/audit.py): 0 clean, 1 vulnerable, 3 NOT audited (service unreachable).
audit: bootstrap
	$(PY) -m govpub_dev.audit

test-unit: bootstrap
	$(VENV)/bin/pytest -q tests/unit

services-up: bootstrap
	$(PY) -m govpub_dev services up

services-down:
	$(PY) -m govpub_dev services down

services-status:
	$(PY) -m govpub_dev services status

sample-site: bootstrap
	$(PY) -m govpub_dev sample-site --port 8765
