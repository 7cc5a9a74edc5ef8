"""`make backup` / `make restore` (pg_dump -Fc / pg_restore): a restored database serves the
same reports. PostgreSQL only, as the targets are; CI runs the suite on PostgreSQL too."""

import datetime as dt
import os
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from groups.models import Area, Exchange, Group, Membership, Person, ScoreSnapshot
from groups.scores import reading, snapshots

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="pg_dump / pg_restore need PostgreSQL"
)

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 6, 30)


def url_of(name: str) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def make(*args: str, database: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url_of(database)}
    return subprocess.run(
        ["make", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def served(coordinator_username: str) -> dict:
    """What the database serves: the dashboard page, every stored report, a fresh
    computation (not kept) and key counts."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=coordinator_username))
    page = client.get(reverse("groups:report_dashboard"))  # may request today's snapshot
    area = Area.objects.get(ref="ID-JT-WSB-KTK")
    stored = sorted(
        (s.area.ref, s.period_start, s.period_end, s.resource, s.area_scores, s.trend, s.group_network)
        for s in ScoreSnapshot.objects.done().select_related("area")
    )
    fresh = snapshots.compute_snapshot(reading.create_snapshot(area, today=TODAY))
    fresh_figures = (fresh.area_scores, fresh.trend, fresh.group_network)
    fresh.delete()
    return {
        "stored": stored,
        "fresh": fresh_figures,
        "counts": [m.objects.count() for m in (Area, Group, Person, Membership, Exchange)],
        "amounts": sorted(Exchange.objects.values_list("ref", "amount", "status")),
        "page": page.status_code,
    }


@pytest.fixture
def restored_name():
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_restored_database_serves_the_same_reports(tmp_path, restored_name):
    call_command("seed_demo", today=TODAY.isoformat())
    area = Area.objects.get(ref="ID-JT-WSB-KTK")
    snapshots.compute_snapshot(reading.create_snapshot(area, today=TODAY))
    original = served("koordinator")
    assert original["page"] == 200 and original["counts"][-1] > 100

    dump = tmp_path / "nested" / "communitymap.dump"
    result = make("backup", f"BACKUP_FILE={dump}", database=connection.settings_dict["NAME"])
    assert result.returncode == 0, result.stderr
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    result = make("restore", f"BACKUP_FILE={dump}", database=restored_name)
    assert result.returncode == 0, result.stderr

    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["NAME"] = restored_name
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            assert cursor.fetchone()[0] == restored_name
        copy = served("koordinator")
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert copy == original


def test_restore_refuses_without_a_named_file():
    result = make("restore", database="anything")
    assert result.returncode != 0
    assert "BACKUP_FILE" in result.stderr


def test_backup_refuses_sqlite(tmp_path):
    env = {**os.environ, "DATABASE_URL": "sqlite:///db.sqlite3"}
    result = subprocess.run(
        ["make", "backup", f"BACKUP_FILE={tmp_path / 'x.dump'}"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0 and "postgres://" in result.stderr
