"""The arithmetic of a group's own money: pure functions, no Django, plain values in and out.

A fund holds cash. Each ledger entry kind moves cash into the fund, out of it, or none
(a write-off only lowers what a member owes). The kind codes here are the ones
groups.models.EntryKind stores; tests check the two lists agree.

Loans (the definitions the methodology page gives):
- schedule: equal monthly principal over term_months, the first due one month after the loan;
  amounts are whole currency units (rupiah), the last instalment takes the rounding remainder;
- interest per month: flat = rate x the original principal; declining = rate x the principal
  still outstanding on the schedule before that instalment;
- outstanding = principal lent - principal repaid - written off;
- payments are applied to instalments oldest first, principal and interest separately: an
  instalment is unpaid while the principal (or interest) paid so far does not cover it and every
  instalment before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

from groups.months import add_months

ZERO = Decimal(0)
UNIT = Decimal(1)

#: How each entry kind moves the fund's cash: +1 into the fund, -1 out of it, 0 no cash.
CASH_SIGN = {
    "deposit": 1,
    "withdrawal": -1,
    "loan": -1,
    "repayment": 1,
    "write_off": 0,
    "contribution": 1,
    "payout": -1,
    "fine": 1,
    "draw": -1,
    "outside_loan": 1,
    "outside_grant": 1,
    "outside_repayment": -1,
    "share_out": -1,
}
#: Entry kinds whose other end is an external actor; every other kind's is a member.
ACTOR_KINDS = frozenset({"outside_loan", "outside_grant", "outside_repayment"})
#: Entry kinds that belong to a member loan (and name it).
LOAN_PART_KINDS = frozenset({"repayment", "write_off"})
#: Entry kinds that move a member's savings in a savings-and-loan fund (+1 saved, -1 taken out).
SAVINGS_SIGN = {"deposit": 1, "withdrawal": -1}
#: Entry kinds that move what a fund owes an outside lender (+1 borrowed, -1 repaid).
OUTSIDE_SIGN = {"outside_loan": 1, "outside_repayment": -1}
#: The entry kinds each kind of fund keeps (groups.models.FundKind codes): a savings deposit
#: never goes into an arisan pot, an arisan draw never comes out of a savings fund.
FUND_ENTRY_KINDS = {
    "savings_loan": frozenset({
        "deposit", "withdrawal", "loan", "repayment", "write_off", "fine", "outside_loan",
        "outside_grant", "outside_repayment", "share_out",
    }),
    "social": frozenset({"contribution", "payout", "fine", "outside_grant"}),
    "arisan": frozenset({"contribution", "draw", "fine"}),
}
FLAT = "flat"
DECLINING = "declining"


def signed(kind: str, amount: Decimal) -> Decimal:
    """What one entry does to the fund's cash."""
    return CASH_SIGN[kind] * amount


def fund_balance(opening: Decimal, entries: Iterable[tuple[str, Decimal]]) -> Decimal:
    """Cash held: the opening balance plus every entry's signed amount ((kind, amount) pairs)."""
    return opening + sum((signed(kind, amount) for kind, amount in entries), ZERO)


def lowest_balance(opening: Decimal, entries: Iterable[tuple[dt.date, str, Decimal]]) -> Decimal:
    """The lowest cash the fund held at the end of any day, entries being (date, kind, amount)
    in any order: money paid out on a day may come from money paid in that same day, never
    from money that only arrives later."""
    return lowest_running(opening, entries, CASH_SIGN)


def lowest_running(
    opening: Decimal, entries: Iterable[tuple[dt.date, str, Decimal]], signs: dict[str, int]
) -> Decimal:
    """The lowest end-of-day value of opening + the signed amounts (kinds not in `signs` count
    0): a fund's cash (CASH_SIGN), a member's savings (SAVINGS_SIGN), what a fund owes one
    outside lender (OUTSIDE_SIGN, with the principal of each repayment)."""
    by_day: dict[dt.date, Decimal] = {}
    for date, kind, amount in entries:
        by_day[date] = by_day.get(date, ZERO) + signs.get(kind, 0) * amount
    balance = lowest = opening
    for date in sorted(by_day):
        balance += by_day[date]
        lowest = min(lowest, balance)
    return lowest


def share_out_ceiling(savings: dict, cash: Decimal) -> dict:
    """The most each member may be paid at a share-out: their part of the cash in proportion
    to their savings (as share_out), rounded up to the whole unit; nothing without savings."""
    total = sum((amount for amount in savings.values() if amount > 0), ZERO)
    if total <= 0 or cash <= 0:
        return {key: ZERO for key in savings}
    return {
        key: (cash * amount / total).quantize(UNIT, rounding=ROUND_CEILING) if amount > 0 else ZERO
        for key, amount in savings.items()
    }


@dataclass(frozen=True)
class Instalment:
    number: int  # 1 .. term_months
    due: dt.date
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def _whole(value: Decimal) -> Decimal:
    return value.quantize(UNIT, rounding=ROUND_HALF_UP)


def loan_schedule(
    principal: Decimal, rate_percent_per_month: Decimal, term_months: int, method: str,
    lent_on: dt.date,
) -> list[Instalment]:
    """The instalments of a loan (see the module docstring for the definitions)."""
    if term_months < 1:
        raise ValueError("a loan runs at least one month")
    if method not in (FLAT, DECLINING):
        raise ValueError(f"unknown interest method {method!r}")
    rate = Decimal(rate_percent_per_month) / 100
    part = (principal / term_months).quantize(UNIT, rounding=ROUND_DOWN)
    schedule, left = [], principal
    for number in range(1, term_months + 1):
        base = principal if method == FLAT else left
        this = part if number < term_months else left
        schedule.append(Instalment(number, add_months(lent_on, number), this, _whole(base * rate)))
        left -= this
    return schedule


def loan_outstanding(principal: Decimal, repaid_principal: Decimal, written_off: Decimal) -> Decimal:
    """Principal lent - principal repaid - written off."""
    return principal - repaid_principal - written_off


@dataclass(frozen=True)
class Unpaid:
    """What is left of one instalment after the payments so far."""

    instalment: Instalment
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def unpaid_instalments(
    schedule: list[Instalment], principal_paid: Decimal, interest_paid: Decimal
) -> list[Unpaid]:
    """The instalments not yet fully paid, oldest first. `principal_paid` counts repaid and
    written-off principal alike; a written-off loan owes no more interest either, so callers
    pass the whole schedule's interest as paid once the principal is settled."""
    unpaid = []
    for inst in schedule:
        p_covered = min(inst.principal, max(principal_paid, ZERO))
        i_covered = min(inst.interest, max(interest_paid, ZERO))
        principal_paid -= inst.principal
        interest_paid -= inst.interest
        if p_covered < inst.principal or i_covered < inst.interest:
            unpaid.append(Unpaid(inst, inst.principal - p_covered, inst.interest - i_covered))
    return unpaid


@dataclass(frozen=True)
class LoanPosition:
    """A loan as of a date: what is due by then (unpaid instalments due on or before it),
    what is overdue (due before it), the next instalment still to pay and how late the oldest
    unpaid one is (0 when none is past due)."""

    due: Decimal
    overdue: Decimal
    next_unpaid: Unpaid | None
    days_late: int


def loan_position(
    schedule: list[Instalment], principal_paid: Decimal, interest_paid: Decimal, as_of: dt.date
) -> LoanPosition:
    unpaid = unpaid_instalments(schedule, principal_paid, interest_paid)
    due = sum((u.total for u in unpaid if u.instalment.due <= as_of), ZERO)
    overdue = sum((u.total for u in unpaid if u.instalment.due < as_of), ZERO)
    late = [u for u in unpaid if u.instalment.due < as_of]
    days_late = (as_of - late[0].instalment.due).days if late else 0
    return LoanPosition(due, overdue, unpaid[0] if unpaid else None, days_late)


def split_repayment(
    amount: Decimal, schedule: list[Instalment], principal_paid: Decimal, interest_paid: Decimal,
    paid_on: dt.date,
) -> tuple[Decimal, Decimal]:
    """(principal, interest) of a repayment when the treasurer gives no split: first the
    interest of the unpaid instalments due by `paid_on` (at least the next one's), then
    principal (the usual savings-group rule)."""
    unpaid = unpaid_instalments(schedule, principal_paid, interest_paid)
    owed = [u for u in unpaid if u.instalment.due <= paid_on] or unpaid[:1]
    interest = min(amount, sum((u.interest for u in owed), ZERO))
    return amount - interest, interest


def share_out(savings: dict, cash: Decimal) -> dict:
    """The cycle-end share-out: the cash is shared in proportion to each member's savings,
    in whole units; the units left by rounding go to the largest remainders (ties: the order
    given). Members with no savings get nothing."""
    total = sum(savings.values(), ZERO)
    if total <= 0:
        return {key: ZERO for key in savings}
    exact = {key: cash * amount / total for key, amount in savings.items()}
    shares = {key: value.quantize(UNIT, rounding=ROUND_DOWN) for key, value in exact.items()}
    left = int(cash.quantize(UNIT, rounding=ROUND_DOWN) - sum(shares.values(), ZERO))
    by_remainder = sorted(exact, key=lambda key: exact[key] - shares[key], reverse=True)
    for key in by_remainder[:left]:
        shares[key] += UNIT
    return shares


def inflows_first(rows: list) -> list:
    """The rows (anything with a `kind`) with money coming in before money going out, each in
    the order given: written in this order, a check made row by row (the database's) never
    sees a day's payout before the same batch's deposit it is paid from."""
    return sorted(rows, key=lambda row: CASH_SIGN.get(row.kind, 0) < 0)
