"""The outbox in Debian's Chromium with the network really cut (context.set_offline): a member
logs an exchange with no signal, reloads the form (it opens, the item still waits), reconnects
and the exchange is on the server once; an item whose answer is lost is sent again and still
recorded once; a facilitator's meeting sheet syncs as a whole; a refused sheet shows its
reasons beside the fields, is corrected and sent; after logout another user on the same
browser neither sees nor sends the first user's items.

"Lie-fi" (the phone believes it has signal, but the send never arrives or its answer is lost):
the exchange form and the meeting sheet keep the entry in the same outbox, while a server's
answer, even a 500, is shown and nothing is kept.

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
    yield from a_phone(Phone(browser, live_server.url))


@pytest.fixture
def unkept_phone(live_server, browser):
    """A phone with no service worker: Chromium hides from Playwright's routes the requests
    that a controlling worker passes on to the network, and the lie-fi tests route the form's
    own post. The outbox and the catching of a lost send need no worker."""
    yield from a_phone(Phone(browser, live_server.url, service_workers="block"))


def a_phone(device):
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


def fill_and_send(page, name="siti"):
    page.click("label.tile:has-text('I gave')")
    page.fill("#party-q", name)
    page.locator("#party-results label.choice").first.click()
    page.click("label.tile:has-text('Knowledge or skills')")
    page.fill("input[name=amount]", "5.000")
    page.fill("input[name=unit]", "IDR")
    page.click("#exchange-form .actions button[type=submit]")


def log_offline(phone, name="siti"):
    fill_and_send(phone.page, name)
    phone.page.locator(".outbox-status").wait_for()


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


LOST = (
    "The signal dropped while sending. Kept on this phone; it will be sent by itself when the "
    "signal is back. You can enter the next one."
)


def posts(handle):
    """A route handler for a page's address: its GET goes through, its POST meets `handle`."""
    return lambda route: handle(route) if route.request.method == "POST" else route.continue_()


def no_signal(route):
    route.abort("internetdisconnected")


def test_an_exchange_whose_answer_the_network_drops_is_kept_and_recorded_once(
    transactional_db, unkept_phone, world, member
):
    phone = unkept_phone
    phone.login("anggota")
    phone.open("/exchanges/new/")
    page = phone.page

    def saved_but_answer_lost(route):
        route.fetch()  # the server saves it...
        route.abort("internetdisconnected")  # ...and the phone, "online", never hears back

    phone.page.route("**/exchanges/new/", posts(saved_but_answer_lost))
    phone.page.route("**/outbox/**", no_signal)  # the signal stays bad for the outbox's first try too
    fill_and_send(page)
    outbox(phone, waiting=1)
    assert page.locator("#exchange-form .outbox-status").inner_text() == LOST
    assert page.locator("#outbox .outbox-title").inner_text() == "Waiting to send (1)"
    assert "Siti Maryati" in page.locator("#outbox .outbox-item").inner_text()
    assert page.locator("#exchange-form input[name=amount]").input_value() == ""  # ready for the next
    assert Exchange.objects.count() == 1
    phone.page.unroute("**/exchanges/new/")
    phone.page.unroute("**/outbox/**")
    phone.open("/exchanges/new/")  # the next page load sends it
    outbox(phone, waiting=0)
    assert "This exchange was already saved." in page.locator(".outbox-sent").inner_text()
    exchange = Exchange.objects.get()
    assert (exchange.giver_person, exchange.amount) == (world.member_person, 5000)
    assert phone.errors == []


def test_a_meeting_sheet_the_network_drops_while_online_is_kept_and_sent_once(
    transactional_db, unkept_phone, world, facilitator
):
    phone = unkept_phone
    phone.login("fasilitator")
    phone.open("/groups/G1/sheet/")
    page = phone.page
    fill_row(page, 0, "Sri Handayani", "Siti Maryati", "labour")
    fill_row(page, 1, "Siti Maryati", "Sri Handayani", "goods")
    phone.page.route("**/groups/G1/sheet/", posts(no_signal))  # never reaches the server
    phone.page.route("**/outbox/**", no_signal)
    page.click("button:text-is('Save all as confirmed')")
    outbox(phone, waiting=1)
    assert page.locator("#sheet .outbox-status").inner_text() == LOST
    assert "exchanges on the sheet: 2" in page.locator("#outbox .outbox-item").inner_text()
    assert page.locator("#sheet .form-status-error").count() == 0  # not "nothing was saved"
    assert not Exchange.objects.exists()
    phone.page.unroute("**/groups/G1/sheet/")
    phone.page.unroute("**/outbox/**")
    phone.open("/groups/G1/sheet/")
    outbox(phone, waiting=0)
    assert "2 exchanges are recorded as confirmed." in page.locator(".outbox-sent").inner_text()
    assert Exchange.objects.filter(group=world.group, status=ExchangeStatus.CONFIRMED).count() == 2
    assert phone.errors == []


def test_a_server_error_is_an_answer_not_a_lost_signal_nothing_is_kept(
    transactional_db, unkept_phone, world, member
):
    phone = unkept_phone
    phone.login("anggota")
    phone.open("/exchanges/new/")
    page = phone.page
    phone.page.route("**/exchanges/new/", posts(lambda route: route.fulfill(status=500, body="Server Error")))
    fill_and_send(page)
    status = page.locator("#exchange-form .form-status-error")
    status.wait_for()
    assert status.inner_text() == (
        "The server could not do this (error 500). Nothing was saved; your entries are still "
        "here. Try again in a moment."
    )
    assert page.locator("#exchange-form input[name=amount]").input_value() == "5.000"
    assert page.locator("#exchange-form .outbox-status").count() == 0
    phone.page.unroute("**/exchanges/new/")
    phone.open("/exchanges/new/")
    outbox(phone, waiting=0)
    assert page.locator("#outbox").is_hidden()
    assert not Exchange.objects.exists()
