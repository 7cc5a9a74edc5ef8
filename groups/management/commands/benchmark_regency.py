"""Benchmark of a regency computed district by district (not a timed test), in one run:

1. import: a synthetic regency of --districts districts of --people people each
   (seed_synthetic --districts, groups/synthetic.py), timed;
2. recompute: one snapshot task per district queued (as `compute_scores --enqueue`), then
   --workers `manage.py run_worker --batch` processes started side by side, timed until every
   district's snapshot is done; which worker computed which district is read from the queue;
3. the regency page: its dashboard (a row per district, rolled up from their snapshots)
   requested once to warm it, then --requests times one at a time with the Django test
   client, logged in as staff: median and 95th percentile.

Run it on its own PostgreSQL database, with the database queue (not in-process tasks):
  SECRET_KEY=bench TESTING=true TASKS_IMMEDIATE=false SECURE_SSL_REDIRECT=false \\
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/regency_bench \\
  python manage.py benchmark_regency --districts 10 --people 20000 --force
(--reuse: no import; the regency already seeded is recomputed and its page timed.)
"""

import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tasks import task_backends
from django_tasks_db.models import DBTaskResult

from groups import synthetic
from groups.models import Area, AreaLevel, ScoreSnapshot, SnapshotStatus
from groups.scores import reading
from groups.scores.areas import districts_below

BENCH_USER = "benchmark-regency-staff"
#: Give up waiting for the workers after this long.
RECOMPUTE_LIMIT_SECONDS = 3 * 3600


class Command(BaseCommand):
    help = "Import, recompute (with background workers) and page time of a synthetic regency."

    def add_arguments(self, parser):
        parser.add_argument("--districts", type=int, default=10)
        parser.add_argument("--people", type=int, default=20000, help="People per district.")
        parser.add_argument("--workers", type=int, default=2, help="run_worker processes side by side.")
        parser.add_argument("--requests", type=int, default=30, help="Timed requests of the regency page.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--force", action="store_true", help="Delete every community record first.")
        parser.add_argument(
            "--reuse", action="store_true", help="No import: recompute and time the regency already seeded."
        )

    def handle(self, *args, districts, people, workers, requests, seed, force, reuse=False, **options):
        if districts < 1 or people < 1 or workers < 1 or requests < 1:
            raise CommandError("--districts, --people, --workers and --requests must be at least 1.")
        if type(task_backends["default"]).__name__ != "DatabaseBackend":
            raise CommandError("Run with the database queue (TASKS_IMMEDIATE=false): workers take the tasks.")
        if reuse:
            if not Area.objects.filter(level=AreaLevel.REGENCY).exists():
                raise CommandError("--reuse needs a seeded regency.")
        elif not synthetic.is_empty():
            if not force:
                raise CommandError(
                    "The database is not empty. Use --force to delete every community record first."
                )
            synthetic.wipe()
        # only this run's tasks in the queue, and no computation waiting for a task deleted here
        DBTaskResult.objects.all().delete()
        ScoreSnapshot.objects.filter(status__in=[SnapshotStatus.PENDING, SnapshotStatus.RUNNING]).delete()
        self.stdout.write(
            f"{connection.vendor}, cache {settings.CACHES['default']['BACKEND']}, {os.cpu_count()} cores"
        )
        self.stdout.write(f"load before: {_uptime()}")

        if not reuse:
            self._import(districts, people, seed)
        regency = Area.objects.get(level=AreaLevel.REGENCY)
        cpu = _cpu(resource.RUSAGE_CHILDREN)
        recomputed = self._recompute(regency, workers)
        cpu = _cpu(resource.RUSAGE_CHILDREN) - cpu  # the workers and their trend processes
        self.stdout.write(
            f"recompute: {recomputed:.1f} s for {len(districts_below(regency))} districts "
            f"with {workers} workers "
            f"({cpu:.0f} CPU s in the workers: at least {cpu / (os.cpu_count() or 1):.0f} s on "
            "this machine's cores with nothing else running)"
        )
        self.stdout.write(f"load after the recompute: {_uptime()}")

        times = _page_times(regency, requests)
        self.stdout.write(
            f"regency page (warm, one at a time, {requests} requests): median "
            f"{statistics.median(times) * 1000:.0f} ms, p95 {_p95(times) * 1000:.0f} ms"
        )
        self.stdout.write(f"load at the end: {_uptime()}")

    def _import(self, districts: int, people: int, seed: int) -> None:
        began, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
        summary = synthetic.build_regency(districts, people, seed=seed)
        imported, cpu = time.perf_counter() - began, _cpu(resource.RUSAGE_SELF) - cpu
        self.stdout.write(
            f"import: {imported:.1f} s, {cpu:.1f} CPU s in this process "
            f"({summary.people} people, {summary.exchanges} exchanges, "
            f"{summary.memberships} memberships, {summary.attendances} attendances, "
            f"{summary.exchanges_across} exchanges and {summary.memberships_across} memberships "
            "across districts)"
        )

    def _recompute(self, regency: Area, workers: int) -> float:
        """Queue one task per district, start the workers, wait for every snapshot; seconds."""
        began = time.perf_counter()
        queued = {
            district.ref: reading.request_snapshot(district).pk for district in districts_below(regency)
        }
        env = {**os.environ, "TASKS_IMMEDIATE": "false"}
        manage = Path(settings.BASE_DIR) / "manage.py"
        processes = [
            subprocess.Popen(  # noqa: S603 (our own manage.py, fixed arguments)
                [
                    sys.executable,
                    str(manage),
                    "run_worker",
                    "--batch",
                    "--no-startup-delay",
                    "--worker-id",
                    f"bench-{n + 1}",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
            )
            for n in range(workers)
        ]
        try:
            while not _all_finished(queued.values()):
                if time.perf_counter() - began > RECOMPUTE_LIMIT_SECONDS:
                    raise CommandError("The workers did not finish in time.")
                if all(p.poll() is not None for p in processes) and not _all_finished(queued.values()):
                    raise CommandError("Every worker stopped before the districts were computed.")
                time.sleep(1)
            seconds = time.perf_counter() - began
        finally:
            for process in processes:  # only the processes started here
                if process.poll() is None:
                    process.terminate()
                process.wait(timeout=60)
        self._report_districts(queued)
        return seconds

    def _report_districts(self, queued: dict[str, int]) -> None:
        """Each district: who computed it, its size and its own time."""
        by_snapshot = {}
        for result in DBTaskResult.objects.all():
            args = result.args_kwargs.get("args") or [None]
            by_snapshot[args[0]] = ",".join(result.worker_ids)
        for ref, pk in sorted(queued.items()):
            snapshot = ScoreSnapshot.objects.get(pk=pk)
            scores = snapshot.area_scores or {}
            self.stdout.write(
                f"  {ref}: {snapshot.status}, worker {by_snapshot.get(pk, '?')}, "
                f"{scores.get('people')} people, {scores.get('exchanges')} exchanges, "
                f"{snapshot.duration_seconds or 0:.1f} s"
            )


def _cpu(who) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _all_finished(snapshot_ids) -> bool:
    unfinished = ScoreSnapshot.objects.filter(
        pk__in=list(snapshot_ids), status__in=[SnapshotStatus.PENDING, SnapshotStatus.RUNNING]
    )
    return not unfinished.exists()


def _page_times(regency: Area, requests: int) -> list[float]:
    user, _ = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    url = reverse("groups:report_dashboard", args=[regency.ref])
    if client.get(url).status_code != 200:  # warm: every district's parts built and kept
        raise CommandError(f"{url} did not answer 200.")
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}.")
    return times


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _uptime() -> str:
    with open("/proc/loadavg") as loadavg:
        one, five, fifteen = loadavg.read().split()[:3]
    return f"load average {one}, {five}, {fifteen} ({dt.datetime.now(dt.UTC):%H:%M:%S} UTC)"
