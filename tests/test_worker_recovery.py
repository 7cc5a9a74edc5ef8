"""Workers on several hosts share one queue: a worker killed in the middle of a snapshot leaves
nothing half-written, and another worker takes the snapshot over and finishes it.

A killed worker is stood in for by its traces: a task RUNNING under its id, the snapshot it
claimed RUNNING, and a heartbeat that stopped (the real SIGKILL is in tests/test_cluster_demo.py
and `make cluster-demo`)."""

import datetime as dt
import time
from unittest import mock

import pytest
from django.db import DatabaseError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from groups import worker
from groups.models import GroupScore, PersonScore, ScoreSnapshot, SnapshotStatus, WorkerHeartbeat
from groups.scores import page_cache, reading, snapshots
from groups.scores.tasks import compute_snapshot_task
from groups.transfer import storage
from groups.transfer.tasks import run_import
from groups.worker import Heartbeat, SupervisedWorker, beat, recover_lost_tasks

from . import factories as f

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
LONG_AGO = dt.timedelta(minutes=10)


def make_worker(worker_id: str, **overrides) -> SupervisedWorker:
    options = dict(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
        max_backoff=60,
    )
    return SupervisedWorker(**{**options, **overrides})


def died_while_running(task, worker_id: str, *, heartbeat_age=LONG_AGO, running_for=LONG_AGO) -> DBTaskResult:
    """The traces of a worker that took `task` and was killed: the task RUNNING under its id
    since `running_for` ago, its last heartbeat `heartbeat_age` ago."""
    result = DBTaskResult.objects.get(pk=task.id)
    result.claim(worker_id)
    started = timezone.now() - running_for
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=started)
    beat(worker_id, now=timezone.now() - heartbeat_age)
    result.refresh_from_db()
    return result


def claimed_by_dead_worker(area) -> tuple[ScoreSnapshot, DBTaskResult]:
    """A snapshot whose worker claimed it, started computing and was killed."""
    snapshot = reading.create_snapshot(area)
    task = compute_snapshot_task.enqueue(snapshot.pk)
    result = died_while_running(task, "worker-on-host-a")
    assert snapshots._claim(snapshot)
    return snapshot, result


@pytest.mark.django_db(transaction=True)
def test_a_snapshot_whose_worker_died_is_taken_over_and_finished_by_another_worker(world, settings):
    settings.TASKS = DATABASE_TASKS
    settings.WORKER_LOST_SECONDS = 60
    snapshot, result = claimed_by_dead_worker(world.district)
    assert PersonScore.objects.filter(snapshot=snapshot).count() == 0  # it died before writing

    make_worker("worker-on-host-b").run()

    snapshot.refresh_from_db()
    result.refresh_from_db()
    assert snapshot.status == SnapshotStatus.DONE
    assert result.status == "SUCCESSFUL" and result.return_value == SnapshotStatus.DONE
    assert result.worker_ids == ["worker-on-host-a", "worker-on-host-b"]  # two attempts
    assert snapshot.group_scores.filter(group=world.group).exists()
    assert snapshot.person_scores.count() == snapshot.area_scores["people"]
    assert ScoreSnapshot.objects.filter(area=world.district).count() == 1  # taken over, not asked again


@pytest.mark.django_db(transaction=True)
def test_a_task_of_a_worker_still_beating_is_left_to_it(world, settings):
    """A long computation is not a lost one: its worker's heartbeat goes on."""
    settings.TASKS = DATABASE_TASKS
    settings.WORKER_LOST_SECONDS = 60
    snapshot = reading.create_snapshot(world.district)
    task = compute_snapshot_task.enqueue(snapshot.pk)
    died_while_running(task, "busy-worker", heartbeat_age=dt.timedelta(seconds=5), running_for=LONG_AGO)

    assert recover_lost_tasks() == []
    assert DBTaskResult.objects.get(pk=task.id).status == "RUNNING"

    WorkerHeartbeat.objects.filter(pk="busy-worker").update(seen_at=timezone.now() - LONG_AGO)
    assert [r.pk for r in recover_lost_tasks()] == [DBTaskResult.objects.get(pk=task.id).pk]
    assert DBTaskResult.objects.get(pk=task.id).status == "READY"
    assert recover_lost_tasks() == []  # given back once


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_died_is_failed_and_its_page_says_so(world, settings, tmp_path):
    """An import may have been written just before its worker died: it is not run again behind
    the user's back; its status page stops waiting and says what happened."""
    settings.TASKS = DATABASE_TASKS
    settings.WORKER_LOST_SECONDS = 60
    settings.COMMUNITYMAP_IMPORT_DIR = str(tmp_path / "imports")
    token = storage.create({"people.csv": b"ref,full_name\n"}, user_id=1, language="en")
    storage.write_status(token, {"state": storage.RUNNING})
    task = run_import.enqueue(token=token, user_id=1, language="en")
    died_while_running(task, "worker-on-host-a")

    assert len(recover_lost_tasks()) == 1
    result = DBTaskResult.objects.get(pk=task.id)
    assert result.status == "FAILED"
    assert result.exception_class_path == "groups.worker.WorkerLost"
    assert "worker-on-host-a stopped" in result.traceback
    status = storage.read_status(token)
    assert status["state"] == storage.FAILED
    said = status["problems"][0][3]
    assert said.startswith("The import was interrupted: the background worker applying it stopped.")


@pytest.mark.django_db(transaction=True)
def test_a_task_that_lost_three_workers_is_failed(world, settings):
    settings.TASKS = DATABASE_TASKS
    settings.WORKER_LOST_SECONDS = 60
    snapshot = reading.create_snapshot(world.district)
    task = compute_snapshot_task.enqueue(snapshot.pk)
    DBTaskResult.objects.filter(pk=task.id).update(worker_ids=["w1", "w2"])
    died_while_running(task, "w3")

    recover_lost_tasks()
    assert DBTaskResult.objects.get(pk=task.id).status == "FAILED"
    # its snapshot is failed too: the page offers to ask again instead of "being computed"
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.FAILED
    assert "worker computing this snapshot stopped" in snapshot.error


@pytest.mark.django_db(transaction=True)
def test_the_lost_computation_writes_nothing_once_taken_over(world):
    """Were the lost worker alive after all (a network cut, not a kill), its computation finds
    the claim taken over and writes nothing; the one that took it over writes the rows."""
    snapshot = reading.create_snapshot(world.district)
    lost = ScoreSnapshot.objects.get(pk=snapshot.pk)
    assert snapshots._claim(lost)
    taker = ScoreSnapshot.objects.get(pk=snapshot.pk)
    assert snapshots.take_over(taker)

    snapshots.compute_snapshot(lost)
    assert lost.status == SnapshotStatus.RUNNING  # still the taker's
    assert PersonScore.objects.filter(snapshot=snapshot).count() == 0
    assert GroupScore.objects.filter(snapshot=snapshot).count() == 0

    snapshots.compute_snapshot(taker)
    assert taker.status == SnapshotStatus.DONE
    assert GroupScore.objects.filter(snapshot=snapshot, group=world.group).count() == 1
    assert not snapshots.take_over(lost)  # done: nothing to take over


@pytest.mark.django_db(transaction=True)
def test_a_computation_failing_while_writing_leaves_no_rows(world):
    """The person rows are written, then the group rows fail: none of them is kept."""
    snapshot = reading.create_snapshot(world.district)
    with (
        mock.patch.object(GroupScore.objects, "bulk_create", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        snapshots.compute_snapshot(snapshot)
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.FAILED and "disk full" in snapshot.error
    assert PersonScore.objects.filter(snapshot=snapshot).count() == 0
    assert GroupScore.objects.filter(snapshot=snapshot).count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_goes_on_beside_a_busy_worker_and_its_row_goes_at_a_clean_end(db, settings):
    settings.WORKER_LOST_SECONDS = 3  # a beat every half second
    heartbeat = Heartbeat("beating-worker", "default")
    heartbeat.tick()
    first = WorkerHeartbeat.objects.get(pk="beating-worker").seen_at
    heartbeat.start()
    try:
        deadline = time.monotonic() + 10
        while WorkerHeartbeat.objects.get(pk="beating-worker").seen_at == first:
            assert time.monotonic() < deadline, "no heartbeat within 10 s"
            time.sleep(0.05)
    finally:
        heartbeat.stop()
    assert not heartbeat.is_alive()
    assert not WorkerHeartbeat.objects.filter(pk="beating-worker").exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_starting_beating_and_stopping_keeps_the_kept_pages(db, settings):
    """Heartbeats are read by no page: they never retire what the page cache keeps."""
    settings.WORKER_LOST_SECONDS = 60
    before = page_cache.generation()
    heartbeat = Heartbeat("quiet-worker", "default")
    heartbeat.tick()  # its row is made
    beat("quiet-worker")
    heartbeat.stop()  # and removed
    assert page_cache.generation() == before
    f.AreaFactory()  # a record written does retire them
    assert page_cache.generation() != before


def queued_and_finished(area, status: str, days_ago: float) -> str:
    """A computation's task record, finished (or only queued or running) `days_ago` days ago."""
    task = compute_snapshot_task.enqueue(reading.create_snapshot(area).pk)
    when = timezone.now() - dt.timedelta(days=days_ago)
    DBTaskResult.objects.filter(pk=task.id).update(
        status=status, enqueued_at=when, started_at=when,
        finished_at=when if status in ("SUCCESSFUL", "FAILED") else None,
    )
    return str(task.id)


@pytest.mark.django_db(transaction=True)
def test_workers_remove_old_finished_tasks_once_an_hour_and_keep_the_rest(world, settings):
    settings.TASKS = DATABASE_TASKS
    settings.TASK_RESULTS_KEEP_DAYS = 14
    old_done = queued_and_finished(world.district, "SUCCESSFUL", 30)
    old_failed = queued_and_finished(world.district, "FAILED", 15)
    kept = {
        queued_and_finished(world.district, "SUCCESSFUL", 2),  # recent: still kept
        queued_and_finished(world.district, "READY", 30),  # waiting, however long: never removed
        queued_and_finished(world.district, "RUNNING", 30),  # running (or lost): the recovery's
    }
    heartbeat = Heartbeat("pruning-worker", "default")
    heartbeat.tick()
    remaining = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert remaining == kept
    assert old_done not in remaining and old_failed not in remaining

    later = queued_and_finished(world.district, "SUCCESSFUL", 20)
    heartbeat.tick()  # within the hour: not looked at again
    assert DBTaskResult.objects.filter(pk=later).exists()
    heartbeat.pruned_at -= worker.PRUNE_EVERY_SECONDS  # an hour on
    heartbeat.tick()
    assert not DBTaskResult.objects.filter(pk=later).exists()
    assert {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)} == kept
    heartbeat.stop()


@pytest.mark.django_db(transaction=True)
def test_no_task_record_is_removed_when_the_setting_keeps_them(world, settings):
    settings.TASKS = DATABASE_TASKS
    settings.TASK_RESULTS_KEEP_DAYS = 0
    old = queued_and_finished(world.district, "SUCCESSFUL", 400)
    heartbeat = Heartbeat("keeping-worker", "default")
    heartbeat.tick()
    heartbeat.stop()
    assert DBTaskResult.objects.filter(pk=old).exists()
