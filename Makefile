# CommunityMap: `make run` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Test settings: production-like (DEBUG off) but over plain http on localhost. Bytecode is
# written even where the environment says not to: pytest then keeps its rewritten test modules
# and the next run (CI's PostgreSQL pass) starts seconds sooner.
TEST_ENV := TESTING=true SECRET_KEY=test-only-not-secret SECURE_SSL_REDIRECT=false DJANGO_ALLOW_ASYNC_UNSAFE=true PYTHONDONTWRITEBYTECODE=
DEV_ENV := DEBUG=true

.PHONY: setup run walk weight cluster-demo check-deploy test test-fast test-system lint check-migrations messages check-translations serve-prod backup restore bench-suite clean

$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.lock
	touch $@

setup: $(VENV)/.installed

run: setup
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo --if-empty
	$(DEV_ENV) $(PY) manage.py compute_scores --if-missing
	@echo "CommunityMap is at http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	@# The background worker (score snapshots, imports) runs beside the server and stops with it;
	@# it retries failures of its loop itself, and scripts/supervise.sh restarts it if it exits.
	$(DEV_ENV) scripts/supervise.sh $(PY) manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# The three roles' walk, 20 times, over HTTP against runserver and the worker on a temporary
# SQLite file with the demo: fails on any 5xx or a report waiting too long (a few minutes).
WALKS ?= 20
walk: setup
	$(PY) scripts/walk_sqlite.py --walks $(WALKS)

# Two app servers and two task workers on loopback against one PostgreSQL (database
# cluster_demo, made afresh) and one Redis: a regency recomputed, a worker killed with SIGKILL
# in the middle of a district and the district finished by the other (about a minute).
cluster-demo: setup
	$(PY) scripts/cluster_demo.py

# deploy/compose.yaml, Dockerfile and Caddyfile checked against the app without Docker (also
# part of make test: tests/test_deploy.py).
check-deploy: setup
	$(PY) scripts/check_deploy.py

# Page weights of issue 13 through gunicorn with compression on (DEBUG off), and the time to
# log one exchange under emulated slow 3G; fails when a budget is exceeded (about a minute).
weight: setup
	$(PY) scripts/page_weight.py

# Every test but the system tier (below).
test: setup
	$(TEST_ENV) $(PY) -m pytest -n 2 --dist loadfile -m "not system"

# Everything but the browser, the slow and the system tests (about a minute).
test-fast: setup
	$(TEST_ENV) $(PY) -m pytest -n 2 --dist loadfile -m "not browser and not slow and not system"

# The system tier: the cluster demo's claims, a small regency, four processes of its own against
# PostgreSQL and Redis on loopback (about 30 s; CI runs it once, as its own step).
test-system: setup
	$(TEST_ENV) $(PY) -m pytest -m system

# The non-browser suite timed here and at an earlier commit, alternating in one sitting (by
# default the build before the suite was made fast; about four minutes a round): ROUNDS=3,
# BASELINE=<commit>.
bench-suite: setup
	$(TEST_ENV) $(PY) scripts/suite_speed.py --rounds $(or $(ROUNDS),1) $(if $(BASELINE),--baseline $(BASELINE))

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

# Backups of the PostgreSQL database in DATABASE_URL (pg_dump custom format; see README).
#   make backup                      -> backups/communitymap-YYYYmmdd-HHMMSS.dump
#   make backup BACKUP_FILE=x.dump
#   make restore BACKUP_FILE=x.dump  -> replaces the tables in DATABASE_URL, in one transaction
BACKUP_FILE ?= backups/communitymap-$(shell date +%Y%m%d-%H%M%S).dump

backup:
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; \
	  *) echo "backup: set DATABASE_URL=postgres://... (SQLite: copy db.sqlite3 while the server is stopped)" >&2; exit 2;; esac
	@mkdir -p "$(dir $(BACKUP_FILE))"
	pg_dump --format=custom --no-owner --no-privileges --file="$(BACKUP_FILE)" "$$DATABASE_URL"
	@echo "Backup written to $(BACKUP_FILE)"

restore:
ifeq ($(filter command line environment,$(origin BACKUP_FILE)),)
	$(error restore: name the dump, e.g. make restore BACKUP_FILE=backups/communitymap-20260101-000000.dump)
endif
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; \
	  *) echo "restore: set DATABASE_URL=postgres://... of the database to restore into" >&2; exit 2;; esac
	@test -f "$(BACKUP_FILE)" || { echo "restore: no file $(BACKUP_FILE)" >&2; exit 2; }
	pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
	  --dbname="$$DATABASE_URL" "$(BACKUP_FILE)"
	@echo "Restored $(BACKUP_FILE); run 'python manage.py migrate' if the code is newer than the backup."

clean:
	rm -rf $(VENV) .pytest_cache staticfiles
