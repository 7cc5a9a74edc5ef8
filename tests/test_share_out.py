"""Closing a savings fund's cycle: the share-out worked out by hand, paid once, the next cycle
opened, refusals in the user's language with nothing saved; the fund form's cycle dates."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from groups.models import Cycle, EntryKind, Fund, FundKind, LedgerEntry
from groups.services import cycles, ledger
from groups.services.ledger import NewEntry

from . import factories as f

TODAY = timezone.localdate()
OPENED = TODAY - dt.timedelta(days=120)
DAY = TODAY - dt.timedelta(days=10)  # the share-out
URL = reverse("groups:fund_share_out", args=["G1", "F-SAV"])


@pytest.fixture
def tri(world):
    person = f.PersonFactory(ref="P-TRI", full_name="Tri Lestari", area=world.village)
    f.MembershipFactory(person=person, group=world.group)
    return person


@pytest.fixture
def fund(world, tri):
    """Sri, Siti and Tri save 100.000, 200.000 and 300.000; Sri borrows 300.000 at 2% a month
    flat over 3 months and repays 3 x (100.000 + 6.000); Siti pays a fine of 5.000. Cash:
    600.000 - 300.000 + 318.000 + 5.000 = 623.000, shared 1 : 2 : 3."""
    sri, siti = world.member_person, world.member2_person
    fund = ledger.create_fund(group=world.group, kind=FundKind.SAVINGS_LOAN, name="Simpan pinjam",
                              opened_on=OPENED, ref="F-SAV")
    entries = [
        NewEntry(kind=EntryKind.DEPOSIT, date=OPENED, amount=D(100000), person=sri),
        NewEntry(kind=EntryKind.DEPOSIT, date=OPENED, amount=D(200000), person=siti),
        NewEntry(kind=EntryKind.DEPOSIT, date=OPENED, amount=D(300000), person=tri),
        NewEntry(kind=EntryKind.LOAN, date=OPENED, amount=D(300000), person=sri,
                 rate_percent_per_month=D(2), method="flat", term_months=3),
        NewEntry(kind=EntryKind.FINE, date=OPENED + dt.timedelta(days=30), amount=D(5000), person=siti),
    ]
    [*_, loan, _fine] = ledger.record_entries(fund=fund, entries=entries)
    ledger.record_entries(fund=fund, entries=[
        NewEntry(kind=EntryKind.REPAYMENT, date=OPENED + dt.timedelta(days=31 * month), amount=D(106000),
                 person=sri, loan=loan, principal=D(100000), interest=D(6000))
        for month in (1, 2, 3)
    ])
    return fund


def test_the_shares_are_worked_out_as_by_hand(fund, world, tri):
    plan = cycles.plan_share_out(fund, DAY)
    assert (plan.savings, plan.interest, plan.fines, plan.cash) == (D(600000), D(18000), D(5000), D(623000))
    # 623.000 x 1/6 = 103.833,33; x 2/6 = 207.666,67; x 3/6 = 311.500: the one rupiah left by
    # rounding down goes to the largest remainder, Siti's
    shares = {share.person: (share.share, share.earned) for share in plan.shares}
    assert shares == {
        world.member_person: (D(103833), D(3833)),
        world.member2_person: (D(207667), D(7667)),
        tri: (D(311500), D(11500)),
    }


def test_outside_loans_are_kept_back(fund, world):
    bank = f.ActorFactory(area=world.village)
    ledger.record_entry(fund=fund, entry=NewEntry(kind=EntryKind.OUTSIDE_LOAN, date=DAY, amount=D(100000),
                                                  actor=bank))
    plan = cycles.plan_share_out(fund, DAY)
    assert (plan.cash, plan.owed_outside) == (D(723000), D(100000))
    assert plan.to_share == plan.total == D(623000)


def test_only_the_principal_repaid_outside_lowers_what_is_kept_back(fund, world):
    # The bank lent 100.000; the fund paid it 60.000 = 50.000 principal + 10.000 interest: 50.000
    # is still owed and kept back. Cash 623.000 + 100.000 - 60.000 = 663.000; 613.000 shared.
    bank = f.ActorFactory(area=world.village)
    ledger.record_entries(fund=fund, entries=[
        NewEntry(kind=EntryKind.OUTSIDE_LOAN, date=DAY, amount=D(100000), actor=bank),
        NewEntry(kind=EntryKind.OUTSIDE_REPAYMENT, date=DAY, amount=D(60000), actor=bank,
                 principal=D(50000), interest=D(10000)),
    ])
    plan = cycles.plan_share_out(fund, DAY)
    assert (plan.cash, plan.owed_outside, plan.to_share) == (D(663000), D(50000), D(613000))


def _confirm(client, day=DAY, **changes):
    """The confirm form as the page renders it for `day`, with `changes`."""
    page = client.get(URL, {"date": day.isoformat()})
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(changes)
    return client.post(f"{URL}?date={day.isoformat()}", data)


def test_the_treasurer_shares_out_once_and_the_next_cycle_opens(client, facilitator, fund, world, tri):
    client.force_login(facilitator)
    client.cookies["django_language"] = "en"
    page = client.get(URL, {"date": DAY.isoformat()})
    body = page.content.decode()
    assert "Tri Lestari" in body and "311.500" in body and "207.667" in body and "623.000" in body
    planned = DAY + dt.timedelta(days=365)
    page_data = page.context["form"]
    data = {name: page_data[name].value() or "" for name in page_data.fields}
    data.update(planned_end=planned.isoformat(), share_out_on=planned.isoformat())
    response = client.post(f"{URL}?date={DAY.isoformat()}", data)
    assert response.status_code == 302
    paid = dict(fund.entries.filter(kind=EntryKind.SHARE_OUT).values_list("person", "amount"))
    assert paid == {world.member_person.pk: D(103833), world.member2_person.pk: D(207667), tri.pk: D(311500)}
    assert set(fund.entries.filter(kind=EntryKind.SHARE_OUT).values_list("date", flat=True)) == {DAY}
    latest = fund.cycles.order_by("-start").first()
    assert (latest.start, latest.opening_balance) == (DAY + dt.timedelta(days=1), D(0))
    assert (latest.planned_end, latest.share_out_on) == (planned, planned)
    # sent again (double click, Back and resend): nothing is saved twice
    again = client.post(f"{URL}?date={DAY.isoformat()}", data)
    assert again.status_code == 302
    assert fund.entries.filter(kind=EntryKind.SHARE_OUT).count() == 3 and fund.cycles.count() == 2
    # a fresh form for the same day: the cycle was shared out already
    refused = _confirm(client)
    assert refused.status_code == 200 and "This cycle was already shared out." in refused.content.decode()
    assert fund.entries.filter(kind=EntryKind.SHARE_OUT).count() == 3 and fund.cycles.count() == 2


def _nothing_saved(fund):
    return not fund.entries.filter(kind=EntryKind.SHARE_OUT).exists() and fund.cycles.count() == 1


def test_a_loan_still_owed_is_refused_in_indonesian(client, facilitator, fund, world):
    ledger.record_entry(fund=fund, entry=NewEntry(
        kind=EntryKind.LOAN, date=DAY, amount=D(50000), person=world.member2_person,
        rate_percent_per_month=D(2), method="flat", term_months=1,
    ))
    client.force_login(facilitator)
    client.cookies["django_language"] = "id"
    page = client.get(URL, {"date": DAY.isoformat()})
    assert "1 pinjaman masih belum lunas (50.000)" in page.content.decode()
    assert page.context["plan"] is None
    data = f.once({"date": DAY.isoformat(), "total": "573000"})
    response = client.post(f"{URL}?date={DAY.isoformat()}", data)
    assert response.status_code == 200 and "1 pinjaman masih belum lunas" in response.content.decode()
    assert _nothing_saved(fund)


def test_books_changed_since_the_page_was_opened(client, facilitator, fund, world):
    client.force_login(facilitator)
    client.cookies["django_language"] = "en"
    response = _confirm(client, total="600000")
    body = response.content.decode()
    assert response.status_code == 200 and "The books changed since this page was opened" in body
    assert _nothing_saved(fund)
    assert response.context["form"]["total"].value() == D(623000)  # the fresh form shows today's shares


def test_next_cycle_dates_before_its_start_are_refused(client, facilitator, fund):
    client.force_login(facilitator)
    client.cookies["django_language"] = "en"
    response = _confirm(client, planned_end=DAY.isoformat())
    assert response.status_code == 200
    assert "The next cycle starts the day after the share-out" in response.content.decode()
    assert _nothing_saved(fund)


def test_entries_after_the_day_and_other_funds_are_refused(client, facilitator, fund, world):
    client.force_login(facilitator)
    client.cookies["django_language"] = "en"
    early = client.get(URL, {"date": (OPENED + dt.timedelta(days=40)).isoformat()})
    assert "This cycle has entries after that date" in early.content.decode()
    ledger.create_fund(group=world.group, kind=FundKind.SOCIAL, name="Dana sosial", opened_on=OPENED,
                       ref="F-SOS")
    social = client.get(reverse("groups:fund_share_out", args=["G1", "F-SOS"]))
    assert "Only a savings and loan fund is shared out" in social.content.decode()
    assert _nothing_saved(fund)


def test_who_may_share_out(client, fund, member, other_facilitator, coordinator, facilitator):
    assert client.get(URL).status_code == 302  # anonymous: to the login
    client.force_login(member)
    assert client.get(URL).status_code == 403  # a member who does not keep the books
    client.force_login(coordinator)
    assert client.get(URL).status_code == 403  # reads totals, keeps no books
    client.force_login(other_facilitator)
    assert client.get(URL).status_code == 404
    client.force_login(facilitator)
    assert client.put(URL).status_code == 405
    fragment = client.get(URL, {"date": DAY.isoformat()}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert 'id="share-out"' in fragment.content.decode()


def test_the_treasurer_keeps_the_books(client, fund, world, tri):
    user = f.UserFactory(username="bendahara")
    tri.user = user
    tri.save()
    tri.memberships.filter(group=world.group).update(role="treasurer")
    client.force_login(user)
    assert client.get(URL).status_code == 200


def test_the_fund_form_sets_the_first_cycles_dates(client, facilitator, world):
    client.force_login(facilitator)
    client.cookies["django_language"] = "en"
    url = reverse("groups:fund_create", args=["G1"])
    end = OPENED + dt.timedelta(days=364)
    data = {"kind": FundKind.SAVINGS_LOAN, "name": "Tabungan", "opened_on": OPENED.isoformat(),
            "planned_end": (OPENED - dt.timedelta(days=1)).isoformat()}
    refused = client.post(url, f.once(data))
    assert refused.status_code == 200
    assert "The cycle starts the day the fund opens" in refused.content.decode()
    assert not Fund.objects.filter(name="Tabungan").exists()
    dates = {"planned_end": end.isoformat(), "share_out_on": end.isoformat()}
    saved = client.post(url, f.once({**data, **dates}))
    assert saved.status_code == 302
    cycle = Cycle.objects.get(fund__name="Tabungan")
    assert (cycle.start, cycle.planned_end, cycle.share_out_on) == (OPENED, end, end)
    assert not LedgerEntry.objects.exists()


def test_the_current_cycles_dates_are_set_when_missing(client, facilitator, fund):
    client.force_login(facilitator)
    client.cookies["django_language"] = "id"
    detail = client.get(reverse("groups:fund_detail", args=["G1", "F-SAV"])).content.decode()
    assert "Tetapkan rencana selesai dan tanggal bagi hasil putaran" in detail
    url = reverse("groups:fund_cycle_dates", args=["G1", "F-SAV"])
    early = client.post(url, {"planned_end": (OPENED - dt.timedelta(days=1)).isoformat()})
    assert early.status_code == 200
    assert "Tanggal tidak boleh sebelum putaran dimulai." in early.content.decode()
    assert fund.cycles.get().planned_end is None
    end = OPENED + dt.timedelta(days=364)
    dates = {"planned_end": end.isoformat(), "share_out_on": end.isoformat()}
    assert client.post(url, dates).status_code == 302
    cycle = fund.cycles.get()
    assert (cycle.planned_end, cycle.share_out_on) == (end, end)
    # a blank date leaves the one set before
    assert client.post(url, {"planned_end": "", "share_out_on": ""}).status_code == 302
    assert fund.cycles.get().share_out_on == end
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'name="planned_end"' in fragment


JUNK = [" ", "\x00", "-1", "1e309", "9" * 40, "NaN", "2026-02-30", "0000-00-00", "<b>x</b>", "Rp 1.500.000"]


def test_junk_posts_to_a_savings_fund_never_fail_or_half_save(client, facilitator, fund):
    """The safety fuzz posts to an arisan fund (refused whole); here the savings fund's form."""
    client.force_login(facilitator)
    good = {"date": DAY.isoformat(), "total": "623000", "planned_end": "", "share_out_on": ""}
    for name in good:
        for value in [*JUNK, *(["", "9999-12-31"] if name in ("date", "total") else [])]:
            response = client.post(f"{URL}?date={value}", f.once({**good, name: value}))
            assert response.status_code == 200, (name, value)  # refused, shown again
            assert _nothing_saved(fund), (name, value)
