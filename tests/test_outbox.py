"""The outbox's doors (groups/views/outbox.py): an item kept on a phone with no signal goes
through the same access rules, forms and services as the live page, is recorded once however
often it is sent, and is answered accepted or refused with reasons in the user's language."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import Exchange, ExchangeStatus, FormSubmission, Membership
from groups.views.offline import offline_key

from . import factories as f

EXCHANGE_URL = "/outbox/exchanges/"
SHEET_URL = "/outbox/groups/G1/sheet/"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def exchange_item(user, **changes):
    item = {
        "token": str(uuid.uuid4()),
        "direction": "gave",
        "party": "person:P-MEMBER2",
        "resource": "knowledge",
        "date": timezone.localdate().isoformat(),
        "amount": "5.000",
        "unit": "IDR",
        "group": "G1",
        "note": "",
        "outbox_owner": offline_key(user),
    }
    return item | changes


def sheet_item(user, rows, **changes):
    item = {
        "token": str(uuid.uuid4()),
        "date": timezone.localdate().isoformat(),
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "100",
        "outbox_owner": offline_key(user),
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            item[f"rows-{index}-{name}"] = value
    return item | changes


# --- a member's exchange --------------------------------------------------------------------------


def test_a_queued_exchange_is_recorded_pending_and_accepted(client, member, world):
    client.force_login(member)
    item = exchange_item(member)
    answer = client.post(EXCHANGE_URL, item).json()
    exchange = Exchange.objects.get()
    assert answer == {
        "state": "accepted",
        "message": "Saved. It stays pending until Siti Maryati confirms it.",
        "url": reverse("groups:exchange_detail", args=[exchange.ref]),
    }
    assert exchange.ref == uuid.UUID(item["token"]).hex
    assert exchange.giver_person == world.member_person
    assert exchange.receiver_person == world.member2_person
    assert exchange.status == ExchangeStatus.PENDING
    assert exchange.amount == 5000


def test_the_same_exchange_sent_twice_is_recorded_once(client, member, world):
    client.force_login(member)
    item = exchange_item(member)
    first = client.post(EXCHANGE_URL, item).json()
    # the answer was lost; meanwhile the partner left the group: still "already saved"
    Membership.objects.filter(person=world.member2_person).update(left_on=timezone.localdate())
    again = client.post(EXCHANGE_URL, item).json()
    assert Exchange.objects.count() == 1
    assert again["state"] == "accepted"
    assert again["message"] == "This exchange was already saved."
    assert again["url"] == first["url"]


def test_an_exchange_with_someone_who_left_is_refused_with_the_reason_beside_the_field(client, member, world):
    Membership.objects.filter(person=world.member2_person).update(left_on=timezone.localdate())
    client.force_login(member)
    answer = client.post(EXCHANGE_URL, exchange_item(member)).json()
    assert answer["state"] == "refused"
    assert answer["message"] == "Not saved. Correct what is marked and send it again."
    assert answer["errors"] == {"party": ["Choose the other person or institution from the list."]}
    assert not Exchange.objects.exists()


def test_a_date_in_the_future_is_refused(client, member, world):
    client.force_login(member)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    answer = client.post(EXCHANGE_URL, exchange_item(member, date=tomorrow)).json()
    assert answer["errors"] == {"date": ["The date cannot be in the future."]}
    assert not Exchange.objects.exists()


def test_reasons_come_in_the_users_language(client, member, world):
    client.force_login(member)
    client.cookies["django_language"] = "id"
    answer = client.post(EXCHANGE_URL, exchange_item(member, party="person:NOBODY")).json()
    assert answer["message"] == "Tidak disimpan. Perbaiki yang ditandai, lalu kirim lagi."
    assert answer["errors"]["party"] == ["Pilih orang atau lembaga dari daftar."]


def test_the_log_form_sent_by_htmx_goes_to_the_saved_exchange_with_its_message(client, member, world):
    """The log form is posted by htmx (so that a send the network drops is kept in the
    outbox): saved, it answers HX-Redirect, and the next page still says what was saved."""
    client.force_login(member)
    item = exchange_item(member)
    del item["outbox_owner"]
    answer = client.post(reverse("groups:exchange_create"), item, headers={"HX-Request": "true"})
    exchange = Exchange.objects.get()
    assert answer.status_code == 200
    assert answer["HX-Redirect"] == reverse("groups:exchange_detail", args=[exchange.ref])
    page = client.get(answer["HX-Redirect"])
    assert "Saved. It stays pending until Siti Maryati confirms it." in page.content.decode()


def test_a_send_the_network_drops_is_explained_in_the_users_language(client, member, world):
    client.force_login(member)
    client.cookies["django_language"] = "id"
    page = client.get(reverse("groups:exchange_create")).content.decode()
    assert (
        'data-msg-lost="Sinyal putus waktu mengirim. Catatan ini disimpan di HP ini dan akan '
        'terkirim sendiri begitu sinyal kembali. Anda bisa mengisi yang berikutnya."'
    ) in page


def test_no_consent_no_exchange_through_the_outbox(client, member, world):
    unconsented = f.PersonFactory(ref="P-NOCONSENT", area=world.village, consent_on=None)
    f.MembershipFactory(person=unconsented, group=world.group)
    client.force_login(member)
    answer = client.post(EXCHANGE_URL, exchange_item(member, party="person:P-NOCONSENT", group="")).json()
    assert answer["state"] == "refused" and "party" in answer["errors"]
    assert not Exchange.objects.exists()


def test_someone_outside_the_members_groups_cannot_be_named(client, member, world):
    client.force_login(member)
    answer = client.post(EXCHANGE_URL, exchange_item(member, party="person:P-OTHER", group="")).json()
    assert answer["state"] == "refused"
    assert not Exchange.objects.exists()


def test_an_item_queued_by_another_login_is_refused(client, member, member2, world):
    client.force_login(member2)
    answer = client.post(EXCHANGE_URL, exchange_item(member, party="person:P-MEMBER")).json()
    assert answer["state"] == "refused"
    assert answer["message"] == (
        "This was entered on this phone by someone else. It is not sent under your name."
    )
    assert not Exchange.objects.exists()


def test_a_login_without_a_person_may_not_log_exchanges(client, facilitator, world):
    client.force_login(facilitator)
    answer = client.post(EXCHANGE_URL, exchange_item(facilitator)).json()
    assert answer == {
        "state": "refused", "message": "Only members can log their own exchanges.", "errors": {}
    }


def test_the_outbox_needs_a_login_and_a_post(client, member, world):
    assert client.post(EXCHANGE_URL, {}).status_code == 302
    client.force_login(member)
    assert client.get(EXCHANGE_URL).status_code == 405
    assert client.get(SHEET_URL).status_code == 405


def test_the_outbox_needs_the_csrf_token(member, world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post(EXCHANGE_URL, exchange_item(member)).status_code == 403
    assert not Exchange.objects.exists()


# --- a facilitator's meeting sheet --------------------------------------------------------------------

ROW = {
    "giver": "person:P-MEMBER", "receiver": "person:P-MEMBER2", "resource": "labour", "amount": "", "unit": ""
}


def test_a_queued_sheet_is_saved_as_confirmed(client, facilitator, world):
    client.force_login(facilitator)
    rows = [ROW, {**ROW, "giver": "person:P-MEMBER2", "receiver": "person:P-MEMBER", "resource": "goods"}]
    answer = client.post(SHEET_URL, sheet_item(facilitator, rows)).json()
    assert answer == {
        "state": "accepted",
        "message": "2 exchanges are recorded as confirmed.",
        "url": reverse("groups:group_detail", args=["G1"]),
    }
    assert Exchange.objects.filter(status=ExchangeStatus.CONFIRMED, group=world.group).count() == 2


def test_a_sheet_sent_twice_is_saved_once(client, facilitator, world):
    client.force_login(facilitator)
    item = sheet_item(facilitator, [ROW])
    client.post(SHEET_URL, item)
    again = client.post(SHEET_URL, item).json()
    assert again["state"] == "accepted"
    assert again["message"] == "This was already saved, so nothing was saved twice."
    assert Exchange.objects.count() == 1
    assert FormSubmission.objects.count() == 1


def test_a_sheet_with_one_bad_row_saves_nothing_and_says_which(client, facilitator, world):
    Membership.objects.filter(person=world.member2_person).update(left_on=timezone.localdate())
    client.force_login(facilitator)
    rows = [{**ROW, "receiver": "actor:NONE"}, ROW]  # row 2 names someone who left
    answer = client.post(SHEET_URL, sheet_item(facilitator, rows)).json()
    assert answer["state"] == "refused"
    assert answer["message"] == "Nothing on this sheet was saved. Correct what is marked and send it again."
    assert set(answer["errors"]) == {"rows-0-receiver", "rows-1-receiver"}
    assert answer["errors"]["rows-1-receiver"] == [
        "Choose from the list: this person is no longer a member of the group, "
        "or this institution is not in your area."
    ]
    assert not Exchange.objects.exists()
    assert not FormSubmission.objects.exists()


def test_a_sheet_for_a_group_no_longer_looked_after_is_refused(client, facilitator, world):
    client.force_login(facilitator)
    item = sheet_item(facilitator, [ROW])
    world.group.facilitators.remove(facilitator)
    answer = client.post(SHEET_URL, item).json()
    assert answer["state"] == "refused"
    assert answer["message"] == "You no longer look after this group: the sheet cannot be saved."
    assert not Exchange.objects.exists()


def test_another_groups_sheet_and_a_members_sheet_are_refused(
    client, facilitator, other_facilitator, member, world
):
    client.force_login(other_facilitator)
    assert client.post(SHEET_URL, sheet_item(other_facilitator, [ROW])).json()["state"] == "refused"
    client.force_login(member)  # a member may see G1, not enter its sheet
    assert client.post(SHEET_URL, sheet_item(member, [ROW])).json()["state"] == "refused"
    assert not Exchange.objects.exists()


def test_an_empty_sheet_is_refused_with_the_reason(client, facilitator, world):
    client.force_login(facilitator)
    answer = client.post(SHEET_URL, sheet_item(facilitator, [{k: "" for k in ROW}])).json()
    assert answer["errors"] == {"": ["Fill in at least one exchange."]}
