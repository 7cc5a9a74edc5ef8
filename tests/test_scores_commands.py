"""compute_scores, export_scores and seed_synthetic (small sizes)."""

import csv
import datetime as dt
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from groups import synthetic
from groups.models import (
    Activity,
    Area,
    AreaLevel,
    Exchange,
    ExchangeStatus,
    Group,
    Membership,
    Norm,
    Person,
    ScoreSnapshot,
    SnapshotStatus,
)
from groups.scores import analysis, changes, downloads, reading, snapshots

from . import factories as f
from . import test_scores_scope
from .conftest import share

START, END = test_scores_scope.START, test_scores_scope.END
town = test_scores_scope.town  # the hand-built community fixture
share("town", test_scores_scope.build_town, __name__)  # built once for this module

TODAY = dt.date(2026, 11, 28)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fingerprint() -> str:
    """A digest of everything seed_synthetic writes, independent of primary keys."""
    rows = [
        sorted(Area.objects.values_list("ref", "name", "level", "parent__ref")),
        sorted(Person.objects.values_list("ref", "full_name", "gender", "birth_year", "area__ref")),
        sorted(Group.objects.values_list("ref", "name", "kind", "area__ref", "formed_on")),
        sorted(Membership.objects.values_list("person__ref", "group__ref", "joined_on", "left_on")),
        sorted(
            Exchange.objects.values_list(
                "ref",
                "date",
                "giver_person__ref",
                "giver_actor__ref",
                "receiver_person__ref",
                "receiver_actor__ref",
                "resource",
                "status",
                "group__ref",
            )
        ),
        sorted(Activity.objects.values_list("ref", "group__ref", "date", "kind")),
        sorted(Activity.attendees.through.objects.values_list("activity__ref", "person__ref")),
        sorted(Norm.objects.values_list("ref", "group__ref", "category")),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


class TestSeedSynthetic:
    def test_builds_a_community_of_the_requested_size(self, db):
        output = run("seed_synthetic", "--people", "120", "--seed", "4", "--today", TODAY.isoformat())
        assert "people: 120" in output
        assert Person.objects.count() == 120
        sizes = [g.memberships.count() for g in Group.objects.all()]
        assert sizes and min(sizes) >= 10 and max(sizes) <= 60
        per_person = Membership.objects.values("person").distinct().count()
        assert per_person == 120  # everyone in at least one group
        assert 900 <= Exchange.objects.count() <= 1200  # about 10 per person
        assert Exchange.objects.filter(giver_actor__isnull=False).exists()  # linking
        assert Exchange.objects.filter(
            group__isnull=True, giver_actor__isnull=True, receiver_actor__isnull=True
        ).exists()  # bridging
        assert Exchange.objects.filter(status=ExchangeStatus.DISPUTED).exists()
        assert Exchange.objects.filter(date__gt=TODAY).count() == 0
        assert Exchange.objects.filter(date__lt=TODAY - dt.timedelta(days=364)).count() == 0

    def test_the_same_seed_gives_the_same_community_and_another_seed_another(self, db):
        run("seed_synthetic", "--people", "80", "--seed", "9", "--today", TODAY.isoformat())
        first = fingerprint()
        run("seed_synthetic", "--people", "80", "--seed", "9", "--today", TODAY.isoformat(), "--force")
        assert fingerprint() == first
        run("seed_synthetic", "--people", "80", "--seed", "10", "--today", TODAY.isoformat(), "--force")
        assert fingerprint() != first

    def test_refuses_a_non_empty_database_without_force(self, world):
        with pytest.raises(CommandError):
            run("seed_synthetic", "--people", "10")
        assert Person.objects.filter(ref="P-MEMBER").exists()

    def test_force_deletes_the_previous_community_and_its_snapshots(self, town):
        snapshots.compute_snapshot(reading.create_snapshot(town.district, START, END))
        run("seed_synthetic", "--people", "30", "--seed", "1", "--force")
        assert not Person.objects.filter(ref__startswith="S-").exists()
        assert not ScoreSnapshot.objects.exists()
        assert Person.objects.count() == 30

    def test_rejects_bad_arguments(self, db):
        with pytest.raises(CommandError):
            run("seed_synthetic", "--people", "0")
        with pytest.raises(CommandError):
            run("seed_synthetic", "--people", "5", "--today", "yesterday")
        assert synthetic.is_empty()


class TestSeedSyntheticRegency:
    def test_builds_districts_of_the_requested_size_under_one_regency(self, db):
        output = run(
            "seed_synthetic",
            "--districts",
            "3",
            "--people",
            "60",
            "--seed",
            "2",
            "--today",
            TODAY.isoformat(),
        )
        assert "districts: 3" in output and "people: 180" in output
        regency = Area.objects.get(level=AreaLevel.REGENCY)
        districts = Area.objects.filter(level=AreaLevel.DISTRICT, parent=regency)
        assert districts.count() == 3 and Area.objects.filter(level=AreaLevel.REGENCY).count() == 1
        for district in districts:
            people = Person.objects.filter(area__parent=district)
            assert people.count() == 60
            assert Group.objects.filter(area__parent=district).exists()
            assert Membership.objects.filter(person__in=people).values("person").distinct().count() == 60
        assert Person.objects.count() == 180
        assert f"areas: {Area.objects.count()}," in output
        assert f"exchanges: {Exchange.objects.count()}," in output

    def test_a_small_share_of_ties_cross_districts(self, db):
        run(
            "seed_synthetic",
            "--districts",
            "3",
            "--people",
            "200",
            "--seed",
            "2",
            "--today",
            TODAY.isoformat(),
        )
        person_district = dict(Person.objects.values_list("pk", "area__parent"))
        ties = Exchange.objects.filter(giver_person__isnull=False, receiver_person__isnull=False)
        pairs = list(ties.values_list("giver_person", "receiver_person"))
        across = sum(person_district[a] != person_district[b] for a, b in pairs)
        assert 0 < across < 0.05 * len(pairs)
        memberships = list(Membership.objects.values_list("person__area__parent", "group__area__parent"))
        elsewhere = sum(home != group for home, group in memberships)
        assert 0 < elsewhere < 0.02 * len(memberships)

    def test_the_same_seed_gives_the_same_regency_and_another_seed_another(self, db):
        args = ["seed_synthetic", "--districts", "2", "--people", "50", "--today", TODAY.isoformat()]
        run(*args, "--seed", "3")
        first = fingerprint()
        run(*args, "--seed", "3", "--force")
        assert fingerprint() == first
        run(*args, "--seed", "4", "--force")
        assert fingerprint() != first

    def test_marks_every_village_changed(self, db, monkeypatch):
        marked = []
        monkeypatch.setattr(changes, "mark_changed", lambda ids: marked.extend(ids))
        run("seed_synthetic", "--districts", "2", "--people", "30", "--seed", "1")
        villages = Area.objects.filter(level=AreaLevel.VILLAGE)
        assert villages.count() == 2  # one small village per district
        assert sorted(marked) == sorted(villages.values_list("pk", flat=True))

    def test_rejects_no_districts(self, db):
        with pytest.raises(CommandError):
            run("seed_synthetic", "--districts", "0", "--people", "10")
        assert synthetic.is_empty()


class TestComputeScores:
    def test_computes_one_area_synchronously(self, town):
        output = run(
            "compute_scores", "--area", "SV1", "--since", START.isoformat(), "--until", END.isoformat()
        )
        # a village's snapshot is its community's: the district's
        assert "SD:" in output and " s" in output
        snapshot = reading.latest_snapshot(town.village, START, END)
        assert snapshot.area == town.district and snapshot.status == SnapshotStatus.DONE
        assert snapshot.area_scores["people"] == 5 and snapshot.area_scores["parts"]["SV1"]["people"] == 4

    def test_computes_every_area_for_the_last_12_months(self, town):
        run("compute_scores")
        for area in Area.objects.all():
            snapshot = reading.latest_snapshot(area)
            assert snapshot is not None and snapshot.rolling

    def test_if_missing_skips_communities_that_have_one(self, town):
        run("compute_scores", "--area", "SD")
        output = run("compute_scores", "--if-missing")
        assert "SD:" not in output and "SE:" in output and "SV1:" not in output  # SV1 is SD's

    def test_a_resource_filter(self, town):
        run(
            "compute_scores",
            "--area",
            "SD",
            "--since",
            START.isoformat(),
            "--until",
            END.isoformat(),
            "--resource",
            "labour",
        )
        assert reading.latest_snapshot(town.district, START, END, "labour").area_scores["exchanges"] == 1

    @pytest.mark.parametrize(
        "args",
        [
            ["--area", "NOPE"],
            ["--since", "2026-13-01"],
            ["--since", "2026-06-01", "--until", "2026-05-01"],
        ],
    )
    def test_rejects_bad_arguments(self, town, args):
        with pytest.raises(CommandError):
            run("compute_scores", *args)
        assert not ScoreSnapshot.objects.exists()

    def test_a_failure_is_reported_and_the_others_still_computed(self, town, monkeypatch):
        original = analysis.compute_scores

        def fail_for_the_district(data, **kwargs):
            if len(data.people) == 5:
                raise RuntimeError("boom")
            return original(data, **kwargs)

        monkeypatch.setattr(analysis, "compute_scores", fail_for_the_district)
        with pytest.raises(CommandError):
            run("compute_scores", "--since", START.isoformat(), "--until", END.isoformat())
        assert ScoreSnapshot.objects.get(area=town.district).status == SnapshotStatus.FAILED
        assert reading.latest_snapshot(town.elsewhere, START, END) is not None  # SE's community


def read_csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class TestExportScores:
    def test_writes_the_three_files_with_every_indicator(self, town, tmp_path):
        run(
            "export_scores",
            str(tmp_path),
            "--area",
            "SD",
            "--since",
            START.isoformat(),
            "--until",
            END.isoformat(),
        )
        snapshot = reading.latest_snapshot(town.district, START, END)
        people = read_csv(tmp_path / "people.csv")
        assert [r["ref"] for r in people] == sorted(
            p.ref for p in Person.objects.filter(pk__in=snapshot.person_scores.values("person"))
        )
        columns = set(people[0])
        for field in analysis.PersonScores.__dataclass_fields__:
            if field in ("id", "bases"):  # the bases go in "<key>_base" columns beside the values
                continue
            if field.endswith("_by_type"):
                assert {f"{field}.{r}" for r in analysis.RESOURCES} <= columns
            else:
                assert field in columns
        cici = next(r for r in people if r["ref"] == "S-cici")
        assert cici["constraint"] == "" and cici["partners"] == "0" and cici["name"] == "cici"
        ana = next(r for r in people if r["ref"] == "S-ana")
        stored = snapshot.person_scores.get(person=town.people["ana"])
        assert float(ana["betweenness"]) == stored.betweenness
        assert int(ana["received_by_type.knowledge"]) == 1
        groups = read_csv(tmp_path / "groups.csv")
        assert {r["ref"] for r in groups} == {"SG1", "SG2"}
        assert set(analysis.GroupScores.__dataclass_fields__) - {"id", "bases"} <= set(groups[0])
        assert "bases" not in groups[0] and "bases" not in people[0]
        sg1 = next(r for r in groups if r["ref"] == "SG1")
        assert sg1["linking_actor_ids"] == "S-ACT"
        assert sg1["transitivity"] == ""  # no connected triple among its members
        area = read_csv(tmp_path / "area.csv")
        assert len(area) == 1 and area[0]["ref"] == "SD" and area[0]["period_start"] == START.isoformat()
        assert area[0]["brokers"] == ";".join(snapshot.area_scores["brokers"])
        assert "group_medians.density" in area[0]

    def test_uses_the_stored_snapshot_when_there_is_one(self, town, tmp_path):
        run("compute_scores", "--area", "SD", "--since", START.isoformat(), "--until", END.isoformat())
        before = ScoreSnapshot.objects.count()
        run(
            "export_scores",
            str(tmp_path),
            "--area",
            "SD",
            "--since",
            START.isoformat(),
            "--until",
            END.isoformat(),
        )
        assert ScoreSnapshot.objects.count() == before

    def test_without_area_exports_each_tree_in_its_folder(self, town, tmp_path):
        run("export_scores", str(tmp_path))
        assert (tmp_path / "SD" / "people.csv").exists()
        assert (tmp_path / "SE" / "groups.csv").exists()

    def test_pseudonymise_hides_names_but_keeps_refs(self, town, tmp_path):
        run("export_scores", str(tmp_path), "--area", "SV1", "--pseudonymise")
        people = read_csv(tmp_path / "people.csv")
        assert {r["ref"] for r in people} >= {"S-ana", "S-cici"}
        assert not {r["name"] for r in people} & {"ana", "budi", "cici", "eko"}

    def test_formula_like_names_are_neutralised(self, town, tmp_path):
        Person.objects.filter(pk=town.people["cici"].pk).update(full_name='=HYPERLINK("http://x")')
        f.GroupFactory(ref="SG-EVIL", name="+cmd|' /C calc'!A0", area=town.village)
        run("export_scores", str(tmp_path), "--area", "SV1")
        people = read_csv(tmp_path / "people.csv")
        assert next(r for r in people if r["ref"] == "S-cici")["name"] == '\'=HYPERLINK("http://x")'
        groups = read_csv(tmp_path / "groups.csv")
        assert next(r for r in groups if r["ref"] == "SG-EVIL")["name"].startswith("'+")

    def test_negative_numbers_stay_numbers(self):
        # one neutraliser for every CSV (transfer.csvfiles): a plain number is no formula,
        # but text that starts like one and goes on is quoted
        assert downloads.table_csv(["x", "y", "z"], [[-0.5, "-1", "-1+2"]]) == "x,y,z\n-0.5,-1,'-1+2\n"
