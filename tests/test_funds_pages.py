"""The fund pages, the meeting ledger and the arisan order, through their URLs."""

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import EntryKind, FormSubmission, FundKind, LedgerEntry, LedgerMeeting
from groups.services import ledger
from groups.services.ledger import NewEntry

from . import factories as f


@pytest.fixture
def money(world):
    """G1 keeps a savings and loan fund (opened 100 days ago with 500.000) and a social fund;
    Sri borrowed 300.000 at 2% flat over 3 months 75 days ago and has repaid nothing."""
    today = timezone.localdate()
    opened = today - dt.timedelta(days=100)
    savings = ledger.create_fund(group=world.group, kind=FundKind.SAVINGS_LOAN, name="Simpan pinjam",
                                 opened_on=opened, opening_balance=D(500000), ref="F-SAV")
    social = ledger.create_fund(group=world.group, kind=FundKind.SOCIAL, name="Dana sosial",
                                opened_on=opened, ref="F-SOS")
    sri, siti = world.member_person, world.member2_person
    ledger.record_entries(fund=savings, entries=[
        NewEntry(kind=EntryKind.DEPOSIT, date=opened, amount=D(20000), person=sri),
        NewEntry(kind=EntryKind.DEPOSIT, date=opened, amount=D(10000), person=siti),
        NewEntry(kind=EntryKind.LOAN, date=today - dt.timedelta(days=75), amount=D(300000), person=sri,
                 rate_percent_per_month=D(2), method="flat", term_months=3),
    ])
    ledger.record_entry(fund=social, entry=NewEntry(kind=EntryKind.CONTRIBUTION, date=opened, amount=D(5000),
                                                    person=sri))
    return {"savings": savings, "social": social, "today": today}


def test_fund_pages_for_the_facilitator(client, facilitator, money):
    client.force_login(facilitator)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("groups:fund_list", args=["G1"])).content.decode()
    # 500.000 + 20.000 + 10.000 - 300.000
    assert "230.000" in body and "Simpan pinjam" in body
    body = client.get(reverse("groups:fund_detail", args=["G1", "F-SAV"])).content.decode()
    assert "Sri Handayani" in body and "300.000" in body
    assert "days late" in body  # the first instalment fell due 44 or so days ago
    # two instalments of 106.000 are behind; the schedule lists all three, the third still coming
    assert "212.000 overdue" in body and "2 instalments behind" in body
    assert "Schedule: 300.000 lent on" in body and body.count('<tr class="late">') == 2
    assert body.count('<tr class="coming">') == 1


def test_the_coordinator_sees_totals_not_balances(client, coordinator, money):
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("groups:fund_detail", args=["G1", "F-SAV"]))
    body, page = response.content.decode(), response.context["page"]
    # the totals: cash held, savings (20.000 + 10.000), one loan still owed, two instalments late
    assert "230.000" in body and "30.000" in body and "outstanding on 1 loan" in body
    assert "212.000 overdue on 1 loan." in body
    # not a member's loan line nor an entry: not the loan's line, not Sri's 20.000 deposit
    assert "Sri Handayani" not in body and "lent 300.000" not in body and "20.000" not in body
    assert "Next instalment" not in body and "Schedule:" not in body
    assert page.loans == [] and page.entries == [] and (page.hidden_loans, page.hidden_entries) == (1, 3)
    assert "The balances of 2 members are personal" in body
    assert "3 entries of this cycle are of members whose money is personal" in body
    assert client.get(reverse("groups:fund_meeting", args=["G1"])).status_code == 403


def test_a_member_whose_money_is_hidden_is_not_listed_to_a_named_coordinator(
    client, named_coordinator, world, money
):
    """Names allowed, but Siti gave no consent: her deposit is neither listed nor left to be
    worked out from the entries (the totals still count it)."""
    world.member2_person.consent_on = None
    world.member2_person.save()
    ledger.record_entry(fund=money["savings"], entry=NewEntry(
        kind=EntryKind.LOAN, date=money["today"], amount=D(70000), person=world.member2_person,
        rate_percent_per_month=D(1), method="flat", term_months=2))
    client.force_login(named_coordinator)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("groups:fund_detail", args=["G1", "F-SAV"]))
    body, page = response.content.decode(), response.context["page"]
    assert "Sri Handayani" in body and "300.000" in body  # Sri's loan, named
    assert [line.loan.person for line in page.loans] == [world.member_person]
    assert world.member2_person not in {entry.person for entry, _who in page.entries}
    assert not _shows_amount(body, "10.000") and not _shows_amount(body, "70.000")  # Siti's deposit and loan
    assert (page.hidden_loans, page.hidden_entries, page.loan_count) == (1, 2, 2)
    assert "outstanding on 2 loans" in body and "370.000" in body  # 300.000 + 70.000


def test_the_member_sees_their_money_on_their_summary(client, member, money):
    client.force_login(member)
    client.cookies["django_language"] = "id"
    body = client.get(reverse("groups:my_summary")).content.decode()
    # the first instalment: 100.000 principal + 6.000 interest, due a month after the loan
    assert "20.000" in body and "300.000" in body and "106.000" in body
    assert "212.000 terlambat dibayar" in body and "2 angsuran tertunggak" in body
    assert "Jadwal: 300.000 dipinjam" in body and "Angsuran berikutnya: 106.000" in body
    assert client.get(reverse("groups:fund_list", args=["G1"])).status_code == 403


def test_meeting_ledger_prefills_and_saves_once(client, facilitator, world, money):
    client.force_login(facilitator)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("groups:fund_meeting", args=["G1"]))
    form = page.context["sheet"]
    members = form.members
    assert [f.person for f in members.forms] == [world.member2_person, world.member_person]  # by name
    # Sri: two instalments of 100.000 + 6.000 due by now (30 and 61 days after the loan); her
    # usual savings 20.000 and social fund 5.000; Siti: her usual 10.000 savings
    assert members.forms[1].initial == {"member": "P-MEMBER", "present": True, "savings": "20.000",
                                        "repayment": "212.000", "social": "5.000"}
    assert members.forms[0].initial == {"member": "P-MEMBER2", "present": True, "savings": "10.000"}
    data = _posted(page, {"m-1-repayment": "106.000", "m-0-present": ""})
    response = client.post(reverse("groups:fund_meeting", args=["G1"]), data)
    assert response.status_code == 302, response.context["sheet"].head.errors if response.context else ""
    meeting = LedgerMeeting.objects.get()
    assert meeting.entries.count() == 4
    assert list(meeting.activity.attendees.all()) == [world.member_person]
    sri_repaid = LedgerEntry.objects.get(kind=EntryKind.REPAYMENT)
    assert (sri_repaid.principal, sri_repaid.interest) == (D(94000), D(12000))  # interest due first
    again = client.post(reverse("groups:fund_meeting", args=["G1"]), data)
    assert again.status_code == 302 and LedgerEntry.objects.filter(meeting__isnull=False).count() == 4


def _shows_amount(body: str, amount: str) -> bool:
    """The amount on the page as a number of its own (not the end of 370.000)."""
    return re.search(rf"(?<![\d.]){re.escape(amount)}(?![\d])", body) is not None


def _posted(page, changes: dict) -> dict:
    """The sheet as the browser would send it: every field's initial value, then `changes`
    (the cash ticked as not counted unless `changes` give a count)."""
    sheet = page.context["sheet"]
    data = {}
    for part in (sheet.members, sheet.loans, sheet.payouts):
        if part is None:
            continue
        for key, value in part.management_form.initial.items():
            data[f"{part.prefix}-{key}"] = value
        for form in part.forms:
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                if callable(value):
                    value = value()
                if value in (None, False):
                    continue
                data[form.add_prefix(name)] = "on" if value is True else str(value)
    data["token"] = str(sheet.head["token"].value())
    data["date"] = str(timezone.localdate())
    if "cash_counted" not in changes:
        data["not_counted"] = "on"
    data.update({k: v for k, v in changes.items() if v != ""})
    for k, v in changes.items():
        if v == "":
            data.pop(k, None)
    return data


def _sheet_page(client, facilitator):
    client.force_login(facilitator)
    client.cookies["django_language"] = "id"
    return client.get(reverse("groups:fund_meeting", args=["G1"]))


def test_a_bad_cell_is_marked_in_its_language_and_nothing_is_saved(client, facilitator, money):
    page = _sheet_page(client, facilitator)
    response = client.post(reverse("groups:fund_meeting", args=["G1"]),
                           _posted(page, {"m-1-savings": "dua puluh"}))
    assert response.status_code == 200
    cell = response.context["sheet"].members.forms[1].errors["savings"]
    assert cell == ["“dua puluh” bukan jumlah. Tulis seperti 50.000, Rp 50.000, 12,5 atau 1,5 jt."]
    assert not LedgerMeeting.objects.exists() and not FormSubmission.objects.exists()


def test_a_repayment_beyond_the_loan_is_refused_in_its_cell(client, facilitator, money):
    page = _sheet_page(client, facilitator)
    response = client.post(reverse("groups:fund_meeting", args=["G1"]),
                           _posted(page, {"m-1-repayment": "400.000"}))
    assert response.status_code == 200
    errors = response.context["sheet"].members.forms[1].errors["repayment"]
    assert errors == ["Ini lebih dari sisa pinjaman 300.000."]
    assert not LedgerMeeting.objects.exists()
    assert not LedgerEntry.objects.filter(meeting__isnull=False).exists()


def test_a_cash_difference_is_shown_then_kept_when_accepted(client, facilitator, money):
    page = _sheet_page(client, facilitator)
    # before: 230.000 in savings + 5.000 social; the sheet brings 20.000 + 212.000 + 5.000 + 10.000
    data = _posted(page, {"cash_counted": "480.000"})
    response = client.post(reverse("groups:fund_meeting", args=["G1"]), data)
    check = response.context["sheet"].check
    assert check == {"expected": D(482000), "counted": D(480000), "difference": D(-2000)}
    assert not LedgerMeeting.objects.exists()
    response = client.post(reverse("groups:fund_meeting", args=["G1"]), {**data, "accept_difference": "on"})
    assert response.status_code == 302
    meeting = LedgerMeeting.objects.get()
    assert (meeting.cash_counted, meeting.cash_expected) == (D(480000), D(482000))
    assert meeting.difference == D(-2000)


def test_new_loans_and_payouts_on_the_sheet(client, facilitator, world, money):
    page = _sheet_page(client, facilitator)
    data = _posted(page, {"loan-0-person": "P-MEMBER2", "loan-0-amount": "100.000", "loan-0-rate": "1,5",
                          "loan-0-term": "2", "loan-0-method": "declining",
                          "out-0-person": "P-MEMBER", "out-0-kind": "payout", "out-0-amount": "5.000"})
    response = client.post(reverse("groups:fund_meeting", args=["G1"]), data)
    assert response.context["sheet"].payouts.forms[0].errors["reason"]  # a payout says why
    response = client.post(reverse("groups:fund_meeting", args=["G1"]), {**data, "out-0-reason": "illness"})
    sheet = response.context and response.context["sheet"]
    assert response.status_code == 302, sheet and [sheet.loans.errors, sheet.payouts.errors]
    lent = LedgerEntry.objects.get(kind=EntryKind.LOAN, person=world.member2_person)
    assert (lent.amount, lent.rate_percent_per_month, lent.term_months, lent.method) == (
        D(100000), D("1.5"), 2, "declining")
    assert LedgerEntry.objects.get(kind=EntryKind.PAYOUT).fund == money["social"]


def test_the_sheet_as_an_htmx_fragment_and_wrong_methods(client, facilitator, money):
    client.force_login(facilitator)
    fragment = client.get(reverse("groups:fund_meeting", args=["G1"]), HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith("<form") and b"<html" not in fragment.content
    assert client.put(reverse("groups:fund_meeting", args=["G1"])).status_code == 405
    assert client.post(reverse("groups:fund_detail", args=["G1", "F-SAV"])).status_code == 405


def test_open_a_fund_once(client, facilitator, world):
    client.force_login(facilitator)
    page = client.get(reverse("groups:fund_create", args=["G1"]))
    data = {"token": str(page.context["form"]["token"].value()), "kind": "arisan", "name": "Arisan RT",
            "opened_on": "2026-01-05", "opening_balance": ""}
    assert client.post(reverse("groups:fund_create", args=["G1"]), data).status_code == 302
    assert client.post(reverse("groups:fund_create", args=["G1"]), data).status_code == 302
    fund = world.group.funds.get()
    assert (fund.name, fund.cycles.get().start) == ("Arisan RT", dt.date(2026, 1, 5))


def test_the_arisan_order_agreed_or_drawn(client, facilitator, world):
    fund = ledger.create_fund(group=world.group, kind=FundKind.ARISAN, name="Arisan",
                              opened_on=dt.date(2026, 1, 5))
    client.force_login(facilitator)
    url = reverse("groups:fund_rotation", args=["G1", fund.ref])
    same = client.post(url, {"how": "agreed", "turn_P-MEMBER": "1", "turn_P-MEMBER2": "1"})
    assert same.status_code == 200 and not fund.cycles.get().turns.exists()
    assert client.post(url, {"how": "agreed", "turn_P-MEMBER": "2", "turn_P-MEMBER2": "1"}).status_code == 302
    cycle = fund.cycles.get()
    assert list(cycle.turns.values_list("person__ref", "position")) == [("P-MEMBER2", 1), ("P-MEMBER", 2)]
    assert client.post(url, {"how": "drawn"}).status_code == 302
    cycle.refresh_from_db()
    assert cycle.rotation == "drawn" and sorted(cycle.turns.values_list("position", flat=True)) == [1, 2]


def test_fund_pages_keep_their_query_count(client, facilitator, world, money, django_assert_max_num_queries):
    client.force_login(facilitator)
    for n in range(8):  # more members with money change nothing in the count
        person = f.MembershipFactory(group=world.group).person
        ledger.record_entry(fund=money["savings"], entry=NewEntry(
            kind=EntryKind.DEPOSIT, date=money["today"], amount=D(1000 + n), person=person))
    with django_assert_max_num_queries(30):
        assert client.get(reverse("groups:fund_detail", args=["G1", "F-SAV"])).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(reverse("groups:fund_list", args=["G1"])).status_code == 200


@pytest.fixture
def arisan(world, money):
    """G1 also keeps an arisan pot, its order agreed: Siti draws first, then Sri."""
    pot = ledger.create_fund(group=world.group, kind=FundKind.ARISAN, name="Arisan RT",
                             opened_on=money["today"] - dt.timedelta(days=100), ref="F-ARI")
    order = [world.member2_person, world.member_person]
    ledger.set_rotation(cycle=pot.cycles.get(), people=order, how="agreed")
    return pot


def test_a_missed_arisan_contribution_paid_by_another_member(client, facilitator, world, arisan):
    page = _sheet_page(client, facilitator)  # in Indonesian
    labels = {k: str(v) for k, v in page.context["sheet"].members.forms[0].fields["arisan_by"].choices}
    assert labels == {"": "anggota sendiri", "P-MEMBER": "Sri Handayani"}  # anyone but Siti herself
    assert "Arisan dibayar oleh" in page.content.decode()
    # Siti missed the meeting; Sri paid her arisan share (and none of her own this time)
    data = _posted(page, {"m-0-present": "", "m-0-arisan": "50.000", "m-0-arisan_by": "P-MEMBER"})
    response = client.post(reverse("groups:fund_meeting", args=["G1"]), data)
    assert response.status_code == 302
    covered = LedgerEntry.objects.get(fund=arisan)
    assert (covered.person, covered.covered_for, covered.amount) == (
        world.member_person, world.member2_person, D(50000))
    body = client.get(reverse("groups:fund_detail", args=["G1", "F-ARI"])).content.decode()
    assert "Sri Handayani untuk Siti Maryati" in body  # the round's "Paid for another"


def test_a_payer_without_an_amount_or_outside_the_group_is_refused(client, facilitator, world, arisan):
    page = _sheet_page(client, facilitator)
    url = reverse("groups:fund_meeting", args=["G1"])
    response = client.post(url, _posted(page, {"m-0-arisan_by": "P-MEMBER"}))
    assert response.context["sheet"].members.forms[0].errors == {
        "arisan": ["Tulis jumlah arisan yang dibayarkan untuk anggota ini."]
    }
    response = client.post(url, _posted(page, {"m-0-arisan": "50.000", "m-0-arisan_by": "P-OTHER"}))
    assert "arisan_by" in response.context["sheet"].members.forms[0].errors
    response = client.post(url, _posted(page, {"m-0-arisan": "50.000", "m-0-arisan_by": "P-MEMBER2"}))
    assert "arisan_by" in response.context["sheet"].members.forms[0].errors  # not herself
    assert not LedgerMeeting.objects.exists() and not LedgerEntry.objects.filter(fund=arisan).exists()


def test_a_blank_count_is_not_a_check(client, facilitator, money):
    """Saved with the cash counted, or with a tick that it was not: never with a blank count."""
    page = _sheet_page(client, facilitator)
    url = reverse("groups:fund_meeting", args=["G1"])
    blank = {k: v for k, v in _posted(page, {}).items() if k != "not_counted"}
    response = client.post(url, blank)
    assert response.status_code == 200 and not LedgerMeeting.objects.exists()
    assert response.context["sheet"].head.errors["cash_counted"] == [
        "Tulis uang kas yang dihitung di akhir pertemuan, atau centang “Uang kas tidak dihitung”."
    ]
    both = client.post(url, {**blank, "cash_counted": "482.000", "not_counted": "on"})
    assert "not_counted" in both.context["sheet"].head.errors and not LedgerMeeting.objects.exists()
    assert client.post(url, {**blank, "not_counted": "on"}).status_code == 302
    assert LedgerMeeting.objects.get().cash_counted is None  # kept as not counted


def test_the_cash_to_count_is_shown_per_fund_before_saving(client, facilitator, coordinator, money):
    page = _sheet_page(client, facilitator)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("groups:fund_meeting", args=["G1"])).content.decode()
    assert "In the books before the meeting" in body and "235.000" in body  # 230.000 + 5.000 now
    url = reverse("groups:fund_meeting_cash", args=["G1"])
    data = {k: v for k, v in _posted(page, {"cash_counted": "480.000"}).items()}
    fragment = client.post(url, data, HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert text.lstrip().startswith('<div id="cash-figures"') and "<form" not in text
    rows = [re.findall(r">([^<>]+)</td>", row) for row in re.findall(r"<tr>(<td>.*?)</tr>", text, re.DOTALL)]
    # savings: 20.000 + 10.000 saved, 212.000 repaid; social: 5.000
    assert rows == [["Simpan pinjam", "230.000", "+242.000", "472.000"],
                    ["Dana sosial", "5.000", "+5.000", "10.000"]]
    assert '<dd class="expected">482.000</dd>' in text and '<dd class="difference bad">-2.000</dd>' in text
    assert not LedgerMeeting.objects.exists() and not FormSubmission.objects.exists()
    # without JS the button posts here too and gets the whole sheet back, figures worked out
    whole = client.post(url, data).content.decode()
    assert "<form" in whole and "472.000" in whole
    assert client.get(url).status_code == 405
    client.force_login(coordinator)
    assert client.post(url, data).status_code == 403
    client.force_login(f.UserFactory())  # nobody's: the group is out of their scope
    assert client.post(url, data).status_code == 404
    assert client.post(reverse("groups:fund_meeting_row", args=["G1"]) + "?add=loan", data).status_code == 404
    client.logout()
    assert client.post(url, data).status_code == 302  # to the login page


def test_the_funds_page_lists_the_meetings_and_their_count(client, facilitator, money):
    page = _sheet_page(client, facilitator)
    url = reverse("groups:fund_meeting", args=["G1"])
    client.post(url, _posted(page, {"cash_counted": "480.000", "accept_difference": "on"}))
    client.cookies["django_language"] = "en"
    body = client.get(reverse("groups:fund_list", args=["G1"])).content.decode()
    row = body[body.index('class="stack ledger-meetings"'):]
    assert "482.000" in row and "480.000" in row and "-2.000" in row
    assert "<td data-label=\"Recorded by\">you</td>" in row  # the viewer recorded it


def test_more_loan_rows_are_added_keeping_what_was_typed(client, facilitator, world, money):
    page = _sheet_page(client, facilitator)
    client.cookies["django_language"] = "en"
    url = reverse("groups:fund_meeting_row", args=["G1"]) + "?add=loan"
    typed = _posted(page, {"loan-0-person": "P-MEMBER2", "loan-0-amount": "10.000", "loan-0-rate": "1",
                           "loan-0-term": "1", "loan-1-person": "P-MEMBER2", "loan-1-amount": "20.000",
                           "loan-1-rate": "1", "loan-1-term": "2", "m-1-savings": "25.000"})
    assert typed["loan-TOTAL_FORMS"] == 2
    response = client.post(url, typed)  # without JS: the whole page comes back, one row more
    sheet = response.context["sheet"]
    assert len(sheet.loans.forms) == 3 and sheet.members.forms[1]["savings"].value() == "25.000"
    assert "+ Add a loan row" in response.content.decode() and not LedgerEntry.objects.filter(
        meeting__isnull=False).exists()
    # the third loan is filled in on the new row and the sheet saved with its first token
    data = {**typed, "loan-TOTAL_FORMS": "3", "loan-2-person": "P-MEMBER2", "loan-2-amount": "30.000",
            "loan-2-rate": "1", "loan-2-term": "3", "loan-2-method": "flat"}
    assert client.post(reverse("groups:fund_meeting", args=["G1"]), data).status_code == 302
    lent = LedgerEntry.objects.filter(kind=EntryKind.LOAN, person=world.member2_person)
    assert sorted(lent.values_list("amount", flat=True)) == [D(10000), D(20000), D(30000)]
    fragment = client.post(reverse("groups:fund_meeting_row", args=["G1"]) + "?add=out", typed,
                           HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith("<form") and 'name="out-2-amount"' in fragment
    many = {**typed, "out-TOTAL_FORMS": "30"}
    full = client.post(reverse("groups:fund_meeting_row", args=["G1"]) + "?add=out", many)
    assert len(full.context["sheet"].payouts.forms) == 30  # no more than the sheet holds
    assert "+ Add a payout row" not in full.content.decode()
    assert client.get(url).status_code == 405


def test_the_arisan_draw_is_prefilled_with_the_next_member_and_the_pot(client, facilitator, world, arisan):
    """Round 1: both paid 50.000 and Siti drew. Now Sri is next, and the pot is this
    meeting's two contributions of 50.000."""
    day = timezone.localdate() - dt.timedelta(days=30)
    siti, sri = world.member2_person, world.member_person
    ledger.record_entries(fund=arisan, entries=[
        NewEntry(kind=EntryKind.CONTRIBUTION, date=day, amount=D(50000), person=siti),
        NewEntry(kind=EntryKind.CONTRIBUTION, date=day, amount=D(50000), person=sri),
        NewEntry(kind=EntryKind.DRAW, date=day, amount=D(100000), person=siti),
    ])
    page = _sheet_page(client, facilitator)
    first = page.context["sheet"].payouts.forms[0]
    assert first.initial == {"kind": "draw", "person": "P-MEMBER", "amount": "100.000"}
    assert "Baris pertama adalah undian arisan" in page.content.decode()
    response = client.post(reverse("groups:fund_meeting", args=["G1"]), _posted(page, {}))  # as prefilled
    assert response.status_code == 302
    drawn = LedgerEntry.objects.get(fund=arisan, kind=EntryKind.DRAW, meeting__isnull=False)
    assert (drawn.person, drawn.amount, drawn.reason) == (sri, D(100000), "")  # no reason asked


def test_a_cleared_draw_row_is_not_saved(client, facilitator, world, arisan):
    day = timezone.localdate() - dt.timedelta(days=30)
    ledger.record_entry(fund=arisan, entry=NewEntry(
        kind=EntryKind.CONTRIBUTION, date=day, amount=D(50000), person=world.member_person))
    page = _sheet_page(client, facilitator)
    # nobody has drawn: Siti is first; the pot is Sri's 50.000 so far and her 50.000 today
    assert page.context["sheet"].payouts.forms[0].initial["amount"] == "100.000"
    data = _posted(page, {"out-0-person": "", "out-0-amount": ""})
    assert client.post(reverse("groups:fund_meeting", args=["G1"]), data).status_code == 302
    assert not LedgerEntry.objects.filter(kind=EntryKind.DRAW).exists()
