"""Load test of the main pages: serve the configured database with gunicorn on loopback, drive
it with concurrent clients for a fixed time per page, report requests per second and p95
latency per page, and each page's ratio to /healthz (the trivial view: one SELECT 1 through
the whole middleware stack), measured again just before each page so that a shared machine's
changing load moves both alike. Stops by itself; nothing leaves 127.0.0.1.

The pages are read as a coordinator of the top area without name permission (the default,
pseudonymised view): a login-less user "loadtest-coordinator" is created or reused for that,
and a session is made for it directly (no login form, so login throttling is not involved).
Today's report snapshots are computed first if missing, so the report pages are measured
serving snapshots, as they do in production.

With --base-url http://127.0.0.1:8000 it starts nothing and drives that server instead (which
must serve the same database: the session is made in it).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cm_trust SECRET_KEY=... \\
        python manage.py seed_synthetic --people 20000
    DATABASE_URL=... SECRET_KEY=... python manage.py loadtest --clients 20 --seconds 10
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Area, Assignment, Group, Person, StaffRole
from groups.scores import reading, snapshots
from groups.scores.areas import community_of

LOADTEST_USER = "loadtest-coordinator"


@dataclass(frozen=True)
class Result:
    name: str
    path: str
    requests: int
    errors: int
    seconds: float
    latencies: tuple[float, ...]
    baseline: "Result | None" = None  # /healthz measured just before it

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def p95_ms(self) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) < 20:
            return max(self.latencies) * 1000
        return statistics.quantiles(self.latencies, n=20)[-1] * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hammer(
    port: int, path: str, cookie: str, *, clients: int, seconds: float, host: str = "127.0.0.1"
) -> tuple[int, int, list]:
    """`clients` threads, each with one keep-alive connection, request `path` until the time
    is up. Returns (requests, errors, latencies in seconds)."""
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    headers = {"Cookie": cookie, "X-Forwarded-Proto": "https", "Host": host}

    def client():
        conn = http.client.HTTPConnection(host, port, timeout=60)
        mine, failed = [], 0
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
                ok = False
            if ok:
                mine.append(time.perf_counter() - began)
            else:
                failed += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), errors[0], latencies


class Command(BaseCommand):
    help = "Load-test the main pages on loopback with gunicorn and report requests/s and p95."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=20, help="Concurrent clients (default 20).")
        parser.add_argument("--seconds", type=float, default=10.0, help="Seconds per page (default 10).")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3).")
        parser.add_argument("--area", help="Ref of the area the coordinator covers (default: the top one).")
        parser.add_argument(
            "--base-url", help="Drive this running server (http://host:port, same database); start nothing."
        )

    def handle(self, *args, clients, seconds, workers, area=None, base_url=None, **options):
        if not 1 <= clients <= 200 or not 0 < seconds <= 300:
            raise CommandError(_("Use 1 to 200 clients and at most 300 seconds per page."))
        target = urlsplit(base_url) if base_url else None
        if target is not None and (target.scheme != "http" or not target.hostname):
            raise CommandError(_("--base-url must be a plain http address such as http://127.0.0.1:8000."))
        top = Area.objects.filter(ref=area).first() if area else Area.objects.filter(parent=None).first()
        if top is None:
            raise CommandError(_("No area to test: load a community first (seed_synthetic)."))
        group = (
            Group.objects.in_area(top).annotate(n=Count("memberships")).order_by("-n", "pk").first()
        )
        user = self._coordinator(top)
        self._ensure_snapshots(top, group)
        session = self._session(user)
        cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
        server = None
        if target is None:
            host, port = "127.0.0.1", free_port()
            server = self._start(port, workers)
        else:
            host, port = target.hostname, target.port or 80
        try:
            if server is not None:
                self._wait_until_up(port, server)
            results = self._run(self._pages(top, group), host, port, cookie, clients, seconds)
        finally:
            if server is not None:
                self._stop(server)
            session.delete()
        where = base_url or _("gunicorn with %(workers)s workers") % {"workers": workers}
        self._report(results, clients=clients, seconds=seconds, where=where, area=top)

    def _pages(self, top: Area, group) -> list[tuple[str, str]]:
        """(name, path) of the pages driven, /healthz first (the baseline of the ratios)."""
        pages = [
            ("healthz (trivial)", reverse("healthz")),
            ("home", reverse("groups:home")),
            ("group_list", reverse("groups:group_list")),
            ("person_list", reverse("groups:person_list")),
            ("actor_list", reverse("groups:actor_list")),
            ("report_dashboard", reverse("groups:report_dashboard", args=[top.ref])),
            ("report_villages", reverse("groups:report_villages", args=[top.ref])),
            ("audit_list", reverse("groups:audit_list")),
        ]
        below = top.children.order_by("name", "pk").first()
        if below is not None:
            pages.append((f"{below.level} dashboard", reverse("groups:report_dashboard", args=[below.ref])))
        if group is not None:  # the map of the group's community, which its dashboard's script reads
            community = community_of(group.area)
            pages.append(("map geojson", reverse("groups:area_groups_geojson", args=[community.ref])))
        if group is not None:
            pages += [
                ("group_detail", reverse("groups:group_detail", args=[group.ref])),
                ("report_group", reverse("groups:report_group", args=[group.ref])),
            ]
            person = Person.objects.filter(memberships__group=group, consent_on__isnull=False).first()
            if person is not None:
                pages.append(("report_person", reverse("groups:report_person", args=[person.ref])))
        return pages

    def _run(self, pages, host: str, port: int, cookie: str, clients: int, seconds: float) -> list[Result]:
        """Each page after /healthz is measured right after /healthz again (for half the time):
        its ratio is to that baseline, so a machine whose load changes during the run (others'
        work on a shared host) moves both alike."""
        results: list[Result] = []
        baseline = None
        for name, path in pages:
            # warm up (and fill the page cache: it is what serving a snapshot costs)
            hammer(port, path, cookie, clients=min(clients, 4), seconds=min(2.0, seconds), host=host)
            if results:
                baseline = self._measure(*pages[0], port, cookie, clients, seconds / 2, host)
            results.append(self._measure(name, path, port, cookie, clients, seconds, host, baseline))
        return results

    def _measure(self, name, path, port, cookie, clients, seconds, host, baseline=None) -> Result:
        began = time.perf_counter()
        count, errors, latencies = hammer(port, path, cookie, clients=clients, seconds=seconds, host=host)
        return Result(name, path, count, errors, time.perf_counter() - began, tuple(latencies), baseline)

    def _stop(self, server: subprocess.Popen) -> None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    # --- setup ------------------------------------------------------------------------------

    def _coordinator(self, area: Area):
        """A coordinator of `area` without name permission (the default, pseudonymised view)."""
        user, _created = get_user_model().objects.get_or_create(username=LOADTEST_USER)
        if user.has_usable_password():
            user.set_unusable_password()  # reached through a session made here, never a login
            user.save()
        Assignment.objects.get_or_create(user=user, role=StaffRole.COORDINATOR, area=area)
        return user

    def _ensure_snapshots(self, area: Area, group) -> None:
        """Report pages read stored snapshots; compute today's first so the test measures
        serving them, not computing them."""
        today = timezone.localdate()
        for key in {area, *([group.area] if group is not None else [])}:
            latest = reading.latest_snapshot(key)
            if latest is None or latest.period_end < today:
                self.stdout.write(_("Computing the report of %(area)s first...") % {"area": key.ref})
                snapshots.compute_snapshot(reading.create_snapshot(key))

    def _session(self, user) -> SessionStore:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return session

    def _start(self, port: int, workers: int) -> subprocess.Popen:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        env = {
            **os.environ,
            "DEBUG": "false",
            "TESTING": "true",  # plain static storage: no collectstatic needed here
            "TASKS_IMMEDIATE": "false",  # never compute reports inside a request
            "LOG_LEVEL": "WARNING",
        }
        return subprocess.Popen(  # noqa: S603  (our own venv's gunicorn, fixed arguments)
            [str(gunicorn), "communitymap.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--log-level", "warning", "--timeout", "120"],
            cwd=settings.BASE_DIR, env=env,
        )

    def _wait_until_up(self, port: int, server: subprocess.Popen) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(_("gunicorn stopped while starting."))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", reverse("healthz"))
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise CommandError(_("gunicorn did not answer within a minute."))

    # --- report -----------------------------------------------------------------------------

    def _report(self, results: list[Result], *, clients, seconds, where, area) -> None:
        baseline = results[0]
        self.stdout.write(
            _("%(clients)s clients, %(seconds)s s per page, %(where)s, "
              "%(vendor)s, %(people)s people in %(area)s")
            % {
                "clients": clients, "seconds": seconds, "where": where,
                "vendor": connection.vendor, "people": Person.objects.in_area(area).count(),
                "area": area.ref,
            }
        )
        self.stdout.write(
            f"{'page':<20} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'errors':>7} "
            f"{'req/s ratio':>12} {'p95 ratio':>10} {'healthz req/s':>14}"
        )
        for r in results:
            base = r.baseline or baseline
            rps_ratio = r.rps / base.rps if base.rps else 0
            p95_ratio = r.p95_ms / base.p95_ms if base.p95_ms else 0
            self.stdout.write(
                f"{r.name:<20} {r.rps:>8.1f} {r.median_ms:>10.1f} {r.p95_ms:>8.0f} {r.errors:>7} "
                f"{rps_ratio:>12.3f} {p95_ratio:>10.1f} {base.rps:>14.1f}"
            )
