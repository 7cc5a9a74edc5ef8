"""Saving holds while the task worker runs, and the worker cannot die quietly.

The lock tests open their own SQLite files in a temporary folder with the settings' SQLite
options (the test database is in memory, where WAL and locking between connections differ).
"""

import contextlib
import datetime as dt
import subprocess
import threading
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.db.utils import ConnectionHandler
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction

from groups.models import SnapshotStatus
from groups.scores import reading, snapshots
from groups.scores.tasks import compute_snapshot_task
from groups.worker import SupervisedWorker, backoff_delay

ROOT = Path(__file__).resolve().parent.parent
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def sqlite_file(path: Path):
    """A fresh connection to the SQLite file `path`, configured as the app configures its own."""
    engine = "django.db.backends.sqlite3"
    handler = ConnectionHandler(
        {"default": {"ENGINE": engine, "NAME": str(path), "OPTIONS": settings.SQLITE_OPTIONS}}
    )
    return handler["default"]


@contextlib.contextmanager
def in_transaction(conn):
    """What transaction.atomic() does on a connection of its own: BEGIN (IMMEDIATE, from the
    options), then COMMIT, or ROLLBACK on an error."""
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        yield conn.cursor()
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.set_autocommit(True)


# --- saving holds on SQLite -----------------------------------------------------------------


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_longer_than_a_moment(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():
        conn = sqlite_file(tmp_path / "cm.sqlite3")
        with conn.cursor() as cursor:
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] >= 10_000
        conn.close()


def test_a_page_write_waits_for_the_worker_transaction_and_succeeds(tmp_path, django_db_blocker):
    """The page reads then writes in one transaction (as services do) while the worker holds
    the write lock. Deferred, the page's lock upgrade failed at once with "database is
    locked"; IMMEDIATE with a busy timeout makes it wait its turn."""
    path = tmp_path / "cm.sqlite3"
    with django_db_blocker.unblock():
        worker = sqlite_file(path)
        with worker.cursor() as cursor:
            cursor.execute("CREATE TABLE saved (who TEXT)")
        about_to_write, page_done = threading.Event(), threading.Event()
        outcome = {}

        def page():
            conn = sqlite_file(path)
            try:
                about_to_write.set()
                with in_transaction(conn) as cursor:
                    count = cursor.execute("SELECT count(*) FROM saved").fetchone()[0]
                    cursor.execute("INSERT INTO saved VALUES (?)", [f"page after {count}"])
                outcome["ok"] = True
            except OperationalError as exc:
                outcome["error"] = str(exc)
            finally:
                conn.close()
                page_done.set()

        with in_transaction(worker) as cursor:
            cursor.execute("INSERT INTO saved VALUES ('worker')")
            thread = threading.Thread(target=page)
            thread.start()
            assert about_to_write.wait(10)
            # The page cannot finish while the worker holds the lock; it must be waiting.
            assert not page_done.wait(0.3), outcome
        thread.join(30)
        assert outcome == {"ok": True}
        with worker.cursor() as cursor:
            rows = [r[0] for r in cursor.execute("SELECT who FROM saved ORDER BY rowid")]
        worker.close()
    assert rows == ["worker", "page after 1"]


@pytest.mark.django_db(transaction=True)
def test_the_snapshot_is_computed_outside_any_transaction_and_written_in_one(world):
    """The heavy part (the analysis) holds no write lock; the rows are written in one short
    transaction."""
    seen = {}
    original = snapshots.analysis.compute_scores

    def spy(*args, **kwargs):
        seen["in_transaction"] = connection.in_atomic_block
        return original(*args, **kwargs)

    snapshot = reading.create_snapshot(world.district)
    with mock.patch.object(snapshots.analysis, "compute_scores", side_effect=spy):
        snapshot = snapshots.compute_snapshot(snapshot)
    assert seen == {"in_transaction": False}
    assert snapshot.status == SnapshotStatus.DONE
    assert snapshot.group_scores.filter(group=world.group).exists()


# --- a worker that cannot die quietly -------------------------------------------------------


def test_the_back_off_doubles_up_to_its_ceiling():
    assert [backoff_delay(n, 60) for n in (1, 2, 3, 4, 7, 8, 20)] == [1, 2, 4, 8, 60, 60, 60]


def make_worker(**overrides) -> SupervisedWorker:
    options = dict(
        queue_names=["default"], interval=0, batch=False, backend_name="default",
        startup_delay=False, max_tasks=1, worker_id="test-worker", excluded_queue_names=[],
        max_backoff=60,
    )
    return SupervisedWorker(**{**options, **overrides})


@pytest.mark.django_db(transaction=True)
def test_a_locked_database_in_the_loop_is_logged_and_the_worker_goes_on(world, settings, caplog):
    """The failure that killed db_worker's loop: BEGIN EXCLUSIVE raising "database is locked"
    (outside the library's own try). The loop is started again after a pause, then runs the
    waiting computation."""
    settings.TASKS = DATABASE_TASKS
    snapshot = reading.create_snapshot(world.district)
    compute_snapshot_task.enqueue(snapshot.pk)
    assert DBTaskResult.objects.ready().count() == 1

    calls = {"n": 0}

    @contextlib.contextmanager
    def locked_twice(using=None):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("database is locked")
        with exclusive_transaction(using):
            yield

    pauses = []
    with (
        mock.patch.object(db_worker, "exclusive_transaction", locked_twice),
        mock.patch("groups.worker.time.sleep", side_effect=pauses.append),
    ):
        make_worker().run()

    assert pauses == [1, 2]  # back-off between the failures
    assert "the task loop failed (2 in a row)" in caplog.text
    assert "database is locked" in caplog.text
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.DONE
    assert DBTaskResult.objects.ready().count() == 0
    assert DBTaskResult.objects.successful().count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_shutdown_during_the_pause_ends_the_worker(world, settings):
    settings.TASKS = DATABASE_TASKS
    worker = make_worker(max_tasks=None)

    def stop(delay):
        worker.running = False  # as the SIGTERM handler does

    with (
        mock.patch.object(
            db_worker.DBTaskResult.objects, "ready", side_effect=OperationalError("disk I/O error")
        ),
        mock.patch("groups.worker.time.sleep", side_effect=stop) as sleep,
    ):
        worker.run()
    assert sleep.call_count == 1


def test_the_supervisor_restarts_a_worker_that_exits_with_an_error(tmp_path):
    """make run keeps the worker under scripts/supervise.sh: a non-zero exit starts it again,
    a clean exit ends it."""
    count = tmp_path / "starts"
    command = (
        f'n=$(cat {count} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {count}; '
        '[ "$n" -ge 3 ] && exit 0; exit 1'
    )
    result = subprocess.run(
        [str(ROOT / "scripts" / "supervise.sh"), "sh", "-c", command],
        env={"SUPERVISE_PAUSE_SECONDS": "0", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0
    assert count.read_text().strip() == "3"
    assert result.stderr.count("exited with status 1; starting it again") == 2


# --- /healthz reports the queue -------------------------------------------------------------


def waiting_task(enqueued_at: dt.datetime) -> DBTaskResult:
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="groups.tasks.compute_snapshot_task",
        backend_name="default",
        run_after=get_date_max(),  # no "run after": ready at once
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=enqueued_at)
    return task


def test_healthz_reports_an_empty_queue(client, db):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["queue"] == {
        "status": "ok", "waiting": 0, "oldest_waiting_seconds": None,
        "stale_after_seconds": settings.QUEUE_STALE_SECONDS,
    }


def test_healthz_says_degraded_when_a_task_has_waited_too_long(client, db, settings):
    settings.QUEUE_STALE_SECONDS = 300
    waiting_task(timezone.now() - dt.timedelta(seconds=30))
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["queue"]["waiting"] == 1

    waiting_task(timezone.now() - dt.timedelta(minutes=20))
    response = client.get("/healthz")
    body = response.json()
    # Still 200: the pages are served; a load balancer must not take the server out.
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["queue"]["status"] == "stale"
    assert body["queue"]["waiting"] == 2
    assert body["queue"]["oldest_waiting_seconds"] >= 20 * 60


def test_a_running_or_finished_task_is_not_waiting(client, db):
    task = waiting_task(timezone.now() - dt.timedelta(hours=1))
    DBTaskResult.objects.filter(pk=task.pk).update(status="SUCCESSFUL")
    assert client.get("/healthz").json()["queue"]["waiting"] == 0
