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
"""

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

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
