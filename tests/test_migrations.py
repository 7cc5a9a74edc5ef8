"""The test databases are built straight from the models (pytest --nomigrations, 5 s less per
test process). This test keeps the promise a new install relies on: the migrations, applied
one after another to an empty database, work (that they describe the models is
`make check-migrations`, which CI runs)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def new_database_url(tmp_path):
    """An empty database of the kind the suite runs on (SQLite, or PostgreSQL's server)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'new.sqlite3'}"
        return
    import psycopg

    base, _, _name = url.rpartition("/")
    name = f"communitymap_migrations_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{base}/{name}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_the_migrations_build_a_new_database(new_database_url):
    env = {**os.environ, "DATABASE_URL": new_database_url}

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )

    migrated = manage("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    applied = migrated.stdout
    last = sorted(p.stem for p in (ROOT / "groups" / "migrations").glob("0*.py"))[-1]
    assert "Applying groups.0001" in applied and f"Applying groups.{last}" in applied
