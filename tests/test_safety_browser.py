"""The Content-Security-Policy in a real browser (Debian's Chromium through Playwright): the
demo's facilitator and coordinator use pages, htmx searches and filters, and a villager gets
locked out; Chromium reports no blocked script or style and no script error."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "komunitas-demo-2026"


@pytest.fixture
def demo(db):
    call_command("seed_demo", today=dt.date(2026, 11, 28).isoformat(), stdout=io.StringIO())
    get_user_model().objects.create_superuser("admin", password=PASSWORD)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="en")
    page = context.new_page()
    page.blocked = []
    page.on("console", lambda m: page.blocked.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    page.on("pageerror", lambda error: page.blocked.append(f"{page.url}: {error}"))
    yield page
    context.close()


def log_in(page, base, username):
    """Log in as a person does: logging out first from the menu (a logged-in user is sent on
    from the login page), and each time only once the service worker has kept what the user
    may open offline (offline.js marks <body>). Its fetches run beside the page; in the test
    database (SQLite in memory, shared between the server's threads, where a table in use is
    an error rather than a wait) a logout or login racing them was refused now and then."""
    if page.locator("form.logout button").count():
        page.locator("body[data-offline-ready]").wait_for(state="attached")
        page.click("label.menu-button")  # on a phone the menu is folded
        page.click("form.logout button")
        page.wait_for_url(lambda url: "/accounts/login/" in url)
    else:
        page.goto(f"{base}/accounts/login/")
    page.locator("body[data-offline-ready]").wait_for(state="attached")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.locator("body[data-offline-ready]").wait_for(state="attached")


def test_pages_and_htmx_run_under_the_policy(live_server, demo, page):
    base = live_server.url
    log_in(page, base, "pendamping")
    for path in ("/", "/groups/", "/people/", "/exchanges/pending/", "/actors/", "/methodology/"):
        response = page.goto(base + path)
        assert response.status == 200, path
    # htmx: search as you type swaps the results in place
    page.goto(base + "/people/")
    def htmx_call(path):
        return lambda r: path in r.url and r.request.headers.get("hx-request") == "true"

    with page.expect_response(htmx_call("/people/")):  # by POST: names stay out of URLs
        page.fill("input[name=q]", "Slamet")
    page.wait_for_selector("#results >> text=Slamet")
    assert page.evaluate("window.htmx !== undefined")

    log_in(page, base, "koordinator")
    page.goto(base + "/audit/")
    with page.expect_response(htmx_call("/audit/")):
        page.select_option("select[name=kind]", "person")
    log_in(page, base, "admin")
    for path in ("/admin/", "/admin/groups/person/", "/admin/groups/exchange/add/"):
        assert page.goto(base + path).status == 200, path
    assert page.blocked == []
    # The watch works: an inline script slipped into the page is refused and reported.
    with page.expect_console_message(lambda m: "inline script" in m.text):
        page.evaluate("""() => { const s = document.createElement('script');
                                 s.textContent = 'window.injected = 1'; document.body.appendChild(s); }""")
    assert page.evaluate("window.injected === undefined")
    assert any("inline script" in message for message in page.blocked)


def test_the_lockout_page_runs_under_the_policy(live_server, demo, page):
    base = live_server.url
    for _ in range(5):
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", "anggota")
        page.fill("input[name=password]", "salah")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
    assert "Too many login attempts" in page.content()
    assert page.blocked == []
