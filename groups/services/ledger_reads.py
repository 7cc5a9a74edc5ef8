"""What the fund pages, the meeting ledger and a member's summary read about a group's money.

Fetched in a few queries per page whatever the number of entries (grouped sums, then the
arithmetic of groups/ledger_math.py in Python). Nothing here decides who sees what: the views
pass `shows(person)` (access.Scope.shows_money_of) and `name(person)` (Scope.label_of), and
a member's balance is built only when `shows` allows it.

Definitions (the methodology page repeats them):
- a member's savings in a fund: deposits - withdrawals in the fund's current cycle (a share-out
  closes a cycle and a new one starts from nothing);
- contributions: the member's contributions in the current cycle (social fund, arisan);
- a loan's position: groups/services/ledger.loan_position (what is overdue, next instalment,
  days late), and its schedule with what is left of each instalment (schedule_rows);
- an arisan round ends with a draw; its pot is the contributions since the draw before;
  a member of the order who paid nothing in a round, and for whom nobody paid, missed it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from groups import ledger_math
from groups.models import Cycle, EntryKind, Fund, FundKind, Group, LedgerEntry, Person

from . import ledger

ZERO = Decimal(0)
RECENT_ENTRIES = 50


@dataclass(frozen=True)
class ScheduleRow:
    """One instalment of a loan's schedule with what is left of it on the page's day."""

    instalment: ledger_math.Instalment
    left: Decimal  # unpaid principal + interest of this instalment
    status: str  # "paid", "late" (due before the day), "due" (due on it), "coming"


@dataclass(frozen=True)
class LoanLine:
    loan: LedgerEntry
    outstanding: Decimal
    position: ledger_math.LoanPosition
    who: str  # the borrower's label, "" when not shown
    schedule: tuple[ScheduleRow, ...] = ()

    @property
    def behind(self) -> int:
        """Instalments past their due date and not fully paid."""
        return sum(1 for row in self.schedule if row.status == "late")

    @property
    def next_due(self) -> dt.date | None:
        unpaid = self.position.next_unpaid
        return unpaid.instalment.due if unpaid else None

    @property
    def next_amount(self) -> Decimal:
        unpaid = self.position.next_unpaid
        return unpaid.total if unpaid else ZERO


def schedule_rows(loan: LedgerEntry, paid: tuple, as_of: dt.date) -> tuple[ScheduleRow, ...]:
    """The loan's schedule (ledger.schedule_of) with each instalment's unpaid part; `paid` as
    ledger.loan_paid gives it (payments go to the oldest instalments first)."""
    repaid, interest, written_off = paid
    schedule = ledger.schedule_of(loan)
    unpaid = {u.instalment.number: u.total for u in ledger_math.unpaid_instalments(
        schedule, repaid + written_off, interest)}
    rows = []
    for inst in schedule:
        left = unpaid.get(inst.number, ZERO)
        if not left:
            status = "paid"
        else:
            status = "late" if inst.due < as_of else "due" if inst.due == as_of else "coming"
        rows.append(ScheduleRow(inst, left, status))
    return tuple(rows)


def loan_lines(fund: Fund, as_of: dt.date, *, who: Callable[[Person], str], people=None) -> list[LoanLine]:
    """The fund's open loans (of `people` when given) with their schedules; `who` labels the
    borrower."""
    found = open_loans(fund, as_of, people)
    paid = ledger.loan_paid([loan.pk for loan, _left, _position in found])
    return [
        LoanLine(loan, left, position, who(loan.person), schedule_rows(loan, paid[loan.pk], as_of))
        for loan, left, position in found
    ]


def current_cycle(fund: Fund, as_of: dt.date) -> Cycle | None:
    return ledger.cycle_on(fund, as_of) or fund.cycles.order_by("start").first()


def open_loans(
    fund: Fund, as_of: dt.date, people=None
) -> list[tuple[LedgerEntry, Decimal, ledger_math.LoanPosition]]:
    """The fund's loans still owed on `as_of` (of `people` when given), oldest first."""
    loans = fund.entries.loans().filter(date__lte=as_of).select_related("person")
    if people is not None:
        loans = loans.filter(person__in=people)
    loans = list(loans.order_by("date", "pk"))
    paid = ledger.loan_paid([loan.pk for loan in loans])
    found = []
    for loan in loans:
        repaid, _interest, written_off = paid[loan.pk]
        left = ledger_math.loan_outstanding(loan.amount, repaid, written_off)
        if left > 0:
            found.append((loan, left, ledger.loan_position(loan, as_of, paid[loan.pk])))
    return found


def _sums_by_person(cycle: Cycle | None, kinds) -> dict[int, Decimal]:
    if cycle is None:
        return {}
    rows = cycle.entries.filter(kind__in=kinds).values("person_id", "kind").annotate(total=Sum("amount"))
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        sums[row["person_id"]] += ledger_math.signed(row["kind"], row["total"])
    return sums


def savings_by_person(cycle: Cycle | None) -> dict[int, Decimal]:
    """Deposits - withdrawals per member in a cycle."""
    return _sums_by_person(cycle, [EntryKind.DEPOSIT, EntryKind.WITHDRAWAL])


def contributions_by_person(cycle: Cycle | None) -> dict[int, Decimal]:
    return _sums_by_person(cycle, [EntryKind.CONTRIBUTION])


# --- the fund pages ----------------------------------------------------------------------------


@dataclass
class FundRow:
    fund: Fund
    balance: Decimal
    cycle: Cycle | None
    loans_outstanding: Decimal
    loans: int


def fund_rows(group: Group, as_of: dt.date) -> list[FundRow]:
    rows = []
    for fund in group.funds.order_by("closed_on", "name"):
        loans = open_loans(fund, as_of)
        rows.append(FundRow(
            fund, ledger.fund_balance(fund, as_of), current_cycle(fund, as_of),
            sum((left for _loan, left, _p in loans), ZERO), len(loans),
        ))
    return rows


@dataclass
class MemberLine:
    who: str
    savings: Decimal
    contributions: Decimal
    owed: Decimal


@dataclass
class FundPage:
    """A fund as one viewer may see it: every total counts all members; the loan lines, member
    lines and entries are only those of members whose money the viewer may see (the others are
    counted, never listed, so no hidden balance can be worked out from the page)."""

    fund: Fund
    cycle: Cycle | None
    balance: Decimal
    entries: list[tuple[LedgerEntry, str]]  # newest first, with the member's or actor's label
    loans: list[LoanLine]  # only loans of members whose money may be shown
    loans_outstanding: Decimal  # all loans
    members: list[MemberLine]  # only members whose money may be shown
    hidden_members: int  # members whose balances are not shown to this user
    total_savings: Decimal
    total_contributions: Decimal
    loan_count: int = 0  # all open loans
    overdue: Decimal = ZERO  # all loans: instalments past due and unpaid
    loans_late: int = 0
    hidden_loans: int = 0
    hidden_entries: int = 0  # entries of this cycle not listed: their member's money is personal
    payouts: int = 0  # social fund payouts this cycle
    payouts_total: Decimal = ZERO
    rounds: list = field(default_factory=list)
    turns: list = field(default_factory=list)


def fund_page(
    fund: Fund, as_of: dt.date, *, shows: Callable[[Person], bool], name: Callable[[Person], str]
) -> FundPage:
    cycle = current_cycle(fund, as_of)
    all_loans = loan_lines(fund, as_of, who=lambda person: name(person) if shows(person) else "")
    loans = [line for line in all_loans if shows(line.loan.person)]
    savings, contributions = savings_by_person(cycle), contributions_by_person(cycle)
    owed: dict[int, Decimal] = defaultdict(Decimal)
    for line in all_loans:
        owed[line.loan.person_id] += line.outstanding
    people = Person.objects.filter(pk__in=set(savings) | set(contributions) | set(owed)).order_by("full_name")
    members = [
        MemberLine(name(p), savings.get(p.pk, ZERO), contributions.get(p.pk, ZERO), owed.get(p.pk, ZERO))
        for p in people if shows(p)
    ]
    page = FundPage(
        fund, cycle, ledger.fund_balance(fund, as_of), [], loans,
        sum((line.outstanding for line in all_loans), ZERO), members, len(people) - len(members),
        sum(savings.values(), ZERO), sum(contributions.values(), ZERO),
        loan_count=len(all_loans), overdue=sum((line.position.overdue for line in all_loans), ZERO),
        loans_late=sum(1 for line in all_loans if line.position.days_late),
        hidden_loans=len(all_loans) - len(loans),
    )
    if cycle is not None:
        _add_entries(page, cycle, shows=shows, name=name)
    if fund.kind == FundKind.ARISAN and cycle is not None:
        page.turns, page.rounds = arisan_rotation(cycle, shows=shows, name=name)
    return page


def _add_entries(page: FundPage, cycle: Cycle, *, shows, name) -> None:
    """The cycle's latest entries the viewer may see (an outside actor's always: they are the
    group's, not a member's), the count of the others, and the social fund's payouts."""
    payouts = cycle.entries.filter(kind=EntryKind.PAYOUT).aggregate(n=Count("pk"), total=Sum("amount"))
    page.payouts, page.payouts_total = payouts["n"], payouts["total"] or ZERO
    recent = cycle.entries.select_related("person", "actor", "covered_for").order_by("-date", "-pk")
    for entry in recent:
        if entry.actor is None and entry.person is not None and not shows(entry.person):
            page.hidden_entries += 1
        elif len(page.entries) < RECENT_ENTRIES:
            page.entries.append((entry, entry.actor.name if entry.actor else name(entry.person)))


# --- arisan rotation ---------------------------------------------------------------------------


@dataclass
class Turn:
    position: int
    who: str
    drew_on: dt.date | None
    is_next: bool = False


@dataclass
class Round:
    number: int
    drawn_on: dt.date | None  # None: the round still open
    who: str
    pot: Decimal
    missed: list[str]
    covered: list[tuple[str, str]]  # (who paid, for whom)


def arisan_rotation(cycle: Cycle, *, shows, name) -> tuple[list[Turn], list[Round]]:
    """The order of draws with who has drawn and who is next, and the rounds so far."""
    label = lambda person: name(person) if shows(person) else "–"  # noqa: E731
    entries = list(
        cycle.entries.filter(kind__in=[EntryKind.CONTRIBUTION, EntryKind.DRAW])
        .select_related("person", "covered_for").order_by("date", "pk")
    )
    drew = {e.person_id: e.date for e in entries if e.kind == EntryKind.DRAW}
    order = list(cycle.turns.select_related("person"))
    turns = [Turn(t.position, label(t.person), drew.get(t.person_id)) for t in order]
    waiting = [turn for turn in turns if turn.drew_on is None]
    if waiting:
        waiting[0].is_next = True
    in_order = {t.person_id: t.person for t in order}
    rounds, paid, round_entries = [], set(), []
    for entry in entries:
        if entry.kind == EntryKind.CONTRIBUTION:
            round_entries.append(entry)
            paid.add(entry.covered_for_id or entry.person_id)
            continue
        rounds.append(_round(len(rounds) + 1, entry, round_entries, paid, in_order, label))
        paid, round_entries = set(), []
    if round_entries:
        rounds.append(_round(len(rounds) + 1, None, round_entries, paid, in_order, label))
    return turns, rounds


def _round(number, draw, contributions, paid, in_order, label) -> Round:
    missed = [label(person) for pk, person in in_order.items() if pk not in paid]
    covered = [(label(e.person), label(e.covered_for)) for e in contributions if e.covered_for_id]
    return Round(
        number, draw.date if draw else None, label(draw.person) if draw else "",
        sum((e.amount for e in contributions), ZERO), missed, covered,
    )


# --- a member's own money (their summary page) -------------------------------------------------


@dataclass
class MyFund:
    fund: Fund
    savings: Decimal
    contributions: Decimal
    loans: list[LoanLine]
    turn: Turn | None  # their place in the arisan order
    next_turn: str  # who draws next ("" when not known)

    @property
    def owed(self) -> Decimal:
        return sum((line.outstanding for line in self.loans), ZERO)


def member_money(person: Person, as_of: dt.date, *, name) -> list[MyFund]:
    """The member's own savings, contributions, loans and arisan turn in each open fund of
    the groups they belong to (only their own: they are always shown to themselves)."""
    funds = Fund.objects.open().filter(
        group__memberships__person=person, group__memberships__left_on__isnull=True
    ).select_related("group").distinct().order_by("group__name", "name")
    mine = []
    for fund in funds:
        cycle = current_cycle(fund, as_of)
        loans = loan_lines(fund, as_of, who=lambda _person: "", people=[person])
        turn, next_turn = None, ""
        if fund.kind == FundKind.ARISAN and cycle is not None:
            turns, _rounds = arisan_rotation(cycle, shows=lambda p: True, name=name)
            turn, next_turn = _my_turn(cycle, person, turns)
        savings = savings_by_person(cycle).get(person.pk, ZERO)
        contributions = contributions_by_person(cycle).get(person.pk, ZERO)
        if savings or contributions or loans or turn:
            mine.append(MyFund(fund, savings, contributions, loans, turn, next_turn))
    return mine


def _my_turn(cycle: Cycle, person: Person, turns: list[Turn]) -> tuple[Turn | None, str]:
    positions = dict(cycle.turns.values_list("person_id", "position"))
    mine = next((t for t in turns if t.position == positions.get(person.pk)), None)
    upcoming = next((t for t in turns if t.is_next), None)
    return mine, upcoming.who if upcoming else ""
