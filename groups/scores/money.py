"""The group's own money: SAVIX-style figures of its funds (pure Python, no database).

The Django glue (collect.py) turns a group's funds, ledger entries, memberships and ledger
meetings into a :class:`MoneyData` (plain ids, dates and Decimal amounts) and calls
:func:`group_money`. Ledger entries are member-to-fund (or actor-to-fund) flows: they never
become ties between people, and nothing here touches the person network.

Definitions (the product's where it gives one; SAVIX MIS, the Savings Group Information
Exchange's published metric definitions, where it is silent; the methodology page repeats
them with their caveats). "The cycle" of a fund is its cycle running at the window's end
(``FundData.cycle_start``; none: everything the fund ever recorded); "the fund" is the
group's savings-and-loan funds unless said otherwise.

* ``savings`` (members' savings): deposits - withdrawals in the cycle, less what a share-out
  paid back (never below 0). ``savings_per_member`` = savings / members at the window's end
  (SAVIX: value of savings / current members).
* A loan's principal outstanding = principal lent - principal repaid - written off (never
  below 0), all up to the window's end, whatever the cycle (a loan outlives no share-out, but
  nothing is lost if it does). ``loans_outstanding`` = its sum over the fund's loans;
  ``borrowing_share`` = members at the window's end with principal outstanding / members
  (SAVIX: % of members with loans outstanding).
* Schedule and what is unpaid: groups/ledger_math.py (the one place: equal monthly principal
  over ``term_months``, the first due one month after the loan; payments settle the oldest
  instalments first). A loan is at risk when an instalment is unpaid more than 30 days after
  its due date (:func:`at_risk`); ``par30`` = outstanding principal of the loans at risk / all
  outstanding principal, at the window's end (SAVIX's portfolio at risk, with the usual
  microfinance 30 days).
* ``return_on_savings`` (annualised) = the cycle's net income (interest received + fines -
  principal written off - interest paid to outside lenders) / savings x 365 / days of the
  cycle so far (SAVIX: annualised return on savings, there net profit over weeks x 52).
* ``fund_utilisation`` = loans outstanding / the fund (its cash + loans outstanding); SAVIX's
  loan fund utilisation rate. Cash = the cycle's opening balance + money in - money out.
* ``social_payouts`` = the money the social funds paid out in the window (its base: how many
  payouts).
* ``ledger_attendance`` = attendance at the meetings where the ledger was kept in the window,
  by analysis.participation (the one attendance rule; SAVIX: attendance rate).
* ``drop_out`` = members at the window's start who are no longer members at its end / members
  at its start (SAVIX counts from the cycle's start; we count over the window).
* ``own_capital_share`` = own / (own + outside loans outstanding + outside grants received in
  the cycle), own = members' savings plus retained interest and fines, less interest paid to
  outside lenders (the cycle's opening balance counts as retained: it is what members left in
  the fund), outside loans and grants to any of the group's funds. An outside loan is owed
  until its principal is repaid: a repayment's interest lowers own capital, not the debt (a
  repayment recorded without its split counts as all principal).

Every value is None when undefined (no fund of its kind, a zero denominator); amounts are in
the fund's currency (IDR). Bases (how many records a value rests on) are returned beside the
values for evidence.py. Sums are exact (Decimal); the figures come out as floats, unrounded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from groups import ledger_math

from .analysis import ActivityRecord, Spell, participation

SAVINGS_LOAN, SOCIAL, ARISAN = "savings_loan", "social", "arisan"
#: Days after its due date an unpaid instalment puts its loan at risk.
RISK_DAYS = 30
ZERO = Decimal(0)


@dataclass(frozen=True)
class FundData:
    id: str  # like "f:3"
    kind: str  # SAVINGS_LOAN, SOCIAL or ARISAN
    opening: Decimal = ZERO  # the cycle's opening balance
    cycle_start: dt.date | None = None  # the cycle running at the window's end


@dataclass(frozen=True)
class Entry:
    """One ledger entry (as groups.models.LedgerEntry keeps it). ``amount``: a loan's
    principal; a repayment's total, split into ``principal`` and ``interest``. A loan carries
    its terms (rate per month, flat or declining, term)."""

    fund: str
    day: dt.date
    kind: str  # deposit, withdrawal, loan, repayment, write_off, contribution, payout, ...
    amount: Decimal
    member: str = ""  # person id like "p:12"; "" for an outside loan or grant
    loan: str = ""  # a loan's own id on the loan; the loan it belongs to on repayments
    principal: Decimal | None = None
    interest: Decimal | None = None
    rate: Decimal = ZERO  # percent per month
    method: str = ledger_math.FLAT
    term_months: int | None = None


@dataclass(frozen=True)
class MoneyData:
    """One group's money up to the window's end."""

    start: dt.date  # the window
    as_of: dt.date
    funds: tuple[FundData, ...] = ()
    entries: tuple[Entry, ...] = ()  # every entry of the funds up to as_of, any cycle
    spells: tuple[Spell, ...] = ()  # memberships open in the window
    meetings: tuple[ActivityRecord, ...] = ()  # the window's meetings where the ledger was kept


@dataclass(frozen=True)
class Loan:
    """A loan with what was paid on it up to the window's end."""

    lent: Entry
    repaid: Decimal = ZERO  # principal
    interest_paid: Decimal = ZERO
    written_off: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return max(
            ZERO, ledger_math.loan_outstanding(Decimal(self.lent.amount), self.repaid, self.written_off)
        )


@dataclass(frozen=True)
class GroupMoney:
    savings: float | None = None
    savings_per_member: float | None = None
    loans_outstanding: float | None = None
    borrowing_share: float | None = None
    par30: float | None = None
    return_on_savings: float | None = None
    fund_utilisation: float | None = None
    social_payouts: float | None = None
    ledger_attendance: float | None = None
    drop_out: float | None = None
    own_capital_share: float | None = None
    bases: dict[str, int] = field(default_factory=dict)


#: The figures stored with each group's scores (GroupScore fields of the same names).
FIELDS: tuple[str, ...] = tuple(f for f in GroupMoney.__dataclass_fields__ if f not in ("savings", "bases"))


def at_risk(loan: Loan, as_of: dt.date) -> bool:
    """Whether an instalment of `loan` is unpaid more than RISK_DAYS days after its due date on
    `as_of` (ledger_math decides what is unpaid; a settled loan is never at risk)."""
    if not loan.outstanding:
        return False
    lent = loan.lent
    schedule = ledger_math.loan_schedule(
        Decimal(lent.amount), Decimal(lent.rate), lent.term_months or 1, lent.method, lent.day
    )
    position = ledger_math.loan_position(schedule, loan.repaid + loan.written_off, loan.interest_paid, as_of)
    return position.days_late > RISK_DAYS


def loans(entries: Iterable[Entry]) -> dict[str, Loan]:
    """Loan id -> the loan with its principal repaid, interest paid and principal written off."""
    lent: dict[str, Entry] = {}
    paid: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    for e in entries:
        if e.kind == "loan":
            lent[e.loan] = e
        elif e.kind == "repayment":
            interest = Decimal(e.interest or 0)
            principal = Decimal(e.amount) - interest if e.principal is None else Decimal(e.principal)
            paid[e.loan][0] += principal
            paid[e.loan][1] += interest
        elif e.kind == "write_off":
            paid[e.loan][2] += Decimal(e.amount)
    return {key: Loan(e, *paid[key]) for key, e in lent.items()}


def _share(part: Decimal, whole: Decimal) -> float | None:
    return float(part / whole) if whole > 0 else None


def _in_cycle(entry: Entry, funds: dict[str, FundData]) -> bool:
    start = funds[entry.fund].cycle_start
    return start is None or entry.day >= start


def _sum(entries: Iterable[Entry], *kinds: str) -> Decimal:
    return sum((Decimal(e.amount) for e in entries if e.kind in kinds), ZERO)


def _members_on(spells: Iterable[Spell], day: dt.date) -> frozenset[str]:
    return frozenset(s.person for s in spells if s.covers(day))


def _cycle_days(funds: Iterable[FundData], cycle: list[Entry], as_of: dt.date) -> int:
    starts = [f.cycle_start for f in funds if f.cycle_start] or [e.day for e in cycle]
    return (as_of - min(starts)).days + 1 if starts else 0


def _capital(data: MoneyData, saving: dict[str, FundData], out: dict) -> Decimal:
    """Members' own capital in the savings-and-loan funds (fills savings and the return)."""
    cycle = [e for e in data.entries if e.fund in saving and _in_cycle(e, saving)]
    saved = _sum(cycle, "deposit") - _sum(cycle, "withdrawal")
    shared = _sum(cycle, "share_out")
    interest = sum((Decimal(e.interest or 0) for e in cycle if e.kind == "repayment"), ZERO)
    paid_out = sum((Decimal(e.interest or 0) for e in cycle if e.kind == "outside_repayment"), ZERO)
    income = interest + _sum(cycle, "fine") - _sum(cycle, "write_off") - paid_out
    savings = max(ZERO, saved - shared)
    out["savings"] = float(savings)
    days = _cycle_days(saving.values(), cycle, data.as_of)
    ratio = _share(income, savings)
    if days > 0 and ratio is not None:
        out["return_on_savings"] = ratio * 365 / days
    out["bases"]["return_on_savings"] = days // 30  # whole months (of 30 days) of the cycle
    opening = sum((Decimal(f.opening) for f in saving.values()), ZERO)
    return max(ZERO, opening + saved + income - shared)


def _cash(data: MoneyData, funds: dict[str, FundData]) -> Decimal:
    """The cash of `funds` at the window's end: each cycle's opening balance plus its entries."""
    cycle = [(e.kind, Decimal(e.amount)) for e in data.entries if e.fund in funds and _in_cycle(e, funds)]
    return ledger_math.fund_balance(sum((Decimal(f.opening) for f in funds.values()), ZERO), cycle)


def _lending(data: MoneyData, saving: dict[str, FundData], members: frozenset[str], out: dict) -> None:
    book = loans(e for e in data.entries if e.fund in saving)
    open_loans = [loan for loan in book.values() if loan.outstanding]
    outstanding = sum((loan.outstanding for loan in open_loans), ZERO)
    risky = sum((loan.outstanding for loan in open_loans if at_risk(loan, data.as_of)), ZERO)
    borrowers = {loan.lent.member for loan in open_loans} & members
    out["loans_outstanding"] = float(outstanding)
    out["borrowing_share"] = len(borrowers) / len(members) if members else None
    out["par30"] = _share(risky, outstanding)
    fund = _cash(data, saving) + outstanding
    out["fund_utilisation"] = _share(outstanding, fund)
    # the amount a share of the fund is of, shown beside it (evidence.AMOUNT_BASES)
    out["bases"].update(borrowing_share=len(members), par30=len(open_loans), fund_utilisation_of=int(fund))


def _outside(data: MoneyData, funds: dict[str, FundData]) -> Decimal:
    """Outside loans outstanding (any time: lent - the principal repaid; a repayment given
    without its split is all principal) + outside grants received in the cycle."""
    mine = [e for e in data.entries if e.fund in funds]
    repaid = sum(
        (
            Decimal(e.amount if e.principal is None else e.principal)
            for e in mine
            if e.kind == "outside_repayment"
        ),
        ZERO,
    )
    grants = _sum((e for e in mine if _in_cycle(e, funds)), "outside_grant")
    return max(ZERO, _sum(mine, "outside_loan") - repaid) + grants


#: The figures of a savings-and-loan fund.
SAVINGS_FIGURES = (
    "savings_per_member",
    "borrowing_share",
    "par30",
    "return_on_savings",
    "fund_utilisation",
    "own_capital_share",
)


def group_money(data: MoneyData) -> GroupMoney:
    """The group's money figures (module docstring); all None for a group without a fund."""
    funds = {f.id: f for f in data.funds}
    if not funds:
        return GroupMoney()
    saving = {k: f for k, f in funds.items() if f.kind == SAVINGS_LOAN}
    members = _members_on(data.spells, data.as_of)
    at_start = _members_on(data.spells, data.start)
    out: dict = {"bases": {"savings_per_member": len(members), "drop_out": len(at_start)}}
    if saving:
        own = _capital(data, saving, out)
        out["savings_per_member"] = out["savings"] / len(members) if members else None
        _lending(data, saving, members, out)
        in_cycle = sum(1 for e in data.entries if e.fund in saving and _in_cycle(e, saving))
        out["bases"].update(fund_utilisation=in_cycle, own_capital_share=in_cycle)
        capital = own + _outside(data, funds)
        out["own_capital_share"] = _share(own, capital)
        out["bases"]["own_capital_share_of"] = int(capital)
    else:  # no savings fund (an arisan, a social fund): nothing to rest on, shown as "–"
        out["bases"].update(dict.fromkeys(SAVINGS_FIGURES, 0))
    if any(f.kind == SOCIAL for f in funds.values()):
        payouts = [
            e
            for e in data.entries
            if e.kind == "payout" and funds[e.fund].kind == SOCIAL and data.start <= e.day <= data.as_of
        ]
        out["social_payouts"] = float(_sum(payouts, "payout"))
        out["bases"]["social_payouts"] = len(payouts)
    everyone = frozenset(s.person for s in data.spells)
    attendance, counted, _unrecorded = participation(data.meetings, everyone, data.spells)
    out["ledger_attendance"] = attendance
    out["bases"]["ledger_attendance"] = counted
    out["drop_out"] = len(at_start - members) / len(at_start) if at_start else None
    return GroupMoney(**out)
