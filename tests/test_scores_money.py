"""The group's money figures (SAVIX-style), checked on small ledgers worked out by hand.

The arithmetic is in the comments and the expected numbers are typed in, never computed by
the code under test. No database.
"""

import datetime as dt
from decimal import Decimal

import pytest

from groups.scores import evidence
from groups.scores.analysis import ActivityRecord, Spell
from groups.scores.money import (
    Entry,
    FundData,
    GroupMoney,
    Loan,
    MoneyData,
    at_risk,
    group_money,
    loans,
)

D = dt.date
START = D(2025, 1, 1)  # the window's start
FUND = FundData("f:1", "savings_loan", opening=400_000, cycle_start=D(2025, 1, 1))
SOCIAL = FundData("f:2", "social", cycle_start=D(2025, 1, 1))
MEMBERS = tuple(Spell(f"p:{i}", D(2024, 6, 1)) for i in range(1, 11))  # ten members all along


def late_loans():
    """Loan A: 1.200.000 on 10 Jan over 4 months at 2% flat a month: 300.000 + 24.000 due
    10 Feb, 10 Mar, 10 Apr, 10 May; only the first instalment paid (12 Feb). Loan B: 600.000
    on 1 Mar over 3 months at 2%: 200.000 + 12.000 first due 1 Apr, nothing paid yet."""
    return (
        Entry(
            "f:1", D(2025, 1, 10), "loan", Decimal(1_200_000), "p:1", "l:A", rate=Decimal(2), term_months=4
        ),
        Entry("f:1", D(2025, 2, 12), "repayment", 324_000, "p:1", "l:A", principal=300_000, interest=24_000),
        Entry("f:1", D(2025, 3, 1), "loan", Decimal(600_000), "p:2", "l:B", rate=Decimal(2), term_months=3),
    )


def world(entries, as_of, *, funds=(FUND,), spells=MEMBERS, meetings=(), start=START):
    return group_money(MoneyData(start, as_of, tuple(funds), tuple(entries), tuple(spells), tuple(meetings)))


def test_par30_on_a_late_loan():
    # 15 Apr: A's 10 Mar instalment is 36 days late (> 30) and unpaid (600.000 due by then,
    # 300.000 repaid): at risk with 900.000 outstanding. B's 1 Apr instalment is 14 days late:
    # not yet at risk, 600.000 outstanding. PAR30 = 900.000 / 1.500.000 = 0.6.
    money = world(late_loans(), D(2025, 4, 15))
    assert money.loans_outstanding == 1_500_000
    assert money.par30 == pytest.approx(0.6)
    assert money.bases["par30"] == 2
    # two of ten members have a loan outstanding
    assert money.borrowing_share == pytest.approx(0.2)


def test_a_loan_is_at_risk_only_more_than_30_days_after_the_due_date():
    book = loans(late_loans())
    a = book["l:A"]
    assert a.outstanding == 900_000
    assert not at_risk(a, D(2025, 4, 9))  # 10 Mar + 30 days: exactly 30 days late
    assert at_risk(a, D(2025, 4, 10))  # 31 days late
    paid_up = Loan(a.lent, repaid=Decimal(600_000), interest_paid=Decimal(48_000))
    assert not at_risk(paid_up, D(2025, 4, 10))  # the 10 Mar instalment is paid
    no_interest = Loan(a.lent, repaid=Decimal(600_000), interest_paid=Decimal(24_000))
    assert at_risk(no_interest, D(2025, 4, 10))  # ... but not its interest: still unpaid
    gone = Loan(a.lent, repaid=Decimal(300_000), written_off=Decimal(900_000))
    assert gone.outstanding == 0 and not at_risk(gone, D(2025, 6, 1))


def earning_cycle():
    """Ten deposits of 500.000; a loan of 1.000.000 repaid in two instalments of 500.000 with
    60.000 interest each; a fine of 30.000."""
    entries = [Entry("f:1", D(2025, 1, 5), "deposit", 500_000, f"p:{i}") for i in range(1, 11)]
    return entries + [
        Entry("f:1", D(2025, 2, 1), "loan", Decimal(1_000_000), "p:1", "l:1", rate=Decimal(6), term_months=2),
        Entry("f:1", D(2025, 3, 1), "repayment", 560_000, "p:1", "l:1", principal=500_000, interest=60_000),
        Entry("f:1", D(2025, 4, 1), "repayment", 560_000, "p:1", "l:1", principal=500_000, interest=60_000),
        Entry("f:1", D(2025, 4, 1), "fine", 30_000, "p:3"),
    ]


def test_return_on_savings_is_annualised_over_the_days_of_the_cycle():
    # Savings 5.000.000 (ten deposits of 500.000); interest 120.000 on two repayments; fines
    # 30.000; nothing written off: net income 150.000. 1 Jan .. 29 Jun is 180 days:
    # 150.000 / 5.000.000 = 0.03, x 365 / 180 = 0.0608333...
    money = world(earning_cycle(), D(2025, 6, 29))
    assert money.savings == 5_000_000
    assert money.savings_per_member == 500_000
    assert money.return_on_savings == pytest.approx(0.0608333333)
    assert money.bases["return_on_savings"] == 6  # 180 days = six months of 30 days
    # the loan is repaid: nothing outstanding, nothing at risk (0 / 0 is undefined)
    assert money.loans_outstanding == 0 and money.par30 is None and money.borrowing_share == 0
    # fund = cash 400.000 + 5.000.000 - 1.000.000 + 1.120.000 + 30.000 = 5.550.000, none lent out
    assert money.fund_utilisation == 0


def test_own_capital_share():
    # own = savings 5.000.000 + opening 400.000 + interest 2 x 60.000 + fines 30.000 = 5.550.000;
    # outside: a bank loan of 2.000.000 with 500.000 repaid = 1.500.000 outstanding, plus a
    # 450.000 grant this cycle = 1.950.000. Share = 5.550.000 / 7.500.000 = 0.74.
    entries = earning_cycle() + [
        Entry("f:1", D(2025, 2, 1), "outside_loan", 2_000_000),
        Entry("f:1", D(2025, 5, 1), "outside_repayment", 500_000),
        Entry("f:2", D(2025, 2, 1), "outside_grant", 450_000),  # a grant to the social fund counts too
        Entry("f:1", D(2024, 12, 1), "outside_grant", 999_000),  # last cycle's grant does not
    ]
    money = world(entries, D(2025, 6, 30), funds=(FUND, SOCIAL))
    assert money.own_capital_share == pytest.approx(0.74)


def test_own_capital_share_counts_only_principal_against_an_outside_loan():
    # Own: opening 400.000 + savings 5.000.000 + interest 120.000 + fines 30.000 = 5.550.000.
    # A bank lent 2.000.000; the fund paid it 550.000 = 500.000 principal + 50.000 interest.
    # Still owed: 2.000.000 - 500.000 = 1.500.000 (not 1.450.000); the 50.000 interest left
    # the fund: own = 5.550.000 - 50.000 = 5.500.000. Share = 5.500.000 / 7.000.000 = 0.785714...
    entries = earning_cycle() + [
        Entry("f:1", D(2025, 2, 1), "outside_loan", 2_000_000),
        Entry("f:1", D(2025, 5, 1), "outside_repayment", 550_000, principal=500_000, interest=50_000),
    ]
    money = world(entries, D(2025, 6, 30))
    assert money.own_capital_share == pytest.approx(5_500_000 / 7_000_000)
    # net income 150.000 - 50.000 = 100.000 over 5.000.000 saved, 1 Jan .. 30 Jun = 181 days
    assert money.return_on_savings == pytest.approx(0.02 * 365 / 181)
    # Repaid in full (2.000.000 principal, interest besides): nothing owed, own money only.
    paid_up = entries + [
        Entry("f:1", D(2025, 6, 1), "outside_repayment", 1_520_000, principal=1_500_000, interest=20_000)
    ]
    assert world(paid_up, D(2025, 6, 30)).own_capital_share == 1


def test_fund_utilisation_and_share_out():
    # Cash: opening 400.000 + deposits 2 x 800.000 - loan 1.000.000 = 1.000.000; lent out
    # 1.000.000: utilisation = 1.000.000 / 2.000.000 = 0.5.
    entries = [
        Entry("f:1", D(2025, 1, 5), "deposit", 800_000, "p:1"),
        Entry("f:1", D(2025, 1, 5), "deposit", 800_000, "p:2"),
        Entry(
            "f:1", D(2025, 1, 6), "loan", Decimal(1_000_000), "p:2", "l:1", rate=Decimal(2), term_months=10
        ),
    ]
    assert world(entries, D(2025, 2, 1)).fund_utilisation == pytest.approx(0.5)
    # A share-out paying back the 1.600.000 saved leaves no savings (never below zero).
    shared = [*entries, Entry("f:1", D(2025, 12, 20), "share_out", 1_700_000, "p:1")]
    assert world(shared, D(2025, 12, 31)).savings == 0


def test_social_payouts_attendance_and_drop_out():
    # Two payouts in the window (150.000 + 250.000), one before it. Members p:1..p:10 at the
    # start; p:9 and p:10 left in March: drop-out 2 / 10 = 0.2. Two ledger meetings: 8 of
    # 10 members on 1 Feb, 6 of 8 on 1 Apr: attendance (0.8 + 0.75) / 2 = 0.775.
    spells = [
        *MEMBERS[:8],
        Spell("p:9", D(2024, 6, 1), D(2025, 3, 1)),
        Spell("p:10", D(2024, 6, 1), D(2025, 3, 2)),
    ]
    entries = [
        Entry("f:2", D(2024, 12, 1), "payout", 90_000, "p:4"),
        Entry("f:2", D(2025, 2, 1), "payout", 150_000, "p:4"),
        Entry("f:2", D(2025, 5, 1), "payout", 250_000, "p:5"),
    ]
    meetings = [
        ActivityRecord("g:1", frozenset(f"p:{i}" for i in range(1, 9)), D(2025, 2, 1)),
        ActivityRecord("g:1", frozenset(f"p:{i}" for i in range(1, 7)), D(2025, 4, 1)),
    ]
    money = world(entries, D(2025, 6, 30), funds=(SOCIAL,), spells=spells, meetings=meetings)
    assert money.social_payouts == 400_000 and money.bases["social_payouts"] == 2
    assert money.drop_out == pytest.approx(0.2)
    assert money.ledger_attendance == pytest.approx(0.775)
    assert money.bases["ledger_attendance"] == 2
    # no savings-and-loan fund: its figures are undefined, not zero, and rest on nothing (a page
    # shows "–", not a value waiting for its base)
    assert money.savings_per_member is None and money.par30 is None and money.own_capital_share is None
    for key in ("savings_per_member", "par30", "own_capital_share", "fund_utilisation"):
        assert money.bases[key] == 0
        assert evidence.shown(key, "–", money.bases) == "–"


def test_a_group_without_a_fund_has_no_money_figures():
    assert world((), D(2025, 6, 30), funds=()) == GroupMoney()
    empty = world((), D(2025, 6, 30), spells=())
    assert empty.savings_per_member is None and empty.borrowing_share is None and empty.drop_out is None


# ------------------------------------------------ registry, evidence, methodology, display

MONEY_KEYS = (
    "savings_per_member",
    "loans_outstanding",
    "borrowing_share",
    "par30",
    "return_on_savings",
    "fund_utilisation",
    "social_payouts",
    "ledger_attendance",
    "drop_out",
    "own_capital_share",
)


def test_each_money_figure_is_in_the_registry_with_its_kind_and_minimum():
    from groups.scores.indicators import BY_KEY, MONEY_COLUMNS

    assert all(key in BY_KEY for key in MONEY_KEYS)
    assert BY_KEY["savings_per_member"].kind == "amount" and BY_KEY["par30"].kind == "share"
    assert BY_KEY["par30"].minimum == 3 and BY_KEY["par30"].unit == "loans"
    assert BY_KEY["return_on_savings"].minimum == 3 and BY_KEY["own_capital_share"].minimum == 10
    assert BY_KEY["ledger_attendance"].minimum == 3 and BY_KEY["drop_out"].unit == "members"
    assert MONEY_COLUMNS == (
        "savings_per_member",
        "loans_outstanding",
        "borrowing_share",
        "par30",
        "return_on_savings",
        "fund_utilisation",
        "social_payouts",
        "own_capital_share",
    )


def test_money_values_say_their_base_in_both_languages():
    from django.utils import translation

    from groups.scores import evidence

    with translation.override("en"):
        assert evidence.shown("par30", "60%", {"par30": 2}) == "too few records (2)"
        assert evidence.shown("par30", "60%", {"par30": 4}) == "60% of 4 loans outstanding"
        assert evidence.shown("return_on_savings", "6%", {"return_on_savings": 6}) == (
            "6% over 6 months of the cycle"
        )
        assert evidence.shown("own_capital_share", "74%", {"own_capital_share": 40}) == (
            "74% from 40 ledger entries"  # a snapshot from before the amount was kept
        )
        fund = {"fund_utilisation": 523, "fund_utilisation_of": 12300000}
        assert evidence.shown("fund_utilisation", "41%", fund) == (
            "41% of a fund of 12.300.000 (from 523 ledger entries)"
        )
        payouts = evidence.shown("social_payouts", "Rp 150.000", {"social_payouts": 3})
        assert payouts == "Rp 150.000 in 3 payouts"
    with translation.override("id"):
        assert evidence.shown("par30", "60%", {"par30": 4}) == "60% dari 4 pinjaman yang belum lunas"
        assert evidence.shown("fund_utilisation", "41%", fund) == (
            "41% dari dana sebesar 12.300.000 (berdasarkan 523 catatan buku kas)"
        )


def test_amounts_are_written_the_indonesian_way_in_either_language():
    from django.utils import translation

    from groups.templatetags.reports import figure, rupiah

    with translation.override("en"):
        assert rupiah(1_500_000.4) == "Rp 1.500.000"
        assert rupiah(None) == "–"
        assert figure(0.6, "share") == "60%"
        assert figure(500_000.0, "amount") == "Rp 500.000"


@pytest.mark.django_db
def test_the_methodology_defines_each_money_figure(client, member):
    client.force_login(member)
    page = client.get("/methodology/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for key in MONEY_KEYS:
        assert f'id="{key.replace("_", "-")}"' in page
        assert f'href="#{key.replace("_", "-")}"' in page  # in the contents
    assert "900.000 / 1.500.000 = 60%" in page  # the PAR30 worked example
    assert "5.550.000 / (5.550.000 + 1.950.000) = 74%" in page
    assert "3 loans outstanding" in page  # the minimums table, read from evidence.py
    assert "SAVIX MIS" in page
