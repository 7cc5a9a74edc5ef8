"""Applying an uploaded import, in the request for small ones or as a background task.

The background task runs in `python manage.py db_worker` (tests and TASKS_IMMEDIATE run it at
once). It writes its progress to the import's status file after every batch, which the status
page polls.
"""

import logging

from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from . import storage
from .csvfiles import Problem
from .importer import Plan, import_community

logger = logging.getLogger(__name__)

# Imports writing more rows than this run in the background, with a progress page.
BACKGROUND_ROWS = 5000


def summary(plan: Plan) -> dict:
    """What the preview and status pages show of a plan (JSON-ready)."""
    return {
        "counts": [[f"{name}.csv", c.created, c.updated, c.unchanged] for name, c in plan.counts.items()],
        "problems": storage.problems_as_lists(plan.problems),
        "warnings": storage.problems_as_lists(plan.warnings),
        "to_write": plan.rows_to_write,
    }


def apply_upload(token: str, user) -> dict:
    """Validate again and write the kept files for `user`; the status records the outcome."""
    status = storage.write_status(token, {"state": storage.RUNNING, "progress": None})

    def progress(file, done, total):
        storage.write_status(token, {"progress": {"file": file, "done": done, "total": total}})

    try:
        plan = import_community(
            storage.source(token), user=user, progress=progress, origin=(status or {}).get("name", "")
        )
    except Exception:  # the page must say it failed instead of waiting for ever
        logger.exception("Import %s failed", token)
        plan = Plan(
            problems=[Problem("", None, "", _("The import failed unexpectedly; nothing was written."))]
        )
    state = storage.FAILED if plan.problems else storage.DONE
    status = storage.write_status(token, {"state": state, **summary(plan)})
    if state == storage.DONE:
        storage.discard_files(token)
    return status


def import_lost(token: str, user_id: int, language: str) -> None:
    """The worker applying the import was lost (killed, its machine gone: groups/worker.py).
    It is not run again behind the user's back; its status page says what happened instead of
    waiting for ever. It wrote all or nothing (one transaction), most likely nothing."""
    with translation.override(language):
        message = _(
            "The import was interrupted: the background worker applying it stopped. An import is "
            "written completely or not at all; check whether its records are there before "
            "importing the files again."
        )
        storage.write_status(token, {"state": storage.FAILED, "problems": [["", None, "", message]]})


@task()
def run_import(token: str, user_id: int, language: str) -> str:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    with translation.override(language):
        if user is None:
            storage.write_status(
                token,
                {
                    "state": storage.FAILED,
                    "problems": [["", None, "", _("The account that started the import no longer exists.")]],
                },
            )
            return storage.FAILED
        return apply_upload(token, user)["state"]
