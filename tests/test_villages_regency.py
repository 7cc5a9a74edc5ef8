"""The same villages table on a regency's page: one row per district, each district counted
whole from its own snapshot (never one graph of the regency), sorted by links and by htmx, as
CSV, with its status against a target; and a province's page, one row per regency summed over
its districts. World: tests/test_villages.py's two villages in district D, and district E."""

import csv
import io
import re

import pytest
from django.urls import reverse

from groups.models import Area, AreaLevel, Assignment, ScoreSnapshot, StaffRole, Target

from . import factories as f
from .conftest import Several, build_world, share
from .test_villages import EN, HTMX, build_two_villages, compute, table_rows, two_villages  # noqa: F401


@pytest.fixture
def regency(world, two_villages, _shared):  # noqa: F811
    return _shared.get("regency", lambda: build_regency(world))


def build_shared_regency() -> Several:
    world = build_world()
    villages = build_two_villages(world)
    return Several(world=world, two_villages=villages, regency=build_regency(world))


share("regency", build_shared_regency, __name__)  # built and scored once for this module


def build_regency(world) -> Area:
    """Kabupaten Wonosobo (R) above D (scored by two_villages) and E (H with one member, no
    exchange), both computed."""
    regency = f.AreaFactory(ref="R", name="Kabupaten Wonosobo", level=AreaLevel.REGENCY)
    Area.objects.filter(pk__in=[world.district.pk, world.other_district.pk]).update(parent=regency)
    compute(world.other_district)
    return regency


@pytest.fixture
def regency_coordinator(regency):
    user = f.UserFactory(username="koordinator-kabupaten")
    Assignment.objects.create(user=user, role=StaffRole.COORDINATOR, area=regency)
    return user


def dashboard(client, ref="R", **query):
    url = reverse("groups:report_dashboard", args=[ref])
    return client.get(url, query, **EN).content.decode()


def table_url(ref="R", **query):
    query_string = "&".join(f"{k}={v}" for k, v in query.items())
    return reverse("groups:report_villages", args=[ref]) + "?" + query_string


def test_a_regency_sets_its_districts_side_by_side_worked_out_by_hand(client, regency_coordinator):
    client.force_login(regency_coordinator)
    body = dashboard(client)
    assert "Areas within, side by side" in body and "Median over districts" not in body
    rows = {name: (values, changes) for name, values, changes in table_rows(body)}
    # D whole, from its own snapshot: G1, G2, G3; Sri, Siti, Ari, Dewi, Ani, Eko, Fajar; the
    # 10 exchanges of each village (20); 5 of the 7 in an exchange (not Dewi, Fajar); medians
    # over G1 and G2 (G3 has no records): self-reliance (100% + 60%) / 2, participation
    # (75% + 67%) / 2; the norm rating of G1 alone (G2 has one reviewed norm); G3 quiet;
    # Sri (for Ari) and Ani (for the agency) would cut others off.
    assert rows["Kecamatan Kertek"][0] == [
        "3",
        "7",
        "20",
        "5 of 7 people",
        "80% (median of 2 groups)",
        "71% (median of 2 groups)",
        "3 (median of 1 group)",
        "1",
        "2",
    ]
    # quarter before -> last: exchanges 4 + 4 -> 6 + 6; in an exchange Sri, Siti, Ani (from
    # the agency) -> Sri, Siti, Ari, Ani, Eko
    assert rows["Kecamatan Kertek"][1][1:4] == ["7 → 7", "8 → 12", "3 → 5"]
    # quiet groups 3 -> 1 (G1 and G2 met in the last quarter only), cut off 0 -> 1 (Sri for Ari)
    assert rows["Kecamatan Kertek"][1][7:] == ["3 → 1", "0 → 1"]
    # E: H with Orang Lain, who exchanged with nobody
    assert rows["Kecamatan Lain"][0][:4] == ["1", "1", "0", "0 of 1 person"]
    assert rows["Kecamatan Lain"][0][4] == "too few records (0)"
    assert not ScoreSnapshot.objects.filter(area__ref="R").exists()  # never one graph of everything
    # each row leads to the district's own page
    assert f'<a href="{reverse("groups:report_dashboard", args=["D"])}">Kecamatan Kertek</a>' in body


def test_sorting_the_districts_by_links_and_by_htmx(client, regency_coordinator):
    client.force_login(regency_coordinator)
    names = [r[0] for r in table_rows(client.get(table_url(sort="-people"), **EN).content.decode())]
    assert names == ["Kecamatan Kertek", "Kecamatan Lain"]  # 7 people, then 1
    names = [r[0] for r in table_rows(client.get(table_url(sort="people"), **EN).content.decode())]
    assert names == ["Kecamatan Lain", "Kecamatan Kertek"]
    body = dashboard(client)
    assert f'hx-get="{reverse("groups:report_villages", args=["R"])}?sort=people"' in body
    fragment = client.get(table_url(sort="-exchanges"), **HTMX, **EN).content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="villages"')
    assert [r[0] for r in table_rows(fragment)] == ["Kecamatan Kertek", "Kecamatan Lain"]


def test_the_districts_table_downloads_as_csv(client, regency_coordinator):
    client.force_login(regency_coordinator)
    response = client.get(reverse("groups:villages_download", args=["R"]) + "?sort=people")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["area_ref"] for row in rows] == ["E", "D"]
    d = rows[1]
    assert (d["groups"], d["people"], d["exchanges"], d["exchanges_change"]) == ("3", "7", "20", "4")
    assert (d["self_reliance"], d["self_reliance_base"], d["participation"]) == ("0.8", "2", "0.7083")
    assert (d["quiet"], d["cut_off"]) == ("1", "2")


def status_words(body: str) -> dict[str, list[str]]:
    """Area name -> the status words shown in its row."""
    found = {}
    for name, _values, _changes in table_rows(body):
        start = body.index(f">{name}</a></th>")
        row = body[start : body.index("</tr>", start)]
        found[name] = re.findall(r'<span class="target-status (\w+)">.*?</span>([^<]+)</span>', row)
    return found


def test_each_district_row_shows_its_status_against_the_regency_target(client, regency_coordinator):
    """Participation at least 70%, near 5, set on the regency: D's median 71% is on target; E
    has no group with enough records: too few records. In colour and in words."""
    Target.objects.create(area=Area.objects.get(ref="R"), indicator="participation", goal=70, near=5)
    client.force_login(regency_coordinator)
    statuses = status_words(dashboard(client))
    assert statuses == {
        "Kecamatan Kertek": [("on", "on target")],
        "Kecamatan Lain": [("few", "too few records")],
    }
    Target.objects.create(area=Area.objects.get(ref="D"), indicator="participation", goal=75, near=5)
    assert status_words(dashboard(client))["Kecamatan Kertek"] == [("near", "near target")]


def test_a_district_still_being_computed_says_so_in_its_row(client, regency_coordinator, world):
    ScoreSnapshot.objects.filter(area=world.other_district).delete()
    client.force_login(regency_coordinator)
    body = dashboard(client)
    rows = {name: values for name, values, _changes in table_rows(body)}
    assert rows["Kecamatan Lain"] == [] and len(rows["Kecamatan Kertek"]) == 9  # E's has no figures
    assert '<td colspan="9" class="muted waiting">being computed</td>' in body
    assert "this table updates by itself" in body


@pytest.mark.parametrize(
    ("role", "status"), [("coordinator", 404), ("member", 404), ("regency_coordinator", 200), ("staff", 200)]
)
@pytest.mark.parametrize("name", ["report_villages", "villages_download"])
def test_who_reads_the_districts_table(client, request, regency, name, role, status):
    """A district's coordinator cannot see the regency (404, as an unknown area); everyone
    who may see an area reads its reports, so no one gets a 403 here."""
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse(f"groups:{name}", args=["R"])).status_code == status
    client.logout()
    assert "/accounts/login/" in client.get(reverse(f"groups:{name}", args=["R"]))["Location"]


def test_a_province_sets_its_regencies_side_by_side_summed_over_their_districts(client, staff, regency):
    province = f.AreaFactory(ref="P", name="Jawa Tengah", level=AreaLevel.PROVINCE)
    regency.parent = province
    regency.save()
    client.force_login(staff)
    (name, values, changes), = table_rows(dashboard(client, "P"))
    # R = D + E: 3 + 1 groups, 7 + 1 people, 20 + 0 exchanges; medians over the groups of both
    # with enough records (G1, G2), not a median of medians
    assert name == "Kabupaten Wonosobo"
    assert values == [
        "4",
        "8",
        "20",
        "5 of 8 people",
        "80% (median of 2 groups)",
        "71% (median of 2 groups)",
        "3 (median of 1 group)",
        "1",
        "2",
    ]
    # the regency adds district E's one person (8 people in both quarters); its quiet groups and
    # people who would cut others off are district D's
    assert changes[1:4] == ["8 → 8", "8 → 12", "3 → 5"] and changes[7:] == ["3 → 1", "0 → 1"]
