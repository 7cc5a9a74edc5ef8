"""The demo's money: a year of the arisan pot and the savings group, keeping every ledger rule."""

import datetime as dt
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command

from groups import ledger_math
from groups.models import EntryKind, Fund, LedgerEntry, Person
from groups.services import ledger, ledger_reads

TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def demo_db(db):
    call_command("seed_demo", today=TODAY.isoformat(), stdout=StringIO())


@pytest.mark.slow
def test_the_demo_ledger_keeps_the_rules_and_tells_its_story(demo_db):
    for fund in Fund.objects.all():
        for cycle in fund.cycles.all():
            rows = cycle.entries.values_list("date", "kind", "amount")
            assert ledger_math.lowest_balance(cycle.opening_balance, rows) >= 0, fund
    loans = list(LedgerEntry.objects.loans())
    paid = ledger.loan_paid([loan.pk for loan in loans])
    assert all(paid[loan.pk][0] <= loan.amount for loan in loans)
    # exactly one loan is in arrears by more than 30 days
    savings = Fund.objects.get(ref="F-SIMPAN-PINJAM")
    late = [pos for _loan, _left, pos in ledger_reads.open_loans(savings, TODAY) if pos.days_late > 30]
    assert len(late) == 1
    # the arisan: twelve rounds, one pot per meeting, Bu Siti drew the third, Bu Sri draws later
    arisan = Fund.objects.get(ref="F-ARISAN-RT03")
    turns, rounds = ledger_reads.arisan_rotation(arisan.cycles.get(), shows=lambda p: True, name=str)
    members = len(turns)
    assert len(rounds) == 12
    assert rounds[0].pot == D(50000) * members
    assert [r for r in rounds if r.covered] and [r for r in rounds if r.missed]
    siti, sri = Person.objects.get(full_name="Siti Maryati"), Person.objects.get(full_name="Sri Handayani")
    draws = arisan.entries.filter(kind=EntryKind.DRAW).order_by("date")
    assert draws[2].person == siti
    assert not arisan.entries.filter(kind=EntryKind.DRAW, person=sri).exists()
    mine = ledger_reads.member_money(sri, TODAY, name=str)
    assert [m.turn.position for m in mine if m.turn] == [15]  # after the twelve who drew and two more
