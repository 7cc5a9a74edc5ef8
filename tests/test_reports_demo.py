"""The demo community's report pages show the patterns it was built with (groups/demo.py):
the broker Slamet Riyadi, the isolated newcomer Rina Wulandari, the aid-dependent group
KUBE Batik Sekar Jagad, and knowledge spreading after the farmers' training; with the
definitions of the methodology page: Pak Slamet is a cut vertex, the KUBE's aid is grants, the
farmers' training is capacity building that leaves their self-reliance alone, and their
cooperative is a bridging tie."""

import dataclasses
import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from groups import card_files
from groups.models import Area, Exchange, ExternalActor, Group, Person
from groups.scores import analysis, collect, reading, snapshots
from groups.scores.pages.card import group_card

from .conftest import share
from .test_group_card import ruled_lines

START, END = dt.date(2025, 11, 29), dt.date(2026, 11, 28)
PERIOD = {"period": "dates", "start": START.isoformat(), "end": END.isoformat()}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

pytestmark = pytest.mark.slow  # the whole demo community, seeded and scored


def build_demo() -> dict:
    call_command("seed_demo", today=END.isoformat(), stdout=io.StringIO())
    district = Area.objects.get(ref="ID-JT-WSB-KTK")
    snapshots.compute_snapshot(reading.request_snapshot(district, START, END))
    return {
        "slamet": Person.objects.get(full_name="Slamet Riyadi"),
        "rina": Person.objects.get(full_name="Rina Wulandari"),
    }


share("demo", build_demo, __name__)  # seeded and scored once for this module


@pytest.fixture
def demo(db, _shared):
    return _shared.get("demo", build_demo)


@pytest.fixture
def coordinator_client(client, demo):
    client.force_login(get_user_model().objects.get(username="koordinator"))
    return client


def test_dashboard_shows_broker_newcomer_and_aid_dependent_group(coordinator_client, demo):
    url = reverse("groups:report_dashboard", args=["ID-JT-WSB-KTK"])
    response = coordinator_client.get(url, PERIOD, **EN)
    assert response.status_code == 200
    context = response.context
    assert context["brokers"][0].person == demo["slamet"]
    assert demo["rina"].pk in {row.person_id for row in context["isolated"]}
    assert context["aid_groups"][0].group.name == "KUBE Batik Sekar Jagad"
    assert context["by_self_reliance"][0].group.name == "KUBE Batik Sekar Jagad"
    body = response.content.decode()
    # the top go-between is a cut vertex: said so, with the number, for the facilitator's eyes
    assert context["named_sentences"][0] == (
        "Slamet Riyadi connects people who would otherwise hardly be in touch: if they stepped back, "
        "53 people would lose touch with the rest."
    )
    assert not any("Slamet" in line for line in context["sentences"])
    assert "KUBE Batik Sekar Jagad depends most on outside aid" in body
    # Without Pak Slamet the 144 people and institutions of his part of the network fall into
    # 90 and 53 (Karangsari's groups reach the other villages only through him): 143 - 90 = 53.
    cut = context["cut_off"]
    assert (cut[0].person, cut[0].cut_off) == (demo["slamet"], 53)
    assert "53 would lose touch" in body


def test_the_kube_aid_is_grants_and_the_farmers_training_is_learning(coordinator_client, demo):
    kube = coordinator_client.get(reverse("groups:report_group", args=["G-KUBE-BATIK"]), PERIOD, **EN)
    more = {row["key"]: row["value"] for row in kube.context["more"]}
    assert more["aid_dependence"] > 0.5 and more["aid_value_share"] > 0.5
    assert more["capacity_building"] == 0
    farmers = coordinator_client.get(reverse("groups:report_group", args=["G-TANI-SM"]), PERIOD, **EN)
    more = {row["key"]: row["value"] for row in farmers.context["more"]}
    training = Exchange.objects.counted().filter(giver_actor__ref="A-DINTAN", resource="knowledge")
    assert more["capacity_building"] == training.count() > 0


def test_the_training_leaves_self_reliance_alone_and_the_cooperative_bridges(demo):
    data = collect.scope_data(Area.objects.get(ref="ID-JT-WSB-KTK"), START, END)
    farmers = f"g:{Group.objects.get(ref='G-TANI-SM').pk}"
    dinas = f"a:{ExternalActor.objects.get(ref='A-DINTAN').pk}"
    koperasi = f"a:{ExternalActor.objects.get(ref='A-KOPERASI').pk}"
    with_training = analysis.compute_scores(data, betweenness=False).groups[farmers]
    without = dataclasses.replace(
        data, flows=tuple(fl for fl in data.flows if not (fl.giver == dinas and fl.resource == "knowledge"))
    )
    no_training = analysis.compute_scores(without, betweenness=False).groups[farmers]
    assert with_training.self_reliance == no_training.self_reliance
    assert with_training.learning_share > no_training.learning_share
    assert with_training.capacity_building > no_training.capacity_building == 0
    _, T = analysis.build_graphs(data)
    assert {T.edges[e]["kind"] for e in T.edges(koperasi)} == {"bridging"}
    assert {T.edges[e]["kind"] for e in T.edges(dinas)} == {"linking"}


def test_group_report_of_the_aid_dependent_group(coordinator_client):
    response = coordinator_client.get(reverse("groups:report_group", args=["G-KUBE-BATIK"]), PERIOD, **EN)
    assert response.status_code == 200
    profile = {row["key"]: row for row in response.context["profile"]}
    more = {row["key"]: row for row in response.context["more"]}
    assert profile["self_reliance"]["compare"] == "lower"
    assert more["aid_dependence"]["compare"] == "higher"
    assert response.context["network"]["actors"] >= 2  # the agency and the NGO that give grants
    assert any("aid from outside institutions" in s for s in response.context["sentences"])


def test_person_profiles_of_the_broker_and_the_newcomer(coordinator_client, demo):
    slamet = coordinator_client.get(reverse("groups:report_person", args=[demo["slamet"].ref]), PERIOD, **EN)
    assert slamet.context["is_broker"] and slamet.context["broker_rank"] == 1
    groups = {m.group.ref for m in slamet.context["memberships"]}
    assert groups == {"G-TANI-SM", "G-SIMPAN-PINJAM"}
    # A cut vertex: his part of the network's 144 people splits 90 / 53 without him.
    assert slamet.context["score"].cut_off == 53
    assert any("53 people would lose touch" in s for s in slamet.context["sentences"])
    rina = coordinator_client.get(reverse("groups:report_person", args=[demo["rina"].ref]), PERIOD, **EN)
    assert rina.context["score"].partners == 0
    assert rina.context["partners"] == []
    assert any("no recorded exchange" in s for s in rina.context["sentences"])


def test_training_spread_knowledge(coordinator_client):
    url = reverse("groups:report_group_change", args=["G-TANI-SM", "ACT-TANI-TRAINING"])
    response = coordinator_client.get(url, {"months": "3"}, **EN)
    rows = {row["key"]: row for row in response.context["rows"]}
    assert rows["learning_share"]["after"] > rows["learning_share"]["before"]
    assert any("spreading" in s for s in response.context["sentences"])


def test_the_demo_district_has_targets_and_its_scorecard_judges_against_them(coordinator_client, demo):
    """The demo comes with its coordinator's targets (groups/demo.py DEMO_TARGETS), so the
    dashboard's scorecard shows statuses out of the box, never an empty table."""
    url = reverse("groups:report_dashboard", args=["ID-JT-WSB-KTK"])
    html = coordinator_client.get(url, PERIOD, **EN).content.decode()
    section = html[html.index('<section id="scorecard"') :]
    section = section[: section.index("</section>")]
    assert "Participation at least 60%; near down to 50% (set for Kecamatan Kertek)" in section
    assert "Quiet groups at most 0" in section
    words = set(re.findall(r'<span class="target-status (\w+)">', section))
    assert len(words & {"on", "near", "off"}) >= 2  # the groups differ against the same targets


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_demo_report_card_is_one_a4_page_with_room_for_notes(demo, language):
    """The savings group's card is the demo's longest (8 sentences: its fund adds two), and in
    Indonesian it once spilled its notes onto a second page."""
    district = Area.objects.get(ref="ID-JT-WSB-KTK")
    lengths = {}
    for group in Group.objects.filter(area__parent=district):
        with translation.override(language):
            card = group_card(group, reading.read(district.pk, START, END, group=group).row)
            pdf = PdfReader(io.BytesIO(card_files.card_pdf(card)))
            notes = translation.gettext("Our notes")
        lengths[group.ref] = sum(len(s) for s in card.sentences)
        assert len(pdf.pages) == 1, group.ref
        assert notes in pdf.pages[0].extract_text(), group.ref
        assert ruled_lines(pdf.pages[0]) >= card_files.NOTES_LEAST, group.ref
    assert max(lengths, key=lengths.get) == "G-SIMPAN-PINJAM"
