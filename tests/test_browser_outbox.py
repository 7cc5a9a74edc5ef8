"""The outbox in Debian's Chromium with the network really cut (context.set_offline): a member
logs an exchange with no signal, reloads the form (it opens, the item still waits), reconnects
and the exchange is on the server once; an item whose answer is lost is sent again and still
recorded once; a facilitator's meeting sheet syncs as a whole; a refused sheet shows its
reasons beside the fields, is corrected and sent; after logout another user on the same
browser neither sees nor sends the first user's items.

Waits are on the outbox panel's own state: #outbox[data-waiting][data-refused][data-state]."""

import os

import pytest
from django.utils import timezone

from groups.models import Exchange, ExchangeStatus, Membership

from . import factories as f
from .test_browser_forms import shots_dir
from .test_browser_offline import Phone

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(live_server, browser):
    device = Phone(browser, live_server.url)
    device.dialogs = []

    def answer(dialog):
        device.dialogs.append(dialog.message)
        dialog.accept()

    device.page.on("dialog", answer)
    yield device
    device.context.close()


def outbox(phone, *, waiting: int, refused: int = 0):
    """Wait until the outbox has settled at these counts."""
    selector = f'#outbox[data-state="idle"][data-waiting="{waiting}"][data-refused="{refused}"]'
    phone.page.locator(selector).wait_for(state="attached")


def log_offline(phone, name="siti"):
    page = phone.page
    page.click("label.tile:has-text('I gave')")
    page.fill("#party-q", name)
    page.locator("#party-results label.choice").first.click()
    page.click("label.tile:has-text('Knowledge or skills')")
    page.fill("input[name=amount]", "5.000")
    page.fill("input[name=unit]", "IDR")
    page.click("#exchange-form .actions button[type=submit]")
    page.locator(".outbox-status").wait_for()


def open_log_form_offline(phone):
    phone.open("/exchanges/new/")
    phone.wait_kept()
    phone.offline()
    phone.open("/exchanges/new/")


def test_an_exchange_logged_offline_is_sent_once_when_the_signal_returns(
    transactional_db, phone, world, member
):
    phone.login("anggota")
    open_log_form_offline(phone)
    log_offline(phone)
    outbox(phone, waiting=1)
    page = phone.page
    assert page.locator("#outbox .outbox-title").inner_text() == "Waiting to send (1)"
    assert "Siti Maryati" in page.locator("#outbox .outbox-item").inner_text()
    page.screenshot(path=str(shots_dir() / "outbox-waiting-360.png"), full_page=True)
    phone.open("/exchanges/new/")  # reloaded with no signal: it opens, the item still waits
    assert page.locator("h1").inner_text() == "Log an exchange"
    outbox(phone, waiting=1)
    assert not Exchange.objects.exists()
    phone.offline(False)  # the signal returns: sent by itself
    outbox(phone, waiting=0)
    sent = page.locator(".outbox-sent").inner_text()
    assert "Saved. It stays pending until Siti Maryati confirms it." in sent
    exchange = Exchange.objects.get()
    assert (exchange.giver_person, exchange.receiver_person) == (world.member_person, world.member2_person)
    assert exchange.amount == 5000 and exchange.status == ExchangeStatus.PENDING
    assert phone.errors == []


def test_an_item_whose_answer_was_lost_is_recorded_once(transactional_db, phone, world, member):
    phone.login("anggota")
    open_log_form_offline(phone)
    log_offline(phone)
    outbox(phone, waiting=1)
    page = phone.page

    def lose_the_answer(route):
        route.fetch()  # the server saves it...
        route.abort()  # ...and the answer never reaches the phone

    page.route("**/outbox/exchanges/", lose_the_answer)
    with page.expect_event("requestfailed", lambda request: "/outbox/" in request.url):
        phone.offline(False)
    outbox(phone, waiting=1)  # not known to be saved: it still waits
    assert Exchange.objects.count() == 1
    page.unroute("**/outbox/exchanges/")
    phone.open("/exchanges/new/")  # the next page load sends it again
    outbox(phone, waiting=0)
    assert "This exchange was already saved." in page.locator(".outbox-sent").inner_text()
    assert Exchange.objects.count() == 1


def fill_row(page, index, giver, receiver, resource):
    page.select_option(f"#id_rows-{index}-giver", label=giver)
    page.select_option(f"#id_rows-{index}-receiver", label=receiver)
    page.select_option(f"#id_rows-{index}-resource", resource)


def test_a_meeting_sheet_filled_offline_syncs_as_a_whole(transactional_db, phone, world, facilitator):
    phone.login("fasilitator")
    phone.offline()
    phone.open("/groups/G1/sheet/")
    page = phone.page
    fill_row(page, 0, "Sri Handayani", "Siti Maryati", "labour")
    fill_row(page, 1, "Siti Maryati", "Sri Handayani", "goods")
    page.click("button:text-is('Save all as confirmed')")
    outbox(phone, waiting=1)
    assert "exchanges on the sheet: 2" in page.locator("#outbox .outbox-item").inner_text()
    assert not Exchange.objects.exists()
    phone.offline(False)
    outbox(phone, waiting=0)
    assert "2 exchanges are recorded as confirmed." in page.locator(".outbox-sent").inner_text()
    assert Exchange.objects.filter(group=world.group, status=ExchangeStatus.CONFIRMED).count() == 2


def test_a_refused_sheet_shows_its_reasons_and_is_corrected_and_sent(
    transactional_db, phone, world, facilitator
):
    third = f.PersonFactory(ref="P-THIRD", full_name="Tri Wahyuni", area=world.village)
    f.MembershipFactory(person=third, group=world.group)
    phone.login("fasilitator")
    phone.offline()
    phone.open("/groups/G1/sheet/")
    page = phone.page
    fill_row(page, 0, "Sri Handayani", "Siti Maryati", "labour")
    fill_row(page, 1, "Tri Wahyuni", "Sri Handayani", "goods")
    page.click("button:text-is('Save all as confirmed')")
    outbox(phone, waiting=1)
    # meanwhile Siti left the group
    Membership.objects.filter(person=world.member2_person).update(left_on=timezone.localdate())
    phone.offline(False)
    outbox(phone, waiting=0, refused=1)
    item = page.locator("#outbox .outbox-refused")
    assert "Nothing on this sheet was saved." in item.inner_text()
    assert not Exchange.objects.exists()  # not one row of the two
    page.screenshot(path=str(shots_dir() / "outbox-refused-360.png"), full_page=True)
    item.locator("a:text-is('Correct it')").click()
    page.locator("body[data-outbox-filled]").wait_for(state="attached")
    reason = page.locator("#id_rows-0-receiver").locator("xpath=ancestor::td").locator(".outbox-errors")
    assert reason.inner_text().startswith("Choose from the list: this person is no longer a member")
    assert page.locator("#id_rows-1-giver").input_value() == "person:P-THIRD"  # kept as entered
    page.select_option("#id_rows-0-receiver", label="Tri Wahyuni")
    page.click("button:text-is('Save all as confirmed')")
    outbox(phone, waiting=0, refused=0)
    assert page.locator(".outbox-sent").count() == 1
    assert Exchange.objects.filter(status=ExchangeStatus.CONFIRMED).count() == 2
    assert phone.errors == []


def test_after_logout_another_user_neither_sees_nor_sends_the_first_users_items(
    transactional_db, phone, world, member, member2
):
    phone.login("anggota")
    open_log_form_offline(phone)
    log_offline(phone)
    outbox(phone, waiting=1)
    page = phone.page
    page.route("**/outbox/**", lambda route: route.abort())  # the signal comes and goes
    sends = []
    page.on("request", lambda request: sends.append(request.url) if "/outbox/" in request.url else None)
    with page.expect_event("requestfailed", lambda request: "/outbox/" in request.url):
        phone.offline(False)
    outbox(phone, waiting=1)
    phone.logout()
    assert phone.dialogs == [
        "1 entries on this phone are not sent yet. They stay on this phone, hidden, and are sent "
        "when you log in again. Log out now?"
    ]
    page.unroute("**/outbox/**")
    sends.clear()
    phone.login("anggota2")
    phone.open("/exchanges/new/")
    outbox(phone, waiting=0)
    assert page.locator("#outbox").is_hidden()
    assert sends == []
    assert not Exchange.objects.exists()
    phone.logout()
    phone.login("anggota")  # the first member again: their item goes now, under their name
    outbox(phone, waiting=0)
    exchange = Exchange.objects.get()
    assert exchange.logged_by == member
