"""Closing a savings and loan fund's cycle: the share-out and the next cycle.

The share-out (the definitions the page shows):
- the cash shared = the cash the fund holds at the end of the share-out day - what it still
  owes outside (outside loans not yet repaid are kept back to repay them);
- each member's share = ledger_math.share_out: the cash shared in proportion to the member's
  savings in the cycle (deposits - withdrawals), whole rupiah, the rounding left to the largest
  remainders. Interest earned, fines and the opening balance are in the cash, so they are
  shared the same way;
- every member loan is repaid or written off first (the usual savings-group rule: the cash is
  then all the fund is worth); a share-out while loans are owed is refused;
- confirmed: one share_out entry per member (ledger.record_entries), then the next cycle opens
  the day after (ledger.open_cycle: its opening balance is what is left, the money kept back),
  in one transaction: nothing is saved when anything is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from groups import amounts, ledger_math
from groups.models import Cycle, EntryKind, Fund, FundKind, Person

from . import ledger, ledger_reads

ZERO = Decimal(0)


@dataclass(frozen=True)
class Share:
    person: Person
    savings: Decimal
    share: Decimal

    @property
    def earned(self) -> Decimal:
        """What the member gets over their savings (their part of interest, fines and the rest)."""
        return self.share - self.savings


@dataclass(frozen=True)
class ShareOutPlan:
    """What a share-out on `day` would pay, and what it rests on."""

    cycle: Cycle
    day: dt.date
    opening: Decimal
    savings: Decimal
    interest: Decimal
    fines: Decimal
    written_off: Decimal
    cash: Decimal  # the fund's cash at the end of `day`
    owed_outside: Decimal  # outside loans not yet repaid: kept back
    shares: tuple[Share, ...]

    @property
    def to_share(self) -> Decimal:
        return self.cash - self.owed_outside

    @property
    def total(self) -> Decimal:
        return sum((share.share for share in self.shares), ZERO)


def _sums(cycle: Cycle, day: dt.date) -> dict[str, Decimal]:
    """The cycle's totals per entry kind up to `day`, and "interest": the interest repaid."""
    rows = list(
        cycle.entries.filter(date__lte=day).values("kind")
        .annotate(total=Sum("amount"), interest=Sum("interest"))
    )
    sums = {row["kind"]: row["total"] for row in rows}
    repaid = (row["interest"] or ZERO for row in rows if row["kind"] == EntryKind.REPAYMENT)
    sums["interest"] = sum(repaid, ZERO)
    return sums


def _owed_outside(fund: Fund, day: dt.date) -> Decimal:
    """Outside loans to the fund not yet repaid, whatever cycle they came in: lent - the
    principal repaid (a repayment's interest repays nothing; without its split, all of it)."""
    rows = dict(
        fund.entries.filter(date__lte=day, kind__in=[EntryKind.OUTSIDE_LOAN, EntryKind.OUTSIDE_REPAYMENT])
        .values_list("kind").annotate(total=Sum(Coalesce("principal", "amount")))
    )
    return max(rows.get(EntryKind.OUTSIDE_LOAN, ZERO) - rows.get(EntryKind.OUTSIDE_REPAYMENT, ZERO), ZERO)


def plan_share_out(fund: Fund, day: dt.date) -> ShareOutPlan:
    """The share-out of the cycle `day` falls in; raises ValidationError (in the user's
    language) when it cannot be done on that day."""
    if fund.kind != FundKind.SAVINGS_LOAN:
        raise ValidationError(_("Only a savings and loan fund is shared out at the end of its cycle."))
    cycle = ledger.cycle_on(fund, day)
    if cycle is None:
        raise ValidationError(_("No cycle of this fund had started on that date."))
    if cycle.entries.filter(date__gt=day).exists():
        raise ValidationError(
            _("This cycle has entries after that date: share out on the day of the last one or later.")
        )
    if cycle.entries.filter(kind=EntryKind.SHARE_OUT).exists():
        raise ValidationError(_("This cycle was already shared out."))
    sums = _sums(cycle, day)
    savings = {
        pk: amount for pk, amount in ledger_reads.savings_by_person(cycle).items() if amount > 0
    }
    if not savings:
        raise ValidationError(_("Nobody saved in this cycle, so there is nothing to share out by."))
    loans = ledger_reads.open_loans(fund, day)
    if loans:
        left = amounts.format_amount(sum((left for _loan, left, _pos in loans), ZERO))
        raise ValidationError(ngettext(
            "%(count)d loan is still owed (%(left)s): the share-out comes once every loan is repaid "
            "or written off.",
            "%(count)d loans are still owed (%(left)s): the share-out comes once every loan is repaid "
            "or written off.",
            len(loans),
        ) % {"count": len(loans), "left": left})
    cash = ledger.cycle_balance(cycle, day)
    owed_outside = _owed_outside(fund, day)
    if cash < owed_outside:
        raise ValidationError(
            _("The fund holds less cash than it still owes outside: nothing can be shared out.")
        )
    people = Person.objects.in_bulk(list(savings))
    paid = ledger_math.share_out(savings, cash - owed_outside)
    shares = tuple(sorted(
        (Share(people[pk], savings[pk], paid[pk]) for pk in savings), key=lambda s: str(s.person)
    ))
    return ShareOutPlan(
        cycle=cycle, day=day, opening=cycle.opening_balance,
        savings=sum(savings.values(), ZERO), interest=sums["interest"],
        fines=sums.get(EntryKind.FINE, ZERO), written_off=sums.get(EntryKind.WRITE_OFF, ZERO),
        cash=cash, owed_outside=owed_outside, shares=shares,
    )


@transaction.atomic
def share_out_and_open_next(
    *, fund: Fund, day: dt.date, expected_total: Decimal, planned_end: dt.date | None = None,
    share_out_on: dt.date | None = None, recorded_by=None,
) -> Cycle:
    """Pays the share-out of the cycle `day` falls in and opens the next cycle the day after;
    all or nothing. `expected_total` is what the treasurer saw: when the books changed since
    (someone saved an entry), nothing is saved and they are asked to look again."""
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    plan = plan_share_out(fund, day)
    if plan.total != expected_total:
        raise ValidationError(_("The books changed since this page was opened: check the shares again."))
    entries = [
        ledger.NewEntry(kind=EntryKind.SHARE_OUT, date=day, amount=share.share, person=share.person,
                        note=_("Share-out of the cycle"))
        for share in plan.shares if share.share > 0
    ]
    ledger.record_entries(fund=fund, entries=entries, recorded_by=recorded_by)
    return ledger.open_cycle(
        fund=fund, start=day + dt.timedelta(days=1), planned_end=planned_end, share_out_on=share_out_on
    )


@transaction.atomic
def create_fund(*, planned_end: dt.date | None = None, share_out_on: dt.date | None = None, **fund) -> Fund:
    """ledger.create_fund, its first cycle given its planned end and share-out date."""
    created = ledger.create_fund(**fund)
    if planned_end or share_out_on:
        set_cycle_dates(cycle=created.cycles.get(), planned_end=planned_end, share_out_on=share_out_on)
    return created


@transaction.atomic
def set_cycle_dates(*, cycle: Cycle, planned_end: dt.date | None, share_out_on: dt.date | None) -> Cycle:
    """A cycle's planned end and share-out date (those not given are left as they were)."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    cycle.planned_end = planned_end or cycle.planned_end
    cycle.share_out_on = share_out_on or cycle.share_out_on
    cycle.full_clean()
    cycle.save(update_fields=["planned_end", "share_out_on"])
    return cycle
