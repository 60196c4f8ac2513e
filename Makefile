# Netralitas — the two commands are `make run` and `make test`; the rest are their parts.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Two test processes: the suite is ~2x faster on CI's two cores (pytest-xdist).
PYTEST_ARGS ?= -n 2

# Debian packages: WeasyPrint needs Pango and HarfBuzz's subsetter (without it PDF
# writing is ~4x slower); tests drive Debian's Chromium, read PDFs back and run the
# app through a real PgBouncer in transaction mode.
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext
TEST_DEBS := $(RUN_DEBS) chromium zbar-tools poppler-utils redis-server pgbouncer nginx-light
# The signing and API benchmarks drive gunicorn with wrk and give it a Redis cache of its own.
BENCH_DEBS := $(RUN_DEBS) wrk redis-server

.PHONY: run test lint format bench-pdf bench-seal bench-secretariat bench-documents bench-signing bench-archive bench-api bench-webhooks bench-retention bench-bsre sysdeps sysdeps-test setup setup-dev messages clean

# HOST=0.0.0.0 serves the network and prints the LAN address and a QR code for a phone.
run: sysdeps setup
	@bin/run-dev $(HOST) $(PORT)

# On SQLite the test of several nodes (tests/nodes) is left out: PostgreSQL is what they
# share. On PostgreSQL (production's database) every test talks to its database through a real
# pgbouncer in transaction mode (tests/pgbouncer.py), with the app's setting for it; then
# the tests that touch stored files run a second time straight to PostgreSQL (the default
# settings: prepared statements, server-side cursors) with the files in a real
# S3-compatible server (moto's, on loopback: tests/s3.py).
S3_TESTS = tests/pledges tests/inspektorat tests/jobs tests/test_monitoring.py tests/lib/test_storages_pinned.py tests/privacy/test_retention.py

test: sysdeps-test setup-dev
	@case "$$DATABASE_URL" in \
	postgres*) \
		echo "PostgreSQL melalui PgBouncer (TEST_PGBOUNCER=1, DATABASE_TRANSACTION_POOLING=1)"; \
		TEST_PGBOUNCER=1 DATABASE_TRANSACTION_POOLING=1 DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest $(PYTEST_ARGS) && \
		echo "Penyimpanan S3 (TEST_STORAGE=s3): $(S3_TESTS)" && \
		TEST_STORAGE=s3 DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest $(PYTEST_ARGS) $(S3_TESTS);; \
	*) DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest $(PYTEST_ARGS) --ignore=tests/nodes;; \
	esac

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench-pdf: sysdeps setup-dev
	$(PY) bench/pdf.py $(BENCH_ARGS)

bench-seal: sysdeps setup-dev
	$(PY) bench/seal.py $(BENCH_ARGS)

# On a throw-away PostgreSQL database: BENCH_DATABASE_URL (bench/harness.py).
bench-secretariat: setup-dev
	$(PY) bench/secretariat.py $(BENCH_ARGS)

# The apel-day burst on gunicorn + PostgreSQL + Redis, driven by wrk (bench/signing.py).
bench-signing: setup-dev
	@bin/ensure-debs $(BENCH_DEBS)
	$(PY) bench/signing.py $(BENCH_ARGS)

bench-documents: sysdeps setup-dev
	$(PY) bench/documents.py $(BENCH_ARGS)

# A 10,000-signature burst delivered as webhooks to a real local receiver that answers 500 to 10 %.
bench-webhooks: setup-dev
	$(PY) bench/webhooks.py $(BENCH_ARGS)

# The Inspektorat's ZIP (every PDF checked against its SHA-256) against `zip -0` of the same files.
bench-archive: setup-dev
	$(PY) bench/archive.py $(BENCH_ARGS)

# Paging through 40,000 signatures with the read API's cursor, against the page's bare ORM query.
bench-api: setup-dev
	@bin/ensure-debs $(BENCH_DEBS)
	$(PY) bench/api.py $(BENCH_ARGS)

# One agency's retention run destroying an apel's pacts (bench/retention.py), on PostgreSQL.
bench-retention: setup-dev
	$(PY) bench/retention.py $(BENCH_ARGS)

# 10,000 pacts sealed through the BSrE stand-in by 2 workers: 0.1 s and 0.9 s per call, then faults (bench/bsre.py).
bench-bsre: sysdeps setup-dev
	@bin/ensure-debs redis-server
	$(PY) bench/bsre.py $(BENCH_ARGS)

sysdeps:
	@bin/ensure-debs $(RUN_DEBS)

sysdeps-test:
	@bin/ensure-debs $(TEST_DEBS)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

messages: $(VENV)/.installed
	DEBUG=1 $(MANAGE) compilemessages --ignore=.venv --verbosity=0

# Everything `make run` needs before serving: packages, translations, the development secret
# (data/dev-secret-key: every `manage.py` command of this checkout uses it), schema, assets,
# demo data.
setup: $(VENV)/.installed messages
	$(PY) -m netralitas.lib.devkey
	$(MANAGE) migrate --noinput --verbosity=0
	$(MANAGE) collectstatic --noinput --verbosity=0
	$(MANAGE) load_demo

setup-dev: $(VENV)/.installed-dev messages

clean:
	rm -rf $(VENV) data
