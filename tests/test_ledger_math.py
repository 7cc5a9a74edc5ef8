"""The arithmetic of a group's money, worked by hand (no database)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from groups import ledger_math as m
from groups.models import EntryKind, FundKind
from groups.months import add_months


def test_every_entry_kind_has_a_cash_direction():
    assert set(m.CASH_SIGN) == set(EntryKind.values)
    assert m.ACTOR_KINDS <= set(EntryKind.values) and m.LOAN_PART_KINDS <= set(EntryKind.values)


def test_each_fund_kind_names_the_entries_it_keeps():
    assert set(m.FUND_ENTRY_KINDS) == set(FundKind.values)
    assert set().union(*m.FUND_ENTRY_KINDS.values()) == set(EntryKind.values)
    assert "deposit" not in m.FUND_ENTRY_KINDS["arisan"] and "draw" not in m.FUND_ENTRY_KINDS["savings_loan"]


def test_share_out_ceiling_by_hand():
    # 1.000.000 cash over savings 300.000 / 200.000 / 100.000 / 0: 500.000, 333.333,33 -> 333.334,
    # 166.666,67 -> 166.667, nothing for a member who saved nothing.
    ceiling = m.share_out_ceiling({"a": D(300000), "b": D(200000), "c": D(100000), "d": D(0)}, D(1000000))
    assert ceiling == {"a": D(500000), "b": D(333334), "c": D(166667), "d": D(0)}
    assert m.share_out_ceiling({"a": D(100)}, D(0)) == {"a": D(0)}


def test_inflows_are_written_before_outflows():
    class Row:
        def __init__(self, kind):
            self.kind = kind

    rows = [Row("withdrawal"), Row("deposit"), Row("write_off"), Row("loan"), Row("fine")]
    assert [r.kind for r in m.inflows_first(rows)] == ["deposit", "write_off", "fine", "withdrawal", "loan"]


def test_fund_balance_adds_in_and_takes_out():
    entries = [("deposit", D(50000)), ("deposit", D(30000)), ("loan", D(60000)),
               ("repayment", D(21000)), ("write_off", D(5000)), ("fine", D(2000))]
    # 100.000 + 50.000 + 30.000 - 60.000 + 21.000 + 2.000 (a write-off moves no cash)
    assert m.fund_balance(D(100000), entries) == D(143000)


def test_lowest_balance_is_checked_day_by_day():
    day1, day2 = dt.date(2025, 1, 1), dt.date(2025, 1, 2)
    # paid in and lent out on the same day: fine
    assert m.lowest_balance(D(0), [(day1, "loan", D(100)), (day1, "deposit", D(100))]) == 0
    # lent on day 1 from money that only came on day 2: the fund was below zero that night
    assert m.lowest_balance(D(0), [(day2, "deposit", D(100)), (day1, "loan", D(100))]) == D(-100)


def test_add_months_keeps_to_the_months_last_day():
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 11, 15), 3) == dt.date(2026, 2, 15)


def test_flat_schedule_by_hand():
    # 1.200.000 at 2% a month flat over 3 months, lent on 31 January:
    # principal 400.000 a month, interest 2% of 1.200.000 = 24.000 every month
    schedule = m.loan_schedule(D(1200000), D(2), 3, m.FLAT, dt.date(2025, 1, 31))
    assert [(i.number, i.due, i.principal, i.interest) for i in schedule] == [
        (1, dt.date(2025, 2, 28), D(400000), D(24000)),
        (2, dt.date(2025, 3, 31), D(400000), D(24000)),
        (3, dt.date(2025, 4, 30), D(400000), D(24000)),
    ]
    assert sum(i.total for i in schedule) == D(1272000)


def test_declining_schedule_by_hand():
    # 1.000.000 at 3% a month declining over 3 months, lent on 10 March:
    # principal 333.333, 333.333 and the remainder 333.334;
    # interest 3% of 1.000.000 = 30.000, of 666.667 = 20.000,01 -> 20.000, of 333.334 = 10.000,02 -> 10.000
    schedule = m.loan_schedule(D(1000000), D(3), 3, m.DECLINING, dt.date(2025, 3, 10))
    assert [(i.due, i.principal, i.interest) for i in schedule] == [
        (dt.date(2025, 4, 10), D(333333), D(30000)),
        (dt.date(2025, 5, 10), D(333333), D(20000)),
        (dt.date(2025, 6, 10), D(333334), D(10000)),
    ]


def test_schedule_refuses_what_is_not_a_loan():
    with pytest.raises(ValueError):
        m.loan_schedule(D(100), D(1), 0, m.FLAT, dt.date(2025, 1, 1))
    with pytest.raises(ValueError):
        m.loan_schedule(D(100), D(1), 2, "compound", dt.date(2025, 1, 1))


def test_position_of_a_late_flat_loan():
    schedule = m.loan_schedule(D(1200000), D(2), 3, m.FLAT, dt.date(2025, 1, 31))
    # the first instalment paid (400.000 + 24.000), nothing since; on 5 May the second
    # (due 31 March) is 35 days late and the third (due 30 April) is overdue too
    position = m.loan_position(schedule, D(400000), D(24000), dt.date(2025, 5, 5))
    assert position.due == position.overdue == D(848000)
    assert position.days_late == 35
    assert position.next_unpaid.instalment.number == 2
    # on 31 March itself the second is due, not yet overdue
    on_the_day = m.loan_position(schedule, D(400000), D(24000), dt.date(2025, 3, 31))
    assert (on_the_day.due, on_the_day.overdue, on_the_day.days_late) == (D(424000), 0, 0)


def test_a_part_payment_leaves_the_rest_of_the_instalment():
    schedule = m.loan_schedule(D(300000), D(0), 3, m.FLAT, dt.date(2025, 1, 1))
    unpaid = m.unpaid_instalments(schedule, D(150000), D(0))
    assert [(u.instalment.number, u.principal) for u in unpaid] == [(2, D(50000)), (3, D(100000))]


def test_repayment_split_pays_interest_owed_first():
    schedule = m.loan_schedule(D(1200000), D(2), 3, m.FLAT, dt.date(2025, 1, 31))
    # on 1 April two instalments are due: 48.000 interest owed, the rest is principal
    assert m.split_repayment(D(500000), schedule, D(0), D(0), dt.date(2025, 4, 1)) == (D(452000), D(48000))
    # early: the next instalment's interest only
    assert m.split_repayment(D(100000), schedule, D(0), D(0), dt.date(2025, 2, 1)) == (D(76000), D(24000))
    assert m.split_repayment(D(10000), schedule, D(0), D(0), dt.date(2025, 2, 1)) == (D(0), D(10000))


def test_share_out_by_hand():
    # 1.000.000 shared over savings of 300.000, 200.000 and 100.000:
    # exactly 500.000, 333.333,33 and 166.666,67; the one rupiah left by rounding down goes to
    # the largest remainder (Cici's ,67)
    shares = m.share_out({"ani": D(300000), "budi": D(200000), "cici": D(100000)}, D(1000000))
    assert shares == {"ani": D(500000), "budi": D(333333), "cici": D(166667)}
    assert m.share_out({"ani": D(0)}, D(500)) == {"ani": D(0)}


def test_outstanding():
    assert m.loan_outstanding(D(1000), D(300), D(200)) == D(500)
