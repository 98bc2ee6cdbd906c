# ViralSpot — the two commands a newcomer needs:
#   make run    the whole service (web + worker) on the embedded default (SQLite, ORM broker, offline data)
#   make test   the full test suite against PostgreSQL
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/viralspot

.PHONY: run test venv migrate sample-data hook-model bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

venv: $(VENV)/.installed

# Local default: DEBUG on (a secret key is generated and kept in var/), SQLite in var/. DEBUG is
# off unless set, so this sets it: `make run` is the local checkout, never production.
run: export DEBUG ?= true
run: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_staff
	$(PY) manage.py load_sample_data
	$(PY) manage.py runservice --host $(HOST) --port $(PORT)

test: export DATABASE_URL := $(TEST_DATABASE_URL)
# DEBUG off as in production, so the key must be as long as production's (≥ 50 characters).
test: export SECRET_KEY ?= test-only-secret-key-long-enough-for-debug-off-not-for-production
test: export DEBUG := false
# Production's HTTPS defaults, off: the test client and the test web processes speak plain HTTP.
test: export SECURE_SSL_REDIRECT := false
test: export SESSION_COOKIE_SECURE := false
test: export CSRF_COOKIE_SECURE := false
test: export OFFLINE_PROVIDER_DELAY_SECONDS := 0
test: export GENERATION_STEP_DELAY_SECONDS := 0
# Every report written, so tests see each step (the folding of quick reports has its own tests).
test: export PROGRESS_MIN_INTERVAL_SECONDS := 0
# One wake-up per commit, sent at once (the coalescing of wake-ups has its own tests).
test: export WAKE_UP_COALESCE_SECONDS := 0
test: export API_ANON_RATE := 100000/min
test: export API_USER_RATE := 100000/min
test: export VIRAL_QUEUE_CREATE_RATE := 100000/min
test: venv
	scripts/ensure_postgres.sh
	scripts/ensure_chromium.sh
	$(PY) -m pytest $(PYTEST_ARGS)

# The hook typing's learned fallback, trained from the labelled dev captions (text_rules/hooks.py).
hook-model: venv
	$(PY) scripts/train_hook_fallback.py

sample-data: venv
	$(PY) scripts/make_sample_data.py

# The service on PostgreSQL (its own database, dropped after) under hundreds of clients; prints
# figure | value | floor | ratio | goal | pass and writes bench/results/*.json. QUICK=1: ~5 min.
bench: venv
	scripts/ensure_postgres.sh
	$(PY) bench/run.py $(if $(QUICK),--quick)

clean:
	rm -rf var .pytest_cache test-artifacts
