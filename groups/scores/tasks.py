"""Background tasks (django-tasks; run by `python manage.py run_worker`, in-process in tests)."""

from django.utils import timezone
from django_tasks import TaskContext, task

from groups.models import ScoreSnapshot, SnapshotStatus

from . import snapshots


@task(takes_context=True)
def compute_snapshot_task(context: TaskContext, snapshot_id: int) -> str:
    """Compute one requested score snapshot. A snapshot already taken by another worker, done
    or deleted is skipped, so enqueuing twice is harmless. A later attempt (the worker of the
    first was lost, and groups/worker.py put the task back in the queue) takes over the
    snapshot that worker left running; nothing of that worker's computation was written."""
    snapshot = ScoreSnapshot.objects.select_related("area").filter(pk=snapshot_id).first()
    if snapshot is None:
        return "skipped"
    if snapshot.status == SnapshotStatus.RUNNING and context.attempt > 1:
        if not snapshots.take_over(snapshot):
            return "skipped"
    elif snapshot.status != SnapshotStatus.PENDING:
        return "skipped"
    snapshot = snapshots.compute_snapshot(snapshot)
    return snapshot.status


def snapshot_lost(snapshot_id: int) -> None:
    """The snapshot's task lost its worker too many times and is not run again
    (groups/worker.py): the snapshot is failed now, so its page offers to ask again instead of
    saying "being computed" until the stale cutoff. A snapshot finished meanwhile is left."""
    ScoreSnapshot.objects.filter(
        pk=snapshot_id, status__in=[SnapshotStatus.PENDING, SnapshotStatus.RUNNING]
    ).update(
        status=SnapshotStatus.FAILED,
        error="The background worker computing this snapshot stopped (lost worker, last attempt).",
        computed_at=timezone.now(),
    )
