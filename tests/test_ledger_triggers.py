"""The database keeps the ledger's two balance rules itself (groups/ledger_triggers.py): a write
that bypasses the service (a raw create, bulk_create or update) cannot overdraw a cycle's cash
or over-repay a loan. Run on SQLite and, with DATABASE_URL, on PostgreSQL."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, connection, transaction

from groups import ledger_triggers
from groups.models import EntryKind, FundKind, LedgerEntry
from groups.services import ledger

JAN = dt.date(2025, 1, 6)


@pytest.fixture
def fund(world):
    return ledger.create_fund(group=world.group, kind=FundKind.SAVINGS_LOAN, name="Simpan pinjam",
                              opened_on=JAN, opening_balance=D(100000))


def row(fund, person, kind, amount, date=JAN, **extra):
    if kind == EntryKind.LOAN:
        extra.update(rate_percent_per_month=D(2), method="flat", term_months=3)
    return LedgerEntry(fund=fund, cycle=fund.cycles.get(), date=date, kind=kind, person=person,
                       amount=D(amount), **extra)


def refused(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_the_triggers_exist_in_the_test_database(db):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {name for (name,) in cursor.fetchall()}
    assert {name for name, *_rest in ledger_triggers.TRIGGERS} <= names


def test_a_raw_write_cannot_overdraw_the_fund(world, fund):
    sri = world.member_person
    # 100.000 held: a payout of 100.001 written straight to the table is refused
    refused(lambda: row(fund, sri, EntryKind.WITHDRAWAL, 100001).save())
    refused(lambda: LedgerEntry.objects.bulk_create([row(fund, sri, EntryKind.LOAN, 100001)]))
    # money that only comes in a week later cannot pay for today's loan
    later = JAN + dt.timedelta(days=7)
    row(fund, sri, EntryKind.DEPOSIT, 50000, later).save()
    refused(lambda: row(fund, sri, EntryKind.LOAN, 150000).save())
    # on the day it comes it pays for the loan: 100.000 + 50.000 - 150.000 = 0
    LedgerEntry.objects.bulk_create([row(fund, sri, EntryKind.LOAN, 150000, later)])
    assert ledger.fund_balance(fund) == 0
    # nor can a change to a row already written take the cash below zero
    refused(lambda: LedgerEntry.objects.filter(kind=EntryKind.DEPOSIT).update(amount=D(49999)))
    assert LedgerEntry.objects.count() == 2


def test_a_raw_write_cannot_over_repay_a_loan(world, fund):
    sri = world.member_person
    lent = row(fund, sri, EntryKind.LOAN, 90000)
    lent.save()
    later = JAN + dt.timedelta(days=40)

    def repay(principal, interest=0):
        return row(fund, sri, EntryKind.REPAYMENT, principal + interest, later, loan=lent,
                   principal=D(principal), interest=D(interest))

    repay(60000, 1800).save()
    # 60.000 repaid: 30.000 is left; a write-off of 30.001 or a repayment of 30.001 principal is refused
    refused(lambda: row(fund, sri, EntryKind.WRITE_OFF, 30001, later, loan=lent).save())
    refused(lambda: LedgerEntry.objects.bulk_create([repay(20000), repay(10001)]))
    # interest beyond the principal is not over-repaying
    repay(30000, 5000).save()
    refused(lambda: LedgerEntry.objects.filter(kind=EntryKind.REPAYMENT, interest=D(5000)).update(
        principal=D(30001), interest=D(4999)))
    repaid, _interest, written_off = ledger.loan_paid([lent.pk])[lent.pk]
    assert (repaid, written_off) == (D(90000), D(0))


def test_the_service_writes_a_days_money_in_before_its_money_out(world):
    # Nothing held; on one day Siti saves 50.000 and Sri borrows it. The batch lists the loan
    # first: the service still writes the deposit first, so the database's check passes.
    sri, siti = world.member_person, world.member2_person
    fund = ledger.create_fund(group=world.group, kind=FundKind.SAVINGS_LOAN, name="Dana", opened_on=JAN)
    created = ledger.record_entries(fund=fund, entries=[
        ledger.NewEntry(kind=EntryKind.LOAN, date=JAN, amount=D(50000), person=sri,
                        rate_percent_per_month=D(2), method="flat", term_months=2),
        ledger.NewEntry(kind=EntryKind.DEPOSIT, date=JAN, amount=D(50000), person=siti),
    ])
    assert [entry.kind for entry in created] == [EntryKind.LOAN, EntryKind.DEPOSIT]  # the batch's order
    assert ledger.fund_balance(fund) == 0
