"""Alias kept for one release: score tasks queued before the scores wing moved store the path
`groups.tasks.compute_snapshot_task` in the task queue table. New tasks are queued under
`groups.scores.tasks`; remove this module once no queue holds the old path."""

from groups.scores.tasks import compute_snapshot_task  # noqa: F401
