"""With the network really cut (Playwright's context.set_offline), in Debian's Chromium: the
member's log form and their exchanges open from what the phone kept, the name search works
from the names kept in the page, the facilitator's group list and meeting sheets open (even
one never visited), other pages show the translated "you are offline" page, and after logout
nothing of the first user opens any more.

Every wait is on a state the page shows: body[data-offline-ready] (the service worker has
kept this user's pages), a heading, a note; never a sleep."""

import os

import pytest

from . import factories as f
from .test_browser_flows import PHONE
from .test_browser_forms import shots_dir

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Phone:
    """One browser context: a phone that several people may use in turn."""

    def __init__(self, browser, base: str, *, service_workers: str = "allow"):
        self.base = base
        self.workers = service_workers
        self.context = browser.new_context(viewport=PHONE, locale="en-GB", service_workers=service_workers)
        self.context.set_default_timeout(15_000)
        self.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def login(self, username: str):
        page = self.page
        page.goto(f"{self.base}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", f.TEST_PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        self.wait_kept()

    def wait_kept(self):
        """The worker has kept what this user may open offline (offline.js marks <body>)."""
        if self.workers == "block":
            return
        self.page.locator("body[data-offline-ready]").wait_for(state="attached")

    def logout(self):
        self.page.click("label.menu-button")  # on a phone the menu is folded
        self.page.click("form.logout button")
        self.page.wait_for_url(lambda url: "/accounts/login/" in url)
        self.wait_kept()  # the login page told the worker: nobody's pages now

    def offline(self, cut: bool = True):
        self.context.set_offline(cut)

    def open(self, path: str):
        return self.page.goto(f"{self.base}{path}")


@pytest.fixture
def phone(live_server, browser):
    device = Phone(browser, live_server.url)
    yield device
    device.context.close()


def test_a_members_log_form_opens_offline_and_its_name_search_works(transactional_db, phone, world, member):
    phone.login("anggota")
    phone.open("/exchanges/new/")
    phone.wait_kept()
    phone.offline()
    answer = phone.open("/exchanges/new/")
    page = phone.page
    assert answer.from_service_worker
    assert page.locator("h1").inner_text() == "Log an exchange"
    note = page.locator("#offline-note")
    assert note.is_visible()
    assert note.inner_text().startswith("No signal: this page is as it was at ")
    page.fill("#party-q", "siti")
    choice = page.locator("#party-results label.choice")
    choice.first.wait_for()
    assert choice.count() == 1
    assert "Siti Maryati" in choice.first.inner_text()
    assert page.locator(".form-status-error").count() == 0  # no "server could not be reached"
    page.screenshot(path=str(shots_dir() / "offline-log-form-360.png"), full_page=True)
    # the exchanges as last seen
    phone.open("/exchanges/")
    assert page.locator("h1").inner_text() == "My exchanges"
    # a page not kept: the translated offline page, not the browser's error
    phone.open("/exchanges/summary/")
    assert page.locator("h1").inner_text() == "You are offline"
    assert "This page needs the network." in page.content()
    phone.offline(False)
    assert phone.errors == []


def test_a_facilitators_group_list_and_sheets_open_offline(transactional_db, phone, world, facilitator):
    phone.login("fasilitator")  # lands on the home page: the sheet was never opened
    phone.offline()
    page = phone.page
    phone.open("/groups/")
    assert page.locator("h1").inner_text() == "Groups"
    answer = phone.open("/groups/G1/sheet/")
    assert answer.from_service_worker
    assert page.locator("h1").inner_text() == "Meeting sheet"
    assert page.locator("#sheet-rows tr").count() == 5
    assert "Sri Handayani" in page.locator("#id_rows-0-giver").inner_text()
    page.click("button:text-is('+ Add a row')")  # no signal: the row is made in the page
    page.locator("#id_rows-5-giver").wait_for()
    assert page.locator("#id_rows-TOTAL_FORMS").input_value() == "6"
    page.screenshot(path=str(shots_dir() / "offline-sheet-360.png"), full_page=True)
    phone.open("/groups/G2/sheet/")  # not theirs: never kept
    assert page.locator("h1").inner_text() == "You are offline"
    phone.offline(False)
    assert phone.errors == []


def test_after_logout_nothing_of_the_first_user_opens_offline(
    transactional_db, phone, world, member, member2
):
    phone.login("anggota")
    phone.logout()
    phone.offline()
    phone.open("/exchanges/new/")
    assert phone.page.locator("h1").inner_text() == "You are offline"
    phone.offline(False)
    phone.login("anggota2")
    phone.offline()
    phone.open("/exchanges/new/")
    page = phone.page
    assert page.locator("h1").inner_text() == "Log an exchange"
    kept = page.locator("#party-all").inner_html()
    assert "Sri Handayani" in kept  # the second member's own choices: the first is now a partner
    assert "Siti Maryati" not in kept  # the second member is not their own partner
    phone.offline(False)
