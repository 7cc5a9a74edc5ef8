"""The meeting ledger through the outbox (groups/views/outbox.outbox_ledger): filled in with
no signal, it is sent later through the same access call, forms and services as the page, is
saved as a whole or not at all, once however often it is sent, and a refusal says why, beside
the cell, in the user's language."""

import pytest
from django.urls import reverse

from groups.models import FormSubmission, LedgerEntry, LedgerMeeting, Membership, Role
from groups.views.offline import offline_key

from .test_funds_pages import _posted, money  # noqa: F401  (the fixture: G1's funds and Sri's loan)
from .test_offline import cache_directives

URL = "/outbox/groups/G1/funds/meeting/"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def kept_item(client, user, changes=None) -> dict:
    """The ledger as the phone keeps it: the page's fields as filled in, and who filled it."""
    page = client.get(reverse("groups:fund_meeting", args=["G1"]))
    assert page.status_code == 200
    return {**_posted(page, changes or {}), "outbox_owner": offline_key(user)}


def nothing_saved():
    return not LedgerMeeting.objects.exists() and not FormSubmission.objects.exists() and not (
        LedgerEntry.objects.filter(meeting__isnull=False).exists()
    )


def test_a_kept_ledger_is_saved_as_a_whole(client, facilitator, world, money):  # noqa: F811
    client.force_login(facilitator)
    # Sri repays one instalment; Siti is absent: savings 10.000 + 20.000, repayment, social 5.000
    item = kept_item(client, facilitator, {"m-1-repayment": "106.000", "m-0-present": ""})
    answer = client.post(URL, item).json()
    assert answer == {
        "state": "accepted",
        "message": "4 entries are saved.",
        "url": reverse("groups:fund_list", args=["G1"]),
    }
    meeting = LedgerMeeting.objects.get()
    assert meeting.entries.count() == 4
    assert list(meeting.activity.attendees.all()) == [world.member_person]  # the unticked box
    assert meeting.recorded_by == facilitator


def test_a_ledger_sent_again_after_a_lost_answer_is_saved_once(client, facilitator, money):  # noqa: F811
    client.force_login(facilitator)
    item = kept_item(client, facilitator)
    first = client.post(URL, item).json()
    again = client.post(URL, item).json()
    assert first["state"] == again["state"] == "accepted"
    assert again["message"] == "This was already saved, so nothing was saved twice."
    assert again["url"] == first["url"]
    assert LedgerMeeting.objects.count() == 1 and FormSubmission.objects.count() == 1
    assert LedgerEntry.objects.filter(meeting__isnull=False).count() == 4  # 2 savings, 1 repayment, 1 social


def test_a_bad_cell_saves_nothing_and_says_why_beside_it_in_the_users_language(client, facilitator, money):  # noqa: F811
    client.force_login(facilitator)
    client.cookies["django_language"] = "id"
    answer = client.post(URL, kept_item(client, facilitator, {"m-1-savings": "dua puluh"})).json()
    assert answer["state"] == "refused"
    assert answer["message"] == (
        "Tidak ada yang disimpan dari buku kas pertemuan ini. Perbaiki yang ditandai, lalu kirim lagi."
    )
    assert answer["errors"] == {
        "m-1-savings": ["“dua puluh” bukan jumlah. Tulis seperti 50.000, Rp 50.000, 12,5 atau 1,5 jt."]
    }
    assert nothing_saved()


def test_a_repayment_beyond_the_loan_is_refused_in_its_cell_and_nothing_else_is_saved(
    client, facilitator, money  # noqa: F811
):
    client.force_login(facilitator)
    answer = client.post(URL, kept_item(client, facilitator, {"m-1-repayment": "400.000"})).json()
    assert answer["state"] == "refused"
    assert answer["errors"] == {"m-1-repayment": ["This is more than the 300.000 still owed on the loan."]}
    assert nothing_saved()  # not even the savings of the rows that were right


def test_a_cash_difference_is_refused_until_accepted(client, facilitator, money):  # noqa: F811
    client.force_login(facilitator)
    item = kept_item(client, facilitator, {"cash_counted": "480.000"})
    answer = client.post(URL, item).json()
    assert answer["state"] == "refused"
    assert list(answer["errors"]) == ["cash_counted"]
    assert "differs from the books, 482.000, by -2.000" in answer["errors"]["cash_counted"][0]
    assert nothing_saved()
    answer = client.post(URL, {**item, "accept_difference": "on"}).json()
    assert answer["state"] == "accepted"
    assert LedgerMeeting.objects.get().difference == -2000


def test_a_sheet_whose_members_changed_meanwhile_is_refused(client, facilitator, world, money):  # noqa: F811
    client.force_login(facilitator)
    item = kept_item(client, facilitator)
    Membership.objects.filter(person=world.member2_person).delete()  # Siti left the group's books
    answer = client.post(URL, item).json()
    assert answer["state"] == "refused" and answer["errors"]
    assert nothing_saved()


def test_the_treasurer_may_send_it(client, member2, world, money):  # noqa: F811
    Membership.objects.filter(person=world.member2_person, group=world.group).update(role=Role.TREASURER)
    client.force_login(member2)
    answer = client.post(URL, kept_item(client, member2)).json()
    assert answer["state"] == "accepted"
    assert LedgerMeeting.objects.get().recorded_by == member2


def test_out_of_scope_is_404_and_without_the_right_403_with_the_reason(
    client, facilitator, other_facilitator, coordinator, member, money  # noqa: F811
):
    client.force_login(facilitator)
    item = kept_item(client, facilitator)
    for user, status in ((other_facilitator, 404), (coordinator, 403), (member, 403)):
        client.force_login(user)
        answer = client.post(URL, {**item, "outbox_owner": offline_key(user)})
        assert answer.status_code == status, user
        assert answer.json()["state"] == "refused"
    client.force_login(other_facilitator)
    theirs = {**item, "outbox_owner": offline_key(other_facilitator)}
    unknown = client.post("/outbox/groups/NOPE/funds/meeting/", theirs)
    outside = client.post(URL, theirs)
    assert unknown.status_code == 404 and unknown.json() == outside.json()  # unknown and forbidden alike
    assert outside.json()["message"] == (
        "This group is not in your area (any more): the meeting ledger cannot be saved."
    )
    client.force_login(coordinator)
    assert client.post(URL, {**item, "outbox_owner": offline_key(coordinator)}).json()["message"] == (
        "You do not keep this group's books (any more): the meeting ledger cannot be saved."
    )
    assert nothing_saved()


def test_an_item_kept_under_another_login_is_refused(client, facilitator, member2, world, money):  # noqa: F811
    client.force_login(facilitator)
    item = kept_item(client, facilitator)
    Membership.objects.filter(person=world.member2_person, group=world.group).update(role=Role.TREASURER)
    client.force_login(member2)  # may keep the books, but did not fill this in
    answer = client.post(URL, item).json()
    assert answer["state"] == "refused"
    assert nothing_saved()


def test_the_outbox_door_needs_a_login_and_a_post(client, facilitator, money):  # noqa: F811
    assert client.post(URL, {}).status_code == 302
    client.force_login(facilitator)
    assert client.get(URL).status_code == 405


def test_the_ledger_page_is_kept_on_the_phone_of_who_keeps_the_books(
    client, facilitator, member, member2, world, money  # noqa: F811
):
    ledger_page = reverse("groups:fund_meeting", args=["G1"])
    client.force_login(facilitator)
    assert ledger_page in client.get("/offline/pages/").json()["urls"]
    assert cache_directives(client.get(ledger_page)) == {"private", "no-cache"}
    page = client.get(ledger_page).content.decode()
    assert f'data-outbox="{URL}"' in page
    Membership.objects.filter(person=world.member2_person, group=world.group).update(role=Role.TREASURER)
    client.force_login(member2)
    assert ledger_page in client.get("/offline/pages/").json()["urls"]
    client.force_login(member)  # a member who does not keep the books: not kept
    assert ledger_page not in client.get("/offline/pages/").json()["urls"]


def test_a_group_without_a_fund_has_no_ledger_kept(client, facilitator, world):
    client.force_login(facilitator)
    assert client.get("/offline/pages/").json()["urls"] == ["/groups/", "/groups/G1/sheet/"]
