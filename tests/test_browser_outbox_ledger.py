"""The meeting ledger in the outbox, in Debian's Chromium with the network really cut
(context.set_offline): a treasurer opens the group's ledger with no signal, fills it in and
saves; it waits on the phone and is saved once when the signal returns, even when the first
answer is lost on the way. A ledger whose cash count disagrees with the books is refused with
the reason beside the count, corrected ("Save with this difference") and sent.

Waits are on the outbox panel's own state (#outbox[data-waiting][data-refused][data-state])."""

import os

import pytest

from groups.models import LedgerEntry, LedgerMeeting, Membership, Role

from .test_browser_forms import shots_dir
from .test_browser_offline import Phone
from .test_browser_outbox import a_phone, outbox
from .test_funds_pages import money  # noqa: F401  (G1's funds; Sri owes two instalments)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LEDGER = "/groups/G1/funds/meeting/"


@pytest.fixture
def phone(live_server, browser):
    yield from a_phone(Phone(browser, live_server.url))


@pytest.fixture
def treasurer(world, member2, money):  # noqa: F811
    """Siti keeps the books of G1 (its treasurer); she does not look after the group."""
    Membership.objects.filter(person=world.member2_person, group=world.group).update(role=Role.TREASURER)
    return member2


def fill_offline(phone):
    """With no signal: open the kept ledger, Sri repays one instalment, Siti was away."""
    phone.offline()
    answer = phone.open(LEDGER)
    assert answer.from_service_worker
    page = phone.page
    assert page.locator("h1").inner_text() == "Meeting ledger"
    page.fill("#id_m-1-repayment", "106.000")
    page.uncheck("#id_m-0-present")
    return page


def test_a_treasurer_fills_the_ledger_offline_and_it_is_saved_once(transactional_db, phone, world, treasurer):
    phone.login("anggota2")
    page = fill_offline(phone)
    page.check("#id_not_counted")  # nobody counted the cash
    page.click("button:text-is('Save the meeting')")
    outbox(phone, waiting=1)
    assert "Meeting ledger of Arisan RT 03" in page.locator("#outbox .outbox-item").inner_text()
    assert not LedgerMeeting.objects.exists()
    page.screenshot(path=str(shots_dir() / "outbox-ledger-waiting-360.png"), full_page=True)

    def lose_the_answer(route):
        route.fetch()  # the server saves it...
        route.abort()  # ...and the answer never reaches the phone

    page.route("**/outbox/groups/G1/funds/meeting/", lose_the_answer)
    with page.expect_event("requestfailed", lambda request: "/outbox/" in request.url):
        phone.offline(False)
    outbox(phone, waiting=1)  # not known to be saved: it still waits
    assert LedgerMeeting.objects.count() == 1
    page.unroute("**/outbox/groups/G1/funds/meeting/")
    phone.open(LEDGER)  # the next page load sends it again: already saved, not saved twice
    outbox(phone, waiting=0)
    assert "This was already saved, so nothing was saved twice." in page.locator(".outbox-sent").inner_text()
    meeting = LedgerMeeting.objects.get()
    assert meeting.recorded_by == treasurer
    assert list(meeting.activity.attendees.all()) == [world.member_person]  # Siti was away
    repaid = LedgerEntry.objects.get(meeting=meeting, kind="repayment")
    assert (repaid.person, repaid.amount) == (world.member_person, 106000)
    assert meeting.entries.count() == 4  # two savings, the repayment, Sri's social fund
    assert phone.errors == []


def test_a_refused_cash_count_is_shown_beside_it_corrected_and_sent(
    transactional_db, phone, world, treasurer
):
    phone.login("anggota2")
    page = fill_offline(phone)
    page.fill("#id_cash_counted", "1.000")
    assert not page.locator("#id_accept_difference").is_visible()  # no difference known offline
    page.click("button:text-is('Save the meeting')")
    outbox(phone, waiting=1)
    phone.offline(False)
    outbox(phone, waiting=0, refused=1)
    item = page.locator("#outbox .outbox-refused")
    assert "Nothing on this meeting ledger was saved." in item.inner_text()
    assert not LedgerMeeting.objects.exists()
    item.locator("a:text-is('Correct it')").click()
    page.locator("body[data-outbox-filled]").wait_for(state="attached")
    reason = page.locator(".cash-check .outbox-errors")
    assert "The cash counted, 1.000, differs from the books" in reason.inner_text()
    assert page.locator("#id_m-1-repayment").input_value() == "106.000"  # kept as entered
    assert not page.locator("#id_m-0-present").is_checked()
    page.screenshot(path=str(shots_dir() / "outbox-ledger-refused-360.png"), full_page=True)
    page.check("#id_accept_difference")  # shown now, beside the reason
    page.click("button:text-is('Save the meeting')")
    outbox(phone, waiting=0, refused=0)
    assert page.locator(".outbox-sent").count() == 1
    meeting = LedgerMeeting.objects.get()
    assert meeting.cash_counted == 1000 and meeting.difference == meeting.cash_counted - meeting.cash_expected
    assert phone.errors == []
