"""One computation per community: outside nodes in the analysis, the
community of an area, a village's part of its community's snapshot, the roll-up of a regency,
and the same value for the same group or person on every page, export and role."""

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from groups.models import ActivityKind, Area, AreaLevel, GroupScore, PersonScore, ScoreSnapshot
from groups.scores import analysis, areas, reading, snapshots
from groups.scores.parts import part_scores

from . import factories as f
from . import test_reports_demo
from .conftest import share

demo = test_reports_demo.demo  # the seeded and scored demo community
share("demo", test_reports_demo.build_demo, __name__)  # seeded and scored once for this module
START, END, PERIOD = test_reports_demo.START, test_reports_demo.END, test_reports_demo.PERIOD

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TODAY = timezone.localdate()
RECENT = TODAY - dt.timedelta(days=20)


# --------------------------------------------------------- outside nodes (pure analysis)


def chain_with_an_outsider(**extra) -> analysis.ScopeData:
    """a - b - x: a and b share group g; x lives outside the community and exchanged with b."""
    return analysis.ScopeData(
        people=("p:a", "p:b"),
        actors=extra.get("actors", ()),
        flows=(
            analysis.Flow("p:a", "p:b", "money"),
            analysis.Flow("p:b", "p:x", "labour"),
            *extra.get("flows", ()),
        ),
        memberships={"g:g": frozenset({"p:a", "p:b"})},
        outside=frozenset({"p:x", *extra.get("outside", ())}),
        authority_actors=frozenset(extra.get("authority", ())),
    )


def test_an_outside_node_keeps_a_broker_a_broker_and_gets_no_row():
    s = analysis.compute_scores(chain_with_an_outsider())
    assert set(s.people) == {"p:a", "p:b"}  # x: no row
    # T is the path a - b - x: n = 3, (n-1)(n-2)/2 = 1 pair, and b lies on the only path a..x
    assert s.people["p:b"].betweenness == 1.0
    assert s.area.brokers == ("p:b",)
    # x is b's partner, a bridging tie (x shares no group of the scope)
    assert s.people["p:b"].partners == 2 and s.people["p:b"].bridging_ties == 1
    # group g: I = a-b, E = b-x -> E-I = (1 - 1) / 2 = 0
    assert s.groups["g:g"].ei_index == 0.0
    # people and isolated share count the scope's people only; the tie to x is the scope's
    assert s.area.people == 2 and s.area.isolated_share == 0.0
    assert s.area.ties == 2 and s.area.exchanges == 2


def test_without_the_outside_node_the_broker_vanishes():
    """What a village-only snapshot did: the tie leaving it dropped, and b no broker."""
    data = chain_with_an_outsider()
    s = analysis.compute_scores(analysis.ScopeData(data.people, (), data.flows, data.memberships))
    assert s.people["p:b"].betweenness == 0.0 and s.area.brokers == ()
    assert s.groups["g:g"].ei_index == -1.0  # (0 - 1) / 1


def test_an_outside_actor_is_a_partner_but_not_counted_and_outside_pairs_are_not_the_scopes():
    s = analysis.compute_scores(
        chain_with_an_outsider(
            actors=("a:y",),
            authority=("a:y",),
            outside=("a:y", "p:z"),
            flows=(analysis.Flow("a:y", "p:a", "knowledge"), analysis.Flow("p:x", "p:z", "money")),
        )
    )
    assert s.people["p:a"].linking_ties == 1  # y holds authority: a linking tie, though outside
    assert s.area.actors == 0  # the actor is outside
    D, T = s.graphs
    assert not D.has_edge("p:x", "p:z") and "p:z" not in T  # between two outside nodes: ignored
    # T is the path y - a - b - x: 3 pairs; b lies on (a, x) and (y, x) -> 2/3
    assert s.people["p:b"].betweenness == pytest.approx(2 / 3)


def test_a_part_of_the_community_is_counted_over_its_rows():
    s = analysis.compute_scores(chain_with_an_outsider())
    only_a = part_scores(s, ["p:a"], [], brokers=10)
    # ties with an end at a: a-b only (bonding); exchanges: a -> b
    assert (only_a.people, only_a.ties, only_a.exchanges, only_a.bonding_share) == (1, 1, 1, 1.0)
    assert only_a.brokers == () and only_a.groups == 0
    only_b = part_scores(s, ["p:b", "p:x"], ["g:g"], brokers=10)  # x has no row: not counted
    # ties a-b (bonding) and b-x (bridging); exchanges a -> b and b -> x
    assert (only_b.people, only_b.ties, only_b.exchanges) == (1, 2, 2)
    assert (only_b.bonding_share, only_b.bridging_share) == (0.5, 0.5)
    assert only_b.brokers == ("p:b",) and only_b.group_medians["ei_index"] == 0.0


# ----------------------------------------------------------------- the community of an area


def test_the_community_is_the_district_or_the_top_most_area(db):
    province = f.AreaFactory(ref="P", level=AreaLevel.PROVINCE)
    regency = f.AreaFactory(ref="R", level=AreaLevel.REGENCY, parent=province)
    district = f.AreaFactory(ref="K", level=AreaLevel.DISTRICT, parent=regency)
    village = f.VillageFactory(ref="KV", parent=district)
    lone = f.AreaFactory(ref="Q", level=AreaLevel.PROVINCE)
    lone_village = f.VillageFactory(ref="QV", parent=lone)  # no district above it
    assert areas.community_of(village) == district and areas.community_of(district) == district
    assert areas.community_of(lone_village) == lone
    assert areas.rolls_up(regency) and areas.rolls_up(province) and not areas.rolls_up(village)
    assert not areas.rolls_up(lone)  # nothing to roll up: it is a community itself
    assert areas.communities([province, village, lone_village]) == [district, lone]


def test_a_district_less_community_leaves_the_districts_below_it_to_them(db):
    province = f.AreaFactory(ref="P", level=AreaLevel.PROVINCE)
    loose = f.VillageFactory(ref="PV", parent=province)
    district = f.AreaFactory(ref="K", level=AreaLevel.DISTRICT, parent=province)
    f.VillageFactory(ref="KV", parent=district)
    assert set(areas.community_area_ids(province)) == {province.pk, loose.pk}


# ------------------------------------------------------------- across villages and roles


@pytest.fixture
def crossing(world):
    """G1 (V1): Sri, Siti, Budi; G2 (V2): Budi (lives in V1), Ani. Exchanges make the path
    Siti - Sri - Budi - Ani - Orang, where Orang lives in district E: an outside node of D's
    computation. A training of G2 with exchanges around it."""
    sri, siti, orang = world.member_person, world.member2_person, world.other_member_person
    budi = f.PersonFactory(ref="P-BUDI", full_name="Budi Santoso", area=world.village)
    ani = f.PersonFactory(ref="P-ANI", full_name="Ani Lestari", area=world.village2)
    f.MembershipFactory(person=budi, group=world.group)
    f.MembershipFactory(person=budi, group=world.group2)
    f.MembershipFactory(person=ani, group=world.group2)
    for giver, receiver, day in [
        (sri, siti, RECENT),
        (budi, sri, RECENT),
        (budi, ani, RECENT - dt.timedelta(days=30)),
        (ani, orang, RECENT),
    ]:
        f.ExchangeFactory(giver_person=giver, receiver_person=receiver, date=day)
    training = f.ActivityFactory(
        ref="ACT-G2", group=world.group2, kind=ActivityKind.TRAINING, date=RECENT - dt.timedelta(days=10)
    )
    snapshots.compute_snapshot(reading.create_snapshot(world.village2))  # the district's
    return {"budi": budi, "ani": ani, "training": training}


GROUP_FIELDS = ("size", "ties", "exchanges", "ei_index", "bonding", "bridging", "linking", "density")
PERSON_FIELDS = ("partners", "given", "received", "betweenness", "bridging_ties", "bonding_ties")


def as_viewer(client, user):
    client.force_login(user)
    return client


def pages_seen_by(client, user, group_ref: str, person_ref: str, dashboard_ref: str) -> dict:
    """The values one viewer reads for a group and a person on every page and download."""
    as_viewer(client, user)
    group_page = client.get(reverse("groups:report_group", args=[group_ref]), **EN)
    person_page = client.get(reverse("groups:report_person", args=[person_ref]), **EN)
    dashboard = client.get(reverse("groups:report_dashboard", args=[dashboard_ref]), **EN)
    assert group_page.status_code == person_page.status_code == dashboard.status_code == 200
    score, person = group_page.context["score"], person_page.context["score"]
    row = next(r for r in dashboard.context["group_rows"] if r.group.ref == group_ref)
    broker = {b.person.ref: b.betweenness for b in dashboard.context["brokers"]}
    download = client.get(reverse("groups:scores_download", args=[dashboard_ref]))
    files = zipfile.ZipFile(io.BytesIO(download.content))
    groups_csv = {r["ref"]: r for r in csv.DictReader(io.StringIO(files.read("groups.csv").decode()))}
    people_csv = {r["ref"]: r for r in csv.DictReader(io.StringIO(files.read("people.csv").decode()))}
    return {
        "group": tuple(getattr(score, k) for k in GROUP_FIELDS),
        "group_snapshot": score.snapshot.pk,
        "person": tuple(getattr(person, k) for k in PERSON_FIELDS),
        "broker_rank": person_page.context["broker_rank"],
        "dashboard_ei": row.ei_index,
        "dashboard_betweenness": broker.get(person_ref),
        "csv_ei": groups_csv[group_ref]["ei_index"],
        "csv_betweenness": people_csv[person_ref]["betweenness"],
    }


def test_a_village_facilitator_and_the_district_coordinator_read_the_same_values(
    client, crossing, village2_facilitator, coordinator, world
):
    village = pages_seen_by(client, village2_facilitator, "G2", "P-ANI", "V2")
    district = pages_seen_by(client, coordinator, "G2", "P-ANI", "D")
    assert village == district
    # G2 = {Budi, Ani}: I = Budi-Ani; E = Budi-Sri (Sri is not in G2), Ani-Orang (outside)
    # -> E-I = (2 - 1) / 3. A V2-only snapshot gave -1 (both ties dropped), D's old one 0.
    assert village["group"][GROUP_FIELDS.index("ei_index")] == pytest.approx(1 / 3)
    assert village["csv_ei"] == "0.3333"
    # T is the path Siti - Sri - Budi - Ani - Orang: n = 5, (n-1)(n-2)/2 = 6 pairs; Ani lies
    # on the 3 between Orang and Budi, Sri, Siti -> 3/6
    assert village["person"][PERSON_FIELDS.index("betweenness")] == 0.5
    assert village["dashboard_betweenness"] == 0.5 and village["csv_betweenness"] == "0.5"
    assert village["person"][PERSON_FIELDS.index("partners")] == 2  # Budi and Orang


def test_the_group_facilitator_reads_the_same_values_as_the_coordinator(
    client, crossing, facilitator, coordinator
):
    as_viewer(client, facilitator)
    mine = client.get(reverse("groups:report_group", args=["G1"]), **EN).context["score"]
    as_viewer(client, coordinator)
    theirs = client.get(reverse("groups:report_group", args=["G1"]), **EN).context["score"]
    assert mine.pk == theirs.pk
    # G1 = {Sri, Siti, Budi}: I = Sri-Siti, Budi-Sri; E = Budi-Ani -> (1 - 2) / 3
    assert mine.ei_index == pytest.approx(-1 / 3)


def test_the_before_after_page_is_the_same_for_both_roles(
    client, crossing, village2_facilitator, coordinator
):
    """The page is computed on the group's community whoever looks: the same rows."""
    url = reverse("groups:report_group_change", args=["G2", "ACT-G2"])
    as_viewer(client, village2_facilitator)
    mine = client.get(url, {"months": "2"}, **EN).context["rows"]
    as_viewer(client, coordinator)
    assert client.get(url, {"months": "2"}, **EN).context["rows"] == mine


def test_export_scores_of_a_village_filters_its_communitys_snapshot(crossing, world, tmp_path):
    call_command("export_scores", str(tmp_path), "--area", "V2", stdout=io.StringIO())
    people = {r["ref"]: r for r in csv.DictReader((tmp_path / "people.csv").open(encoding="utf-8"))}
    groups = {r["ref"]: r for r in csv.DictReader((tmp_path / "groups.csv").open(encoding="utf-8"))}
    assert set(people) == {"P-ANI", "P-BUDI"}  # V2's people: Ani, and Budi through G2
    assert set(groups) == {"G2"} and groups["G2"]["ei_index"] == "0.3333"
    stored = PersonScore.objects.get(person=crossing["ani"], snapshot__area=world.district)
    assert float(people["P-ANI"]["betweenness"]) == stored.betweenness
    area = next(csv.DictReader((tmp_path / "area.csv").open(encoding="utf-8")))
    assert area["ref"] == "V2" and area["people"] == "2" and area["groups"] == "1"
    assert not ScoreSnapshot.objects.filter(area=world.village2).exists()


def test_a_village_page_shows_its_part_and_says_so(client, crossing, village2_facilitator):
    as_viewer(client, village2_facilitator)
    response = client.get(reverse("groups:report_dashboard", args=["V2"]), **EN)
    assert response.context["community_part"]
    figures = {fig["key"]: fig["value"] for fig in response.context["figures"]}
    # V2's people: Ani and Budi; ties with an end among them: Budi-Sri, Budi-Ani, Ani-Orang
    assert (figures["people"], figures["groups"], figures["exchanges"]) == (2, 1, 3)
    assert [row.group.ref for row in response.context["group_rows"]] == ["G2"]
    assert "The scores are computed once for Kecamatan Kertek" in response.content.decode()


def test_a_tie_leaving_the_readers_area_is_shown_as_outside_it(
    client, crossing, village2_facilitator, coordinator
):
    as_viewer(client, village2_facilitator)
    page = client.get(reverse("groups:report_person", args=["P-ANI"]), **EN)
    partners = {p["name"]: p["outside_area"] for p in page.context["partners"]}
    assert len(partners) == 2  # Budi (lives in V1) and Orang (district E): listed, never dropped
    assert "Orang Lain" not in partners and all(partners.values())
    assert "outside your area" in page.content.decode()
    group = client.get(reverse("groups:report_group", args=["G2"]), **EN).context["network"]
    assert group["outside_area"] == 3  # Budi, Sri (both of V1) and Orang (E): drawn
    as_viewer(client, coordinator)
    group = client.get(reverse("groups:report_group", args=["G2"]), **EN).context["network"]
    assert group["outside_area"] == 1  # only Orang, outside district D
    assert [m["outside_area"] for m in group["members"]] == [False, False]  # Budi and Ani: in D


def test_a_tie_across_two_communities_marks_both_stale(crossing, world, django_capture_on_commit_callbacks):
    snapshots.compute_snapshot(reading.create_snapshot(world.other_district))
    ScoreSnapshot.objects.exclude(status="done").delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        f.ExchangeFactory(giver_person=world.other_member_person, receiver_person=crossing["ani"], date=TODAY)
    for callback in callbacks:
        callback()
    pending = set(ScoreSnapshot.objects.filter(status="pending").values_list("area__ref", flat=True))
    assert pending == {"D", "E"}


# ------------------------------------------------------------------ the regency roll-up


def test_a_regency_page_rolls_up_its_districts(
    client, crossing, staff, world, django_capture_on_commit_callbacks
):
    regency = f.AreaFactory(ref="R", name="Kabupaten Contoh", level=AreaLevel.REGENCY)
    Area.objects.filter(pk__in=[world.district.pk, world.other_district.pk]).update(parent=regency)
    as_viewer(client, staff)
    with django_capture_on_commit_callbacks(execute=True):
        waiting = client.get(reverse("groups:report_dashboard", args=["R"]), **EN)
    assert waiting.context["rollup_waiting"] == 1  # E had no snapshot: requested
    response = client.get(reverse("groups:report_dashboard", args=["R"]), **EN)
    assert response.status_code == 200 and response.context["rollup"]
    rows = response.context["rollup_rows"]
    assert [row.area.ref for row in rows] == ["D", "E"]  # one row per district, by name
    assert response.context["rollup_waiting"] == 0
    assert not ScoreSnapshot.objects.filter(area=regency).exists()  # never one graph of everything
    # the areas within side by side: each district whole, as its own page counts it
    table = {row.area.ref: row.cell("people").value for row in response.context["village_rows"]}
    own = {row.area.ref: row.snapshot.area_scores["people"] for row in rows}
    assert table == own and set(own) == {"D", "E"}
    assert "Areas within, side by side" in response.content.decode()


def test_a_regency_download_holds_each_districts_tables(client, crossing, staff, world):
    regency = f.AreaFactory(ref="R", level=AreaLevel.REGENCY)
    Area.objects.filter(pk__in=[world.district.pk, world.other_district.pk]).update(parent=regency)
    snapshots.compute_snapshot(reading.create_snapshot(world.other_district))
    as_viewer(client, staff)
    response = client.get(reverse("groups:scores_download", args=["R"]))
    names = set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    assert {"D/people.csv", "D/groups.csv", "D/area.csv", "E/people.csv"} <= names


def test_old_snapshots_without_villages_figures_still_render(client, crossing, village2_facilitator, world):
    snapshot = ScoreSnapshot.objects.get(area=world.district)
    stored = dict(snapshot.area_scores)
    del stored["parts"]
    trend = dict(snapshot.trend)
    del trend["parts"]
    ScoreSnapshot.objects.filter(pk=snapshot.pk).update(area_scores=stored, trend=trend)
    as_viewer(client, village2_facilitator)
    response = client.get(reverse("groups:report_dashboard", args=["V2"]), **EN)
    figures = {fig["key"]: fig["value"] for fig in response.context["figures"]}
    assert response.status_code == 200 and (figures["people"], figures["groups"]) == (2, 1)
    assert GroupScore.objects.filter(snapshot=snapshot).count() == 2


# ------------------------------------------------------------------------------ the demo


@pytest.mark.slow
def test_demo_slamet_and_the_farmers_read_the_same_for_the_facilitator_and_the_coordinator(client, demo):
    """Pak Slamet (the broker the demo was built around) and Kelompok Tani: the same numbers on
    the village facilitator's pages as on the district coordinator's (before one computation per
    community: E-I +0.14 vs +0.07, and broker no. 1 vs none)."""
    seen = {}
    for username in ("pendamping", "koordinator"):
        client.force_login(get_user_model().objects.get(username=username))
        person = client.get(reverse("groups:report_person", args=[demo["slamet"].ref]), PERIOD, **EN)
        group = client.get(reverse("groups:report_group", args=["G-TANI-SM"]), PERIOD, **EN)
        assert person.status_code == group.status_code == 200
        seen[username] = (
            person.context["score"].betweenness,
            person.context["broker_rank"],
            person.context["score"].snapshot_id,
            group.context["score"].ei_index,
        )
    assert seen["pendamping"] == seen["koordinator"]
    assert seen["pendamping"][1] == 1  # broker no. 1 for both


@pytest.mark.slow
def test_demo_regency_page_has_one_row_per_district(client, demo, staff):
    client.force_login(staff)
    response = client.get(reverse("groups:report_dashboard", args=["ID-JT-WSB"]), PERIOD, **EN)
    assert [row.area.ref for row in response.context["rollup_rows"]] == ["ID-JT-WSB-KTK"]
    kertek = Area.objects.get(ref="ID-JT-WSB-KTK")
    district = ScoreSnapshot.objects.done().for_window(kertek, START, END).get()
    assert response.context["rollup_rows"][0].snapshot == district
