"""collect.scope_data / collect on a hand-built community: who is a node, which exchanges,
memberships, activities and norms count in a window (both ends inclusive)."""

import datetime as dt
from dataclasses import dataclass

import pytest

from groups.models import AreaLevel, ExchangeStatus, Resource
from groups.scores import analysis, collect, windows

from . import factories as f
from .conftest import share

START, END = dt.date(2026, 1, 1), dt.date(2026, 6, 30)


@dataclass
class Town:
    district: object
    village: object
    village2: object
    elsewhere: object
    group: object
    group2: object
    people: dict
    actor: object


@pytest.fixture
def town(db, _shared):
    return _shared.get("town", build_town)


def build_town() -> Town:
    district = f.AreaFactory(ref="SD", level=AreaLevel.DISTRICT)
    village = f.VillageFactory(ref="SV1", parent=district)
    village2 = f.VillageFactory(ref="SV2", parent=district)
    elsewhere = f.VillageFactory(ref="SW", parent=f.AreaFactory(ref="SE"))
    group = f.GroupFactory(ref="SG1", area=village)
    group2 = f.GroupFactory(ref="SG2", area=village2)
    people = {
        name: f.PersonFactory(ref=f"S-{name}", full_name=name, area=area)
        for name, area in [
            ("ana", village),
            ("budi", village),
            ("cici", village),  # cici: no exchange at all
            ("dodi", village2),
            ("eko", elsewhere),  # eko lives elsewhere but is in SG1
            ("fani", elsewhere),
            ("gita", elsewhere),
            ("hadi", elsewhere),
        ]
    }
    p = people
    f.MembershipFactory(person=p["ana"], group=group, joined_on=dt.date(2020, 1, 1))
    f.MembershipFactory(person=p["eko"], group=group, joined_on=dt.date(2025, 1, 1))
    # joined on the window's last day: open in the window
    f.MembershipFactory(person=p["budi"], group=group, joined_on=END)
    # left on the window's first day: open in the window
    f.MembershipFactory(person=p["dodi"], group=group2, joined_on=dt.date(2024, 1, 1), left_on=START)
    # joined after the end / left before the start: not in the window
    f.MembershipFactory(person=p["fani"], group=group, joined_on=END + dt.timedelta(days=1))
    f.MembershipFactory(
        person=p["gita"], group=group, joined_on=dt.date(2024, 1, 1), left_on=START - dt.timedelta(days=1)
    )
    actor = f.ActorFactory(ref="S-ACT", area=district)
    ex = f.ExchangeFactory
    ex(ref="E-first-day", giver_person=p["ana"], receiver_person=p["budi"], date=START)
    ex(ref="E-last-day", giver_person=p["budi"], receiver_person=p["ana"], date=END, resource=Resource.LABOUR)
    ex(ref="E-before", giver_person=p["ana"], receiver_person=p["budi"], date=START - dt.timedelta(days=1))
    ex(ref="E-after", giver_person=p["ana"], receiver_person=p["budi"], date=END + dt.timedelta(days=1))
    ex(
        ref="E-disputed",
        giver_person=p["ana"],
        receiver_person=p["dodi"],
        date=dt.date(2026, 3, 1),
        status=ExchangeStatus.DISPUTED,
    )
    ex(
        ref="E-pending",
        giver_person=p["dodi"],
        receiver_person=p["eko"],
        date=dt.date(2026, 3, 1),
        status=ExchangeStatus.PENDING,
    )
    ex(
        ref="E-actor",
        giver_person=None,
        giver_actor=actor,
        receiver_person=p["ana"],
        date=dt.date(2026, 2, 1),
        resource=Resource.KNOWLEDGE,
    )
    # an exchange of hadi (out of every scope here) with ana: hadi is not a node
    ex(ref="E-outsider", giver_person=p["hadi"], receiver_person=p["ana"], date=dt.date(2026, 2, 2))
    inside = f.ActivityFactory(group=group, date=END)
    inside.attendees.set([p["ana"], p["eko"]])
    f.ActivityFactory(group=group, date=START - dt.timedelta(days=1)).attendees.set([p["ana"]])
    kept = f.NormFactory(group=group, agreed_on=dt.date(2020, 1, 1))
    kept.reviews.create(reviewed_on=dt.date(2025, 12, 1), rating=2)
    kept.reviews.create(reviewed_on=END, rating=4)  # latest on or before the end
    kept.reviews.create(reviewed_on=END + dt.timedelta(days=1), rating=1)  # after the end: ignored
    f.NormFactory(group=group, agreed_on=None)  # in force, never reviewed
    f.NormFactory(group=group, agreed_on=END + dt.timedelta(days=1))  # not yet agreed
    f.NormFactory(group=group, is_active=False, retired_on=END - dt.timedelta(days=1))  # retired in time
    f.NormFactory(group=group, is_active=False, retired_on=END + dt.timedelta(days=1)).reviews.create(
        reviewed_on=START, rating=5
    )  # retired only after the end: in force at the end
    return Town(district, village, village2, elsewhere, group, group2, people, actor)


share("town", build_town, __name__)  # built once for this module


def node(person) -> str:
    return f"p:{person.pk}"


def flow_refs(data) -> list[tuple[str, str, str]]:
    return sorted((fl.giver, fl.receiver, fl.resource) for fl in data.flows)


def test_every_person_of_the_area_is_a_node_isolates_and_members_from_elsewhere_included(town):
    data = collect.scope_data(town.district, START, END)
    p = town.people
    expected = {node(p[n]) for n in ("ana", "budi", "cici", "dodi", "eko")}
    assert set(data.people) == expected
    D, T = analysis.build_graphs(data)
    assert node(p["cici"]) in D and T.degree(node(p["cici"])) == 0
    # hadi exchanged with ana but lives outside the community: an outside node (a partner and
    # on paths), not a person of the scope
    assert node(p["hadi"]) not in data.people and data.outside == {node(p["hadi"])}
    assert D.has_edge(node(p["hadi"]), node(p["ana"]))


def test_window_ends_are_inclusive_and_disputed_exchanges_are_left_out(town):
    data = collect.scope_data(town.district, START, END)
    p = town.people
    counted = [
        (fl.giver, fl.receiver) for fl in data.flows if fl.giver in data.people and fl.receiver in data.people
    ]
    assert sorted(counted) == sorted(
        [
            (node(p["ana"]), node(p["budi"])),  # first day
            (node(p["budi"]), node(p["ana"])),  # last day
            (node(p["dodi"]), node(p["eko"])),  # pending counts
        ]
    )
    D, _ = analysis.build_graphs(data)
    assert not D.has_edge(node(p["ana"]), node(p["dodi"]))  # disputed
    assert D.number_of_edges() == 5  # three above + actor -> ana + hadi (outside) -> ana


def test_external_actors_that_exchanged_are_nodes(town):
    data = collect.scope_data(town.district, START, END)
    actor = f"a:{town.actor.pk}"
    assert data.actors == (actor,)
    D, _ = analysis.build_graphs(data)
    assert D.nodes[actor]["kind"] == "actor"
    assert D.has_edge(actor, node(town.people["ana"]))


def test_membership_window_rule(town):
    data = collect.scope_data(town.district, START, END)
    p = town.people
    members = data.memberships[f"g:{town.group.pk}"]
    assert members == {
        node(p["ana"]),
        node(p["eko"]),
        node(p["budi"]),
    }  # not fani (later), not gita (earlier)
    assert data.memberships[f"g:{town.group2.pk}"] == {node(p["dodi"])}  # left on the first day


def test_activities_in_the_window_with_attendees(town):
    data = collect.scope_data(town.district, START, END)
    assert [(a.group, a.attendees) for a in data.activities] == [
        (f"g:{town.group.pk}", frozenset({node(town.people["ana"]), node(town.people["eko"])}))
    ]


def test_norms_in_force_at_the_end_with_their_latest_rating_by_then(town):
    data = collect.scope_data(town.district, START, END)
    assert sorted(data.norm_ratings[f"g:{town.group.pk}"], key=lambda r: (r is None, r)) == [4, 5, None]


def test_a_village_scope_holds_its_residents_and_its_groups_members(town):
    data = collect.scope_data(town.village, START, END)
    p = town.people
    assert set(data.people) == {node(p["ana"]), node(p["budi"]), node(p["cici"]), node(p["eko"])}
    assert set(data.memberships) == {f"g:{town.group.pk}"}


def test_a_group_scope_holds_its_members_in_the_window(town):
    data = collect.scope_data(town.group, START, END)
    p = town.people
    assert set(data.people) == {node(p["ana"]), node(p["budi"]), node(p["eko"])}
    assert set(data.memberships) == {f"g:{town.group.pk}"}


def test_resource_filter_keeps_only_that_type(town):
    data = collect.scope_data(town.district, START, END, Resource.LABOUR)
    assert flow_refs(data) == [(node(town.people["budi"]), node(town.people["ana"]), "labour")]
    assert data.actors == ()


def test_a_narrower_window_drops_what_falls_outside(town):
    data = collect.scope_data(town.district, START + dt.timedelta(days=1), END - dt.timedelta(days=1))
    assert (node(town.people["ana"]), node(town.people["budi"]), "money") not in flow_refs(data)
    assert data.activities == ()
    assert node(town.people["budi"]) not in data.memberships[f"g:{town.group.pk}"]  # joined on END
    assert data.norm_ratings[f"g:{town.group.pk}"].count(4) == 0  # reviewed on END


def test_quarter_slices_of_a_collection_match_a_fresh_query(town):
    collected = collect.collect(town.district, START, END)
    for quarter in collected.window.quarters():
        assert collected.scope_data(quarter) == collect.scope_data(town.district, quarter.start, quarter.end)


def test_scope_data_query_count_does_not_grow_with_rows(town, django_assert_max_num_queries):
    with django_assert_max_num_queries(14) as small:  # 13th: meeting rhythm + last activity; 14th: funds
        collect.scope_data(town.district, START, END)
    for _ in range(30):
        person = f.PersonFactory(area=town.village)
        f.MembershipFactory(person=person, group=town.group)
        f.ExchangeFactory(giver_person=person, receiver_person=town.people["ana"], date=START)
        f.ActivityFactory(group=town.group, date=START).attendees.set([person])
        f.NormFactory(group=town.group).reviews.create(reviewed_on=START, rating=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        collect.scope_data(town.district, START, END)


class TestWindows:
    def test_default_window_is_the_last_12_months_inclusive(self):
        window = windows.default_window(dt.date(2026, 11, 28))
        assert (window.start, window.end) == (dt.date(2025, 11, 29), dt.date(2026, 11, 28))

    def test_default_window_at_the_end_of_february_in_a_leap_year(self):
        window = windows.default_window(dt.date(2028, 2, 29))
        assert (window.start, window.end) == (dt.date(2027, 3, 1), dt.date(2028, 2, 29))

    def test_twelve_months_make_four_full_contiguous_quarters(self):
        quarters = windows.default_window(dt.date(2026, 11, 28)).quarters()
        assert [(q.start, q.end, q.partial) for q in quarters] == [
            (dt.date(2025, 11, 29), dt.date(2026, 2, 28), False),
            (dt.date(2026, 3, 1), dt.date(2026, 5, 28), False),
            (dt.date(2026, 5, 29), dt.date(2026, 8, 28), False),
            (dt.date(2026, 8, 29), dt.date(2026, 11, 28), False),
        ]

    def test_a_short_window_has_one_partial_quarter(self):
        quarters = windows.Window(dt.date(2026, 5, 1), dt.date(2026, 9, 30)).quarters()
        assert [(q.start, q.end, q.partial) for q in quarters] == [
            (dt.date(2026, 5, 1), dt.date(2026, 6, 30), True),
            (dt.date(2026, 7, 1), dt.date(2026, 9, 30), False),
        ]

    def test_a_single_day_window_is_one_quarter(self):
        day = dt.date(2026, 5, 1)
        assert windows.Window(day, day).quarters() == [windows.Window(day, day, True)]
