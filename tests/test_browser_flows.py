"""The facilitator and member flows end to end in Debian's Chromium (Playwright): a
facilitator registers a group, adds two members (one found by search, one registered new),
records a norm and enters a meeting sheet; the facilitator gives both members a login;
member A logs "I gave" with the search-as-you-type name field, member B confirms it, and
both see it confirmed in their history.

Everything is done with clicks and typing; the database is only used to set up the area, the
facilitator and one known villager. The Content-Security-Policy is on, so any blocked inline
script or style is a console error, and the test fails on console errors. Screenshots of the
key pages (360 px, the group page also at 1280 px) go to $BROWSER_SHOTS or /tmp/browser_shots."""

import os
import re
import tempfile
from pathlib import Path

import pytest

from groups.models import AreaLevel, Assignment, StaffRole

from . import factories as f

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

PHONE = {"width": 360, "height": 800}
GROUP = "Arisan Melati RT 02"
NORM = "Setiap anggota menyetor Rp 20.000 tiap pertemuan bulanan."
NEW_PASSWORDS = {"A": "Kebun-Kopi-2026-aman", "B": "Sawah-Hijau-2026-aman"}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def village(db):
    district = f.AreaFactory(ref="BR-D", name="Kecamatan Kertek", level=AreaLevel.DISTRICT)
    village = f.VillageFactory(ref="BR-V", name="Desa Sumberejo", parent=district)
    user = f.UserFactory(username="pendamping")
    Assignment.objects.create(user=user, role=StaffRole.FACILITATOR, area=village)
    f.PersonFactory(ref="BR-SRI", full_name="Sri Handayani", area=village)  # consent given
    return village


@pytest.fixture
def shots() -> Path:
    target = Path(os.environ.get("BROWSER_SHOTS") or Path(tempfile.gettempdir()) / "browser_shots")
    target.mkdir(parents=True, exist_ok=True)
    return target


class Session:
    """One person's browser: a context of its own, collecting console and script errors."""

    def __init__(self, browser, base, errors, *, english=False):
        self.base = base
        self.context = browser.new_context(viewport=PHONE, locale="id-ID")
        self.context.set_default_timeout(10_000)
        if english:
            self.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
        self.page = self.context.new_page()
        page = self.page
        page.on(
            "console",
            lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))

    def log_in(self, username, password):
        page = self.page
        page.goto(f"{self.base}/accounts/login/")
        page.fill("input[name=username]", username)
        page.locator("input[name=password]").fill(password)
        page.click("main form button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    def follow(self, selector, url):
        """Click a link or button and wait until the next page has loaded (htmx is ready)."""
        if selector.startswith("nav.mainnav") and self.page.locator(".menu-button").is_visible():
            self.page.click(".menu-button")  # on a phone the menu opens first
        self.page.click(selector)
        self.page.wait_for_url(url)

    def switch_language(self, code):
        self.page.click(f".langswitch button[value={code}]")  # back to the same address
        self.page.wait_for_selector(f"html[lang={code}]")
        self.page.wait_for_load_state()

    def choose_password(self, password):
        page = self.page
        page.wait_for_url("**/account/password/")
        assert "one-time password" in page.locator("main .explain").inner_text()
        page.fill("input[name=new_password1]", password)
        page.fill("input[name=new_password2]", password)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{self.base}/")
        assert "Your new password is saved." in page.locator(".messages").inner_text()

    def shot(self, target: Path, name: str, width=360):
        page = self.page
        # nothing wider than the phone: tables scroll inside their .table-wrap
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        # ...but a table with row actions must fit, or its buttons are out of sight
        for wrap in page.locator(".table-wrap:has(.row-actions)").all():
            sizes = wrap.evaluate("el => [el.scrollWidth, el.clientWidth]")
            assert sizes[0] <= sizes[1], (name, sizes)
        # caret="initial": Playwright injects no caret-hiding style into the page under test
        page.screenshot(path=str(target / f"{name}-{width}.png"), full_page=True, caret="initial")


def create_login(fac: Session, group_url: str, name: str) -> tuple[str, str]:
    page = fac.page
    page.goto(group_url)
    fac.follow(f"#group-main table a:text-is('{name}')", "**/people/*/")
    fac.follow("main .actions a:text-is('Create a login')", "**/people/*/login/")
    page.click("main form button:text-is('Create the login')")
    codes = page.locator(".onetime dl.credentials code")
    username, password = codes.nth(0).inner_text(), codes.nth(1).inner_text()
    assert username and len(password) >= 8
    return username, password


def test_group_meeting_sheet_and_a_confirmed_exchange(live_server, village, browser, shots):
    errors: list[str] = []
    base = live_server.url

    # --- the facilitator, on a phone; the login page in Indonesian, then English ---
    fac = Session(browser, base, errors)
    page = fac.page
    page.goto(f"{base}/accounts/login/")
    assert page.locator("main h1").inner_text() == "Masuk"
    assert page.locator("label[for=id_password]").inner_text() == "Kata sandi"
    fac.switch_language("en")
    assert page.locator("main h1").inner_text() == "Log in"
    fac.log_in("pendamping", f.TEST_PASSWORD)

    # register the group
    fac.follow("nav.mainnav a:text-is('Groups')", "**/groups/")
    fac.follow("main a:text-is('Register a group')", "**/groups/new/")
    page.fill("input[name=name]", GROUP)
    page.select_option("select[name=kind]", "arisan")
    page.select_option("select[name=area]", label="Desa Sumberejo")
    page.select_option("select[name=how_formed]", "spontaneous")
    page.select_option("select[name=meeting_frequency]", "monthly")
    page.click("main form button:text-is('Register the group')")  # htmx post, then redirect
    page.wait_for_url(re.compile(r"/groups/(?!new/)[^/]+/$"))
    group_url = page.url
    assert page.locator("main h1").inner_text() == GROUP
    assert "Now add its members" in page.locator(".messages").inner_text()

    # member 1: someone already known, found with the search as you type (htmx)
    fac.follow("main .actions a:text-is('Add members')", "**/members/add/")
    def searched(name):  # by POST: the name typed stays out of the address
        return lambda r: r.url.endswith("/members/search/") and f"q={name}" in (r.request.post_data or "")

    with page.expect_response(searched("Sri")):
        page.fill("#member-q", "Sri")
    result = page.locator("#results li.result", has_text="Sri Handayani")
    result.locator("button:text-is('Add Sri Handayani')").click()
    page.wait_for_url(group_url)
    assert "Sri Handayani is now a member of the group." in page.locator(".messages").inner_text()

    # member 2: not found, so registered new (with consent) straight into the group
    fac.follow("main .actions a:text-is('Add members')", "**/members/add/")
    with page.expect_response(searched("Budi")):
        page.fill("#member-q", "Budi Santoso")
    assert "No one found" in page.locator("#results .empty").inner_text()
    fac.follow("#results a:text-is('Not found: register a new person')", re.compile(r"/members/new/\?q="))
    assert page.locator("input[name=full_name]").input_value() == "Budi Santoso"
    page.check("input[name=consent_given]")
    page.click("main form button:text-is('Register and add to the group')")
    page.wait_for_url(group_url)
    members = page.locator("#group-main table tbody tr")
    assert members.count() == 2
    assert members.all_inner_texts()[0].startswith("Budi Santoso")

    # a norm
    fac.follow("main .actions a:text-is('Add a norm')", "**/norms/new/")
    page.fill("textarea[name=statement]", NORM)
    page.select_option("select[name=category]", "reciprocity")
    page.select_option("select[name=how_agreed]", "consensus")
    page.click("main form button:text-is('Add the norm')")
    page.wait_for_url(re.compile(r"/norms/(?!new/)[^/]+/$"))
    fac.follow(f".crumbs a:text-is('{GROUP}')", group_url)
    assert page.locator("ul.norms li", has_text=NORM).count() == 1

    # the meeting sheet: one row more (htmx), two rows filled, saved together
    fac.follow("main .actions a:text-is('Meeting sheet')", "**/sheet/")
    rows = page.locator("#sheet-rows tr.sheet-row")
    assert rows.count() == 5
    page.click("#sheet button:text-is('+ Add a row')")
    page.wait_for_selector("#sheet-rows tr.sheet-row:nth-child(6)")
    assert page.locator("#id_rows-TOTAL_FORMS").input_value() == "6"
    for index, (giver, receiver, resource, amount, unit) in {
        0: ("Sri Handayani", "Budi Santoso", "money", "50000", "IDR"),
        5: ("Budi Santoso", "Sri Handayani", "labour", "3", "hours"),
    }.items():
        page.select_option(f"select[name=rows-{index}-giver]", label=giver)
        page.select_option(f"select[name=rows-{index}-receiver]", label=receiver)
        page.select_option(f"select[name=rows-{index}-resource]", resource)
        page.fill(f"input[name=rows-{index}-amount]", amount)
        page.fill(f"input[name=rows-{index}-unit]", unit)
    fac.shot(shots, "sheet")
    page.click("#sheet button:text-is('Save all as confirmed')")
    page.wait_for_url(group_url)
    assert "2 exchanges are recorded as confirmed." in page.locator(".messages").inner_text()
    recorded = page.locator("ul.exchanges li")
    assert recorded.count() == 2
    texts = recorded.all_inner_texts()
    assert any("Sri Handayani → Budi Santoso" in t and "50,000 IDR" in t for t in texts), texts
    assert any("Budi Santoso → Sri Handayani" in t and "3 hours" in t for t in texts), texts
    assert all("Confirmed" in t for t in texts), texts
    fac.shot(shots, "group")
    page.set_viewport_size({"width": 1280, "height": 900})
    fac.shot(shots, "group", width=1280)
    page.set_viewport_size(PHONE)

    # logins for both members: one-time passwords read off the page
    logins = {
        "A": create_login(fac, group_url, "Sri Handayani"),
        "B": create_login(fac, group_url, "Budi Santoso"),
    }

    # --- member A (English by cookie): new password, then "I gave" ---
    sri = Session(browser, base, errors, english=True)
    sri.log_in(*logins["A"])
    sri.choose_password(NEW_PASSWORDS["A"])
    page = sri.page
    sri.follow("nav.mainnav a:text-is('My exchanges')", "**/exchanges/")
    sri.follow("main a.btn:text-is('I gave')", re.compile(r"/exchanges/new/\?direction=gave$"))
    assert page.locator("input[type=radio][name=direction][value=gave]").is_checked()
    with page.expect_response(lambda r: "/exchanges/new/parties/" in r.url):
        page.fill("#party-q", "Bud")
    page.locator("#party-results label.choice", has_text="Budi Santoso").click()
    page.locator("label.tile", has_text="Goods").click()
    page.fill("input[name=amount]", "2")
    page.fill("input[name=unit]", "kg")
    page.select_option("select[name=group]", label=GROUP)
    page.fill("textarea[name=note]", "Beras untuk hajatan")
    sri.shot(shots, "exchange-create")
    page.click("#exchange-form button:text-is('Save')")
    page.wait_for_url(re.compile(r"/exchanges/(?!new/)[^/]+/$"))
    assert "It stays pending until Budi Santoso confirms it." in page.locator(".messages").inner_text()
    assert page.locator(".xcard .badge").inner_text() == "Pending"

    # --- member B: sees it waiting (once in Indonesian, by the switcher) and confirms it ---
    budi = Session(browser, base, errors, english=True)
    budi.log_in(*logins["B"])
    budi.choose_password(NEW_PASSWORDS["B"])
    page = budi.page
    budi.follow("nav.mainnav a:text-is('My exchanges')", "**/exchanges/")
    budi.switch_language("id")
    assert page.locator("#waiting-title").inner_text() == "Menunggu jawaban Anda"
    budi.switch_language("en")
    waiting = page.locator("#waiting .xcard")
    assert waiting.count() == 1
    assert "Sri Handayani" in waiting.inner_text() and "Beras untuk hajatan" in waiting.inner_text()
    waiting.locator("button:text-is('Confirm')").click()  # htmx swaps the card
    assert page.locator("#waiting .xnotice").inner_text() == "Exchange confirmed."
    page.reload()
    assert page.locator("#waiting .empty").inner_text() == "Nothing is waiting for you."

    def history(session: Session, text: str):
        session.page.goto(f"{base}/exchanges/")
        item = session.page.locator("ul.xlist li", has_text=text).filter(has_text="Goods")
        assert item.count() == 1
        assert item.locator(".badge").inner_text() == "Confirmed"
        assert session.page.locator("ul.xlist li").count() == 3  # and the two sheet rows

    history(budi, "You received from Sri Handayani")
    budi.shot(shots, "my-exchanges")
    history(sri, "You gave to Budi Santoso")
    sri.shot(shots, "my-exchanges-giver")

    for session in (fac, sri, budi):
        session.context.close()
    assert errors == []
