"""Writes about a group's own money: opening funds and cycles, recording ledger entries.

The ONE door for ledger writes (forms, the meeting ledger, the CSV import, the demo): each call
is atomic and locks the fund's row first (select_for_update), so two treasurers saving at once
are checked one after the other. The rules across rows are kept here, the rules one row can
keep are database constraints (groups/models.py), the arithmetic is groups/ledger_math.py:
- an entry falls in its fund's open period and in the cycle its date belongs to;
- a member entry names someone who is or was a member of the fund's group;
- an entry's kind is one its fund's kind keeps (ledger_math.FUND_ENTRY_KINDS);
- a fund never holds less than nothing at the end of any day of a cycle (it cannot pay out,
  lend or share out more than it holds);
- a member's savings in a cycle never fall below nothing at the end of any day (a withdrawal
  takes out at most what they saved), and a share-out pays a member at most their part of the
  fund's cash in proportion to their savings (ledger_math.share_out_ceiling);
- what a fund owes each outside lender never falls below nothing: it repays (in principal) at
  most what that lender lent it;
- a repayment or write-off belongs to a loan of the same fund and member, made no later, and
  the loan's principal repaid plus written off never exceeds what was lent.
All are checked before the batch is written. The database keeps the two that matter most
again, for writes that do not come through here (groups/ledger_triggers.py): no loan over-
repaid, no cycle's cash below zero at the end of a day.
A refusal raises EntryRejected (a ValidationError) saying which entry, and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from groups import amounts, ledger_math
from groups.models import (
    Activity,
    ActivityKind,
    Cycle,
    EntryKind,
    ExternalActor,
    Fund,
    Group,
    LedgerEntry,
    LedgerMeeting,
    Membership,
    Person,
    RotationTurn,
)
from groups.scores import changes


class EntryRejected(ValidationError):
    """A batch was refused; `index` is the position of the entry at fault in the batch (None
    when the batch as a whole is at fault, e.g. the fund would run out of cash)."""

    def __init__(self, message, index: int | None = None):
        super().__init__(message)
        self.index = index
        self.fund: Fund | None = None  # set by record_meeting


@dataclass(frozen=True)
class NewEntry:
    """One entry to record. A repayment without principal/interest is split by
    ledger_math.split_repayment (interest owed first)."""

    kind: str
    date: dt.date
    amount: Decimal
    person: Person | None = None
    actor: ExternalActor | None = None
    loan: LedgerEntry | None = None
    principal: Decimal | None = None
    interest: Decimal | None = None
    rate_percent_per_month: Decimal | None = None
    method: str = ""
    term_months: int | None = None
    reason: str = ""
    covered_for: Person | None = None
    note: str = ""
    ref: str | None = None


@transaction.atomic
def create_fund(
    *, group: Group, kind: str, name: str, opened_on: dt.date, currency: str = "IDR",
    opening_balance: Decimal = Decimal(0), closed_on: dt.date | None = None, ref: str | None = None,
) -> Fund:
    """A new fund with its first cycle starting the day it opened."""
    fund = Fund(group=group, kind=kind, name=name, currency=currency or "IDR", opened_on=opened_on,
                closed_on=closed_on)
    if ref:
        fund.ref = ref
    fund.full_clean()
    fund.save()
    cycle = Cycle(fund=fund, start=opened_on, opening_balance=opening_balance)
    cycle.full_clean()
    cycle.save()
    return fund


@transaction.atomic
def open_cycle(
    *, fund: Fund, start: dt.date, planned_end: dt.date | None = None,
    share_out_on: dt.date | None = None, opening_balance: Decimal | None = None,
) -> Cycle:
    """A new cycle from `start`; its opening balance is, unless given, the cash the fund held
    at the end of the previous cycle."""
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    previous = fund.cycles.filter(start__lt=start).order_by("-start").first()
    if opening_balance is None:
        opening_balance = cycle_balance(previous) if previous else Decimal(0)
    cycle = Cycle(fund=fund, start=start, planned_end=planned_end, share_out_on=share_out_on,
                  opening_balance=opening_balance)
    cycle.full_clean()
    if previous and previous.entries.filter(date__gte=start).exists():
        raise ValidationError(_("Entries of the previous cycle are dated on or after this start."))
    cycle.save()
    changes.note_change(groups=[fund.group_id], district_only=True)
    return cycle


def cycle_on(fund: Fund, date: dt.date) -> Cycle | None:
    """The cycle a date falls in: the latest one starting on or before it."""
    return fund.cycles.filter(start__lte=date).order_by("-start").first()


def cycle_balance(cycle: Cycle, as_of: dt.date | None = None) -> Decimal:
    """The cash the fund held in this cycle at the end of `as_of` (default: all its entries)."""
    entries = cycle.entries.all()
    if as_of is not None:
        entries = entries.filter(date__lte=as_of)
    return ledger_math.fund_balance(cycle.opening_balance, entries.values_list("kind", "amount"))


def fund_balance(fund: Fund, as_of: dt.date | None = None) -> Decimal:
    """The cash a fund holds: the balance of the cycle `as_of` falls in (default: its latest)."""
    cycle = cycle_on(fund, as_of) if as_of else fund.cycles.order_by("-start").first()
    return cycle_balance(cycle, as_of) if cycle else Decimal(0)


def loan_paid(loan_ids) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    """Per loan id: (principal repaid, interest paid, written off), in one query."""
    rows = (
        LedgerEntry.objects.filter(loan_id__in=list(loan_ids))
        .values("loan_id", "kind")
        .annotate(principal=Sum("principal"), interest=Sum("interest"), amount=Sum("amount"))
    )
    paid: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for row in rows:
        if row["kind"] == EntryKind.REPAYMENT:
            paid[row["loan_id"]][0] += row["principal"]
            paid[row["loan_id"]][1] += row["interest"]
        else:
            paid[row["loan_id"]][2] += row["amount"]
    return {pk: tuple(paid[pk]) for pk in loan_ids}


def schedule_of(loan: LedgerEntry) -> list[ledger_math.Instalment]:
    return ledger_math.loan_schedule(
        loan.amount, loan.rate_percent_per_month, loan.term_months, loan.method, loan.date
    )


def loan_position(loan: LedgerEntry, as_of: dt.date, paid=None) -> ledger_math.LoanPosition:
    """A loan's position on a date (ledger_math.loan_position); `paid` as loan_paid gives it.
    Once nothing is outstanding (repaid or written off) nothing is due."""
    repaid, interest, written_off = paid or loan_paid([loan.pk])[loan.pk]
    schedule = schedule_of(loan)
    if ledger_math.loan_outstanding(loan.amount, repaid, written_off) <= 0:
        interest = sum((i.interest for i in schedule), Decimal(0))
    return ledger_math.loan_position(schedule, repaid + written_off, interest, as_of)


@transaction.atomic
def record_entries(
    *, fund: Fund, entries: list[NewEntry], recorded_by=None, meeting: LedgerMeeting | None = None
) -> list[LedgerEntry]:
    """Record a batch of entries of one fund, all or nothing (see the module docstring)."""
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    members = _members_of(fund, entries)
    loans = _loans_of(entries)
    cycles = list(fund.cycles.order_by("-start"))
    rows, lent_out = [], defaultdict(Decimal)
    for index, entry in enumerate(entries):
        try:
            entry = _split_if_needed(entry, loans)
            row = _build(fund, entry, members, recorded_by, cycles)
            row.meeting = meeting
            if entry.kind in ledger_math.LOAN_PART_KINDS:
                settled = entry.amount if entry.kind == EntryKind.WRITE_OFF else entry.principal
                lent_out[entry.loan.pk] += settled
                _check_loan_part(fund, entry, loans[entry.loan.pk], lent_out[entry.loan.pk])
        except ValidationError as error:
            raise EntryRejected(error.messages, index) from error
        rows.append(row)
    _check_balances(fund, rows)
    created = _write(rows)
    changes.note_change(groups=[fund.group_id], district_only=True)
    return created


def record_entry(*, fund: Fund, entry: NewEntry, recorded_by=None) -> LedgerEntry:
    """Record one entry (record_entries with a batch of one)."""
    return record_entries(fund=fund, entries=[entry], recorded_by=recorded_by)[0]


def _members_of(fund: Fund, entries: list[NewEntry]) -> set[int]:
    people = {entry.person.pk for entry in entries if entry.person is not None}
    people |= {entry.covered_for.pk for entry in entries if entry.covered_for is not None}
    return set(
        Membership.objects.filter(group_id=fund.group_id, person_id__in=people)
        .values_list("person_id", flat=True)
    )


def _loans_of(entries: list[NewEntry]) -> dict[int, tuple[LedgerEntry, tuple]]:
    """The loans the batch's repayments and write-offs name, locked, with what was paid so far."""
    ids = {entry.loan.pk for entry in entries if entry.loan is not None and entry.loan.pk}
    loans = {loan.pk: loan for loan in LedgerEntry.objects.select_for_update().filter(pk__in=ids)}
    paid = loan_paid(loans)
    return {pk: (loan, paid[pk]) for pk, loan in loans.items()}


def _split_if_needed(entry: NewEntry, loans) -> NewEntry:
    if entry.kind != EntryKind.REPAYMENT or entry.principal is not None or entry.interest is not None:
        return entry
    if entry.loan is None or entry.loan.pk not in loans:
        raise ValidationError(_("A repayment or write-off names the loan it belongs to."))
    loan, (repaid, interest, written_off) = loans[entry.loan.pk]
    principal, interest = ledger_math.split_repayment(
        entry.amount, schedule_of(loan), repaid + written_off, interest, entry.date
    )
    return replace(entry, principal=principal, interest=interest)


#: A row's links: rows the batch already read from the database (Django would ask again, once
#: per link and row); the database still refuses a link to a row that does not exist.
_LOOKED_UP = ("fund", "cycle", "person", "actor", "loan", "covered_for", "meeting", "recorded_by")


def _build(fund: Fund, entry: NewEntry, members: set[int], recorded_by, cycles: list[Cycle]) -> LedgerEntry:
    """The row of one entry, its fields checked; `cycles` are the fund's, latest first. The
    rules a row keeps on its own (constraints, a unique ref) are checked as it is written."""
    if entry.kind in EntryKind.values and entry.kind not in ledger_math.FUND_ENTRY_KINDS[fund.kind]:
        raise ValidationError(
            _("“%(entry)s” cannot be recorded in a fund of this kind (%(fund_kind)s).")
            % {"entry": EntryKind(entry.kind).label, "fund_kind": fund.get_kind_display()}
        )
    if entry.date < fund.opened_on or (fund.closed_on and entry.date > fund.closed_on):
        raise ValidationError(_("The date is outside the time the fund was open."))
    cycle = next((cycle for cycle in cycles if cycle.start <= entry.date), None)
    if cycle is None:
        raise ValidationError(_("No cycle of this fund had started on that date."))
    for person in (entry.person, entry.covered_for):
        if person is not None and person.pk not in members:
            raise ValidationError(_("%(name)s is not a member of this group.") % {"name": person})
    row = LedgerEntry(
        fund=fund, cycle=cycle, date=entry.date, kind=entry.kind, person=entry.person,
        actor=entry.actor, amount=entry.amount, loan=entry.loan, principal=entry.principal,
        interest=entry.interest, rate_percent_per_month=entry.rate_percent_per_month,
        method=entry.method, term_months=entry.term_months, reason=entry.reason,
        covered_for=entry.covered_for, note=entry.note, recorded_by=recorded_by,
    )
    if entry.ref:
        row.ref = entry.ref
    row.full_clean(exclude=_LOOKED_UP, validate_unique=False, validate_constraints=False)
    if entry.loan is not None and entry.loan.pk is None:
        raise ValidationError(_("A repayment or write-off names the loan it belongs to."))
    return row


def _write(rows: list[LedgerEntry]) -> list[LedgerEntry]:
    """Writes the batch; the database checks each row's constraints and unique ref. Only when
    it refuses are the rows checked one by one (Django asks the database once per constraint
    and row, which made a year's ledger import take minutes), to say which entry and why.
    Money coming in is written before money going out (ledger_math.inflows_first), so the
    database's row-by-row check of the cash never sees a payout before the same batch's
    deposit; the rows are returned in the batch's order."""
    try:
        with transaction.atomic():
            LedgerEntry.objects.bulk_create(ledger_math.inflows_first(rows))
            return rows
    except IntegrityError as refused:
        for index, row in enumerate(rows):
            try:
                row.full_clean()
            except ValidationError as error:
                raise EntryRejected(error.messages, index) from refused
        refs = [row.ref for row in rows]
        repeated = next((n for n, ref in enumerate(refs) if ref in refs[:n]), None)
        if repeated is None:  # the database's own balance rules (ledger_triggers.py)
            raise EntryRejected(_("These entries would make a balance impossible.")) from refused
        raise EntryRejected(_("Two entries have the same reference."), repeated) from refused


def _check_loan_part(fund: Fund, entry: NewEntry, loan_and_paid, settled_in_batch: Decimal) -> None:
    loan, (repaid, _interest, written_off) = loan_and_paid
    if loan.kind != EntryKind.LOAN or loan.fund_id != fund.pk or loan.person_id != entry.person.pk:
        raise ValidationError(_("This loan is not a loan of this member from this fund."))
    if entry.date < loan.date:
        raise ValidationError(_("A repayment or write-off cannot come before the loan."))
    if repaid + written_off + settled_in_batch > loan.amount:
        raise ValidationError(
            _("This is more than the %(left)s still owed on the loan.")
            % {"left": amounts.format_amount(ledger_math.loan_outstanding(loan.amount, repaid, written_off))}
        )


def _check_balances(fund: Fund, rows: list[LedgerEntry]) -> None:
    """Before the batch is written: each cycle it touches, with the batch, keeps its cash and
    its members' savings possible at the end of every day (back-dated entries included), and
    the fund repays no outside lender more than it owes them."""
    for cycle in {row.cycle for row in rows}:
        old = cycle.entries.values_list("date", "kind", "amount", "person_id")
        every = [*old, *((r.date, r.kind, r.amount, r.person_id) for r in rows if r.cycle is cycle)]
        if ledger_math.lowest_balance(cycle.opening_balance, (e[:3] for e in every)) < 0:
            raise EntryRejected(_("The fund does not hold enough money for this: it would go below zero."))
        _check_savings(cycle, every, rows)
    _check_outside(fund, rows)


def _check_savings(cycle: Cycle, every: list[tuple], rows: list[LedgerEntry]) -> None:
    """Every member's savings stay at or above zero; a share-out stays within its ceiling."""
    by_person: dict[int, list[tuple]] = defaultdict(list)
    for date, kind, amount, person in every:
        if person is not None:
            by_person[person].append((date, kind, amount))
    for person, entries in by_person.items():
        if ledger_math.lowest_running(Decimal(0), entries, ledger_math.SAVINGS_SIGN) < 0:
            raise EntryRejected(
                _("%(name)s cannot take out more than they have saved in this cycle.")
                % {"name": _person(rows, person)},
                _index_of(rows, EntryKind.WITHDRAWAL, person_id=person),
            )
    _check_share_out(cycle, every, by_person, rows)


def _check_share_out(cycle: Cycle, every: list[tuple], by_person: dict, rows: list[LedgerEntry]) -> None:
    """Each member's share-outs stay within their part of the cash (share_out_ceiling)."""
    shared = {p: sum(a for _d, k, a in e if k == EntryKind.SHARE_OUT) for p, e in by_person.items()}
    if not any(shared.values()):
        return
    savings = {
        p: ledger_math.fund_balance(Decimal(0), ((k, a) for _d, k, a in e if k in ledger_math.SAVINGS_SIGN))
        for p, e in by_person.items()
    }
    before = ((k, a) for _d, k, a, _p in every if k != EntryKind.SHARE_OUT)
    ceiling = ledger_math.share_out_ceiling(savings, ledger_math.fund_balance(cycle.opening_balance, before))
    for person, amount in shared.items():
        if amount > ceiling[person]:
            raise EntryRejected(
                _("%(name)s's share-out is more than their part of the fund (%(most)s at most).")
                % {"name": _person(rows, person), "most": amounts.format_amount(ceiling[person])},
                _index_of(rows, EntryKind.SHARE_OUT, person_id=person),
            )


def _check_outside(fund: Fund, rows: list[LedgerEntry]) -> None:
    """The fund repays (in principal) no outside lender more than that lender lent it."""
    lenders = {r.actor_id for r in rows if r.kind in ledger_math.OUTSIDE_SIGN}
    if not lenders:
        return
    old = fund.entries.filter(kind__in=list(ledger_math.OUTSIDE_SIGN), actor_id__in=lenders).values_list(
        "date", "kind", "amount", "principal", "actor_id")
    new = ((r.date, r.kind, r.amount, r.principal, r.actor_id) for r in rows if r.actor_id in lenders)
    every = [*old, *new]
    for lender in lenders:
        owed = [(d, k, a if p is None else p) for d, k, a, p, actor in every if actor == lender]
        if ledger_math.lowest_running(Decimal(0), owed, ledger_math.OUTSIDE_SIGN) < 0:
            index = _index_of(rows, EntryKind.OUTSIDE_REPAYMENT, actor_id=lender)
            raise EntryRejected(
                _("This repays %(lender)s more than the fund owes them.")
                % {"lender": next(r.actor for r in rows if r.actor_id == lender)},
                index,
            )


def _index_of(rows: list[LedgerEntry], kind: str, **who) -> int | None:
    """The position in the batch of its first entry of `kind` by `who` (None: none)."""
    key, value = next(iter(who.items()))
    return next((n for n, r in enumerate(rows) if r.kind == kind and getattr(r, key) == value), None)


def _person(rows: list[LedgerEntry], person_id: int) -> Person:
    found = next((r.person for r in rows if r.person_id == person_id), None)
    return found or Person.objects.get(pk=person_id)


@transaction.atomic
def record_meeting(
    *, group: Group, date: dt.date, entries: dict[Fund, list[NewEntry]], present: list[Person],
    cash_counted: Decimal | None, recorded_by,
) -> LedgerMeeting:
    """A meeting ledger, saved together or not at all: the entries of each fund, the meeting
    (an activity whose attendees are the members present) and the cash counted against the
    cash the books say the funds hold after it. A refused entry raises EntryRejected with
    `fund` set to the fund it belongs to."""
    funds = sorted(entries, key=lambda fund: fund.pk)
    for fund in funds:  # lock in one order, so two meetings saved at once cannot deadlock
        Fund.objects.select_for_update().get(pk=fund.pk)
    activity = group.activities.filter(date=date, kind=ActivityKind.MEETING).first()
    if activity is None:
        activity = Activity.objects.create(group=group, kind=ActivityKind.MEETING, date=date)
    activity.attendees.add(*present)
    meeting = LedgerMeeting.objects.create(
        group=group, date=date, activity=activity, cash_counted=cash_counted, cash_expected=0,
        recorded_by=recorded_by,
    )
    for fund in funds:
        try:
            record_entries(fund=fund, entries=entries[fund], recorded_by=recorded_by, meeting=meeting)
        except EntryRejected as error:
            error.fund = fund
            raise
    meeting.cash_expected = sum((fund_balance(fund, date) for fund in group.funds.open()), Decimal(0))
    meeting.save(update_fields=["cash_expected"])
    return meeting


def draw_lots(people: list[Person]) -> list[Person]:
    """An arisan order drawn by lot (the system's randomness: nobody can predict it)."""
    order = list(people)
    secrets.SystemRandom().shuffle(order)
    return order


@transaction.atomic
def set_rotation(*, cycle: Cycle, people: list[Person], how: str) -> list[RotationTurn]:
    """An arisan cycle's order of draws, first to last, replacing the one before."""
    fund = Fund.objects.select_for_update().get(pk=cycle.fund_id)
    ids = [person.pk for person in people]
    memberships = Membership.objects.filter(group_id=fund.group_id, person_id__in=ids)
    members = set(memberships.values_list("person_id", flat=True))
    if len(set(ids)) != len(ids) or not set(ids) <= members:
        raise ValidationError(_("The order names each member of the group once."))
    cycle.turns.all().delete()
    turns = RotationTurn.objects.bulk_create(
        RotationTurn(cycle=cycle, person=person, position=n) for n, person in enumerate(people, 1)
    )
    Cycle.objects.filter(pk=cycle.pk).update(rotation=how)
    changes.note_change(groups=[fund.group_id], district_only=True)
    return turns
