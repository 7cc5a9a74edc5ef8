#!/usr/bin/env python3
# ruff: noqa: S603, S607, T201 - a local demonstration driver: its own commands on loopback, printing
"""More than one machine, shown on one: two app servers and two task workers on loopback against
one PostgreSQL database and one Redis, as they would run on four hosts.

    make cluster-demo
    .venv/bin/python scripts/cluster_demo.py --districts 4 --people 1500 [--keep]

1. A fresh database (`cluster_demo` on 127.0.0.1:5432, user postgres), migrated, static files
   collected, and a synthetic regency seeded (`seed_synthetic --districts N --people P`).
2. Two gunicorn app servers (DEBUG off, the page cache in Redis under a prefix of this run,
   MEDIA_ROOT a folder both share) and two workers (`manage.py run_worker`).
3. A recompute of the regency is requested (`compute_scores --area <regency> --enqueue`): one
   task per district in the one queue.
4. A worker in the middle of a district (half as far in as the quickest district took, and
   preferably one that already finished a district) is frozen, seen still in the middle once
   its database connections (named after it) have finished what it sent before, and killed
   with SIGKILL (the process and what it started). Its district shows no rows; after
   WORKER_LOST_SECONDS of silence the other worker puts the task back in the queue and
   finishes the district (the task's worker_ids show both attempts).
5. Checks: every district done; both workers took districts; the killed district finished by
   the other worker; no snapshot has rows unless done, and each done one has one row per
   group of its district; the regency page answers the same from both app servers.

Prints a summary and exits non-zero when a check fails. Stops everything it started. Needs
PostgreSQL and Redis on loopback (the CI machine has both).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from local_site import GUNICORN, PYTHON, ROOT, free_port, manage, production_env

WORKERS = ("worker-a", "worker-b")
LOST_SECONDS = 5  # WORKER_LOST_SECONDS of the demo: a lost district is taken over within seconds
CSRF = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


@dataclass
class Cluster:
    """What the demo started: name -> process (each the leader of its own process group)."""

    folder: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.processes[name] = process
        return process

    def signal(self, name: str, number: int) -> None:
        """To the process and what it started (its trend helpers), as a crash would reach them."""
        try:
            os.killpg(self.processes[name].pid, number)
        except ProcessLookupError:
            pass

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def environment(folder: Path, database: str, redis_db: int) -> dict:
    """What every app server and worker of the demo is given: the same settings, as the hosts
    of one installation would be (see .env.example and README, Deployment)."""
    return production_env(
        SECRET_KEY="cluster-demo-only-" + secrets.token_hex(16),
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        CACHE_URL=f"redis://127.0.0.1:6379/{redis_db}",
        CACHE_KEY_PREFIX=f"cluster-demo-{secrets.token_hex(4)}",  # this run's keys only
        MEDIA_ROOT=str(folder / "shared"),
        STATIC_ROOT=str(folder / "static"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LANGUAGE_CODE="en",
        MAP_TILE_URL="",
        WORKER_LOST_SECONDS=str(LOST_SECONDS),
    )


def fresh_database(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def wait_until(what: str, check, timeout: float, every: float = 0.05):
    """Poll `check()` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def get(port: int, path: str, cookie: str = "") -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept-Language": "en", **({"Cookie": cookie} if cookie else {})}
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def up(port: int) -> bool:
    try:
        return get(port, "/healthz")[0] == 200
    except OSError:
        return False


class Failed(Exception):
    pass


def check(claim: str, ok: bool, lines: list[str]) -> None:
    lines.append(f"  [{'ok' if ok else 'FAILED'}] {claim}")
    if not ok:
        raise Failed(claim)


# --- reading the shared database from here (the demo's own Django, the cluster's settings) ---


def connect_django(env: dict) -> None:
    for name in set(os.environ) - set(env):  # TESTING (under pytest) would run tasks in here
        del os.environ[name]
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "communitymap.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@dataclass(frozen=True)
class Attempted:
    """One district's snapshot task as the queue holds it."""

    task_id: str
    snapshot_id: int
    status: str
    worker_ids: tuple[str, ...]
    district: str
    running_for: float  # seconds since its current attempt started (0 when not running)


def snapshot_tasks() -> list[Attempted]:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from groups.models import ScoreSnapshot

    results = list(DBTaskResult.objects.filter(task_path__endswith="compute_snapshot_task"))
    ids = [r.args_kwargs["args"][0] for r in results]
    names = dict(ScoreSnapshot.objects.filter(pk__in=ids).values_list("pk", "area__ref"))
    now = timezone.now()
    return [
        Attempted(
            str(r.pk),
            snapshot_id,
            r.status,
            tuple(r.worker_ids),
            names.get(snapshot_id, "?"),
            (now - r.started_at).total_seconds() if r.status == "RUNNING" and r.started_at else 0.0,
        )
        for r, snapshot_id in zip(results, ids, strict=True)
    ]


def typical_seconds() -> float | None:
    """How long the quickest district computed so far took."""
    from django.db.models import Min

    from groups.models import ScoreSnapshot, SnapshotStatus

    return ScoreSnapshot.objects.filter(status=SnapshotStatus.DONE).aggregate(m=Min("duration_seconds"))["m"]


def rows_of(snapshot_id: int) -> tuple[int, int]:
    from groups.models import GroupScore, PersonScore

    return (
        PersonScore.objects.filter(snapshot_id=snapshot_id).count(),
        GroupScore.objects.filter(snapshot_id=snapshot_id).count(),
    )


def coordinator_cookie(regency_ref: str) -> str:
    """A session (in the database: every app server reads it) of a coordinator of the regency."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from groups.models import Area, Assignment, StaffRole

    user, _ = get_user_model().objects.get_or_create(username="cluster-demo-coordinator")
    user.set_unusable_password()
    user.save()
    Assignment.objects.get_or_create(
        user=user, role=StaffRole.COORDINATOR, area=Area.objects.get(ref=regency_ref)
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


# --- the steps ---------------------------------------------------------------------------------


def prepare(env: dict, args, lines: list[str]) -> str:
    """A fresh database, migrated and seeded; the regency's ref."""
    began = time.monotonic()
    fresh_database(args.database)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    out = manage(env, "seed_synthetic", "--districts", str(args.districts), "--people", str(args.people))
    lines.append(
        f"  database made, migrated, static files collected, seeded: {time.monotonic() - began:.0f} s"
    )
    lines.append(f"  {out.strip()}")
    connect_django(env)
    from groups.models import Area, AreaLevel

    regency = Area.objects.get(level=AreaLevel.REGENCY)
    districts = Area.objects.filter(parent=regency, level=AreaLevel.DISTRICT).count()
    lines.append(f"  regency {regency.ref}: {districts} districts of {args.people} people")
    return regency.ref


def start_cluster(cluster: Cluster, env: dict) -> None:
    for name in ("app-1", "app-2"):
        port = free_port()
        cluster.ports[name] = port
        cluster.start(
            name,
            [
                GUNICORN,
                "communitymap.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "120",
            ],
            env,
        )
    for name in WORKERS:
        # each worker's database connections carry its name (pg_stat_activity.application_name)
        named = {**env, "DATABASE_URL": f"{env['DATABASE_URL']}?application_name={name}"}
        cluster.start(
            name,
            [
                PYTHON,
                "manage.py",
                "run_worker",
                "--worker-id",
                name,
                "--no-startup-delay",
                "--interval",
                "0.2",
                "--no-reload",
            ],
            named,
        )
    for name, port in cluster.ports.items():
        wait_until(f"{name} answering /healthz", lambda port=port: up(port), timeout=60, every=0.2)


def request_recompute(env: dict, regency_ref: str, lines: list[str]) -> None:
    """One task per district in the shared queue: `compute_scores --area <regency> --enqueue`."""
    from groups.models import Area
    from groups.scores.areas import districts_below

    out = manage(env, "compute_scores", "--area", regency_ref, "--enqueue")
    lines.extend(f"  {line}" for line in out.strip().splitlines())
    districts = districts_below(Area.objects.get(ref=regency_ref))
    queued = len(snapshot_tasks())
    check(f"the shared queue holds one task per district ({queued})", queued == len(districts), lines)


def kill_in_the_middle(cluster: Cluster, lines: list[str]) -> tuple[Attempted, str]:
    """Wait for a worker in the middle of a district, preferably one that already finished
    one (so both have finished districts), and SIGKILL it. It is frozen first (SIGSTOP) and
    its district read again: only a worker still in the middle of one is killed, else it goes
    on (SIGCONT) and the demo waits for the next. Returns the task and the killed worker."""
    while True:
        task = wait_until("a worker in the middle of a district", _candidate, timeout=600, every=0.02)
        name = task.worker_ids[-1]
        cluster.signal(name, signal.SIGSTOP)
        # A frozen worker sends nothing more, but what it sent (a COMMIT, say) is still carried
        # out by its PostgreSQL backend: the district is read again once that is done.
        wait_until(
            f"{name}'s database work sent before it froze",
            lambda name=name: _idle_in_database(name),
            timeout=60,
        )
        if _still_running(task):
            break
        cluster.signal(name, signal.SIGCONT)
    cluster.signal(name, signal.SIGKILL)
    cluster.processes[name].wait(timeout=30)
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from groups.models import ScoreSnapshot

    result = DBTaskResult.objects.get(pk=task.task_id)
    snapshot = ScoreSnapshot.objects.get(pk=task.snapshot_id)
    people, groups = rows_of(task.snapshot_id)
    into = (timezone.now() - result.started_at).total_seconds()
    lines.append(
        f"  SIGKILL {name} (pid {cluster.processes[name].pid}) {into:.1f} s "
        f"into district {task.district}: task {result.status}, snapshot {snapshot.status}, "
        f"{people} person rows, {groups} group rows"
    )
    check(
        f"{name} was killed while its district was still running, nothing of it written",
        result.status == "RUNNING" and snapshot.status == "running" and (people, groups) == (0, 0),
        lines,
    )
    return task, name


def _candidate() -> Attempted | None:
    """A running district, half as far in as the quickest district took (truly in the middle)."""
    tasks = snapshot_tasks()
    finished = {t.worker_ids[-1] for t in tasks if t.status == "SUCCESSFUL"}
    half = (typical_seconds() or 1.0) / 2
    running = [t for t in tasks if t.status == "RUNNING" and t.running_for >= half]
    waiting = [t for t in tasks if t.status == "READY"]
    for task in running:
        if task.worker_ids[-1] in finished:
            return task
    if running and not waiting:
        return running[0]
    if tasks and all(t.status in ("SUCCESSFUL", "FAILED") for t in tasks):
        raise Failed("every district was finished before a worker could be killed in the middle of one")
    return None


def _idle_in_database(worker: str) -> bool:
    """None of the worker's database connections is carrying out a statement."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND state = 'active'",
            [worker],
        )
        return cursor.fetchone()[0] == 0


def _still_running(task: Attempted) -> bool:
    from groups.models import ScoreSnapshot

    now = next(t for t in snapshot_tasks() if t.task_id == task.task_id)
    status = ScoreSnapshot.objects.filter(pk=task.snapshot_id).values_list("status", flat=True).first()
    return now.status == "RUNNING" and now.worker_ids == task.worker_ids and status == "running"


def finish_and_check(folder: Path, killed: Attempted, victim: str, lines: list[str]) -> None:
    """Wait until every district is done, then check who did what and that nothing is half-written."""
    from django.db.models import Count

    from groups.models import Area, Group, GroupScore, PersonScore, ScoreSnapshot, SnapshotStatus

    began = time.monotonic()
    wait_until(
        "every district computed",
        lambda: all(t.status in ("SUCCESSFUL", "FAILED") for t in snapshot_tasks()),
        timeout=900,
        every=0.2,
    )
    tasks = snapshot_tasks()
    survivor = next(w for w in WORKERS if w != victim)
    retried = next(t for t in tasks if t.task_id == killed.task_id)
    lines.append(f"  every district finished {time.monotonic() - began:.0f} s after the kill")
    lines.append("  districts by worker (each task's attempts, in order):")
    for task in sorted(tasks, key=lambda t: t.district):
        lines.append(f"    {task.district}: {task.status.lower()}, attempts {' -> '.join(task.worker_ids)}")
    check("every district's task succeeded", all(t.status == "SUCCESSFUL" for t in tasks), lines)
    took = {w: sorted(t.district for t in tasks if w in t.worker_ids) for w in WORKERS}
    check(
        "both workers took districts ("
        + "; ".join(f"{w}: {', '.join(districts)}" for w, districts in took.items())
        + ")",
        all(took.values()),
        lines,
    )
    said = [
        line for line in (folder / f"{survivor}.log").read_text().splitlines() if "lost its worker" in line
    ]
    lines.extend(f"  {survivor}'s log: {line}" for line in said)
    check(f"{survivor} said it put the lost task back in the queue", len(said) == 1, lines)
    check(
        f"the killed district {killed.district} was finished by {survivor} on a second attempt",
        retried.worker_ids == (victim, survivor) and retried.status == "SUCCESSFUL",
        lines,
    )
    snapshots = ScoreSnapshot.objects.filter(pk__in=[t.snapshot_id for t in tasks])
    check("every district's snapshot is done", all(s.status == SnapshotStatus.DONE for s in snapshots), lines)
    partial = (
        PersonScore.objects.exclude(snapshot__status=SnapshotStatus.DONE).count()
        + GroupScore.objects.exclude(snapshot__status=SnapshotStatus.DONE).count()
    )
    check("no rows of a snapshot that is not done (nothing half-written)", partial == 0, lines)
    groups_of = {s.pk: Group.objects.in_area(Area.objects.get(pk=s.area_id)).count() for s in snapshots}
    counts = dict(snapshots.annotate(n=Count("group_scores")).values_list("pk", "n"))
    check(
        "each done snapshot has one row per group of its district, no more, no fewer",
        counts == groups_of,
        lines,
    )


def kept_in_redis() -> int:
    """Keys under this run's CACHE_KEY_PREFIX in the Redis both app servers share."""
    from django.conf import settings
    from django.core.cache import cache

    client = cache._cache.get_client()  # django's RedisCache: the redis-py client
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    return sum(1 for _key in client.scan_iter(match=f"{prefix}:*", count=1000))


def same_page_from_both(cluster: Cluster, regency_ref: str, cookie: str, lines: list[str]) -> None:
    from groups.models import Area, AreaLevel

    path = f"/reports/areas/{regency_ref}/"
    for port in cluster.ports.values():  # a first page of each process (templates, code hash)
        get(port, "/", cookie)
    pages = {}
    for round_ in ("first", "again"):  # again: each app server reads what either one kept
        for name, port in cluster.ports.items():
            began = time.perf_counter()
            status, body = get(port, path, cookie)
            ms = 1000 * (time.perf_counter() - began)
            lines.append(f"  GET {path} from {name} ({round_}): {status}, {len(body)} bytes, {ms:.0f} ms")
            pages.setdefault(name, (status, CSRF.sub(r"\1-", body)))  # CSRF tokens differ per response
    lines.append(f"  page parts kept in Redis under this run's prefix: {kept_in_redis()}")
    (s1, page1), (s2, page2) = pages.values()
    check("the regency page answers 200 on both app servers", s1 == s2 == 200, lines)
    check("both app servers answer the same page (CSRF tokens aside)", page1 == page2, lines)
    names = Area.objects.filter(parent__ref=regency_ref, level=AreaLevel.DISTRICT).values_list(
        "name", flat=True
    )
    check("the page has a row for every district", all(n in page1 for n in names), lines)


def run(args) -> int:
    folder = Path(tempfile.mkdtemp(prefix="cm-cluster-"))
    (folder / "shared").mkdir()
    env = environment(folder, args.database, args.redis_db)
    cluster, lines = Cluster(folder), []
    print(f"cluster demo: {args.districts} districts of {args.people} people; logs in {folder}", flush=True)
    try:
        regency_ref = prepare(env, args, lines)
        start_cluster(cluster, env)
        lines.append(
            f"  app servers on ports {', '.join(map(str, cluster.ports.values()))}; "
            f"workers {', '.join(WORKERS)}; WORKER_LOST_SECONDS={LOST_SECONDS}"
        )
        cookie = coordinator_cookie(regency_ref)
        request_recompute(env, regency_ref, lines)
        killed, victim = kill_in_the_middle(cluster, lines)
        finish_and_check(folder, killed, victim, lines)
        same_page_from_both(cluster, regency_ref, cookie, lines)
        failed = False
    except Failed as error:
        if not any(line.endswith(f"[FAILED] {error}") for line in lines):  # check() printed its own
            lines.append(f"  [FAILED] {error}")
        failed = True
    except (TimeoutError, SystemExit) as error:
        lines.append(f"  [FAILED] {error}")
        failed = True
    finally:
        cluster.stop_all()
    print("\n".join(["", "== cluster demo summary", *lines]))
    print(
        f"== {'FAILED' if failed else 'all claims hold'}; logs: {folder}"
        if failed or args.keep
        else "== all claims hold"
    )
    if not (failed or args.keep):
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stop still stops what was started
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--districts", type=int, default=4)
    parser.add_argument("--people", type=int, default=1500, help="per district")
    parser.add_argument("--database", default="cluster_demo", help="dropped and created afresh")
    parser.add_argument("--redis-db", type=int, default=9)
    parser.add_argument("--keep", action="store_true", help="keep the logs' folder")
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
