"""Every role's pages on a 360 px phone (Debian's Chromium through Playwright), with a person,
a group and an outside institution whose names are 60 letters without a space: no page may
scroll sideways, and chart text must render at 12 px or more.

Screenshots of the dashboard, a group report and a person report at 360 and 1280 px go to
$PHONE_SCREENSHOTS when set (cut into screen-high pieces, so a person can read them)."""

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from groups.models import (
    ActorKind,
    Area,
    Exchange,
    ExchangeStatus,
    ExternalActor,
    Group,
    GroupKind,
    Membership,
    Person,
    Resource,
    ScoreSnapshot,
)
from groups.scores import reading, snapshots

from .test_browser_reports import END, PERIOD, START

LONG_PERSON = "Sriwahyuningsihpurwaningtyasretnowulandaridewisekarayupuspit"
LONG_GROUP = "Kelompokwanitatanipenggerakswadayamasyarakatsumberejosejahte"
LONG_ACTOR = "Dinaspemberdayaanmasyarakatdanpemerintahandesakabupatenwonos"
PASSWORD = "komunitas-demo-2026"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def long_names(db):
    """The demo community, plus one person, group and institution with 60-letter names who
    exchange with Bu Sri (the demo member) in a group the demo facilitator looks after."""
    assert len(LONG_PERSON) == len(LONG_GROUP) == len(LONG_ACTOR) == 60
    call_command("seed_demo", today=END.isoformat(), stdout=io.StringIO())
    arisan = Group.objects.get(ref="G-ARISAN-RT03")
    sri = Person.objects.get(full_name="Sri Handayani")
    slamet = Person.objects.get(full_name="Slamet Riyadi")
    person = Person.objects.create(ref="P-LONG", full_name=LONG_PERSON, area=arisan.area, consent_on=START)
    group = Group.objects.create(ref="G-LONG", name=LONG_GROUP, kind=GroupKind.WOMEN, area=arisan.area)
    group.facilitators.set(arisan.facilitators.all())
    actor = ExternalActor.objects.create(
        ref="A-LONG", name=LONG_ACTOR, kind=ActorKind.GOVERNMENT_AGENCY, area=arisan.area.parent
    )
    for member in (person, sri, slamet):
        Membership.objects.create(person=member, group=group, joined_on=START)
    Membership.objects.create(person=person, group=arisan, joined_on=START)
    day = END - dt.timedelta(days=20)
    Exchange.objects.bulk_create(
        [
            Exchange(ref="X-LONG-1", date=day, giver_person=person, receiver_person=sri,
                     resource=Resource.MONEY, amount=50000, unit="IDR", group=group,
                     status=ExchangeStatus.CONFIRMED),
            Exchange(ref="X-LONG-2", date=day, giver_actor=actor, receiver_person=person,
                     resource=Resource.KNOWLEDGE, group=group, status=ExchangeStatus.CONFIRMED),
            Exchange(ref="X-LONG-3", date=day, giver_person=slamet, receiver_person=person,
                     resource=Resource.LABOUR, group=group, status=ExchangeStatus.CONFIRMED),
            Exchange(ref="X-LONG-4", date=day, giver_person=person, receiver_person=sri,
                     resource=Resource.GOODS, group=arisan, status=ExchangeStatus.PENDING),
        ]
    )
    district = Area.objects.get(ref="ID-JT-WSB-KTK")
    snapshots.compute_snapshot(reading.request_snapshot(district, START, END))
    return {"person": person.ref, "group": group.ref, "village": arisan.area.ref}


def open_as(browser, live_server, username, width, language="id"):
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def sideways(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('main *, header *')) {
    const box = el.getBoundingClientRect();
    if (box.right > limit + 1 && !el.closest('.table-wrap')) {
      const what = el.textContent.trim().slice(0, 40);
      out.push(`${el.tagName.toLowerCase()}.${el.className} (${Math.round(box.right)} px): ${what}`);
    }
  }
  return out.slice(-3);
}"""

SMALLEST_CHART_TEXT = """() => {
  let smallest = null, where = '';
  for (const text of document.querySelectorAll('svg text')) {
    const ctm = text.getScreenCTM();
    const box = text.getBoundingClientRect();
    if (!ctm || !text.textContent.trim() || box.width === 0) continue;  // hidden (closed details)
    const size = parseFloat(getComputedStyle(text).fontSize) * Math.hypot(ctm.a, ctm.b);
    if (smallest === null || size < smallest) { smallest = size; where = text.textContent.trim(); }
  }
  return [smallest, where];
}"""


def screenshot_pieces(page, name, width, pieces=None):
    """Full-page screenshot cut into 1000 px high pieces (the first `pieces`), readable one at
    a time."""
    target = os.environ.get("PHONE_SCREENSHOTS")
    if not target:
        return
    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    for number, top in enumerate(list(range(0, height, 1000))[:pieces]):
        clip = {"x": 0, "y": top, "width": width, "height": min(1000, height - top)}
        page.screenshot(path=str(folder / f"{name}-{width}-{number:02d}.png"), full_page=True, clip=clip)


def test_no_page_scrolls_sideways_at_360_px_with_60_letter_names(live_server, long_names, browser):
    pages = {
        "pendamping": [
            "/", "/groups/", f"/groups/{long_names['group']}/", "/people/",
            f"/people/{long_names['person']}/", "/actors/", f"/groups/{long_names['group']}/sheet/",
            f"/groups/{long_names['group']}/members/add/?q=Sri", "/exchanges/pending/",
            f"/reports/areas/{long_names['village']}/{PERIOD}",
            f"/reports/groups/{long_names['group']}/{PERIOD}",
        ],
        "anggota": ["/", "/exchanges/", "/exchanges/summary/", "/exchanges/X-LONG-4/",
                    "/exchanges/new/"],
        "koordinator": [
            "/", f"/reports/areas/ID-JT-WSB-KTK/{PERIOD}", f"/reports/areas/{long_names['village']}/{PERIOD}",
            f"/reports/groups/{long_names['group']}/{PERIOD}", f"/reports/groups/G-KUBE-BATIK/{PERIOD}",
            f"/reports/people/{long_names['person']}/{PERIOD}", "/groups/", "/people/", "/actors/",
            "/methodology/", "/audit/",
        ],
    }
    wide = []
    for username, paths in pages.items():
        context, page = open_as(browser, live_server, username, 360)
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            if response.status != 200:
                wide.append(f"{username} {path}: status {response.status}")
            else:
                screenshot_pieces(page, f"{username}{path.split('?')[0].replace('/', '_')}", 360, pieces=1)
            if response.status == 200 and sideways(page) > 0:
                wide.append(f"{username} {path}: {sideways(page)} px too wide: {page.evaluate(WIDEST)}")
        context.close()
    assert wide == [], "\n".join(wide)


def test_the_regency_roll_up_fits_a_phone(live_server, long_names, browser, django_user_model):
    django_user_model.objects.create_superuser("admin-hp", "a@example.org", PASSWORD)
    context, page = open_as(browser, live_server, "admin-hp", 360, language="en")
    response = page.goto(f"{live_server.url}/reports/areas/ID-JT-WSB/{PERIOD}")
    assert response.status == 200 and sideways(page) == 0, page.evaluate(WIDEST)
    rows = page.locator("table.villages-table tbody tr")  # its districts, side by side
    assert rows.count() == 1 and "Kecamatan Kertek" in rows.first.inner_text()
    kertek = ScoreSnapshot.objects.done().for_window(Area.objects.get(ref="ID-JT-WSB-KTK"), START, END).get()
    assert f"People\n{kertek.area_scores['people']}\n" in rows.first.inner_text()  # counted whole
    screenshot_pieces(page, "regency", 360)
    context.close()


def test_the_menu_is_one_line_on_a_phone_and_opens_without_script(live_server, long_names, browser):
    context, page = open_as(browser, live_server, "koordinator", 360, language="en")
    page.goto(f"{live_server.url}/reports/")
    bar = page.locator("header.topbar").bounding_box()
    assert bar["height"] <= 60  # brand, language and the Menu button on one line
    reports_link = page.locator("nav.mainnav a", has_text="Reports")
    assert not reports_link.is_visible()
    page.click(".menu-button")
    assert reports_link.is_visible() and page.get_by_role("button", name="Log out").is_visible()
    screenshot_pieces(page, "menu-open", 360)
    page.set_viewport_size({"width": 1280, "height": 800})
    assert not page.locator(".menu-button").is_visible()
    assert page.locator("header.topbar").bounding_box()["height"] <= 60
    context.close()


def test_the_long_names_are_on_the_pages_that_were_measured(live_server, long_names, browser):
    """The sideways test measures something: the 60-letter names are shown, whole."""
    context, page = open_as(browser, live_server, "koordinator", 360, language="en")
    page.goto(f"{live_server.url}/reports/groups/{long_names['group']}/{PERIOD}")
    assert page.locator("h1").inner_text() == LONG_GROUP
    assert page.locator("main table", has_text=LONG_PERSON).count() >= 1
    page.goto(f"{live_server.url}/reports/people/{long_names['person']}/{PERIOD}")
    assert LONG_PERSON in page.locator("h1").inner_text()
    assert page.get_by_text(LONG_ACTOR).count() >= 1
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_report_chart_text_is_at_least_12_px(live_server, long_names, browser, width):
    context, page = open_as(browser, live_server, "koordinator", width, language="en")
    reports_pages = {
        "dashboard": f"/reports/areas/ID-JT-WSB-KTK/{PERIOD}",
        "group": f"/reports/groups/G-KUBE-BATIK/{PERIOD}",
        "person": f"/reports/people/{long_names['person']}/{PERIOD}",
    }
    for name, path in reports_pages.items():
        page.goto(f"{live_server.url}{path}")
        screenshot_pieces(page, name, width)
        assert page.locator("svg text").count() > 0, path
        smallest, text = page.evaluate(SMALLEST_CHART_TEXT)
        assert smallest >= 12, f"{path}: “{text}” renders at {smallest:.1f} px"
        assert sideways(page) == 0, path
    context.close()


STACK_CELLS_PAST_THEIR_CARD = """() => {
  const out = [];
  for (const cell of document.querySelectorAll('table.stack td, table.stack th')) {
    const box = cell.getBoundingClientRect(), card = cell.closest('table').getBoundingClientRect();
    if (box.width > 0 && box.right > card.right + 1) {
      const what = cell.textContent.trim().slice(0, 30);
      out.push(`${Math.round(box.right)} > ${Math.round(card.right)}: ${what}`);
    }
  }
  return out.slice(0, 3);
}"""


def test_the_before_after_cards_fit_a_phone_in_indonesian(live_server, long_names, browser):
    """The comparison lines ("Median perubahan kelompok pembanding: +2%") are the longest on the
    before/after page: each must wrap inside its card, not run past the edge where its end
    (the sign or the % of the value) is cut off."""
    context, page = open_as(browser, live_server, "koordinator", 360)
    response = page.goto(f"{live_server.url}/reports/groups/G-TANI-SM/change/ACT-TANI-TRAINING/?months=3")
    assert response.status == 200 and sideways(page) == 0
    assert page.locator("table.stack td").count() > 20  # the cards were drawn
    assert page.evaluate(STACK_CELLS_PAST_THEIR_CARD) == []
    screenshot_pieces(page, "before-after", 360)
    context.close()
