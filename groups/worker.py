"""The background worker's loop, made so it cannot die quietly.

django-tasks-db's `db_worker` claims each task in an exclusive transaction. When SQLite is
locked for longer than the busy timeout, `BEGIN EXCLUSIVE` itself raises "database is
locked" before the worker's own try block, and the exception leaves `Worker.run`. Without
`--reload` the process then exits; with it (the default under DEBUG, so `make run`) the loop
runs in a thread of the autoreloader, which dies while the process stays alive: tasks stay
READY and the reports say "being computed" for ever.

`SupervisedWorker` catches any failure of the loop, logs it with its traceback, closes the
database connection (it may be left inside a broken transaction), waits, and starts the loop
again. The wait doubles after each failure in a row (1, 2, 4 ... seconds, up to
WORKER_MAX_BACKOFF_SECONDS) and starts again from one second once the loop has run for longer
than that ceiling without failing. A task's own exceptions never reach here: the library
records them on the task.

Workers on several hosts share the one queue (the database). The library claims a task by
marking it RUNNING, and nothing returns it should the worker be killed (SIGKILL, out of
memory, its machine gone): it would stay RUNNING for ever. So every worker writes a heartbeat
(WorkerHeartbeat) every WORKER_LOST_SECONDS / 6 seconds from a thread of its own, and once in
that time gives back the tasks of workers silent for longer than WORKER_LOST_SECONDS:
a task safe to run twice (RETRY_WHEN_LOST) goes back to the queue (its second attempt takes
over what the lost one left, scores/tasks.py), any other is marked failed.

Every change in an area queues a computation, so the queue table gains thousands of finished
records a month, read by no page. Once an hour the heartbeat thread removes those finished
more than TASK_RESULTS_KEEP_DAYS ago, with django-tasks-db's own `prune_db_task_results`.
"""

import datetime as dt
import io
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from groups.models import WorkerHeartbeat
from groups.scores.tasks import compute_snapshot_task, snapshot_lost
from groups.transfer.tasks import import_lost, run_import

logger = logging.getLogger("groups.worker")


def backoff_delay(failures: int, ceiling: float) -> float:
    """Seconds to wait after the `failures`-th failure in a row (1, 2, 4 ... up to ceiling)."""
    return min(ceiling, 2.0 ** max(0, failures - 1))


class SupervisedWorker(Worker):
    """django-tasks-db's Worker whose loop is restarted, with back-off, after any failure."""

    def __init__(self, *, max_backoff: float | None = None, **kwargs):
        super().__init__(**kwargs)
        self.max_backoff = settings.WORKER_MAX_BACKOFF_SECONDS if max_backoff is None else max_backoff
        self.failures = 0  # in a row, for the back-off

    def run(self) -> None:
        heartbeat = Heartbeat(self.worker_id, self.backend_name)
        heartbeat.tick()  # before the first task: this worker is known, lost tasks are back
        heartbeat.start()
        try:
            self._run_supervised()
        finally:
            heartbeat.stop()

    def _run_supervised(self) -> None:
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return  # --batch, --max-tasks, or a shutdown: a clean end
            except Exception:
                if time.monotonic() - started > self.max_backoff:
                    self.failures = 0  # it ran well for a while: this is a new bout
                self.failures += 1
                delay = backoff_delay(self.failures, self.max_backoff)
                logger.exception(
                    "Worker %s: the task loop failed (%d in a row); starting it again in %.0f s",
                    self.worker_id,
                    self.failures,
                    delay,
                )
                connections.close_all()
                if self.running:
                    time.sleep(delay)


# --- workers on any number of hosts: heartbeats and lost tasks -------------------------------

#: Tasks run again when their worker was lost; each must be safe to run twice. The snapshot
#: task is: its rows are written in one transaction with the claim checked inside it
#: (scores/snapshots.py), so a lost computation left nothing, and its next attempt takes over.
#: (groups.tasks is the old path of the same task, still in older queues.)
RETRY_WHEN_LOST = frozenset({compute_snapshot_task.module_path, "groups.tasks.compute_snapshot_task"})
#: What else a lost task that is not run again needs: its page told (with the task's arguments).
ON_LOST = {
    run_import.module_path: import_lost,
    compute_snapshot_task.module_path: snapshot_lost,
    "groups.tasks.compute_snapshot_task": snapshot_lost,
}
#: A task whose worker was lost this many times is failed rather than tried again (it may be
#: what kills its workers, by memory for instance).
MAX_ATTEMPTS = 3


def heartbeat_seconds() -> float:
    """How often a worker says it is alive: six times within WORKER_LOST_SECONDS."""
    return max(0.5, settings.WORKER_LOST_SECONDS / 6)


def beat(worker_id: str, now: dt.datetime | None = None) -> None:
    """This worker is alive (one UPDATE; an INSERT the first time)."""
    now = now or timezone.now()
    if not WorkerHeartbeat.objects.filter(pk=worker_id).update(seen_at=now):
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(), "seen_at": now},
            create_defaults={
                "hostname": socket.gethostname()[:255], "pid": os.getpid(), "started_at": now, "seen_at": now,
            },
        )


def recover_lost_tasks(backend_name: str = "default", now: dt.datetime | None = None) -> list[DBTaskResult]:
    """Give back the tasks still RUNNING under a worker silent for longer than
    WORKER_LOST_SECONDS (and running for longer than that): back to the queue when they are
    safe to run again, else failed. Each is changed only if still as read (a compare-and-set),
    so two workers recovering at once give a task back once. Returns those given back."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.WORKER_LOST_SECONDS)
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    running = DBTaskResult.objects.running().filter(backend_name=backend_name, started_at__lt=cutoff)
    recovered = [
        result
        for result in running.only("id", "task_path", "worker_ids", "started_at", "args_kwargs")
        if not (result.worker_ids and result.worker_ids[-1] in alive) and _give_back(result, now)
    ]
    WorkerHeartbeat.objects.filter(seen_at__lt=now - dt.timedelta(days=1)).delete()  # long gone
    return recovered


def _give_back(result: DBTaskResult, now: dt.datetime) -> bool:
    lost = result.worker_ids[-1] if result.worker_ids else "?"
    unchanged = DBTaskResult.objects.running().filter(pk=result.pk, started_at=result.started_at)
    if result.task_path in RETRY_WHEN_LOST and len(result.worker_ids) < MAX_ATTEMPTS:
        given_back = unchanged.update(status=TaskResultStatus.READY, started_at=None)
        if given_back:
            logger.warning("Task %s (%s) lost its worker %s: queued again", result.pk, result.task_path, lost)
        return bool(given_back)
    given_back = unchanged.update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path="groups.worker.WorkerLost",
        traceback=f"The worker {lost} stopped while running this task (attempt {len(result.worker_ids)}).",
    )
    if given_back:
        logger.error("Task %s (%s) lost its worker %s: marked failed", result.pk, result.task_path, lost)
        _tell(result)
    return bool(given_back)


def _tell(result: DBTaskResult) -> None:
    on_lost = ON_LOST.get(result.task_path)
    if on_lost is None:
        return
    try:
        on_lost(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
    except Exception:  # an upload expired meanwhile, say: the queue's record is what counts
        logger.warning("Task %s: could not record the lost worker", result.pk, exc_info=True)


#: How often a worker removes the old records of finished tasks.
PRUNE_EVERY_SECONDS = 3600


def prune_finished_tasks(backend_name: str = "default") -> None:
    """Remove the records of tasks finished (done or failed) more than TASK_RESULTS_KEEP_DAYS
    ago, in every queue; nothing when the setting is 0. Two workers doing it at once delete
    the same rows, which is harmless."""
    days = settings.TASK_RESULTS_KEEP_DAYS
    if days > 0:
        call_command(
            "prune_db_task_results",
            "--backend", backend_name, "--queue-name", "*", "--min-age-days", str(days),
            verbosity=0, stdout=io.StringIO(),
        )


class Heartbeat(threading.Thread):
    """Beside the task loop, on its own database connection: every heartbeat_seconds() the
    worker says it is alive, and once in WORKER_LOST_SECONDS gives back the tasks of lost
    workers. A task running for minutes does not silence it; a killed process does."""

    def __init__(self, worker_id: str, backend_name: str):
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id, self.backend_name = worker_id, backend_name
        self.stopped = threading.Event()
        self.ticks = 0
        self.pruned_at: float | None = None  # time.monotonic() of the last pruning

    def tick(self) -> None:
        """A beat every time; lost tasks looked for at the first and then every sixth (once in
        WORKER_LOST_SECONDS: a task cannot be found lost sooner, and the queue table is long);
        old finished tasks removed at the first and then once in PRUNE_EVERY_SECONDS."""
        try:
            beat(self.worker_id)
            if self.ticks % 6 == 0:
                recover_lost_tasks(self.backend_name)
            self.ticks += 1
            if self.pruned_at is None or time.monotonic() - self.pruned_at >= PRUNE_EVERY_SECONDS:
                self.pruned_at = time.monotonic()
                prune_finished_tasks(self.backend_name)
        except Exception:  # the database is away: the loop says so too; try again next time
            logger.warning("Worker %s: heartbeat failed", self.worker_id, exc_info=True)
            connections.close_all()  # this thread's connections only

    def run(self) -> None:
        try:
            while not self.stopped.wait(heartbeat_seconds()):
                self.tick()
        finally:
            connections.close_all()

    def stop(self) -> None:
        """A clean end: no task of this worker is running any more, so its row goes."""
        self.stopped.set()
        if self.ident is not None:  # started
            self.join(timeout=30)
        try:
            WorkerHeartbeat.objects.filter(pk=self.worker_id).delete()
        except Exception:
            logger.warning("Worker %s: could not remove its heartbeat", self.worker_id, exc_info=True)


@dataclass(frozen=True)
class QueueState:
    """The task queue as /healthz reports it."""

    waiting: int
    oldest_waiting_seconds: int | None
    stale_after_seconds: int

    @property
    def stale(self) -> bool:
        """A task has waited longer than QUEUE_STALE_SECONDS: the worker is stuck or stopped."""
        return self.oldest_waiting_seconds is not None and (
            self.oldest_waiting_seconds > self.stale_after_seconds
        )


def queue_state(now: dt.datetime | None = None) -> QueueState:
    """How many tasks wait to be run, and for how long the oldest has waited (two queries).
    With in-process tasks (TASKS_IMMEDIATE, tests) nothing ever waits."""
    now = now or timezone.now()
    waiting = DBTaskResult.objects.ready()
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return QueueState(
        waiting=waiting.count(),
        oldest_waiting_seconds=None if oldest is None else max(0, int((now - oldest).total_seconds())),
        stale_after_seconds=settings.QUEUE_STALE_SECONDS,
    )
