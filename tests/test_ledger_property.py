"""Property: no sequence of entries through the ledger's door makes a balance impossible.

Hypothesis sends random sequences of deposits, withdrawals, loans, repayments (split or not),
write-offs, fines, contributions, payouts, draws, outside money and share-outs, back-dated or
not, for random members, outside lenders and amounts, into a fund of a random kind. Whatever is
accepted or refused, afterwards: the fund never held less than nothing at the end of any day,
nor did any member's savings, no share-out paid a member more than their part of the cash, no
outside lender was repaid more than they lent, no loan is repaid or written off beyond what was
lent, every repayment's split adds up, every entry is of a kind its fund keeps, and a refused
entry saved nothing. Each example runs in a rolled-back transaction.
"""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups import ledger_math
from groups.models import EntryKind, FundKind, LedgerEntry
from groups.services import ledger
from groups.services.ledger import EntryRejected, NewEntry

from . import factories as f

START = dt.date(2025, 1, 6)
KINDS = list(EntryKind.values)

step = st.tuples(
    st.sampled_from(KINDS),
    st.integers(min_value=0, max_value=2),  # which member
    st.integers(min_value=1, max_value=300).map(lambda n: D(n * 1000)),
    st.integers(min_value=0, max_value=90),  # days after the start
    st.integers(min_value=0, max_value=5),  # which loan (repayments, write-offs)
    st.booleans(),  # give the split of a repayment
)


def _entry(kind, person, actors, amount, days, loans, which, split):
    date = START + dt.timedelta(days=days)
    extra = {}
    if kind in ledger_math.ACTOR_KINDS:
        person, extra["actor"] = None, actors[which % len(actors)]
    if kind == EntryKind.LOAN:
        method = "declining" if which % 2 else "flat"
        extra.update(rate_percent_per_month=D(2), method=method, term_months=which + 1)
    if kind == EntryKind.PAYOUT:
        extra["reason"] = "illness"
    if kind in ledger_math.LOAN_PART_KINDS:
        if not loans:
            return None
        extra["loan"] = loans[which % len(loans)]
        # mostly after the loan and a part of it, so that many are accepted; still some too much
        person, amount = extra["loan"].person, amount / 4
        date = extra["loan"].date + dt.timedelta(days=days - 5)
        if kind == EntryKind.REPAYMENT and split:
            extra.update(principal=amount, interest=D(0))
    return NewEntry(kind=kind, date=date, amount=amount, person=person, **extra)


def _assert_possible(fund):
    for cycle in fund.cycles.all():
        rows = list(cycle.entries.values_list("date", "kind", "amount", "person_id"))
        assert ledger_math.lowest_balance(cycle.opening_balance, [r[:3] for r in rows]) >= 0
        _assert_savings_possible(cycle, rows)
    for actor in {e.actor_id for e in fund.entries.all() if e.actor_id}:
        owed = fund.entries.filter(actor_id=actor).values_list("date", "kind", "amount")
        assert ledger_math.lowest_running(D(0), owed, ledger_math.OUTSIDE_SIGN) >= 0
    assert set(fund.entries.values_list("kind", flat=True)) <= ledger_math.FUND_ENTRY_KINDS[fund.kind]
    paid = ledger.loan_paid(list(LedgerEntry.objects.loans().values_list("pk", flat=True)))
    for lent in LedgerEntry.objects.loans():
        repaid, _interest, written_off = paid[lent.pk]
        assert ledger_math.loan_outstanding(lent.amount, repaid, written_off) >= 0
    for repayment in LedgerEntry.objects.filter(kind=EntryKind.REPAYMENT):
        assert repayment.principal + repayment.interest == repayment.amount


def _assert_savings_possible(cycle, rows):
    people = {person for *_rest, person in rows if person is not None}
    saved = {}
    for person in people:
        mine = [(date, kind, amount) for date, kind, amount, who in rows if who == person]
        assert ledger_math.lowest_running(D(0), mine, ledger_math.SAVINGS_SIGN) >= 0
        saved[person] = sum(ledger_math.SAVINGS_SIGN.get(kind, 0) * amount for _d, kind, amount in mine)
    before = [(kind, amount) for _d, kind, amount, _p in rows if kind != "share_out"]
    cash = ledger_math.fund_balance(cycle.opening_balance, before)
    ceiling = ledger_math.share_out_ceiling(saved, cash)
    for person in people:
        shared = sum(a for _d, k, a, who in rows if who == person and k == "share_out")
        assert shared <= ceiling[person]


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=5, max_size=30), opening=st.sampled_from([D(0), D(2000000)]),
       fund_kind=st.sampled_from([FundKind.SAVINGS_LOAN] * 2 + [FundKind.SOCIAL, FundKind.ARISAN]))
def test_no_sequence_of_entries_makes_a_balance_impossible(world, steps, opening, fund_kind):
    people = [world.member_person, world.member2_person, f.MembershipFactory(group=world.group).person]
    actors = [f.ActorFactory(area=world.district), f.ActorFactory(area=world.district)]
    with transaction.atomic():
        fund = ledger.create_fund(group=world.group, kind=fund_kind, name="Dana",
                                  opened_on=START, opening_balance=opening)
        loans = []
        for kind, who, amount, days, which, split in steps:
            entry = _entry(kind, people[who], actors, amount, days, loans, which, split)
            if entry is None:
                continue
            before = LedgerEntry.objects.count()
            try:
                row = ledger.record_entry(fund=fund, entry=entry)
            except EntryRejected:
                assert LedgerEntry.objects.count() == before
                continue
            if row.kind == EntryKind.LOAN:
                loans.append(row)
        _assert_possible(fund)
        transaction.set_rollback(True)

