#!/usr/bin/env python3
# ruff: noqa: S105, S310, S603, S608 - a local test driver: loopback URLs, its own commands and
# table name, demo passwords
"""The three roles' walk, N times in a row, over real HTTP against `runserver` with the task
worker (`run_worker`) running beside it on a temporary SQLite file holding the demo: what
`make run` serves: saving must hold on the embedded default while scores compute.

Each walk: the facilitator registers a group and two people in it, saves a meeting sheet,
and creates both members' logins (the step that answered 503 while the worker computed);
member A logs an exchange, member B confirms it; the coordinator opens the dashboard and the
new group's report and waits until its scores are computed. Every answer must be 2xx/3xx;
the script fails when any is 5xx or when a computation waits longer than --max-wait.

    make walk                      # 20 walks
    .venv/bin/python scripts/walk_sqlite.py --walks 5 --keep

Prints per walk its time, and at the end: walks, requests, 5xx count, the longest wait of a
report for its scores, and the worst queue age /healthz reported.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

from local_site import PYTHON, ROOT, free_port, manage, wait_up

TASKS = "django_tasks_database_dbtaskresult"  # django-tasks-db's table
PASSWORD = "komunitas-demo-2026"  # the demo's, printed by seed_demo
NEW_PASSWORD = "Walk-password-2026!"


class WalkError(AssertionError):
    pass


# --------------------------------------------------------------------------- HTTP


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # every redirect is looked at (and followed) by the walk itself


class Stats:
    def __init__(self):
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self.report_waits: list[float] = []
        self.queue_ages: list[int] = []
        self.tasks: dict = {}


class Browser:
    """One user's cookies; GET and POST like a browser without JavaScript."""

    def __init__(self, base: str, stats: Stats, name: str):
        self.base, self.stats, self.name = base, stats, name
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: dict | None = None, *, follow: bool = True, expect=(200, 302)):
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, headers={"Accept-Language": "en"})
        try:
            response = self.opener.open(req, timeout=120)
        except urllib.error.HTTPError as error:
            response = error
        status, location = response.status, response.headers.get("Location", "")
        text = response.read().decode("utf-8", "replace")
        self.stats.statuses[status] += 1
        if status >= 500 or status not in expect:
            message = f"{self.name}: {'POST' if data is not None else 'GET'} {path} -> {status}"
            self.stats.failures.append(message)
            raise WalkError(message + "\n" + errors_in(text))
        if follow and status == 302:
            return self.request(urllib.parse.urljoin(url, location), follow=True, expect=expect)
        return status, location, text

    def get(self, path: str, **kwargs):
        return self.request(path, **kwargs)

    def submit(self, path: str, form_selector: str, fields: dict | None = None, *, page: str | None = None,
               follow: bool = False, action: str | None = None, expect=(302,)):
        """GET the page (unless given), fill the form found by id or action, POST it. A form
        that was refused re-renders with 200: not expected unless said so."""
        if page is None:
            _, _, page = self.get(path)
        values, form_action = read_form(page, form_selector)
        values.update(fields or {})
        return self.request(action or form_action or path, values, follow=follow, expect=expect)

    def log_in(self, username: str, password: str):
        status, location, _ = self.submit("/accounts/login/", "",  # the form without an action
                                          {"username": username, "password": password})
        if status != 302:
            raise WalkError(f"{self.name}: login as {username} failed")
        return location


def find(pattern: str, page: str, what: str) -> str:
    """The first group of `pattern` in the page, or a WalkError naming what was missing."""
    match = re.search(pattern, page, re.S)
    if match is None:
        Path(tempfile.gettempdir(), "walk-missing.html").write_text(page)
        raise WalkError(f"not on the page: {what} (page saved as walk-missing.html)")
    return match.group(1)


def errors_in(html: str) -> str:
    found = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    return " | ".join(re.sub(r"<[^>]+>", " ", f).strip() for f in found)[:500] or html[:300]


class FormReader(HTMLParser):
    """The fields of every form as a browser would send them (no JavaScript)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.current: dict | None = None
        self.select: str | None = None
        self.select_first: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.current = {"id": a.get("id", ""), "action": a.get("action", ""), "fields": []}
            self.forms.append(self.current)
            return
        if self.current is None or ("form" in a and a["form"] != self.current["id"]):
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.current["fields"].append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select, self.select_first = name, None
            self.current["fields"].append((name, None))
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if self.select_first is None:
                self.select_first = value
                self._set(self.select, value)  # a browser sends the first option if none is chosen
            if "selected" in a:
                self._set(self.select, value)
        elif tag == "textarea" and name:
            self.textarea = name
            self.current["fields"].append((name, ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea and self.current is not None:
            self._set(self.textarea, data)

    def _set(self, name, value):
        fields = self.current["fields"]
        for i in range(len(fields) - 1, -1, -1):
            if fields[i][0] == name:
                fields[i] = (name, value)
                return


def read_form(html: str, selector: str) -> tuple[dict, str]:
    reader = FormReader()
    reader.feed(html)
    for form in reader.forms:
        if (form["action"] == "") if selector == "" else selector in (form["id"], form["action"]):
            return {k: v for k, v in form["fields"] if v is not None}, form["action"]
    raise WalkError(f"no form {selector!r} on the page")


# --------------------------------------------------------------------------- servers


def environment(db_path: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DEBUG="true",  # as `make run`
        DATABASE_URL=f"sqlite:///{db_path}",
        TASKS_IMMEDIATE="false",
        LANGUAGE_CODE="en",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.pop("TESTING", None)
    return env


# --------------------------------------------------------------------------- the walk


def person_ref(group_page: str, name: str) -> str:
    match = re.search(r'href="/people/([^/"]+)/"[^>]*>\s*' + re.escape(name) + r"\s*<", group_page)
    if not match:
        raise WalkError(f"{name} not listed on the group page")
    return match.group(1)


def create_login(fac: Browser, ref: str) -> tuple[str, str]:
    _, _, page = fac.submit(f"/people/{ref}/login/", f"/people/{ref}/login/", follow=True, expect=(200, 302))
    codes = re.findall(r"<dl class=\"credentials\">.*?<code>(.*?)</code>.*?<code>(.*?)</code>", page, re.S)
    if not codes:
        raise WalkError("no one-time password shown")
    return codes[0]


def member_session(base, stats, name, username, password) -> Browser:
    member = Browser(base, stats, name)
    member.log_in(username, password)
    # a one-time password: every page sends the member to choose their own first
    member.submit("/account/password/", "/account/password/",
                  {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    return member


def report_ready(coord: Browser, path: str, stats: Stats, max_wait: float) -> float:
    """Poll the report (as its page does) until its scores show; the seconds waited."""
    started = time.monotonic()
    while True:
        _, _, page = coord.get(path)
        if 'class="card computing' not in page:
            return time.monotonic() - started
        if "The scores are taking too long" in page or "could not be computed" in page:
            raise WalkError(f"{path}: the computation is stuck or failed")
        waited = time.monotonic() - started
        if waited > max_wait:
            raise WalkError(f"{path}: still being computed after {waited:.0f} s")
        time.sleep(1)


def queue_age(base: str, stats: Stats):
    body = json.loads(urllib.request.urlopen(base + "/healthz", timeout=30).read())
    stats.statuses[200] += 1
    stats.queue_ages.append((body.get("queue") or {}).get("oldest_waiting_seconds") or 0)


def drain(db_path: Path, seconds: float) -> bool:
    """Wait until the worker has finished every task (True), at most `seconds`."""
    import sqlite3

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with sqlite3.connect(db_path, timeout=30) as db:
            (busy,) = db.execute(
                f"SELECT count(*) FROM {TASKS} WHERE status IN ('READY', 'RUNNING')"
            ).fetchone()
        if not busy:
            return True
        time.sleep(1)
    return False


def task_figures(db_path: Path) -> dict:
    """Every task the walks queued (django-tasks-db keeps them): how many, how many did not
    succeed, and the longest time one waited for the worker and until it was done."""
    import sqlite3

    with sqlite3.connect(db_path, timeout=30) as db:
        total, unfinished, waited, done = db.execute(
            "SELECT count(*), sum(status != 'SUCCESSFUL'),"
            " max((julianday(coalesce(started_at, 'now')) - julianday(enqueued_at)) * 86400),"
            " max((julianday(coalesce(finished_at, 'now')) - julianday(enqueued_at)) * 86400)"
            f" FROM {TASKS}"
        ).fetchone()
        failed = db.execute(
            f"SELECT task_path, exception_class_path, substr(traceback, -300) FROM {TASKS}"
            " WHERE status != 'SUCCESSFUL'"
        ).fetchall()
    return {"tasks": total, "not_successful": unfinished or 0, "max_wait": waited or 0, "max_done": done or 0,
            "failed": failed}


def walk(base: str, stats: Stats, i: int, run: str, max_wait: float):
    tag = f"{run}{i:02d}"
    group_name, name_a, name_b = f"Walk group {tag}", f"Ani Walk {tag}", f"Budi Walk {tag}"

    fac = Browser(base, stats, "facilitator")
    fac.log_in("pendamping", PASSWORD)
    _, _, page = fac.get("/groups/new/")
    area = find(r'<option value="(\d+)"[^>]*>\s*Desa Sumberejo', page, "the village")
    status, group_url, _ = fac.submit("/groups/new/", "/groups/new/", page=page, fields={
        "name": group_name, "kind": "arisan", "area": area,
        "how_formed": "spontaneous", "meeting_frequency": "monthly",
    })
    group_ref = group_url.rstrip("/").rsplit("/", 1)[-1]
    for name in (name_a, name_b):
        path = f"/groups/{group_ref}/members/new/?q={urllib.parse.quote(name)}"
        # every walk registers an "Ani Walk ...": after the first, the similar-name warning is
        # answered as a facilitator would, "a different person"
        fields = {"full_name": name, "consent_given": "on", "different_person": "on"}
        fac.submit(path, f"/groups/{group_ref}/members/new/", fields, action=path)
    _, _, group_page = fac.get(f"/groups/{group_ref}/")
    ref_a, ref_b = person_ref(group_page, name_a), person_ref(group_page, name_b)

    # the meeting sheet: one row, then straight on to the logins (where saving once answered 503)
    _, _, sheet = fac.get(f"/groups/{group_ref}/sheet/")
    giver = find(r'<option value="([^"]+)"[^>]*>\s*' + re.escape(name_a), sheet, name_a)
    receiver = find(r'<option value="([^"]+)"[^>]*>\s*' + re.escape(name_b), sheet, name_b)
    fac.submit(f"/groups/{group_ref}/sheet/", "sheet", page=sheet, fields={
        "rows-0-giver": giver, "rows-0-receiver": receiver, "rows-0-resource": "money",
        "rows-0-amount": "50000", "rows-0-unit": "IDR",
    })
    login_a, login_b = create_login(fac, ref_a), create_login(fac, ref_b)

    # member A logs "I gave"; member B confirms it
    ani = member_session(base, stats, "member A", *login_a)
    _, _, page = ani.get(f"/exchanges/new/?direction=gave&q={urllib.parse.quote(name_b)}")
    party = find(r'name="party" value="([^"]+)"', page, "the other party")
    _, exchange_url, _ = ani.submit("", "exchange-form", page=page, action="/exchanges/new/", fields={
        "direction": "gave", "party": party, "resource": "goods", "amount": "2", "unit": "kg",
        "group": group_ref, "note": "Beras",
    })
    exchange_ref = exchange_url.rstrip("/").rsplit("/", 1)[-1]
    budi = member_session(base, stats, "member B", *login_b)
    _, _, page = budi.get("/exchanges/")
    budi.submit("", f"/exchanges/{exchange_ref}/confirm/", page=page)

    # the coordinator reads the dashboard and the new group's report
    coord = Browser(base, stats, "coordinator")
    coord.log_in("koordinator", PASSWORD)
    coord.get("/reports/")
    queue_age(base, stats)
    stats.report_waits.append(report_ready(coord, f"/reports/groups/{group_ref}/", stats, max_wait))
    queue_age(base, stats)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--walks", type=int, default=20)
    parser.add_argument("--max-wait", type=float, default=120,
                        help="seconds a report may wait for its scores")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, logs)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to serve (to compare versions)")
    parser.add_argument("--worker", default="run_worker --no-reload --interval 0.5",
                        help="the worker's manage.py command (e.g. 'db_worker --no-reload')")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="cm-walk-"))
    env = environment(folder / "walk.sqlite3")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    stats = Stats()
    servers = []
    try:
        manage(env, "migrate", "--noinput", root=args.root)
        manage(env, "seed_demo", root=args.root)
        manage(env, "compute_scores", "--if-missing", root=args.root)
        for name, command in (
            ("server", ["runserver", "--noreload", f"127.0.0.1:{port}"]),
            ("worker", args.worker.split()),
        ):
            log = open(folder / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
            servers.append(subprocess.Popen(
                [PYTHON, "manage.py", *command], cwd=args.root, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            ))
        wait_up(base)
        run = time.strftime("%H%M%S")
        started = time.monotonic()
        for i in range(1, args.walks + 1):
            t0 = time.monotonic()
            try:
                walk(base, stats, i, run, args.max_wait)
                outcome = "ok"
            except WalkError as error:
                outcome = f"FAILED: {error}"
            wait = stats.report_waits[-1] if len(stats.report_waits) >= i else float("nan")
            print(f"walk {i:2d}: {time.monotonic() - t0:5.1f} s, report waited {wait:4.1f} s  {outcome}",
                  flush=True)
        elapsed = time.monotonic() - started
        if not drain(folder / "walk.sqlite3", args.max_wait):
            stats.failures.append(f"tasks still waiting {args.max_wait:.0f} s after the last walk")
        stats.tasks = task_figures(folder / "walk.sqlite3")
    finally:
        for process in servers:
            os.killpg(process.pid, signal.SIGTERM)
        for process in servers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    five_xx = sum(n for status, n in stats.statuses.items() if status >= 500)
    print()
    print(f"walks: {args.walks} in {elapsed:.0f} s; requests: {sum(stats.statuses.values())} "
          f"({dict(sorted(stats.statuses.items()))})")
    print(f"5xx answers: {five_xx} (503: {stats.statuses.get(503, 0)}); failed steps: {len(stats.failures)}")
    print(f"longest wait of a report for its scores: {max(stats.report_waits, default=0):.1f} s "
          f"(limit {args.max_wait:.0f} s); oldest task in the queue seen by /healthz: "
          f"{max(stats.queue_ages, default=0)} s")
    tasks = stats.tasks
    print(f"background tasks: {tasks.get('tasks')}, not successful: {tasks.get('not_successful')}; "
          f"longest wait for the worker: {tasks.get('max_wait', 0):.1f} s, "
          f"longest until done: {tasks.get('max_done', 0):.1f} s")
    for row in tasks.get("failed", []):
        print("  not successful:", *row)
    worker_log = (folder / "worker.log").read_text()
    restarts = worker_log.count("the task loop failed")
    print(f"worker loop failures (logged and retried): {restarts}")
    if args.keep:
        print(f"kept: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    ok = (
        not stats.failures and five_xx == 0 and len(stats.report_waits) == args.walks
        and tasks.get("not_successful") == 0 and tasks.get("max_done", 0) <= args.max_wait
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
