"""Score downloads (zip of CSVs) and network downloads (GraphML, GEXF)."""

import csv
import datetime as dt
import io
import re
import zipfile

import networkx as nx
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from groups.models import Resource, ScoreSnapshot, SnapshotStatus
from groups.privacy import pseudonym
from groups.scores import downloads, reading, snapshots, windows

from . import factories as f

PERIOD = {"period": "dates", "start": "2026-01-01", "end": "2026-12-31"}
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}


@pytest.fixture
def exchanges(world):
    """Two members of G1 exchange; one also with a member of G2 in the other village."""
    g2_person = f.PersonFactory(ref="P-G2", full_name="Dewi Lestari", area=world.village2, consent_on=None)
    f.MembershipFactory(person=g2_person, group=world.group2)
    f.ExchangeFactory(giver_person=world.member_person, receiver_person=world.member2_person)
    f.ExchangeFactory(
        giver_person=world.member_person, receiver_person=world.member2_person, resource=Resource.LABOUR
    )
    f.ExchangeFactory(giver_person=world.member2_person, receiver_person=g2_person)
    return world


def ready(area):
    """The stored snapshot of PERIOD (computed in the background in real use)."""
    snapshot = reading.create_snapshot(area, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    return snapshots.compute_snapshot(snapshot)


def scores_url(area_ref="D"):
    return reverse("groups:scores_download", args=[area_ref])


def network_url(area_ref="D"):
    return reverse("groups:network_download", args=[area_ref])


def group_network_url(group_ref="G1"):
    return reverse("groups:group_network_download", args=[group_ref])


def unzip(response) -> dict[str, list[dict]]:
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {
        name: list(csv.DictReader(io.StringIO(archive.read(name).decode()))) for name in archive.namelist()
    }


class TestScoresDownload:
    def test_staff_gets_the_three_files_of_the_period(self, client, staff, exchanges):
        client.force_login(staff)
        ready(exchanges.district)
        response = client.get(scores_url(), PERIOD)
        assert response.status_code == 200
        assert 'filename="scores-D-20260101-20261231.zip"' in response["Content-Disposition"]
        files = unzip(response)
        assert set(files) == {"people.csv", "groups.csv", "area.csv"}
        names = {r["ref"]: r["name"] for r in files["people.csv"]}
        assert names == {"P-MEMBER": "Sri Handayani", "P-MEMBER2": "Siti Maryati", "P-G2": "Dewi Lestari"}
        assert {r["ref"] for r in files["groups.csv"]} == {"G1", "G2"}
        assert files["area.csv"][0]["exchanges"] == "3"

    def test_without_a_query_string_the_last_12_months(self, client, staff, exchanges):
        client.force_login(staff)
        snapshots.compute_snapshot(reading.create_snapshot(exchanges.district))
        response = client.get(scores_url())
        assert response.status_code == 200
        assert unzip(response)["area.csv"][0]["period_end"] == windows.default_window().end.isoformat()

    def test_without_a_snapshot_the_first_request_computes_one(
        self, client, staff, exchanges, django_capture_on_commit_callbacks
    ):
        client.force_login(staff)
        with django_capture_on_commit_callbacks(execute=True):
            first = client.get(scores_url(), PERIOD)
        assert first["Content-Type"].startswith("text/html")
        assert b'class="notice" role="status"' in first.content
        second = client.get(scores_url(), PERIOD)
        assert set(unzip(second)) == {"people.csv", "groups.csv", "area.csv"}
        assert ScoreSnapshot.objects.count() == 1

    def test_query_count_does_not_grow_with_people(
        self, client, staff, exchanges, django_assert_max_num_queries
    ):
        client.force_login(staff)
        ready(exchanges.district)
        with django_assert_max_num_queries(20) as first:
            client.get(scores_url(), PERIOD)
        for _ in range(25):
            person = f.PersonFactory(area=exchanges.village)
            f.MembershipFactory(person=person, group=exchanges.group)
            f.ExchangeFactory(giver_person=person, receiver_person=exchanges.member_person)
        ready(exchanges.district)
        with django_assert_max_num_queries(len(first.captured_queries)):
            response = client.get(scores_url(), PERIOD)
        assert len(unzip(response)["people.csv"]) == 28

    def test_coordinator_without_names_gets_pseudonyms_and_refs(self, client, coordinator, exchanges):
        client.force_login(coordinator)
        ready(exchanges.district)
        people = unzip(client.get(scores_url(), PERIOD))["people.csv"]
        assert {r["ref"]: r["name"] for r in people} == {
            ref: pseudonym(ref) for ref in ("P-MEMBER", "P-MEMBER2", "P-G2")
        }

    def test_facilitator_reads_their_groups_village(self, client, facilitator, exchanges):
        client.force_login(facilitator)
        ready(exchanges.village)
        response = client.get(scores_url("V1"), PERIOD)
        assert response.status_code == 200
        assert {r["ref"] for r in unzip(response)["groups.csv"]} == {"G1"}

    def test_facilitator_outside_their_area_gets_404(self, client, facilitator, exchanges):
        client.force_login(facilitator)
        assert client.get(scores_url("D"), PERIOD).status_code == 404

    def test_outsider_gets_404(self, client, other_coordinator, exchanges):
        client.force_login(other_coordinator)
        assert client.get(scores_url(), PERIOD).status_code == 404
        assert client.get(scores_url("NOPE"), PERIOD).status_code == 404

    def test_member_gets_404_for_areas(self, client, member, exchanges):
        client.force_login(member)
        assert client.get(scores_url("V1"), PERIOD).status_code == 404

    def test_anonymous_is_sent_to_login(self, client, exchanges):
        response = client.get(scores_url(), PERIOD)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))

    def test_wrong_method(self, client, staff, exchanges):
        client.force_login(staff)
        assert client.post(scores_url(), PERIOD).status_code == 405

    def test_invalid_period_shows_errors_and_computes_nothing(self, client, staff, exchanges):
        client.force_login(staff)
        response = client.get(scores_url(), {"period": "dates", "start": "2026-06-01", "end": "2026-01-01"})
        assert response.status_code == 200
        assert b"errorlist" in response.content and b"<html" in response.content
        assert not ScoreSnapshot.objects.exists()

    def test_htmx_gets_the_fragment_only(self, client, staff, exchanges):
        client.force_login(staff)
        response = client.get(scores_url(), {"period": "dates", "start": "nope"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert b"<html" not in response.content and b'id="download"' in response.content

    @override_settings(TASKS=DUMMY_TASKS)
    def test_without_a_snapshot_one_is_requested_and_the_page_says_so(self, client, staff, exchanges):
        client.force_login(staff)
        response = client.get(scores_url(), PERIOD)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        assert ScoreSnapshot.objects.get().status == SnapshotStatus.PENDING
        client.get(scores_url(), PERIOD)
        assert ScoreSnapshot.objects.count() == 1  # asked once


def fractional_cells(files: dict[str, list[dict]]) -> list[str]:
    cells = [v for rows in files.values() for row in rows for v in row.values()]
    return [v for v in cells if re.fullmatch(r"-?\d+\.\d+", v)]


class TestScoreRounding:
    """Score CSVs carry 4 decimals (groups/examples/FORMAT.md), not 0.6666666666666666."""

    def test_the_download_rounds_fractions_to_four_places(self, client, staff, exchanges):
        snapshot = ready(exchanges.district)
        snapshot.group_scores.filter(group=exchanges.group).update(density=2 / 3, ei_index=-1 / 3)
        snapshot.person_scores.filter(person=exchanges.member_person).update(betweenness=1 / 7)
        client.force_login(staff)
        files = unzip(client.get(scores_url(), PERIOD))
        g1 = next(r for r in files["groups.csv"] if r["ref"] == "G1")
        assert (g1["density"], g1["ei_index"]) == ("0.6667", "-0.3333")
        member = next(r for r in files["people.csv"] if r["ref"] == "P-MEMBER")
        assert member["betweenness"] == "0.1429"
        fractions = fractional_cells(files)
        assert fractions and all(len(v.split(".")[1]) <= 4 for v in fractions)

    def test_the_export_command_rounds_the_same_way(self, exchanges, tmp_path):
        snapshot = ready(exchanges.district)
        snapshot.group_scores.filter(group=exchanges.group).update(density=2 / 3)
        window = ["--since", "2026-01-01", "--until", "2026-12-31"]
        call_command("export_scores", str(tmp_path), "--area", "D", *window)
        with open(tmp_path / "groups.csv", newline="") as handle:
            g1 = next(r for r in csv.DictReader(handle) if r["ref"] == "G1")
        assert g1["density"] == "0.6667"

    def test_whole_numbers_stay_whole(self, exchanges):
        tables = downloads.score_tables(ready(exchanges.district))
        area = next(csv.DictReader(io.StringIO(tables["area.csv"])))
        assert area["exchanges"] == "3" and area["people"] == "3"


class TestNetworkDownload:
    def test_graphml_with_refs_kinds_groups_and_counts_by_type(self, client, staff, exchanges):
        client.force_login(staff)
        actor = f.ActorFactory(ref="A-DINAS", area=exchanges.district)
        f.ExchangeFactory(
            giver_person=None,
            giver_actor=actor,
            receiver_person=exchanges.member_person,
            resource=Resource.KNOWLEDGE,
        )
        response = client.get(network_url(), PERIOD)
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith('.graphml"')
        graph = nx.read_graphml(io.BytesIO(response.content))
        assert graph.is_directed()
        assert set(graph) == {"P-MEMBER", "P-MEMBER2", "P-G2", "A-DINAS"}
        assert graph.nodes["P-MEMBER"]["kind"] == "person" and graph.nodes["P-MEMBER"]["groups"] == "G1"
        assert graph.nodes["P-MEMBER"]["label"] == "Sri Handayani"
        assert graph.nodes["A-DINAS"]["kind"] == "actor"
        edge = graph.edges["P-MEMBER", "P-MEMBER2"]
        assert (edge["count"], edge["money"], edge["labour"], edge["care"]) == (2, 1, 1, 0)
        assert graph.edges["A-DINAS", "P-MEMBER"]["knowledge"] == 1

    def test_gexf_of_the_tie_network(self, client, staff, exchanges):
        client.force_login(staff)
        response = client.get(network_url(), {**PERIOD, "format": "gexf", "network": "ties"})
        assert response.status_code == 200
        graph = nx.read_gexf(io.BytesIO(response.content))
        assert not graph.is_directed()
        assert set(graph) == {"P-MEMBER", "P-MEMBER2", "P-G2"}
        assert graph.edges["P-MEMBER", "P-MEMBER2"]["weight"] == 2
        assert graph.edges["P-MEMBER2", "P-G2"]["kind"] == "bridging"

    def test_coordinator_without_names_gets_pseudonymous_labels(self, client, coordinator, exchanges):
        client.force_login(coordinator)
        graph = nx.read_graphml(io.BytesIO(client.get(network_url(), PERIOD).content))
        assert graph.nodes["P-MEMBER"]["label"] == pseudonym("P-MEMBER")
        assert "Sri Handayani" not in {d["label"] for _, d in graph.nodes(data=True)}

    def test_invalid_format_shows_errors(self, client, staff, exchanges):
        client.force_login(staff)
        response = client.get(network_url(), {"format": "exe"})
        assert response.status_code == 200 and b"errorlist" in response.content

    def test_access(self, client, other_coordinator, member, exchanges):
        assert client.get(network_url()).status_code == 302
        client.force_login(other_coordinator)
        assert client.get(network_url()).status_code == 404
        client.force_login(member)
        assert client.get(network_url("V1")).status_code == 404
        assert client.post(network_url("V1")).status_code == 405


class TestGroupNetworkDownload:
    def test_the_groups_members_network(self, client, facilitator, exchanges):
        client.force_login(facilitator)
        response = client.get(group_network_url(), PERIOD)
        assert response.status_code == 200
        graph = nx.read_graphml(io.BytesIO(response.content))
        # the members, and the person outside the group they exchanged with: kept, marked
        assert set(graph) == {"P-MEMBER", "P-MEMBER2", "P-G2"}
        assert [n for n, outside in graph.nodes(data="outside") if outside] == ["P-G2"]
        assert graph.edges["P-MEMBER", "P-MEMBER2"]["count"] == 2

    def test_member_of_the_group_gets_403(self, client, member, exchanges):
        client.force_login(member)
        assert client.get(group_network_url(), PERIOD).status_code == 403

    def test_outsider_gets_404_and_anonymous_login(self, client, other_facilitator, exchanges):
        assert client.get(group_network_url()).status_code == 302
        client.force_login(other_facilitator)
        assert client.get(group_network_url()).status_code == 404

    def test_wrong_method_and_htmx_fragment(self, client, facilitator, exchanges):
        client.force_login(facilitator)
        assert client.post(group_network_url()).status_code == 405
        response = client.get(group_network_url(), {"network": "bad"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and b"<html" not in response.content


def test_pseudonym_is_the_privacy_modules(db):
    assert downloads.pseudonym("P-1") == pseudonym("P-1")
