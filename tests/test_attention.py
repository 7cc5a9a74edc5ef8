"""Needs attention: the groups to visit with their reasons in plain words, worked out by hand
on the two villages' world (tests/test_villages.py), only where the records carry them, the
groups with the most reasons first."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from groups.models import Resource, Target

from . import factories as f
from .conftest import share
from .test_villages import EN, QUARTER_BEFORE, TODAY, build_shared_villages, compute, two_villages  # noqa: F401

share("two_villages", build_shared_villages, __name__)  # built and scored once for this module


def visits(client, ref="D") -> list[tuple[str, list[str]]]:
    html = client.get(reverse("groups:report_dashboard", args=[ref]), **EN).content.decode()
    section = html[html.index('<section id="attention"') :]
    section = section[: section.index("</section>")]
    found = re.findall(
        r"<li><h3>(?:<a [^>]*>)?([^<]+)(?:</a>)?</h3>\s*<ul class=\"reasons\">(.*?)</ul>", section, re.S
    )
    return [(name, re.findall(r"<li>([^<]+)</li>", reasons)) for name, reasons in found]


HELD = (
    "One member holds the group together: without them, 1 member would lose touch with the rest of the group."
)


def test_reasons_only_where_the_records_carry_them(client, coordinator, two_villages):  # noqa: F811
    """G3: quiet since it was formed 400 days ago (57 weeks). G1: 10 exchanges, and among its
    members Sri is the only link between Siti and Ari: without her one of them loses touch
    with the rest of the group (1). G2: no participation or exchanges to compare in the
    quarter before (its activities are all in the last quarter), aid 40% but no target; the
    agency is in touch through Ani only, but it is no member: among the members Ani and Eko
    are a pair and Fajar exchanges with nobody, so nobody holds G2 together and it has no
    reason. G1's reason is as of the window's end, G3's since it went quiet 57 weeks ago."""
    client.force_login(coordinator)
    assert visits(client) == [("Arisan RT 03", [HELD]), ("Kelompok Tani", ["Quiet for 57 weeks."])]


def test_falls_aid_over_target_and_low_norms_are_reasons_and_order_the_list(
    client,
    coordinator,
    two_villages,  # noqa: F811
):
    """G2 in the quarter before: 3 meetings all 3 came (100%), Eko gave Fajar 10 times, so it
    had 4 + 10 = 14 exchanges then and 6 in the last quarter (6 <= 14 / 2); participation fell
    from 100% to 67% (both quarters on 3 activities with attendance). Aid at most 20% near 5 on
    the district. A new G1 norm rated 2, then 1: low twice."""
    world_g2 = two_villages["g2"]
    ani, eko, fajar = two_villages["people"][4:]
    for days in (150, 140, 135):
        f.ActivityFactory(group=world_g2, date=TODAY - dt.timedelta(days=days)).attendees.set(
            [ani, eko, fajar]
        )
    for _ in range(10):
        f.ExchangeFactory(
            giver_person=eko, receiver_person=fajar, date=QUARTER_BEFORE, resource=Resource.LABOUR
        )
    norm = f.NormFactory(group=two_villages["g1"])
    norm.reviews.create(reviewed_on=QUARTER_BEFORE, rating=2)
    norm.reviews.create(reviewed_on=TODAY - dt.timedelta(days=12), rating=1)
    Target.objects.create(area=two_villages["district"], indicator="aid_dependence", goal=20, near=5)
    compute(two_villages["district"])
    client.force_login(coordinator)
    found = visits(client)
    # G2: aid = 4 from the agency of the 10 money exchanges Ani and Eko received (labour is
    # neither money nor goods) = 40%, over 20% + 5; and now Fajar exchanges with Eko only, so
    # among the members Eko's absence would cut him off from Ani: 1. Four reasons, the most.
    assert found[0] == (
        "Karang Taruna",
        [
            "Aid is 40% of 10 exchanges, over the target of 20%.",
            "Participation fell from 100% to 67%.",
            "Exchanges fell by half or more: from 14 to 6 in a quarter.",
            HELD,
        ],
    )
    # G1 and G3 have two reasons and one; G1's latest (today's snapshot end) first
    assert found[1][0] == "Arisan RT 03" and sorted(found[1][1]) == [
        "A norm was rated low at its last two reviews.",
        HELD,
    ]
    assert found[2] == ("Kelompok Tani", ["Quiet for 57 weeks."])
    for person in two_villages["people"]:
        assert all(person.full_name not in " ".join(reasons) for _name, reasons in found)


@pytest.mark.parametrize("ratings", [(1, 4), (4, 1), (2,)])
def test_a_norm_low_once_or_only_reviewed_once_is_no_reason(client, coordinator, two_villages, ratings):  # noqa: F811
    norm = f.NormFactory(group=two_villages["g1"])
    for days, rating in zip((40, 20), ratings, strict=False):
        norm.reviews.create(reviewed_on=TODAY - dt.timedelta(days=days), rating=rating)
    compute(two_villages["district"])
    client.force_login(coordinator)
    reasons = dict(visits(client))["Arisan RT 03"]
    assert "A norm was rated low at its last two reviews." not in reasons


def test_falls_need_enough_records_on_both_sides():
    from groups.scores.pages.attention import _falls

    ends = [dt.date(2026, 9, 30), dt.date(2026, 12, 31)]

    def row(part_bases, exchanges):
        bases = [{"participation": n} for n in part_bases]
        return {"trend": {"participation": [0.9, 0.5], "bases": bases, "exchanges": exchanges}}

    with translation.override("en"):
        # 2 activities with attendance in the quarter before (3 needed); 9 exchanges before (10)
        assert _falls(row((2, 3), [9, 1]), (0, 1), ends) == []
        assert _falls(row((3, 3), [10, 5]), (0, 1), ends) == [
            (ends[1], "Participation fell from 90% to 50%."),
            (ends[1], "Exchanges fell by half or more: from 10 to 5 in a quarter."),
        ]
        assert _falls(row((3, 2), [10, 6]), (0, 1), ends) == []  # 6 is more than half of 10


def card_links(client, ref="D") -> dict[str, str]:
    """Group name -> the href of its report card link in the needs-attention list."""
    html = client.get(reverse("groups:report_dashboard", args=[ref]), **EN).content.decode()
    start = html.index('<section id="attention"')
    section = html[start : html.index("</section>", start)]
    found = re.findall(r'<p class="card-link"><a href="([^"]+)">.*?· ([^<]+)</span></a></p>', section)
    return {name: href for href, name in found}


def test_each_group_to_visit_links_to_its_report_card_where_the_viewer_may_read_it(
    client, coordinator, facilitator, two_villages, world  # noqa: F811
):
    """The coordinator reads every group of D: each visit (G1 and G3) links to its card. G1's facilitator
    reads V1, where a second group (Dasawisma Mawar, quiet since it was formed) is theirs to
    see listed but not to open: no link to its card, and its card is 404 for them."""
    client.force_login(coordinator)
    assert card_links(client) == {
        name: reverse("groups:group_card", args=[ref])
        for name, ref in [("Arisan RT 03", "G1"), ("Kelompok Tani", "G3")]
    }
    formed = TODAY - dt.timedelta(days=400)
    f.GroupFactory(ref="G4", name="Dasawisma Mawar", area=world.village, formed_on=formed)
    compute(world.district)
    client.force_login(facilitator)
    assert [name for name, _reasons in visits(client, "V1")] == ["Arisan RT 03", "Dasawisma Mawar"]
    assert card_links(client, "V1") == {"Arisan RT 03": reverse("groups:group_card", args=["G1"])}
    assert client.get(reverse("groups:group_card", args=["G1"])).status_code == 200
    assert client.get(reverse("groups:group_card", args=["G4"])).status_code == 404


def network(members: str, ties: list[str], outsiders: str = "") -> dict:
    """A stored group network (layouts.member_network's shape): one letter per node."""
    nodes = [{"ref": m, "member": True} for m in members] + [{"ref": o, "member": False} for o in outsiders]
    return {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in ties]}


@pytest.mark.parametrize(
    ("members", "ties", "outsiders", "held"),
    [
        ("", [], "", 0),  # no member
        ("A", [], "", 0),
        ("AB", ["AB"], "", 0),  # a pair: either alone is no one cut off
        ("ABC", ["AB", "BC", "AC"], "", 0),  # a triangle has no cut vertex
        ("ABC", ["AB", "BC"], "", 1),  # a path: without B, A and C part; 1 is cut from the larger
        # S links L, M and N, and N links T: without S the five split into {L}, {M}, {N, T}:
        # 4 - 2 = 2 lose touch with the largest part; without N only T (1). The outsider X
        # deals with L only and E is a member with no tie: neither counts.
        ("SLMNTE", ["SL", "SM", "SN", "NT"], "X", 2),
    ],
)
def test_held_together_counts_the_members_cut_off_within_the_group(members, ties, outsiders, held):
    from groups.scores.pages.attention import held_together

    ties = [*ties, "LX"] if outsiders else ties
    assert held_together(network(members, ties, outsiders)) == held


def test_a_snapshot_stores_who_holds_each_group_together(two_villages):  # noqa: F811
    """Stored at snapshot time for the groups with enough exchanges (G1: 10), the same as the
    stored network says; not said for the others (G2 has 4 in the window, G3 none)."""
    from groups.models import GroupScore
    from groups.scores import evidence
    from groups.scores.layouts import held_together

    rows = GroupScore.objects.filter(snapshot__area=two_villages["district"]).select_related("group")
    stored = {row.group.ref: row.held_together for row in rows}
    assert stored["G1"] == 1
    for row in rows:
        if row.exchanges >= evidence.EXCHANGES:
            assert row.held_together == held_together(row.network)
        else:
            assert row.held_together is None


def test_the_list_reads_no_network_and_an_older_snapshot_still_gives_the_reason(
    client, coordinator, two_villages  # noqa: F811
):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from groups.models import GroupScore
    from groups.scores import page_cache

    client.force_login(coordinator)
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        assert visits(client) == [("Arisan RT 03", [HELD]), ("Kelompok Tani", ["Quiet for 57 weeks."])]
    assert not [q for q in queries.captured_queries if '"groups_groupscore"."network"' in q["sql"]]
    # a snapshot computed before the figure was stored: worked out from its networks
    GroupScore.objects.filter(snapshot__area=two_villages["district"]).update(held_together=None)
    page_cache.records_changed()  # the score rows are in no page key: start the pages again
    assert visits(client) == [("Arisan RT 03", [HELD]), ("Kelompok Tani", ["Quiet for 57 weeks."])]
