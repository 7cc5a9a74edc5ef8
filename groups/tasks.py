"""Background tasks (django-tasks; run by `python manage.py run_worker`, in-process in tests)."""

from django_tasks import task

from . import reports
from .models import ScoreSnapshot, SnapshotStatus


@task()
def compute_snapshot_task(snapshot_id: int) -> str:
    """Compute one requested score snapshot. A snapshot already taken by another worker, done
    or deleted is skipped, so enqueuing twice is harmless."""
    snapshot = ScoreSnapshot.objects.select_related("area").filter(pk=snapshot_id).first()
    if snapshot is None or snapshot.status != SnapshotStatus.PENDING:
        return "skipped"
    snapshot = reports.compute_snapshot(snapshot)
    return snapshot.status
