#!/usr/bin/env python3
# ruff: noqa: S105, S106, S603, S607 - a local measuring driver: its own commands on loopback, the
# demo's password and a throwaway key
"""Page weights through the real server, checked against the budgets for field work on a slow connection:

    the member's log page         under 40 KB transferred on a first visit (cold cache),
                                  under 8 KB on a later visit;
    logging one exchange          under 5 KB sent and received (the post and its answer);
    a 30-member meeting sheet     under 60 KB transferred on a first visit;

"transferred" is what came over the network, headers included (DevTools' column of that
name); for logging an exchange what went out is counted too.

and, under Chrome DevTools' "Slow 3G" (2,000 ms latency, 50,000 bytes/s each way, through
Playwright's DevTools session), the time a member takes to log one exchange from a cold start
(open the log form, fill it in, save, see the answer).

The server is what production runs: gunicorn, DEBUG off, WhiteNoise serving the collected,
compressed, long-cached static files, pages gzipped. It runs on a temporary SQLite database
holding the demo plus a 30-member group, over plain http on 127.0.0.1. Bytes are counted
by Chromium itself: for each request, its headers and (compressed) body each way.

    make weight
    .venv/bin/python scripts/page_weight.py --keep      # keep the temporary folder

Exits non-zero when a budget is exceeded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from local_site import GUNICORN, ROOT, free_port, manage, production_env, wait_up

PASSWORD = "komunitas-demo-2026"  # the demo's (groups/demo.py)
KB = 1024
BUDGETS = {  # name -> bytes
    "log page, first visit": 40 * KB,
    "log page, later visit": 8 * KB,
    "log one exchange (post and answer)": 5 * KB,
    "meeting sheet of 30 members, first visit": 60 * KB,
}
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage"]

MAKE_30 = """
from groups.models import Group, GroupKind, Membership, Person
from django.contrib.auth import get_user_model
facilitator = get_user_model().objects.get(username="pendamping")
first = facilitator.facilitated_groups.order_by("pk").first()
group = Group.objects.create(ref="W30", name="Kelompok Tiga Puluh", kind=GroupKind.ARISAN, area=first.area)
group.facilitators.add(facilitator)
for n in range(30):
    person = Person.objects.create(ref=f"W30-{n:02d}", full_name=f"Warga Timbang {n:02d}",
                                   area=first.area, consent_on="2025-01-01")
    Membership.objects.create(person=person, group=group, joined_on="2025-01-01")
"""


@dataclass
class Counted:
    """Bytes one page sent and received over the network, request by request, as Chromium's
    DevTools protocol counts them: received = encodedDataLength (headers and compressed body
    as they came over the wire; 0 for what the cache answered); sent = the request line,
    headers and body (nothing for what the cache answered)."""

    requests: list[tuple[str, int, int]] = field(default_factory=list)  # url, sent, received

    @property
    def total(self) -> int:
        return sum(sent + received for _url, sent, received in self.requests)

    @property
    def received(self) -> int:
        """What DevTools calls "transferred": the bytes that came over the network."""
        return sum(received for _url, _sent, received in self.requests)

    def watch(self, page):
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        urls, sent, cached = {}, {}, set()

        def will_send(event):
            if "redirectResponse" in event:  # the previous leg ended with a redirect
                rid = event["requestId"]
                received = int(event["redirectResponse"]["encodedDataLength"])
                self.requests.append((urls.get(rid, "?"), sent.get(rid, 0), received))
            request = event["request"]
            urls[event["requestId"]] = request["url"]
            line = len(f"{request['method']} {request['url']} HTTP/1.1\r\n")
            sent[event["requestId"]] = line + len(request.get("postData", "").encode())

        def headers(event):
            size = sum(len(k) + len(v) + 4 for k, v in event["headers"].items())
            sent[event["requestId"]] = sent.get(event["requestId"], 0) + size

        def finished(event):
            rid = event["requestId"]
            if rid in cached or event["encodedDataLength"] == 0:
                return
            self.requests.append((urls.get(rid, "?"), sent.get(rid, 0), int(event["encodedDataLength"])))

        cdp.on("Network.requestWillBeSent", will_send)
        cdp.on("Network.requestWillBeSentExtraInfo", headers)
        cdp.on("Network.requestServedFromCache", lambda event: cached.add(event["requestId"]))
        cdp.on("Network.loadingFinished", finished)
        return cdp


def log_in(context, base: str, username: str):
    """Log in through the login form (its page is not counted: the cache stays cold)."""
    page = context.new_page()
    page.route("**/*", lambda route: route.abort() if route.request.resource_type in (
        "stylesheet", "script", "image", "font", "manifest") else route.continue_())
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.close()


def new_context(browser, base):
    context = browser.new_context(service_workers="block", locale="id-ID")
    context.add_cookies([{"name": "django_language", "value": "id", "url": base}])
    return context


def visit(context, url: str) -> tuple[Counted, object]:
    page = context.new_page()
    counted = Counted()
    counted.watch(page)
    page.goto(url, wait_until="networkidle")
    return counted, page


def fill_exchange(page):
    page.click("label.tile:has-text('Saya memberi')")
    first_choice = page.locator("#party-results input[name=party]").first
    if not first_choice.count():
        page.fill("#party-q", "a")
        page.locator("#party-results input[name=party]").first.wait_for()
    page.locator("#party-results label.choice").first.click()
    page.locator("input[name=resource]").first.check()


def measure(base: str, browser) -> tuple[dict[str, int], dict[str, Counted], float]:
    figures: dict[str, int] = {}
    details: dict[str, Counted] = {}
    context = new_context(browser, base)
    log_in(context, base, "anggota")
    first, page = visit(context, f"{base}/exchanges/new/")
    figures["log page, first visit"], details["log page, first visit"] = first.received, first
    page.close()
    later, page = visit(context, f"{base}/exchanges/new/")
    figures["log page, later visit"] = later.received
    details["log page, later visit"] = Counted(list(later.requests))
    fill_exchange(page)
    mark = len(later.requests)
    with page.expect_navigation(wait_until="networkidle"):
        page.click("#exchange-form .actions button[type=submit]")
    after = later.requests[mark:]
    post_only = Counted([r for r in after if r[0].endswith("/exchanges/new/")])
    figures["log one exchange (post and answer)"] = post_only.total
    details["log one exchange (post and answer)"] = post_only
    shown = Counted([r for r in after if not r[0].endswith("/exchanges/new/")])
    figures["the page shown after saving (not budgeted)"] = shown.received
    details["the page shown after saving (not budgeted)"] = shown
    context.close()

    context = new_context(browser, base)
    log_in(context, base, "pendamping")
    sheet, page = visit(context, f"{base}/groups/W30/sheet/")
    figures["meeting sheet of 30 members, first visit"] = sheet.received
    details["meeting sheet of 30 members, first visit"] = sheet
    context.close()

    # Slow 3G, cold cache: open the log form, fill it in, save, until the answer is shown.
    context = new_context(browser, base)
    log_in(context, base, "anggota")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    started = time.monotonic()
    page.goto(f"{base}/exchanges/new/", wait_until="load")
    fill_exchange(page)
    with page.expect_navigation(wait_until="load"):
        page.click("#exchange-form .actions button[type=submit]")
    slow = time.monotonic() - started
    context.close()
    return figures, details, slow


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--verbose", action="store_true", help="list every request counted")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="cm-weight-"))
    env = production_env(
        SECRET_KEY="page-weight-only-not-secret",
        DATABASE_URL=f"sqlite:///{folder / 'weight.sqlite3'}",
        STATIC_ROOT=str(folder / "static"),  # never the checkout's: tests would serve it
        TASKS_IMMEDIATE="true",
        LANGUAGE_CODE="id",
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        manage(env, "shell", "-c", MAKE_30)
        manage(env, "collectstatic", "--noinput", "--clear")
        log = open(folder / "server.log", "w")  # noqa: SIM115 - closed with the process
        server = subprocess.Popen(
            [GUNICORN, "communitymap.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_up(base)
        chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            figures, details, slow = measure(base, browser)
            browser.close()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)

    over = []
    title = "bytes over the network (gunicorn, DEBUG off, gzip)"
    print(f"{title:<62} {'bytes':>8}  budget")
    for name, value in figures.items():
        budget = BUDGETS.get(name)
        mark = ""
        if budget is not None:
            mark = f"{budget // KB:>4} KB  {'ok' if value <= budget else 'OVER'}"
            if value > budget:
                over.append(name)
        print(f"  {name:<60} {value:>8}  {mark}")
        if args.verbose and name in details:
            for url, sent, received in details[name].requests:
                print(f"      {sent:>6} sent {received:>7} received  {url.removeprefix(base)}")
    print(f"  {'log one exchange from a cold start, Slow 3G (seconds)':<60} {slow:>8.1f}")
    if over:
        print("over budget: " + ", ".join(over), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
