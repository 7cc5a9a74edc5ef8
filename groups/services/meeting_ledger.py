"""The meeting ledger: one sheet after a meeting with a row per member (savings, loan
repayment, social fund, arisan, fine), plus new loans and payouts, saved together or not at all
through groups/services/ledger.record_meeting. A member's arisan contribution may be paid by
another member (row["arisan_by"]): recorded as the payer's, covering the member who missed it.

Which fund each column goes to: savings, repayments, new loans and fines to the group's savings
and loan fund (fines to the social fund when there is none); social contributions and payouts
to the social fund; arisan contributions and draws to the arisan pot. A column whose fund the
group does not keep is not shown.

A row's cells are prefilled with what is due at the meeting's date: the member's usual savings
and contributions (their latest amount), and the loan instalments due by then, overdue ones
included. A repayment goes to the member's oldest loan still owed, what is left over to the next.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max
from django.utils.translation import gettext as _

from groups import ledger_math
from groups.models import EntryKind, Fund, FundKind, Group, LedgerEntry, Person

from . import ledger
from .ledger_reads import open_loans

ZERO = Decimal(0)
#: The member row's columns: (field, entry kind, which fund kinds it may go to, first first).
COLUMNS = (
    ("savings", EntryKind.DEPOSIT, (FundKind.SAVINGS_LOAN,)),
    ("repayment", EntryKind.REPAYMENT, (FundKind.SAVINGS_LOAN,)),
    ("social", EntryKind.CONTRIBUTION, (FundKind.SOCIAL,)),
    ("arisan", EntryKind.CONTRIBUTION, (FundKind.ARISAN,)),
    ("fine", EntryKind.FINE, (FundKind.SAVINGS_LOAN, FundKind.SOCIAL)),
)
#: Payout kinds on the sheet and their fund.
PAYOUT_FUNDS = {
    EntryKind.PAYOUT: FundKind.SOCIAL,
    EntryKind.DRAW: FundKind.ARISAN,
    EntryKind.WITHDRAWAL: FundKind.SAVINGS_LOAN,
}


def sheet_funds(group: Group) -> dict[str, Fund]:
    """The group's open fund of each kind (the oldest when it keeps two of a kind)."""
    funds: dict[str, Fund] = {}
    for fund in group.funds.open().order_by("opened_on", "pk"):
        funds.setdefault(fund.kind, fund)
    return funds


def column_funds(funds: dict[str, Fund]) -> dict[str, Fund]:
    """The fund each member column goes to; columns without a fund are left out."""
    found = {}
    for name, _kind, kinds in COLUMNS:
        fund = next((funds[k] for k in kinds if k in funds), None)
        if fund is not None:
            found[name] = fund
    return found


def layout(group: Group) -> dict:
    """What the group's sheet shows: the member columns, the payout kinds, whether it lends."""
    funds = sheet_funds(group)
    return {
        "columns": list(column_funds(funds)),
        "payout_kinds": [kind for kind, fund_kind in PAYOUT_FUNDS.items() if fund_kind in funds],
        "lends": FundKind.SAVINGS_LOAN in funds,
    }


def _latest_amounts(fund: Fund | None, kind: str) -> dict[int, Decimal]:
    """Each member's latest amount of one kind in a fund: their usual savings or contribution."""
    if fund is None:
        return {}
    entries = fund.entries.filter(kind=kind, covered_for__isnull=True)
    latest = entries.values("person_id").annotate(last=Max("pk")).values("last")
    return dict(LedgerEntry.objects.filter(pk__in=latest).values_list("person_id", "amount"))


@dataclass
class Due:
    """What a member is asked for at the meeting."""

    person: Person
    savings: Decimal | None
    repayment: Decimal | None
    social: Decimal | None
    arisan: Decimal | None
    days_late: int  # the oldest unpaid instalment's lateness (0: none late)


def what_is_due(group: Group, members: list[Person], date: dt.date) -> list[Due]:
    columns = column_funds(sheet_funds(group))
    usual = {
        "savings": _latest_amounts(columns.get("savings"), EntryKind.DEPOSIT),
        "social": _latest_amounts(columns.get("social"), EntryKind.CONTRIBUTION),
        "arisan": _latest_amounts(columns.get("arisan"), EntryKind.CONTRIBUTION),
    }
    due_loans: dict[int, Decimal] = {}
    late: dict[int, int] = {}
    if "repayment" in columns:
        for loan, _left, position in open_loans(columns["repayment"], date, members):
            due_loans[loan.person_id] = due_loans.get(loan.person_id, ZERO) + position.due
            late[loan.person_id] = max(late.get(loan.person_id, 0), position.days_late)
    return [
        Due(p, usual["savings"].get(p.pk), due_loans.get(p.pk) or None, usual["social"].get(p.pk),
            usual["arisan"].get(p.pk), late.get(p.pk, 0))
        for p in members
    ]


@dataclass(frozen=True)
class Draw:
    """The arisan draw the sheet proposes: the next member in the order, and the pot."""

    person: Person
    pot: Decimal


def next_draw(group: Group, dues: list[Due], date: dt.date) -> Draw | None:
    """Who draws the arisan pot at this meeting (the first in the cycle's order who has not
    drawn) and the pot: the round's contributions so far plus the arisan asked on this sheet.
    None without an order, once everyone has drawn, or with nothing in the pot."""
    fund = sheet_funds(group).get(FundKind.ARISAN)
    cycle = ledger.cycle_on(fund, date) if fund is not None else None
    if cycle is None:
        return None
    entries = list(cycle.entries.filter(kind__in=[EntryKind.CONTRIBUTION, EntryKind.DRAW], date__lte=date)
                   .order_by("date", "pk").values_list("kind", "person_id", "amount"))
    drew = {person for kind, person, _amount in entries if kind == EntryKind.DRAW}
    turn = cycle.turns.exclude(person_id__in=drew).select_related("person").order_by("position").first()
    if turn is None:
        return None
    pot = ZERO
    for kind, _person, amount in entries:  # the round starts again after each draw
        pot = ZERO if kind == EntryKind.DRAW else pot + amount
    pot += sum((due.arisan or ZERO for due in dues), ZERO)
    return Draw(turn.person, pot) if pot > 0 else None


@dataclass(frozen=True)
class Cell:
    """Where an entry came from on the sheet: a formset ("members", "loans", "payouts"), the
    row and the field, so a refusal is shown in its cell."""

    rows: str
    index: int
    field: str


@dataclass
class Sheet:
    """The entries of a filled sheet by fund, each with the cell it came from."""

    entries: dict[Fund, list[ledger.NewEntry]]
    cells: dict[Fund, list[Cell]]

    def add(self, fund: Fund, entry: ledger.NewEntry, cell: Cell) -> None:
        self.entries.setdefault(fund, []).append(entry)
        self.cells.setdefault(fund, []).append(cell)

    def net(self) -> Decimal:
        """What the sheet adds to the funds' cash (money in - money out)."""
        return sum((ledger_math.signed(e.kind, e.amount) for es in self.entries.values() for e in es), ZERO)


def build_sheet(
    group: Group, date: dt.date, members: list[dict], loans: list[dict], payouts: list[dict]
) -> Sheet:
    """The entries of the sheet's cleaned rows: member rows (person and the column amounts),
    new loans (person, amount, rate, term, method) and payouts (person, kind, amount, reason)."""
    funds = sheet_funds(group)
    columns = column_funds(funds)
    sheet = Sheet({}, {})
    for index, row in enumerate(members):
        for name, kind, _kinds in COLUMNS:
            if row.get(name) and name in columns:
                _add_column(sheet, columns[name], kind, row, name, date, Cell("members", index, name))
    for index, row in enumerate(loans):
        entry = ledger.NewEntry(
            kind=EntryKind.LOAN, date=date, amount=row["amount"], person=row["person"],
            rate_percent_per_month=row["rate"], term_months=row["term"], method=row["method"],
        )
        sheet.add(_fund(funds, FundKind.SAVINGS_LOAN, "loans", index), entry, Cell("loans", index, "amount"))
    for index, row in enumerate(payouts):
        reason = row.get("reason", "") if row["kind"] == EntryKind.PAYOUT else ""
        entry = ledger.NewEntry(
            kind=row["kind"], date=date, amount=row["amount"], person=row["person"], reason=reason
        )
        fund = _fund(funds, PAYOUT_FUNDS[row["kind"]], "payouts", index)
        sheet.add(fund, entry, Cell("payouts", index, "amount"))
    return sheet


def _fund(funds: dict[str, Fund], kind: str, rows: str, index: int) -> Fund:
    if kind not in funds:
        error = ledger.EntryRejected(_("The group keeps no fund for this."), index)
        error.cell = Cell(rows, index, "amount")
        raise error
    return funds[kind]


def _add_column(sheet: Sheet, fund: Fund, kind: str, row: dict, name: str, date, cell: Cell) -> None:
    person, amount = row["person"], row[name]
    if name == "arisan" and row.get("arisan_by"):  # missed, and covered by another member
        entry = ledger.NewEntry(
            kind=kind, date=date, amount=amount, person=row["arisan_by"], covered_for=person
        )
        sheet.add(fund, entry, cell)
        return
    if kind != EntryKind.REPAYMENT:
        sheet.add(fund, ledger.NewEntry(kind=kind, date=date, amount=amount, person=person), cell)
        return
    owed = open_loans(fund, date, [person])
    for number, (loan, left, _position) in enumerate(owed):
        part = amount if number == len(owed) - 1 else min(amount, left)
        if part > 0:
            entry = ledger.NewEntry(kind=kind, date=date, amount=part, person=person, loan=loan)
            sheet.add(fund, entry, cell)
        amount -= part
    if not owed:  # nothing owed: refused with the service's own words
        sheet.add(fund, ledger.NewEntry(kind=kind, date=date, amount=amount, person=person), cell)


@dataclass(frozen=True)
class FundCash:
    """One open fund's cash in the books on the meeting's day, before and after the sheet."""

    fund: Fund
    before: Decimal
    sheet: Decimal  # what the sheet adds (money in - money out)

    @property
    def after(self) -> Decimal:
        return self.before + self.sheet


def cash_by_fund(group: Group, date: dt.date, sheet: Sheet | None = None) -> list[FundCash]:
    """The cash the books say each open fund holds on `date`, and after the sheet's entries
    (none when the sheet is not built yet): what the treasurer should count."""
    net: dict[int, Decimal] = {}
    for fund, entries in (sheet.entries.items() if sheet else ()):
        net[fund.pk] = sum((ledger_math.signed(e.kind, e.amount) for e in entries), ZERO)
    return [
        FundCash(fund, ledger.fund_balance(fund, date), net.get(fund.pk, ZERO))
        for fund in group.funds.open().order_by("opened_on", "pk")
    ]


def cash_in_books(group: Group, date: dt.date, sheet: Sheet) -> Decimal:
    """The cash the books say the group's open funds hold after the sheet's entries."""
    return sum((cash.after for cash in cash_by_fund(group, date, sheet)), ZERO)


def save_sheet(*, group: Group, date, sheet: Sheet, present: list[Person], cash_counted, recorded_by):
    """Save the sheet (ledger.record_meeting); a refusal raises ledger.EntryRejected with
    `cell` set to the sheet cell it came from (None when the batch as a whole is refused)."""
    try:
        return ledger.record_meeting(
            group=group, date=date, entries=sheet.entries, present=present,
            cash_counted=cash_counted, recorded_by=recorded_by,
        )
    except ledger.EntryRejected as error:
        cells = sheet.cells.get(error.fund, [])
        error.cell = cells[error.index] if error.index is not None and error.index < len(cells) else None
        raise
