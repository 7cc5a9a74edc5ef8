"""The group's money figures collected from the ledger, stored with the snapshot, shown on the
group report and the dashboard, and written to groups.csv by both doors.

The savings group (G1 of the conftest world, plus three members) keeps a savings-and-loan fund
and a social fund from 6 January 2025; the window is 1 January .. 30 June 2025. Every number
below is worked out by hand in the comments.
"""

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.urls import reverse

from groups.models import EntryKind, FundKind, GroupScore
from groups.scores import collect, reading, snapshots
from groups.services import ledger
from groups.services.ledger import NewEntry

from . import factories as f
from .conftest import day, pay

START, END = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
PERIOD = {"period": "dates", "start": START.isoformat(), "end": END.isoformat()}


def stored(world):
    snapshot = snapshots.compute_snapshot(reading.create_snapshot(world.village, START, END))
    return GroupScore.objects.get(snapshot=snapshot, group=world.group)


def test_the_figures_stored_with_the_snapshot(world, savings_group):
    row = stored(world)
    # four members at the end (Citra left on 15 June): 1.000.000 / 4
    assert row.savings_per_member == pytest.approx(250000)
    # outstanding: Siti 200.000 + Ani 50.000 + Budi 100.000
    assert row.loans_outstanding == pytest.approx(350000)
    assert row.borrowing_share == pytest.approx(3 / 4)
    # at risk on 30 June: Siti (1 Apr unpaid, 90 days) and Ani (1 May unpaid, 60 days); Budi's
    # first instalment is not due yet. 250.000 / 350.000
    assert row.par30 == pytest.approx(250000 / 350000)
    assert row.bases["par30"] == 3
    # net income: interest 18.000 + 6.000 + 6.000, fine 10.000 = 40.000; 6 Jan .. 30 Jun is
    # 26 + 28 + 31 + 30 + 31 + 30 = 176 days: 40.000 / 1.000.000 x 365 / 176
    assert row.return_on_savings == pytest.approx(0.04 * 365 / 176)
    assert row.bases["return_on_savings"] == 5
    # cash: 100.000 + 1.000.000 - 750.000 + 530.000 + 10.000 - 100.000 = 790.000
    assert row.fund_utilisation == pytest.approx(350000 / (790000 + 350000))
    assert row.social_payouts == pytest.approx(50000) and row.bases["social_payouts"] == 1
    # (4/5 + 3/5 + 1/5) / 3; the 20 June meeting had no ledger entry
    assert row.ledger_attendance == pytest.approx(1.6 / 3)
    assert row.drop_out == pytest.approx(1 / 5)
    # own: 100.000 + 1.000.000 + 40.000 = 1.140.000; outside: the 60.000 grant
    assert row.own_capital_share == pytest.approx(1140000 / 1200000)
    assert row.bases["own_capital_share"] == 16  # 5 deposits, 4 loans, 6 repayments, 1 fine


def test_ledger_money_is_no_exchange_between_people(world, savings_group):
    data = collect.collect(world.village, START, END).scope_data()
    assert data.flows == ()  # deposits, loans and payouts are member-to-fund
    row = stored(world)
    assert row.exchanges == 0 and row.ties == 0


def test_a_group_without_a_fund_has_blank_money_figures(world, savings_group):
    plain = f.GroupFactory(ref="G3", name="Kelompok Tani", area=world.village)
    f.MembershipFactory(person=world.member_person, group=plain)
    snapshot = snapshots.compute_snapshot(reading.create_snapshot(world.village, START, END))
    row = GroupScore.objects.get(snapshot=snapshot, group=plain)
    assert row.savings_per_member is None and row.par30 is None and row.own_capital_share is None
    assert row.drop_out is None and "par30" not in row.bases


MONEY_COLUMNS = [
    "savings_per_member",
    "loans_outstanding",
    "borrowing_share",
    "par30",
    "return_on_savings",
    "fund_utilisation",
    "social_payouts",
    "own_capital_share",
]


def check_money_columns(groups_csv: str):
    rows = list(csv.DictReader(io.StringIO(groups_csv)))
    header = list(rows[0])
    for key in MONEY_COLUMNS:
        assert key in header
    g1 = next(r for r in rows if r["ref"] == "G1")
    assert float(g1["savings_per_member"]) == 250000.0
    assert float(g1["loans_outstanding"]) == 350000.0
    assert float(g1["borrowing_share"]) == 0.75
    assert float(g1["par30"]) == 0.7143  # 250.000 / 350.000, four decimals
    assert int(g1["par30_base"]) == 3
    assert float(g1["social_payouts"]) == 50000.0
    assert float(g1["own_capital_share"]) == 0.95
    other = next(r for r in rows if r["ref"] != "G1")
    assert other["par30"] == "" and other["own_capital_share"] == ""  # no fund: blank


def test_export_scores_writes_the_money_columns(world, savings_group, tmp_path):
    call_command(
        "export_scores",
        str(tmp_path),
        "--area",
        "D",
        "--since",
        START.isoformat(),
        "--until",
        END.isoformat(),
        stdout=io.StringIO(),
    )
    check_money_columns((tmp_path / "groups.csv").read_text())


def test_the_browser_score_download_writes_the_money_columns(client, staff, world, savings_group):
    import zipfile

    snapshots.compute_snapshot(reading.create_snapshot(world.district, START, END))
    client.force_login(staff)
    response = client.get(reverse("groups:scores_download", args=["D"]), PERIOD)
    check_money_columns(zipfile.ZipFile(io.BytesIO(response.content)).read("groups.csv").decode())


def test_a_coordinator_sees_the_groups_money_as_totals(client, coordinator, world, savings_group):
    snapshots.compute_snapshot(reading.create_snapshot(world.district, START, END))
    client.force_login(coordinator)
    response = client.get(reverse("groups:report_group", args=["G1"]), PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "The group&#x27;s own money" in page or "The group's own money" in page
    assert "71% of 3 loans outstanding" in page  # portfolio at risk with its base
    assert "Rp 250.000 among 4 members" in page  # savings per member
    assert "31% of a fund of 1.140.000 (from 16 ledger entries)" in page  # 350.000 / 1.140.000 lent
    # own capital share, also in the profile: a share of the capital, its entries the evidence
    assert "95% of a capital of 1.200.000 (from 16 ledger entries)" in page
    keys = [row["key"] for row in response.context["profile"]]
    assert keys.index("own_capital_share") == keys.index("self_reliance") + 1
    assert "Rp 50.000 in 1 payout" in page  # social fund payouts, with how many
    assert "Sri Handayani" not in page.split("own money")[1].split("</table>")[0]  # no member's balance
    response = client.get(reverse("groups:report_group", args=["G1"]), PERIOD, HTTP_ACCEPT_LANGUAGE="id")
    page = response.content.decode()
    assert "71% dari 3 pinjaman yang belum lunas" in page
    assert "31% dari dana sebesar 1.140.000 (berdasarkan 16 catatan buku kas)" in page
    assert "Rp 50.000 untuk 1 kali santunan" in page


def test_the_dashboard_shows_own_capital_beside_self_reliance(client, coordinator, world, savings_group):
    snapshots.compute_snapshot(reading.create_snapshot(world.district, START, END))
    client.force_login(coordinator)
    response = client.get(reverse("groups:report_dashboard", args=["D"]), PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert [row.group.ref for row in response.context["money_groups"]] == ["G1"]  # G2 keeps no fund
    table = page.split('class="money stack"')[1].split("</table>")[0]
    assert "95% of a capital of 1.200.000 (from 16 ledger entries)" in table
    assert "71% of 3 loans outstanding" in table
    assert "Rp 250.000 among 4 members" in table and "Rp 350.000" in table
    assert table.index("self-reliance") < table.index("own-capital-share")  # side by side
    assert "Sri Handayani" not in table


def test_the_group_page_says_its_money_in_words_only_with_enough_evidence(
    client, coordinator, world, savings_group
):
    snapshots.compute_snapshot(reading.create_snapshot(world.district, START, END))
    client.force_login(coordinator)
    response = client.get(reverse("groups:report_group", args=["G1"]), PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    said = response.context["sentences"]
    assert (
        "The group's fund runs mostly on its own money: 95% is members' savings, interest and fines; "
        "the rest is outside loans and grants." in said
    )
    assert (
        "71% of what members still owe the fund is in loans with an instalment more than 30 days late "
        "(3 loans outstanding)." in said
    )
    # one loan fewer outstanding (Budi repays at once): two loans are too few for a sentence
    budi = savings_group.memberships.get(person__ref="P-Budi").person
    fund = savings_group.funds.get(kind=FundKind.SAVINGS_LOAN)
    lent = fund.entries.get(kind=EntryKind.LOAN, person=budi)
    ledger.record_entry(fund=fund, entry=pay(budi, lent, day(6, 20), 100000, 0))
    snapshots.compute_snapshot(reading.create_snapshot(world.district, START, END))
    response = client.get(reverse("groups:report_group", args=["G1"]), PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["score"].bases["par30"] == 2
    assert not [s for s in response.context["sentences"] if "30 days late" in s]
    assert "too few records (2)" in response.content.decode()


def test_collecting_the_money_takes_three_queries_whatever_the_ledger(world, savings_group):
    def money_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            collect._money(savings_group.funds.all(), END)
        return len(queries.captured_queries)

    assert money_queries() == 3  # funds, their cycles, their entries
    fund = savings_group.funds.get(kind=FundKind.SAVINGS_LOAN)
    more = [
        NewEntry(kind=EntryKind.DEPOSIT, date=day(6, 1), amount=D(1000), person=world.member_person)
        for _ in range(30)
    ]
    ledger.record_entries(fund=fund, entries=more)
    assert money_queries() == 3
