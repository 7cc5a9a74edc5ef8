"""The demo community's own money: a year of the arisan's pot and of the savings group's
funds, written with bulk_create (cheap to seed) in the order the meetings happened, so that
every rule the ledger's door keeps (groups/services/ledger.py) holds; tests check it.

- Arisan Ibu-Ibu RT 03: a pot of Rp 50.000 a member at each monthly meeting, drawn by the
  member whose turn it is (the order drawn by lot at the start). Bu Siti drew in the third
  round; Bu Sri's turn comes later. Once a member missed a round and a neighbour paid for her;
  once a member missed and nobody paid (that pot was smaller).
- Kelompok Simpan Pinjam Sejahtera: savings every month, loans at 2% a month flat over 3 to 6
  months, each instalment repaid at the meeting on or before its due date (meetings fall on the
  same day each month, like the instalments), fines for coming late to a meeting, a social fund
  with one payout for illness, and a loan from the BPR bank repaid monthly. Exactly one loan
  (the fourth member's: Ahmad Prasetyo with the default seed) is in arrears: after the first
  instalment nothing more came.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from . import ledger_math
from .models import (
    Cycle,
    EntryKind,
    ExternalActor,
    Fund,
    FundKind,
    Group,
    LedgerEntry,
    PayoutReason,
    Person,
    RotationHow,
    RotationTurn,
)
from .months import add_months

POT_SHARE = Decimal(50000)
SOCIAL_SHARE = Decimal(5000)


class _Book:
    """Entries of one fund as they are written, with the cash the fund holds."""

    def __init__(self, fund: Fund, cycle: Cycle):
        self.fund, self.cycle, self.cash = fund, cycle, cycle.opening_balance
        self.entries: list[LedgerEntry] = []

    def add(self, kind: str, date: dt.date, amount: Decimal, *, person=None, actor=None,
            **fields) -> LedgerEntry:
        entry = LedgerEntry(
            ref=f"L-{self.fund.ref[2:]}-{len(self.entries) + 1:04d}", fund=self.fund, cycle=self.cycle,
            date=date, kind=kind, person=person, actor=actor, amount=amount, **fields,
        )
        self.cash += ledger_math.signed(kind, amount)
        assert self.cash >= 0, "the demo would pay out more than the fund holds"
        self.entries.append(entry)
        return entry


def _open(group: Group, ref: str, kind: str, name: str, start: dt.date, opening=Decimal(0), **cycle) -> _Book:
    fund = Fund.objects.create(ref=ref, group=group, kind=kind, name=name, opened_on=start)
    return _Book(fund, Cycle.objects.create(fund=fund, start=start, opening_balance=opening, **cycle))


def meeting_days(start: dt.date, today: dt.date) -> list[dt.date]:
    """The demo groups' monthly meetings: the same day of each month, from half a month after
    `start`, up to `today` (the one calendar the activities and the ledgers share)."""
    first = start + dt.timedelta(days=15)
    first = first.replace(day=min(first.day, 28))  # a day every month has
    return [day for day in (add_months(first, month) for month in range(12)) if day <= today]


def build_money(*, today: dt.date, start: dt.date, groups: dict, open_members: dict, actors: dict,
                people: dict[str, Person], rng: random.Random) -> int:
    """Write the demo's funds and ledgers; returns the number of entries."""
    meetings = meeting_days(start, today)
    books = [_arisan(groups["G-ARISAN-RT03"], open_members["G-ARISAN-RT03"], people, start, meetings, rng)]
    books += _savings(groups["G-SIMPAN-PINJAM"], open_members["G-SIMPAN-PINJAM"], actors["A-BANK-BPR"],
                      start, meetings, rng)
    # Day by day, money in before money out, as the database checks a fund's cash row by row
    # (groups/ledger_triggers.py); a repayment names a loan of an earlier day, already written.
    by_day: dict[dt.date, list[LedgerEntry]] = {}
    for entry in (e for book in books for e in book.entries):
        by_day.setdefault(entry.date, []).append(entry)
    for day in sorted(by_day):
        LedgerEntry.objects.bulk_create(ledger_math.inflows_first(by_day[day]))
    return sum(len(book.entries) for book in books)


def _arisan(group, members, people, start, meetings, rng) -> _Book:
    book = _open(group, "F-ARISAN-RT03", FundKind.ARISAN, "Arisan bulanan", start,
                 planned_end=add_months(start, len(members)), rotation=RotationHow.DRAWN)
    order = sorted(members, key=lambda p: p.ref)
    rng.shuffle(order)
    siti, sri = people["second_member"], people["member"]
    order.remove(siti)
    order.insert(2, siti)  # Bu Siti drew in the third round
    order.remove(sri)
    order.insert(min(len(order), len(meetings) + 2), sri)  # Bu Sri draws after the year
    RotationTurn.objects.bulk_create(
        RotationTurn(cycle=book.cycle, person=p, position=n) for n, p in enumerate(order, 1)
    )
    for number, day in enumerate(meetings):
        for person in members:
            if number == 3 and person == order[-1]:
                book.add(EntryKind.CONTRIBUTION, day, POT_SHARE, person=order[-2], covered_for=person)
            elif number == 6 and person == order[-3]:
                continue  # missed, and nobody paid for her
            else:
                book.add(EntryKind.CONTRIBUTION, day, POT_SHARE, person=person)
        book.add(EntryKind.DRAW, day, book.cash, person=order[number])
    return book


def _savings(group, members, bank: ExternalActor, start, meetings, rng) -> list[_Book]:
    book = _open(group, "F-SIMPAN-PINJAM", FundKind.SAVINGS_LOAN, "Simpanan dan pinjaman", start,
                 opening=Decimal(2_000_000))
    social = _open(group, "F-SOSIAL-KRS", FundKind.SOCIAL, "Dana sosial", start)
    usual = {p.pk: Decimal(rng.choice([20000, 25000, 30000, 50000])) for p in members}
    late_borrower = members[3]
    open_loans: list[tuple[LedgerEntry, list[ledger_math.Instalment], list[int]]] = []
    for number, day in enumerate(meetings):
        for person in members:
            book.add(EntryKind.DEPOSIT, day, usual[person.pk], person=person)
            social.add(EntryKind.CONTRIBUTION, day, SOCIAL_SHARE, person=person)
            if rng.random() < 0.04:  # came late to the meeting
                book.add(EntryKind.FINE, day, Decimal(5000), person=person)
        _repay_due(book, open_loans, day, add_months(meetings[0], number + 1), late_borrower)
        if number == 2:
            book.add(EntryKind.OUTSIDE_LOAN, day, Decimal(5_000_000), actor=bank)
        if 3 <= number <= 12 and book.cash > 5_500_000:
            # 500.000 of the 5.000.000 lent, and 1% a month on it: 50.000 interest
            book.add(EntryKind.OUTSIDE_REPAYMENT, day, Decimal(550_000), actor=bank,
                     principal=Decimal(500_000), interest=Decimal(50_000))
        if number == 7:
            social.add(EntryKind.PAYOUT, day, Decimal(250_000), person=members[9],
                       reason=PayoutReason.ILLNESS)
        _lend(book, open_loans, day, members, late_borrower if number == len(meetings) - 5 else None, rng)
    return [book, social]


def _lend(book, open_loans, day, members, late_borrower, rng) -> None:
    borrowers = rng.sample([p for p in members if p != late_borrower], 2)
    if late_borrower is not None:
        borrowers.insert(0, late_borrower)  # the loan that falls into arrears is always made
    for person in borrowers:
        amount = Decimal(rng.choice([500_000, 1_000_000, 1_500_000]))
        term = rng.choice([3, 4, 6])
        if person != late_borrower and book.cash - amount < 1_000_000:
            continue  # the group keeps a float for withdrawals
        loan = book.add(EntryKind.LOAN, day, amount, person=person, rate_percent_per_month=Decimal(2),
                        method=ledger_math.FLAT, term_months=term)
        schedule = ledger_math.loan_schedule(amount, Decimal(2), term, ledger_math.FLAT, day)
        open_loans.append((loan, schedule, []))


def _repay_due(book, open_loans, day, next_meeting, late_borrower) -> None:
    """Every instalment is paid at the meeting on or before its due date (so never late),
    except the late borrower's after their first."""
    for loan, schedule, paid in open_loans:
        for instalment in schedule:
            if instalment.number in paid or instalment.due >= next_meeting:
                continue
            if loan.person == late_borrower and instalment.number > 1:
                continue
            paid.append(instalment.number)
            book.add(EntryKind.REPAYMENT, day, instalment.total, person=loan.person, loan=loan,
                     principal=instalment.principal, interest=instalment.interest)
