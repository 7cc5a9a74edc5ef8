"""The demo savings group's SAVIX-style figures against a spreadsheet-style computation done
here, independently of groups/scores/money.py and groups/ledger_math.py: one pass over the
ledger rows, sums per column, a loan's instalments written out by hand (whole rupiah, the last
one taking the remainder; flat interest on the amount lent), attendance counted by hand at each
meeting the ledger was kept, drop-out by hand from the memberships."""

import calendar
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command

from groups.models import Activity, Area, GroupScore, LedgerEntry, Membership
from groups.scores import reading, snapshots

from .conftest import share

pytestmark = pytest.mark.slow  # seeds and scores the whole demo community

START, END = dt.date(2025, 11, 29), dt.date(2026, 11, 28)


def month_later(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def instalments(loan) -> list[tuple[dt.date, Decimal]]:
    """(due, principal + interest) of each month: principal cut to whole rupiah, the last
    month taking what is left; flat interest = rate x the amount lent, rounded."""
    part = (loan.amount / loan.term_months).to_integral_value(rounding="ROUND_DOWN")
    interest = (loan.amount * loan.rate_percent_per_month / 100).to_integral_value(rounding="ROUND_HALF_UP")
    rows = []
    for k in range(1, loan.term_months + 1):
        principal = part if k < loan.term_months else loan.amount - part * (loan.term_months - 1)
        rows.append((month_later(loan.date, k), principal + interest))
    return rows


@pytest.fixture
def demo(db, _shared):
    return _shared.get("demo", build_demo)


def build_demo():
    call_command("seed_demo", today=END.isoformat(), stdout=io.StringIO())
    district = Area.objects.get(ref="ID-JT-WSB-KTK")
    snapshot = snapshots.compute_snapshot(reading.create_snapshot(district, START, END))
    row = GroupScore.objects.get(snapshot=snapshot, group__ref="G-SIMPAN-PINJAM")
    entries = list(
        LedgerEntry.objects.filter(fund__group__ref="G-SIMPAN-PINJAM")
        .select_related("fund")
        .order_by("date", "pk")
    )
    members = Membership.objects.open_between(END, END).filter(group__ref="G-SIMPAN-PINJAM").count()
    return row, entries, members


share("demo", build_demo, __name__)  # seeded and scored once for this module


def test_the_demo_savings_groups_figures_match_a_spreadsheet(demo):
    row, entries, members = demo
    saving = [e for e in entries if e.fund.kind == "savings_loan"]
    fund = saving[0].fund
    cycle = fund.cycles.order_by("-start").first()
    sums = defaultdict(Decimal)
    for e in saving:
        sums[e.kind] += e.amount
    interest = sum((e.interest for e in saving if e.kind == "repayment"), Decimal(0))
    savings = sums["deposit"] - sums["withdrawal"]
    assert row.savings_per_member == pytest.approx(float(savings / members))

    # loans: principal lent - repaid - written off, and paid (principal + interest) per loan
    lent = {e.pk: e for e in saving if e.kind == "loan"}
    repaid, paid = defaultdict(Decimal), defaultdict(Decimal)
    for e in saving:
        if e.kind in ("repayment", "write_off"):
            repaid[e.loan_id] += e.principal if e.kind == "repayment" else e.amount
            paid[e.loan_id] += e.amount
    outstanding = {pk: loan.amount - repaid[pk] for pk, loan in lent.items() if loan.amount > repaid[pk]}
    assert row.loans_outstanding == pytest.approx(float(sum(outstanding.values())))
    cutoff = END - dt.timedelta(days=31)  # due on or before this: more than 30 days late by END
    late = {
        pk
        for pk in outstanding
        if sum(total for due, total in instalments(lent[pk]) if due <= cutoff) > paid[pk]
    }
    assert late, "the demo has a loan in arrears"
    at_risk = sum(outstanding[pk] for pk in late)
    assert row.par30 == pytest.approx(float(at_risk / sum(outstanding.values())))
    borrowers = {lent[pk].person_id for pk in outstanding}
    assert row.borrowing_share == pytest.approx(len(borrowers) / members)

    days = (END - cycle.start).days + 1
    outside_paid = [e for e in saving if e.kind == "outside_repayment"]
    assert outside_paid and all(e.principal + e.interest == e.amount for e in outside_paid)
    outside_interest = sum(e.interest for e in outside_paid)  # money spent, not retained
    income = interest + sums["fine"] - sums["write_off"] - outside_interest
    assert row.return_on_savings == pytest.approx(float(income / savings) * 365 / days)
    cash_in = sum(sums[k] for k in ("deposit", "repayment", "fine", "outside_loan", "outside_grant"))
    cash_out = sum(sums[k] for k in ("withdrawal", "loan", "outside_repayment", "share_out"))
    cash = cycle.opening_balance + cash_in - cash_out
    lent_out = sum(outstanding.values())
    assert row.fund_utilisation == pytest.approx(float(lent_out / (cash + lent_out)))

    own = cycle.opening_balance + savings + income - sums["share_out"]
    outside_grants = sum(e.amount for e in entries if e.kind == "outside_grant")
    outside = sums["outside_loan"] - sum(e.principal for e in outside_paid) + outside_grants
    assert row.own_capital_share == pytest.approx(float(own / (own + outside)))
    social = [e for e in entries if e.fund.kind == "social" and e.kind == "payout" and START <= e.date <= END]
    assert row.social_payouts == pytest.approx(float(sum(e.amount for e in social)))


def _member_on(membership, day: dt.date) -> bool:
    return (membership.joined_on is None or membership.joined_on <= day) and (
        membership.left_on is None or membership.left_on >= day
    )


def test_attendance_at_ledger_meetings_and_drop_out_match_a_spreadsheet(demo):
    row, entries, _members = demo
    memberships = list(Membership.objects.filter(group__ref="G-SIMPAN-PINJAM").open_between(START, END))
    # a ledger meeting: an activity of the group in the window on a day its ledger has entries
    ledger_days = {e.date for e in entries}
    meetings = Activity.objects.filter(
        group__ref="G-SIMPAN-PINJAM", date__range=(START, END), date__in=ledger_days
    ).prefetch_related("attendees")
    rates = []
    for meeting in meetings:
        present = {p.pk for p in meeting.attendees.all()}
        if not present:
            continue  # attendance not taken: not counted as nobody coming
        on_day = {m.person_id for m in memberships if _member_on(m, meeting.date)}
        rates.append(len(present & on_day) / len(on_day))
    assert len(rates) == 12  # the demo's twelve monthly meetings, each with its ledger
    assert row.ledger_attendance == pytest.approx(sum(rates) / len(rates))

    at_start = {m.person_id for m in memberships if _member_on(m, START)}
    at_end = {m.person_id for m in memberships if _member_on(m, END)}
    assert row.drop_out == pytest.approx(len(at_start - at_end) / len(at_start))
