"""Definitions 2-5 through the database and the pages: authority from the actor form and from
actors.csv, what collect passes to the analysis, the stored scores, the dashboard's list of
people whose absence would cut others off, the group page's marks, and the new export columns
in both doors (the browser download and export_scores)."""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from groups.models import ExternalActor, GroupScore, PersonScore, Resource
from groups.scores import collect, reading, snapshots
from groups.transfer import csvfiles, exporter, importer

from . import factories as f
from .factories import once

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
PERIOD = {"period": "dates", "start": START.isoformat(), "end": END.isoformat()}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NEW_COLUMNS = {
    "people.csv": ["cut_off"],
    "groups.csv": ["balanced_share", "aid_value_share", "capacity_building"],
}


@pytest.fixture
def helped(world):
    """G1 = {Sri, Siti}. Sri received: a grant of Rp 300.000 and a training from the agency
    (authority by kind), Rp 100.000 from Siti, goods from a bank marked as holding no authority.
    A cooperative marked as holding authority exchanged with nobody in G1."""
    sri, siti = world.member_person, world.member2_person
    agency = f.ActorFactory(ref="A-DINAS", name="Dinas Sosial", area=world.district)
    bank = f.ActorFactory(ref="A-BANK", name="BPR", kind="bank", has_authority=False, area=world.district)
    coop = f.ActorFactory(
        ref="A-KOP", name="Koperasi", kind="cooperative", has_authority=True, area=world.district
    )
    other = f.PersonFactory(ref="P-OTHER2", area=world.village2)

    def gave(resource, amount=None, unit="", **ends):
        ends = {"giver_person": None, **ends}
        f.ExchangeFactory(resource=resource, amount=amount, unit=unit, receiver_person=sri, **ends)

    gave(Resource.MONEY, Decimal(300000), "IDR", giver_actor=agency)
    gave(Resource.KNOWLEDGE, giver_actor=agency)
    gave(Resource.MONEY, Decimal(100000), "Rp", giver_person=siti)
    gave(Resource.GOODS, Decimal(5), "kg", giver_actor=bank)
    f.ExchangeFactory(giver_person=None, giver_actor=coop, receiver_person=other, resource=Resource.GOODS)
    return world


def computed(area):
    return snapshots.compute_snapshot(reading.create_snapshot(area, START, END))


# --------------------------------------------------------------------- collect and store


def test_collect_passes_authority_amounts_and_units(helped):
    data = collect.scope_data(helped.district, START, END)
    pks = dict(ExternalActor.objects.values_list("ref", "pk"))
    # the agency by its kind, the cooperative by its override; the bank's override says no
    assert data.authority_actors == {f"a:{pks['A-DINAS']}", f"a:{pks['A-KOP']}"}
    money = sorted((fl.amount, fl.unit) for fl in data.flows if fl.resource == "money")
    assert money == [(100000.0, "Rp"), (300000.0, "IDR")]


def test_stored_group_and_person_scores(helped):
    snapshot = computed(helped.district)
    g1 = GroupScore.objects.get(snapshot=snapshot, group=helped.group)
    # Received by G1 (all by Sri): grant, training, Siti's money, the bank's goods = 4; from
    # authority 2 (grant, training); capacity building 1 (training): (4 - 2) / (4 - 1) = 2/3.
    assert g1.self_reliance == pytest.approx(2 / 3) and g1.capacity_building == 1
    # money and goods received 3, aid 1 (the grant; the bank holds no authority here): 1/3.
    assert g1.aid_dependence == pytest.approx(1 / 3)
    # rupiah: 300.000 aid of 400.000 (the kilograms are left out): 3/4.
    assert g1.aid_value_share == 0.75 and g1.bases["aid_value_share"] == 2
    # only the agency links: the bank is bridging, the cooperative never met G1
    assert (g1.linking_actors, g1.linking_actor_refs) == (1, ["A-DINAS"])
    # Sri received 4, gave 0; Siti gave 1, received 0: nobody balanced: 0/2.
    assert g1.balanced_share == 0.0 and g1.bases["balanced_share"] == 2
    # Sri's ties (Siti, agency, bank) are the only ways to them: 3 bridges.
    assert g1.bridges == 3
    sri = PersonScore.objects.get(snapshot=snapshot, person=helped.member_person)
    # Sri's part: Sri, Siti, agency, bank (4); without her, three pieces of 1: 3 - 1 = 2.
    assert sri.cut_off == 2 and sri.bases["cut_off"] == 3
    assert PersonScore.objects.get(snapshot=snapshot, person=helped.member2_person).cut_off == 0


# ----------------------------------------------------------------------------- pages


def test_dashboard_lists_who_would_cut_others_off(client, coordinator, helped):
    computed(helped.district)
    client.force_login(coordinator)
    response = client.get(reverse("groups:report_dashboard", args=["D"]), PERIOD, **EN)
    rows = response.context["cut_off"]
    assert [(row.person, row.cut_off) for row in rows] == [(helped.member_person, 2)]
    assert response.context["cut_off_count"] == 1
    body = response.content.decode()
    assert "Whose absence would cut others off" in body and "2 would lose touch" in body
    assert f'href="{reverse("groups:methodology")}#cut-off"' in body


def test_dashboard_says_when_nobody_would(client, coordinator, world):
    f.ExchangeFactory(giver_person=world.member_person, receiver_person=world.member2_person)
    computed(world.district)
    client.force_login(coordinator)
    response = client.get(reverse("groups:report_dashboard", args=["D"]), PERIOD, **EN)
    assert response.context["cut_off"] == []
    assert "Nobody's absence would cut anyone off." in response.content.decode()


def test_group_page_marks_its_members_who_would_cut_others_off(client, coordinator, helped):
    computed(helped.district)
    client.force_login(coordinator)
    response = client.get(reverse("groups:report_group", args=["G1"]), PERIOD, **EN)
    marks = {m["score"].person.ref: m["cut_off"] for m in response.context["network"]["members"]}
    assert marks == {"P-MEMBER": 2, "P-MEMBER2": 0}
    assert response.content.decode().count("would lose touch without them") == 1
    more = {row["key"]: row["value"] for row in response.context["more"]}
    assert more["aid_value_share"] == 0.75 and more["capacity_building"] == 1


def test_methodology_has_each_new_definition(client, member):
    client.force_login(member)
    body = client.get(reverse("groups:methodology"), **EN).content.decode()
    for anchor in ("aid-value-share", "capacity-building", "balanced-share", "cut-off", "bridges"):
        assert f'id="{anchor}"' in body
    assert "(30 + 4) / (40 − 4) = 34 / 36 = 94%" in body  # the worked example of self-reliance
    assert body.count("Minimum evidence") >= 7


# --------------------------------------------------------------------- the export doors


def test_new_columns_in_the_browser_download(client, staff, helped):
    computed(helped.district)
    client.force_login(staff)
    response = client.get(reverse("groups:scores_download", args=["D"]), PERIOD)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    files = {n: list(csv.DictReader(io.StringIO(archive.read(n).decode()))) for n in archive.namelist()}
    check_columns(files)


def test_new_columns_in_export_scores(helped, tmp_path):
    computed(helped.district)
    call_command(
        "export_scores", str(tmp_path), "--area", "D", "--since", "2026-01-01", "--until", "2026-12-31"
    )
    files = {}
    for name in NEW_COLUMNS:
        with open(tmp_path / name, newline="") as handle:
            files[name] = list(csv.DictReader(handle))
    check_columns(files)


def check_columns(files):
    for name, columns in NEW_COLUMNS.items():
        assert set(columns) <= set(files[name][0]), name
    sri = next(r for r in files["people.csv"] if r["ref"] == "P-MEMBER")
    assert sri["cut_off"] == "2"
    g1 = next(r for r in files["groups.csv"] if r["ref"] == "G1")
    assert (g1["balanced_share"], g1["aid_value_share"], g1["capacity_building"]) == ("0.0", "0.75", "1")
    g2 = next(r for r in files["groups.csv"] if r["ref"] == "G2")
    assert g2["aid_value_share"] == "" and g2["balanced_share"] == ""  # undefined: blank


# ------------------------------------------------------------------------ the actor form


def test_actor_form_sets_and_clears_authority(client, world, facilitator):
    client.force_login(facilitator)
    form = client.get(reverse("groups:actor_create"), **EN).context["form"]
    assert [label for _, label in form.fields["has_authority"].choices] == [
        "As usual for this kind",
        "Yes",
        "No",
    ]
    post = {"name": "Koperasi Tani", "kind": "cooperative", "area": world.village.pk}
    client.post(reverse("groups:actor_create"), once({**post, "has_authority": "True"}))
    actor = ExternalActor.objects.get(name="Koperasi Tani")
    assert actor.has_authority is True and actor.holds_authority
    edit = reverse("groups:actor_edit", args=[actor.ref])
    page = client.get(edit, **EN).content.decode()
    assert "As usual for this kind (now: no)" in page  # a cooperative does not, as usual
    client.post(edit, {**post, "has_authority": ""})
    actor.refresh_from_db()
    assert actor.has_authority is None and not actor.holds_authority
    client.post(edit, {**post, "kind": "bank", "has_authority": "False"})
    actor.refresh_from_db()
    assert actor.has_authority is False and not actor.holds_authority


def test_actor_form_in_indonesian(client, world, facilitator):
    client.force_login(facilitator)
    with translation.override("id"):
        body = client.get(reverse("groups:actor_create"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
        usual = translation.gettext("As usual for this kind")
        label = translation.gettext("Holds power or resources over the community")
    assert usual != "As usual for this kind" and usual in body
    assert label != "Holds power or resources over the community" and label in body


def test_actor_list_shows_authority(client, world, coordinator):
    f.ActorFactory(name="Dinas Kabupaten", area=world.district)
    f.ActorFactory(name="Koperasi", kind="cooperative", has_authority=True, area=world.district)
    client.force_login(coordinator)
    body = client.get(reverse("groups:actor_list"), **EN).content.decode()
    assert "Holds authority" in body
    assert body.count("(as usual for this kind)") == 1  # the agency follows its kind; the coop does not


def test_saving_an_actor_recomputes_its_partners_areas(helped, django_capture_on_commit_callbacks):
    snapshots.compute_snapshot(reading.create_snapshot(helped.village))  # "last 12 months"

    def aid_dependence():
        return reading.latest_snapshot(helped.village).group_scores.get(group=helped.group).aid_dependence

    assert aid_dependence() == pytest.approx(1 / 3)  # the bank marked as holding no authority
    bank = ExternalActor.objects.get(ref="A-BANK")
    bank.has_authority = None  # a bank holds authority, as usual: its goods become aid
    with django_capture_on_commit_callbacks(execute=True):
        bank.save()
    # the snapshot of Sri's village (she exchanged with the bank, of the district) is recomputed:
    # aid = the grant and the bank's goods, 2 of 3 money and goods received.
    assert aid_dependence() == pytest.approx(2 / 3)


# ----------------------------------------------------------------------- actors.csv


@pytest.fixture
def place(db):
    district = f.AreaFactory(ref="KEC", name="Kecamatan Sakra", level="district")
    f.VillageFactory(ref="DESA", parent=district)
    return district


def import_actors(*rows: str):
    header = ",".join(csvfiles.COLUMNS["actors"])
    text = header + "\n" + "\n".join(rows) + "\n"
    return importer.import_community(csvfiles.read_files({"actors.csv": text.encode()}))


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("yes", True),
        ("Ya", True),
        ("1", True),
        ("TRUE", True),
        ("no", False),
        ("tidak", False),
        ("0", False),
        ("false", False),
        ("", None),
    ],
)
def test_authority_column_values(place, cell, stored):
    plan = import_actors(f"A1,Koperasi,cooperative,KEC,{cell}")
    assert plan.problems == []
    assert ExternalActor.objects.get(ref="A1").has_authority is stored


def test_authority_column_absent_leaves_the_field_alone(place):
    f.ActorFactory(ref="A1", kind="cooperative", has_authority=True, area=place)
    text = "ref,name,kind,area_ref\nA1,Koperasi,cooperative,KEC\n"
    plan = importer.import_community(csvfiles.read_files({"actors.csv": text.encode()}))
    assert plan.problems == [] and ExternalActor.objects.get(ref="A1").has_authority is True


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "“maybe” is not yes or no"), ("id", None)],
)
def test_a_bad_authority_is_a_row_error_in_both_languages(place, language, words):
    with translation.override(language):
        plan = import_actors("A1,Koperasi,cooperative,KEC,maybe")
        expected = words or translation.gettext(
            "“%(value)s” is not yes or no. Write yes, no, 1, 0, true, false, ya or tidak, or leave it blank."
        ) % {"value": "maybe"}
    assert [(p.file, p.row, p.column) for p in plan.problems] == [("actors.csv", 2, "authority")]
    assert expected in plan.problems[0].message
    if language == "id":
        assert "is not yes or no" not in plan.problems[0].message
    assert not ExternalActor.objects.filter(ref="A1").exists()


def test_authority_is_exported(place):
    f.ActorFactory(ref="A-YES", kind="cooperative", has_authority=True, area=place)
    f.ActorFactory(ref="A-NO", kind="bank", has_authority=False, area=place)
    f.ActorFactory(ref="A-USUAL", kind="bank", area=place)
    rows = list(csv.DictReader(io.StringIO(exporter.export_community()["actors"])))
    assert {r["ref"]: r["authority"] for r in rows} == {"A-YES": "yes", "A-NO": "no", "A-USUAL": ""}
