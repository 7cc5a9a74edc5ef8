"""The group's money per quarter (savings per member, own capital share, portfolio at risk):
stored with the snapshot's group trend, each quarter as of its end, and shown on the group
report beside the money table. The savings group of the conftest (tests/conftest.py:
savings_group) over 1 January .. 30 June 2025: two quarters, every number worked by hand."""

import pytest
from django.urls import reverse

from groups.models import Fund, FundKind, GroupScore
from groups.scores import reading, snapshots
from groups.services import ledger

from . import factories as f
from .conftest import day
from .test_scores_money_stored import END, PERIOD, START


def trend_of(world, group=None):
    snapshot = snapshots.compute_snapshot(reading.create_snapshot(world.village, START, END))
    return GroupScore.objects.get(snapshot=snapshot, group=group or world.group).trend


def test_the_money_figures_are_trended_per_quarter(world, savings_group):
    trend = trend_of(world)
    # 31 March: five members, 1.000.000 saved; 30 June: four (Citra left), the same savings
    assert trend["savings_per_member"] == pytest.approx([200000, 250000])
    # 31 March: the instalments due 1 March are paid, those of 1 April not due yet: none at risk
    # (outstanding Sri 200.000, Siti 200.000, Ani 100.000); 30 June: Siti's and Ani's 250.000
    # of 350.000 (as the whole window)
    assert trend["par30"] == pytest.approx([0, 250000 / 350000])
    assert [bases["par30"] for bases in trend["bases"]] == [3, 3]
    # own: 100.000 opening + 1.000.000 savings + interest 6.000 + 6.000 + 3.000 by 31 March;
    # the district's 60.000 grant came on 1 February. 30 June: 1.140.000 / 1.200.000
    assert trend["own_capital_share"] == pytest.approx([1115000 / 1175000, 1140000 / 1200000])
    # the network figures of each quarter are still there, with their own bases kept
    assert len(trend["bonding"]) == 2 and trend["bases"][0]["size"] == 5


def test_a_quarter_uses_the_cycle_it_fell_in(world, savings_group):
    fund = Fund.objects.get(group=world.group, kind=FundKind.SAVINGS_LOAN)
    ledger.open_cycle(fund=fund, start=day(6, 20))  # a new cycle late in June
    trend = trend_of(world)
    assert trend["savings_per_member"][0] == pytest.approx(200000)  # March: still the first cycle


def test_a_group_without_a_fund_has_no_money_trend(world, savings_group):
    plain = f.GroupFactory(ref="G3", name="Kelompok Tani", area=world.village)
    f.MembershipFactory(person=world.member_person, group=plain)
    trend = trend_of(world, plain)
    assert "savings_per_member" not in trend and "par30" not in trend and "bonding" in trend


def test_the_group_report_shows_its_money_per_quarter(client, coordinator, world, savings_group):
    snapshots.compute_snapshot(reading.create_snapshot(world.district, START, END))
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("groups:report_group", args=["G1"]), PERIOD)
    rows = page.context["money_trend"]
    assert [row["label"] for row in rows] == page.context["quarters"]
    keys = [key for key, _kind, _value in rows[0]["cells"]]
    assert keys == ["savings_per_member", "own_capital_share", "par30"]
    values = [value for row in rows for _key, _kind, value in row["cells"]]
    assert values == pytest.approx([200000, 1115000 / 1175000, 0, 250000, 1140000 / 1200000, 250000 / 350000])
    body = page.content.decode()
    table = body[body.index("Its money per quarter"):]
    table = table[: table.index("</table>")]
    assert "Savings per member" in table and "Own capital share" in table
    assert "0% of 3 loans outstanding" in table and "71% of 3 loans outstanding" in table
