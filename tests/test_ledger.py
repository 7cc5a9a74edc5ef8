"""The ledger's door (groups/services/ledger.py) and its database constraints."""

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from groups.models import EntryKind, FundKind, LedgerEntry
from groups.scores import changes, collect
from groups.services import ledger
from groups.services.ledger import EntryRejected, NewEntry

from . import factories as f

JAN = dt.date(2025, 1, 6)


@pytest.fixture
def fund(world):
    return ledger.create_fund(group=world.group, kind=FundKind.SAVINGS_LOAN, name="Simpan pinjam",
                              opened_on=JAN, opening_balance=D(100000))


def deposit(person, amount, date=JAN):
    return NewEntry(kind=EntryKind.DEPOSIT, date=date, amount=D(amount), person=person)


def loan(person, amount, date=JAN, rate=2, term=3, method="flat"):
    return NewEntry(kind=EntryKind.LOAN, date=date, amount=D(amount), person=person,
                    rate_percent_per_month=D(rate), term_months=term, method=method)


def test_create_fund_opens_its_first_cycle(fund):
    cycle = fund.cycles.get()
    assert (cycle.start, cycle.opening_balance, fund.currency) == (JAN, D(100000), "IDR")


def test_a_batch_is_recorded_and_the_balance_follows(world, fund):
    sri, siti = world.member_person, world.member2_person
    ledger.record_entries(fund=fund, entries=[deposit(sri, 50000), deposit(siti, 20000), loan(sri, 150000)])
    # 100.000 + 50.000 + 20.000 - 150.000
    assert ledger.fund_balance(fund) == D(20000)


def test_a_fund_cannot_lend_more_than_it_holds_and_saves_nothing(world, fund):
    with pytest.raises(EntryRejected) as refused:
        ledger.record_entries(fund=fund, entries=[deposit(world.member_person, 50000),
                                                  loan(world.member2_person, 150001)])
    assert refused.value.index is None
    assert not LedgerEntry.objects.exists()


def test_a_back_dated_payout_cannot_spend_money_that_came_later(world, fund):
    ledger.record_entry(fund=fund, entry=deposit(world.member_person, 50000, JAN + dt.timedelta(days=7)))
    with pytest.raises(EntryRejected):
        ledger.record_entry(fund=fund, entry=NewEntry(
            kind=EntryKind.WITHDRAWAL, date=JAN + dt.timedelta(days=1), amount=D(120000),
            person=world.member_person))
    assert LedgerEntry.objects.count() == 1


def test_a_loan_cannot_be_over_repaid_or_over_written_off(world, fund):
    sri = world.member_person
    lent = ledger.record_entry(fund=fund, entry=loan(sri, 90000))
    later = JAN + dt.timedelta(days=40)
    ledger.record_entry(fund=fund, entry=NewEntry(kind=EntryKind.REPAYMENT, date=later, amount=D(61800),
                                                  person=sri, loan=lent))
    repayment = LedgerEntry.objects.get(kind=EntryKind.REPAYMENT)
    # interest owed by then: the first instalment's 2% of 90.000 = 1.800, the rest principal
    assert (repayment.principal, repayment.interest) == (D(60000), D(1800))
    with pytest.raises(EntryRejected) as refused:
        ledger.record_entry(fund=fund, entry=NewEntry(kind=EntryKind.WRITE_OFF, date=later,
                                                      amount=D(30001), person=sri, loan=lent))
    assert refused.value.index == 0
    two = [NewEntry(kind=EntryKind.REPAYMENT, date=later, amount=D(20000), person=sri, loan=lent,
                    principal=D(20000), interest=D(0))] * 2
    with pytest.raises(EntryRejected) as refused:
        ledger.record_entries(fund=fund, entries=two)
    assert refused.value.index == 1
    ledger.record_entry(fund=fund, entry=NewEntry(kind=EntryKind.WRITE_OFF, date=later, amount=D(30000),
                                                  person=sri, loan=lent))
    repaid, _interest, written_off = ledger.loan_paid([lent.pk])[lent.pk]
    assert (repaid, written_off) == (D(60000), D(30000))
    assert ledger.loan_position(lent, later).due == 0


def test_a_row_the_database_refuses_is_named_with_its_reason_and_nothing_is_saved(world, fund):
    # The rules one row keeps (its constraints, its unique code) are checked as the batch is
    # written; a refusal still names the entry at fault, in the user's language.
    sri, siti = world.member_person, world.member2_person
    ledger.record_entry(fund=fund, entry=replace(deposit(sri, 1000), ref="L-TAKEN"))
    bad_terms = replace(deposit(siti, 2000), term_months=3)  # loan terms on a deposit
    with translation.override("en"), pytest.raises(EntryRejected, match="A loan needs its") as refused:
        ledger.record_entries(fund=fund, entries=[deposit(sri, 500), deposit(siti, 700), bad_terms])
    assert refused.value.index == 2
    with translation.override("id"), pytest.raises(EntryRejected) as refused:
        taken = replace(deposit(sri, 500), ref="L-TAKEN")
        ledger.record_entries(fund=fund, entries=[deposit(siti, 700), taken])
    assert refused.value.index == 1 and "Kode telah ada" in " ".join(refused.value.messages)
    twice = [replace(deposit(sri, 500), ref="L-NEW"), replace(deposit(siti, 700), ref="L-NEW")]
    with translation.override("en"), pytest.raises(EntryRejected, match="same reference") as refused:
        ledger.record_entries(fund=fund, entries=twice)
    assert refused.value.index == 1
    assert list(LedgerEntry.objects.values_list("ref", flat=True)) == ["L-TAKEN"]


def test_a_repayment_belongs_to_the_members_own_loan(world, fund):
    lent = ledger.record_entry(fund=fund, entry=loan(world.member_person, 50000))
    with translation.override("en"), pytest.raises(EntryRejected, match="not a loan of this member"):
        ledger.record_entry(fund=fund, entry=NewEntry(
            kind=EntryKind.REPAYMENT, date=JAN, amount=D(1000), person=world.member2_person, loan=lent))


def test_only_members_and_only_in_the_funds_time(world, fund):
    with translation.override("en"), pytest.raises(EntryRejected, match="not a member"):
        ledger.record_entry(fund=fund, entry=deposit(world.other_member_person, 1000))
    with translation.override("id"), pytest.raises(EntryRejected, match="di luar masa dana dibuka"):
        ledger.record_entry(fund=fund, entry=deposit(world.member_person, 1000, JAN - dt.timedelta(days=1)))


def test_a_new_cycle_opens_with_what_the_last_one_held(world, fund):
    ledger.record_entry(fund=fund, entry=deposit(world.member_person, 25000))
    cycle = ledger.open_cycle(fund=fund, start=dt.date(2026, 1, 5))
    assert cycle.opening_balance == D(125000)
    ledger.record_entry(fund=fund, entry=deposit(world.member_person, 5000, dt.date(2026, 2, 1)))
    assert LedgerEntry.objects.latest("pk").cycle == cycle
    assert ledger.fund_balance(fund) == D(130000)


def withdraw(person, amount, date=JAN, kind=EntryKind.WITHDRAWAL):
    return NewEntry(kind=kind, date=date, amount=D(amount), person=person)


def test_a_member_cannot_withdraw_more_than_they_saved(world, fund):
    # The fund holds 100.000 + 30.000, but Sri saved only 30.000 and Siti nothing this cycle.
    sri, siti = world.member_person, world.member2_person
    ledger.record_entry(fund=fund, entry=deposit(sri, 30000))
    with translation.override("en"), pytest.raises(EntryRejected, match="Sri Handayani cannot") as refused:
        ledger.record_entries(fund=fund, entries=[deposit(siti, 5000), withdraw(sri, 30001)])
    assert refused.value.index == 1
    with translation.override("id"), pytest.raises(EntryRejected, match="Siti Maryati tidak bisa mengambil"):
        ledger.record_entry(fund=fund, entry=withdraw(siti, 1))
    # Saved and taken out on the same day is fine; a withdrawal before the deposit is not.
    later = JAN + dt.timedelta(days=7)
    with pytest.raises(EntryRejected):
        ledger.record_entries(fund=fund, entries=[deposit(siti, 8000, later), withdraw(siti, 8000, JAN)])
    ledger.record_entries(fund=fund, entries=[withdraw(siti, 8000, later), deposit(siti, 8000, later)])
    ledger.record_entry(fund=fund, entry=withdraw(sri, 30000))
    assert ledger.fund_balance(fund) == D(100000)
    assert LedgerEntry.objects.count() == 4


def test_a_share_out_pays_a_member_at_most_their_part_of_the_cash(world):
    # Sri saved 60.000 and Siti 40.000; Siti paid a 10.000 fine: the cash is 110.000.
    # Sri's part: 60.000 / 100.000 x 110.000 = 66.000; Siti's 44.000.
    sri, siti = world.member_person, world.member2_person
    fund = ledger.create_fund(group=world.group, kind=FundKind.SAVINGS_LOAN, name="Tabungan", opened_on=JAN)
    fine = NewEntry(kind=EntryKind.FINE, date=JAN, amount=D(10000), person=siti)
    ledger.record_entries(fund=fund, entries=[deposit(sri, 60000), deposit(siti, 40000), fine])
    end = JAN + dt.timedelta(days=300)
    with translation.override("en"), pytest.raises(EntryRejected, match="66.000 at most") as refused:
        # the fund holds enough for both (40.000 + 66.001), but Sri's part is 66.000
        ledger.record_entries(fund=fund, entries=[withdraw(siti, 40000, end, EntryKind.SHARE_OUT),
                                                  withdraw(sri, 66001, end, EntryKind.SHARE_OUT)])
    assert refused.value.index == 1
    ledger.record_entries(fund=fund, entries=[withdraw(siti, 44000, end, EntryKind.SHARE_OUT),
                                              withdraw(sri, 66000, end, EntryKind.SHARE_OUT)])
    assert ledger.fund_balance(fund) == 0


def test_a_fund_repays_an_outside_lender_at_most_what_it_owes_them(world, fund):
    bank, koperasi = f.ActorFactory(name="Bank Desa"), f.ActorFactory(name="Koperasi")

    def outside(kind, actor, amount):
        return NewEntry(kind=kind, date=JAN, amount=D(amount), actor=actor)

    ledger.record_entries(fund=fund, entries=[outside(EntryKind.OUTSIDE_LOAN, bank, 1000000),
                                              outside(EntryKind.OUTSIDE_LOAN, koperasi, 500000)])
    # The fund holds 1.600.000, but owes the koperasi only 500.000.
    with translation.override("en"), pytest.raises(EntryRejected, match="repays Koperasi more") as refused:
        ledger.record_entries(fund=fund, entries=[outside(EntryKind.OUTSIDE_REPAYMENT, bank, 100000),
                                                  outside(EntryKind.OUTSIDE_REPAYMENT, koperasi, 500001)])
    assert refused.value.index == 1
    with translation.override("id"), pytest.raises(EntryRejected, match="melebihi utang dana kepada Bank"):
        ledger.record_entry(fund=fund, entry=outside(EntryKind.OUTSIDE_REPAYMENT, bank, 1000001))
    ledger.record_entry(fund=fund, entry=outside(EntryKind.OUTSIDE_REPAYMENT, bank, 1000000))
    assert ledger.fund_balance(fund) == D(600000)


def test_an_outside_repayment_gives_its_principal_and_interest(world, fund):
    bank = f.ActorFactory(name="Bank Desa")
    ledger.record_entry(fund=fund, entry=NewEntry(kind=EntryKind.OUTSIDE_LOAN, date=JAN, amount=D(1000000),
                                                  actor=bank))
    # 1.050.000 paid = the 1.000.000 lent + 50.000 interest: the debt is settled, not over-repaid
    ledger.record_entry(fund=fund, entry=NewEntry(
        kind=EntryKind.OUTSIDE_REPAYMENT, date=JAN, amount=D(1050000), actor=bank,
        principal=D(1000000), interest=D(50000)))
    assert ledger.fund_balance(fund) == D(50000)  # 100.000 + 1.000.000 - 1.050.000
    with pytest.raises(EntryRejected):  # without a split all of it is principal: nothing is owed
        ledger.record_entry(fund=fund, entry=NewEntry(kind=EntryKind.OUTSIDE_REPAYMENT, date=JAN,
                                                      amount=D(1), actor=bank))
    row = dict(fund=fund, cycle=fund.cycles.get(), date=JAN, kind=EntryKind.OUTSIDE_REPAYMENT, actor=bank)
    with pytest.raises(IntegrityError), transaction.atomic():  # the split must add up
        LedgerEntry.objects.create(**row, amount=D(100), principal=D(60), interest=D(30))
    with pytest.raises(IntegrityError), transaction.atomic():  # both halves or neither
        LedgerEntry.objects.create(**row, amount=D(100), principal=D(100))


@pytest.mark.parametrize(("fund_kind", "entry_kind", "words"), [
    (FundKind.SAVINGS_LOAN, EntryKind.CONTRIBUTION, "“Iuran” tidak bisa dicatat di dana jenis ini (Dana"),
    (FundKind.SAVINGS_LOAN, EntryKind.DRAW, "“Tarikan arisan” tidak bisa dicatat"),
    (FundKind.ARISAN, EntryKind.DEPOSIT, "“Setoran tabungan” tidak bisa dicatat di dana jenis ini (Uang"),
    (FundKind.SOCIAL, EntryKind.WITHDRAWAL, "tidak bisa dicatat di dana jenis ini (Dana sosial)"),
])
def test_a_fund_takes_only_the_entries_of_its_kind(world, fund_kind, entry_kind, words):
    other = ledger.create_fund(group=world.group, kind=fund_kind, name="Dana", opened_on=JAN,
                               opening_balance=D(50000))
    with translation.override("id"), pytest.raises(EntryRejected, match=re.escape(words)) as refused:
        ledger.record_entry(fund=other, entry=withdraw(world.member_person, 1000, kind=entry_kind))
    assert refused.value.index == 0
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("fields", [
    {"kind": EntryKind.DEPOSIT, "amount": D(0)},  # amount must be positive
    {"kind": EntryKind.DEPOSIT, "person": None},  # a member entry names a member
    {"kind": EntryKind.OUTSIDE_GRANT},  # an outside grant names an actor, not a member
    {"kind": EntryKind.LOAN},  # a loan without its terms
    {"kind": EntryKind.DEPOSIT, "term_months": 3},  # loan terms on a deposit
    {"kind": EntryKind.REPAYMENT, "principal": D(1), "interest": D(1)},  # no loan named, 1+1 != 100
    {"kind": EntryKind.PAYOUT},  # a payout gives its reason
    {"kind": EntryKind.FINE, "reason": "death"},
])
def test_the_database_refuses_rows_that_break_a_rule(world, fund, fields):
    row = dict(fund=fund, cycle=fund.cycles.get(), date=JAN, person=world.member_person, amount=D(100))
    row.update(fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(**row)


def test_the_database_checks_a_repayments_split(world, fund):
    lent = LedgerEntry.objects.create(fund=fund, cycle=fund.cycles.get(), date=JAN, kind=EntryKind.LOAN,
                                      person=world.member_person, amount=D(100), rate_percent_per_month=D(1),
                                      method="flat", term_months=1)
    row = dict(fund=fund, cycle=fund.cycles.get(), date=JAN, kind=EntryKind.REPAYMENT, loan=lent,
               person=world.member_person, amount=D(100))
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(**row, principal=D(60), interest=D(30))
    LedgerEntry.objects.create(**row, principal=D(70), interest=D(30))


def test_a_ledger_write_asks_for_recomputation(world, fund, monkeypatch):
    noted = []
    monkeypatch.setattr(changes, "note_change", lambda **kw: noted.append(kw))
    ledger.record_entries(fund=fund, entries=[deposit(world.member_person, 1000)])
    assert {"groups": [world.group.pk], "district_only": True} in noted  # its district's pages alone


def test_ledger_flows_never_enter_the_person_network(world, fund):
    sri, siti = world.member_person, world.member2_person
    f.ExchangeFactory(giver_person=sri, receiver_person=siti, group=world.group, date=JAN)
    ledger.record_entries(fund=fund, entries=[deposit(sri, 50000), loan(siti, 100000)])
    flows = collect.collect(world.group, dt.date(2025, 1, 1), dt.date(2025, 12, 31)).flows
    assert [(flow[1], flow[2]) for flow in flows] == [(f"p:{sri.pk}", f"p:{siti.pk}")]
