# Two commands on a fresh machine with only Python: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: var install system run migrate demo test test-postgres test-worker test-mailserver test-browser lint format messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml requirements.lock | $(PY)
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) system

## Pango, which WeasyPrint draws the six-monthly report's PDF with: installed from Debian's packages when missing.
system:
	@ldconfig -p | grep -q libpangoft2-1.0 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	      >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null; }; \
	  else echo "Install Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0) for the PDF reports."; fi; }

var:
	mkdir -p var/celery/broker var/celery/processed var/media

migrate: install var
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py demo_login

## Start the product on embedded defaults: web on :8000, the chat's WebSockets on :8001, a Celery worker and Celery beat.
run: demo
	$(VENV)/bin/honcho start -f Procfile.dev

test: install
	$(PY) -m pytest -n 2 -q

## The suites CI adds (see README): PostgreSQL, a real worker on Redis, a private Postfix, the browser.
PG_URL ?= postgres://postgres@127.0.0.1:5432
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

test-postgres: install
	DATABASE_URL=$(PG_URL)/emarketing_test $(PY) -m pytest -n 2 -q -m "not worker and not browser and not mailserver"

test-worker: install
	DATABASE_URL=$(PG_URL)/emarketing_test_worker CELERY_BROKER_URL=$(REDIS_TEST_URL) $(PY) -m pytest -q -m worker

## A private Postfix on 127.0.0.1 (Debian's postfix package, run as root) relaying to a test sink.
test-mailserver: install
	DATABASE_URL=$(PG_URL)/emarketing_test_mailserver $(PY) -m pytest -q -m mailserver

test-browser: install
	$(PY) -m pytest -q -m browser

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	$(PY) scripts/check_floors.py
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install
	$(PY) manage.py makemessages -l fa -l ar --ignore=.venv --ignore=bench --ignore=tests --ignore=staticfiles --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var/celery var/celerybeat-schedule*
