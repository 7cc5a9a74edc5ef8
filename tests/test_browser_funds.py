"""The meeting ledger in Debian's Chromium (Playwright): the group's treasurer enters the money
of a meeting of ten members, one of whom repays late and only in part; a wrong cash count is
shown and nothing saved; then the member sees her savings and her next payment due on her summary.
Screenshots of the pages at 360 px and on a desktop, in English and Indonesian, go to
$BROWSER_SHOTS (default: the temporary directory's browser_shots)."""

import datetime as dt
import os
from decimal import Decimal as D

import pytest
from django.utils import timezone

from groups.models import AreaLevel, EntryKind, FundKind, LedgerEntry, LedgerMeeting, Role
from groups.services import ledger
from groups.services.ledger import NewEntry

from . import factories as f
from .test_browser_flows import PHONE
from .test_browser_forms import shots_dir

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
NAMES = ["Ani Lestari", "Bambang Santoso", "Dewi Utami", "Eka Rahayu", "Fitri Wulandari",
         "Heru Purnomo", "Joko Hidayat", "Kartini Susanti", "Sri Handayani", "Tri Wibowo"]


@pytest.fixture
def world(db):
    """Ten members; the fund held 1.000.000, each saved 20.000 and paid 5.000 to the social
    fund; Dewi borrowed 300.000 70 days ago (2% flat, 3 months: 106.000 a month, two due now),
    Sri 200.000 20 days ago (2 months: 104.000 a month, the first due in about ten days)."""
    today = timezone.localdate()
    district = f.AreaFactory(ref="BL-D", name="Kecamatan Kertek", level=AreaLevel.DISTRICT)
    village = f.VillageFactory(ref="BL-V", name="Desa Karangsari", parent=district)
    group = f.GroupFactory(ref="BL-G", name="Simpan Pinjam Sejahtera", area=village)
    facilitator = f.UserFactory(username="pendamping")
    group.facilitators.add(facilitator)
    people = {}
    for n, name in enumerate(NAMES):
        people[name] = f.PersonFactory(ref=f"BL-P{n}", full_name=name, area=village)
        f.MembershipFactory(person=people[name], group=group, role=Role.TREASURER if n == 0 else Role.MEMBER)
    people["Sri Handayani"].user = f.UserFactory(username="sri")
    people["Sri Handayani"].save()
    people["Ani Lestari"].user = f.UserFactory(username="bendahara")  # the treasurer keeps the books
    people["Ani Lestari"].save()
    opened = today - dt.timedelta(days=120)
    savings = ledger.create_fund(group=group, kind=FundKind.SAVINGS_LOAN, name="Simpanan", opened_on=opened,
                                 opening_balance=D(1000000), ref="BL-SAV")
    social = ledger.create_fund(group=group, kind=FundKind.SOCIAL, name="Dana sosial", opened_on=opened,
                                ref="BL-SOS")
    ledger.record_entries(fund=savings, entries=[
        *[NewEntry(kind=EntryKind.DEPOSIT, date=opened, amount=D(20000), person=p) for p in people.values()],
        NewEntry(kind=EntryKind.LOAN, date=today - dt.timedelta(days=70), amount=D(300000),
                 person=people["Dewi Utami"], rate_percent_per_month=D(2), method="flat", term_months=3),
        NewEntry(kind=EntryKind.LOAN, date=today - dt.timedelta(days=20), amount=D(200000),
                 person=people["Sri Handayani"], rate_percent_per_month=D(2), method="flat", term_months=2),
    ])
    ledger.record_entries(fund=social, entries=[
        NewEntry(kind=EntryKind.CONTRIBUTION, date=opened, amount=D(5000), person=p) for p in people.values()
    ])
    return {"people": people, "today": today}


def open_page(live_server, browser, username, language, viewport=PHONE):
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f.TEST_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def shoot(page, name):
    for label, size in (("360", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(shots_dir() / f"funds-{name}-{label}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"{name} overflows at {label}: {width}px"
    page.set_viewport_size(PHONE)
    # on a phone a stacked table is cards: no column hidden off to the side, no number broken
    hidden = page.evaluate("""[...document.querySelectorAll('.table-wrap:has(> table.stack)')]
        .filter(wrap => wrap.scrollWidth > wrap.clientWidth + 1).length""")
    assert hidden == 0, f"{name}: {hidden} stacked table(s) scroll sideways at 360 px"
    broken = page.evaluate("""[...document.querySelectorAll('.stats .value')].filter(value => {
        value.textContent = '123.456.789';  // a hundred million: a village fund's largest figure
        const lines = document.createRange();
        lines.selectNodeContents(value);  // one line box per line the number takes
        return lines.getClientRects().length > 1 || value.scrollWidth > value.clientWidth;
    }).length""")
    assert broken == 0, f"{name}: {broken} figure(s) broken or cut at 360 px"


def member_row(page, name):
    return page.locator("table.ledger-sheet tbody tr", has_text=name)


def test_a_meeting_ledger_for_ten_members_then_the_member_sees_her_money(live_server, browser, world):
    page = open_page(live_server, browser, "bendahara", "en")  # the treasurer, not the facilitator
    page.goto(f"{live_server.url}/groups/BL-G/funds/meeting/")
    # prefilled with what is due: the usual 20.000 and 5.000, Dewi's two instalments
    assert member_row(page, "Ani Lestari").locator("input[name$=savings]").input_value() == "20.000"
    dewi = member_row(page, "Dewi Utami")
    assert dewi.locator("input[name$=repayment]").input_value() == "212.000"
    assert member_row(page, "Sri Handayani").locator("input[name$=repayment]").input_value() == ""
    shoot(page, "meeting-en")
    # Dewi pays one instalment of the two; a typo in Bambang's savings; the cash miscounted
    dewi.locator("input[name$=repayment]").fill("106.000")
    member_row(page, "Bambang Santoso").locator("input[name$=savings]").fill("dua puluh")
    page.fill("input[name=cash_counted]", "1.100.000")
    page.click("main button:text-is('Save the meeting')")
    bambang_error = member_row(page, "Bambang Santoso").locator(".errorlist")
    bambang_error.wait_for()
    assert "is not an amount" in bambang_error.inner_text()
    assert LedgerEntry.objects.filter(meeting__isnull=False).count() == 0
    member_row(page, "Bambang Santoso").locator("input[name$=savings]").fill("20.000")
    member_row(page, "Bambang Santoso").locator("input[name$=savings]").press("Tab")
    # worked out as the rows change, before saving: the books say 6.000 more than counted
    page.locator("#cash-figures dd.difference.bad", has_text="-6.000").wait_for(timeout=30000)
    assert LedgerMeeting.objects.count() == 0
    page.click("main button:text-is('Save the meeting')")
    # before: 1.000.000 + 200.000 - 500.000 + 50.000 = 750.000; the sheet brings
    # 10 x 20.000 + 10 x 5.000 + 106.000 = 356.000: the books say 1.106.000, 6.000 more than counted
    page.locator(".cash-check dd.bad").wait_for()
    assert page.locator(".cash-check dd").all_inner_texts() == ["1.106.000", "1.100.000", "-6.000"]
    assert LedgerMeeting.objects.count() == 0
    shoot(page, "meeting-mismatch-en")
    page.fill("input[name=cash_counted]", "1.106.000")
    page.click("main button:text-is('Save the meeting')")
    page.wait_for_url(lambda url: url.endswith("/groups/BL-G/funds/"))
    assert "21 entries are saved" in page.locator("main").inner_text()
    meeting = LedgerMeeting.objects.get()
    assert (meeting.cash_expected, meeting.difference) == (D(1106000), D(0))
    page.goto(f"{live_server.url}/groups/BL-G/funds/")
    assert "1.106.000" in page.locator("table.ledger-meetings").inner_text()  # the meeting's count
    shoot(page, "list-en")
    page.goto(f"{live_server.url}/groups/BL-G/funds/BL-SAV/")
    page.locator("details.schedule summary").first.click()  # Dewi's schedule, opened
    fund_text = page.locator("main").inner_text()
    assert "days late" in fund_text and "106.000 overdue" in fund_text  # Dewi's second instalment
    assert page.locator("details.schedule table tr.late").count() == 2
    shoot(page, "fund-en")
    assert page.errors == []

    sri = open_page(live_server, browser, "sri", "en")
    sri.goto(f"{live_server.url}/exchanges/summary/")
    text = sri.locator(".my-money").inner_text()
    sri_loan = LedgerEntry.objects.get(kind="loan", person=world["people"]["Sri Handayani"])
    due = ledger.schedule_of(sri_loan)[0].due
    assert "40.000" in text and "200.000" in text  # her savings and her loan
    assert f"Next instalment: 104.000, due {due.day} {due:%b} {due.year}" in text
    shoot(sri, "summary-en")


def test_the_pages_in_indonesian(live_server, browser, world):
    page = open_page(live_server, browser, "pendamping", "id")
    page.goto(f"{live_server.url}/groups/BL-G/funds/meeting/")
    member_row(page, "Bambang Santoso").locator("input[name$=savings]").fill("dua puluh")
    page.click("main .actions button.btn[type=submit]")  # save, not "Work out the cash"
    error = member_row(page, "Bambang Santoso").locator(".errorlist")
    error.wait_for()
    assert "bukan jumlah" in error.inner_text()
    shoot(page, "meeting-id")
    page.goto(f"{live_server.url}/groups/BL-G/funds/BL-SAV/")
    shoot(page, "fund-id")
    sri = open_page(live_server, browser, "sri", "id")
    sri.goto(f"{live_server.url}/exchanges/summary/")
    assert "Angsuran berikutnya" in sri.locator(".my-money").inner_text()
    shoot(sri, "summary-id")
