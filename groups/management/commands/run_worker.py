"""`manage.py run_worker`: django-tasks-db's `db_worker`, with the same options, whose loop
cannot die quietly: a failure is logged and the loop started again with back-off
(groups/worker.py). `make run` starts this one and restarts the process should it exit."""

import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from groups.worker import SupervisedWorker


class Command(db_worker.Command):
    help = "Run the background task worker; failures of its loop are logged and retried with back-off."

    def handle(self, *, verbosity, queue_name, exclude_queues, reload, batch, **options):
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = SupervisedWorker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            batch=batch,
            interval=options["interval"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloaded child handles signals
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
