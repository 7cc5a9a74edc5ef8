# CommunityMap: `make run` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Test settings: production-like (DEBUG off) but over plain http on localhost.
TEST_ENV := TESTING=true SECRET_KEY=test-only-not-secret SECURE_SSL_REDIRECT=false DJANGO_ALLOW_ASYNC_UNSAFE=true
DEV_ENV := DEBUG=true

.PHONY: setup run test test-fast lint check-migrations messages check-translations serve-prod backup restore bench clean

$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.lock
	touch $@

setup: $(VENV)/.installed

run: setup
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo --if-empty
	@echo "CommunityMap is at http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(TEST_ENV) $(PY) -m pytest -n 2 --dist loadfile

test-fast: setup
	$(TEST_ENV) $(PY) -m pytest -n 2 --dist loadfile -m "not browser"

lint: setup
	$(VENV)/bin/ruff check .

check-migrations: setup
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

# Extract strings, then translate the new entries in locale/id/LC_MESSAGES/django.po.
messages: setup
	$(DEV_ENV) $(PY) manage.py makemessages -l id --no-obsolete --no-location
	msgfmt --check -o locale/id/LC_MESSAGES/django.mo locale/id/LC_MESSAGES/django.po

check-translations: setup
	bash .ci/check_translations

clean:
	rm -rf $(VENV) .pytest_cache staticfiles
