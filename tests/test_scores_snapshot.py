"""Computing, storing and reading score snapshots (groups/scores/snapshots.py, groups/scores/tasks.py)."""

import datetime as dt
from dataclasses import asdict

import pytest

from groups.models import GroupScore, PersonScore, ScoreSnapshot, SnapshotStatus
from groups.scores import analysis, collect, evidence, forking, layouts, reading, snapshots, windows
from groups.scores.tasks import compute_snapshot_task

from . import factories as f
from . import test_scores_scope
from .conftest import share

START, END = test_scores_scope.START, test_scores_scope.END
town = test_scores_scope.town  # the hand-built community fixture
share("town", test_scores_scope.build_town, __name__)  # built once for this module


def computed(area, start=START, end=END, resource=""):
    return snapshots.compute_snapshot(reading.create_snapshot(area, start, end, resource))


def test_stored_rows_equal_the_analysis_results(town):
    snapshot = computed(town.district)
    assert snapshot.status == SnapshotStatus.DONE
    assert snapshot.computed_at is not None and snapshot.duration_seconds >= 0
    expected = analysis.compute_scores(
        collect.scope_data(town.district, START, END),
        seed=snapshots.SEED,
        brokers=snapshots.BROKERS,
        minimums=evidence.MINIMUMS,  # values on too few records are left out of rankings and medians
    )
    rows = {f"p:{r.person_id}": r for r in snapshot.person_scores.all()}
    assert set(rows) == set(expected.people)  # isolates included
    for pid, scores in expected.people.items():
        for field in snapshots.PERSON_FIELDS:
            assert getattr(rows[pid], field) == getattr(scores, field), (pid, field)
    groups = {f"g:{r.group_id}": r for r in snapshot.group_scores.all()}
    assert set(groups) == set(expected.groups)
    for gid, scores in expected.groups.items():
        for field in snapshots.GROUP_FIELDS:
            if field.endswith("_ids"):
                continue
            assert getattr(groups[gid], field) == getattr(scores, field), (gid, field)
    assert groups[f"g:{town.group.pk}"].bridging_group_refs == []
    assert groups[f"g:{town.group.pk}"].linking_actor_refs == ["S-ACT"]
    refs = {f"p:{p.pk}": p.ref for p in town.people.values()}
    refs |= {f"g:{g.pk}": g.ref for g in (town.group, town.group2)}
    area = asdict(expected.area)
    for key in ("brokers", "groups_by_self_reliance", "groups_by_ei_index"):
        area[key] = [refs[x] for x in area[key]]
    area["isolated"] = 1  # cici
    area["definitions"] = snapshots.DEFINITIONS  # the rules it was computed under (reading.outdated)
    stored = dict(snapshot.area_scores)
    assert set(stored.pop("parts")) == {"SV1", "SV2"}  # each village's figures (test_scores_community)
    assert stored == area
    assert area["brokers"]  # the fixture has a go-between, so refs were really mapped


def test_brokers_are_stored_as_refs_in_betweenness_order(db):
    village = f.VillageFactory()
    hub, *spokes = [f.PersonFactory(area=village) for _ in range(4)]
    for spoke in spokes:
        f.ExchangeFactory(giver_person=hub, receiver_person=spoke, date=START)
    snapshot = computed(village)
    assert snapshot.area_scores["brokers"] == [hub.ref]
    assert snapshot.betweenness_estimated is False


def test_trend_has_one_value_per_quarter_equal_to_that_quarters_scores(town):
    snapshot = computed(town.district)
    quarters = windows.Window(START, END).quarters()
    assert [q["start"] for q in snapshot.trend["quarters"]] == [q.start.isoformat() for q in quarters]
    for i, quarter in enumerate(quarters):
        scores = analysis.compute_scores(collect.scope_data(town.district, quarter.start, quarter.end))
        assert snapshot.trend["area"]["exchanges"][i] == scores.area.exchanges
        assert snapshot.trend["area"]["isolated_share"][i] == scores.area.isolated_share
        row = snapshot.group_scores.get(group=town.group)
        assert row.trend["exchanges"][i] == scores.groups[f"g:{town.group.pk}"].exchanges
        assert row.trend["participation"][i] == scores.groups[f"g:{town.group.pk}"].participation
        # the counts the areas-within table compares quarter to quarter
        assert snapshot.trend["area"]["groups"][i] == len(scores.groups)
        assert snapshot.trend["area"]["quiet"][i] == sum(g.quiet for g in scores.groups.values())
        assert snapshot.trend["area"]["cut_off"][i] == sum(p.cut_off >= 1 for p in scores.people.values())
    assert set(snapshot.trend["area"]) == set(snapshots.TREND_AREA_FIELDS) | {"groups", "quiet", "cut_off"}


def test_group_trend_splits_member_exchanges_by_resource(town):
    snapshot = computed(town.district)
    trend = snapshot.group_scores.get(group=town.group).trend
    by_resource = trend["exchanges_by_resource"]
    assert set(by_resource) == set(analysis.RESOURCES)
    totals = [sum(values) for values in zip(*by_resource.values(), strict=True)]
    assert totals == trend["exchanges"]
    assert sum(by_resource["labour"]) == 1 and sum(by_resource["knowledge"]) == 1


def test_group_network_links_groups_that_share_members(town):
    f.MembershipFactory(person=town.people["dodi"], group=town.group, joined_on=START)
    snapshot = computed(town.district)
    network = snapshot.group_network
    assert {n["ref"] for n in network["nodes"]} == {"SG1", "SG2"}
    assert network["edges"] == [{"source": "SG1", "target": "SG2", "shared_members": 1, "exchanges": 0}]
    for n in network["nodes"]:
        assert 0 <= n["x"] <= 1 and 0 <= n["y"] <= 1


def test_member_network_holds_members_and_their_partners_with_positions(town):
    snapshot = computed(town.district)
    network = snapshot.group_scores.get(group=town.group).network
    nodes = {n["ref"]: n for n in network["nodes"]}
    assert {r for r, n in nodes.items() if n["member"]} == {"S-ana", "S-budi", "S-eko"}
    assert nodes["S-ACT"]["kind"] == "actor" and not nodes["S-ACT"]["member"]
    assert nodes["S-dodi"]["member"] is False  # partner of eko
    assert all(0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 for n in nodes.values())
    kinds = {(e["source"], e["target"]): e["kind"] for e in network["edges"]}
    assert kinds[("S-ana", "S-budi")] == "bonding"
    assert kinds[("S-ACT", "S-ana")] == "linking"
    assert kinds[("S-dodi", "S-eko")] == "bridging"


def test_empty_area_gives_a_done_snapshot_with_undefined_shares(db):
    snapshot = computed(f.VillageFactory())
    assert snapshot.status == SnapshotStatus.DONE
    assert snapshot.area_scores["people"] == 0
    assert snapshot.area_scores["isolated_share"] is None
    assert snapshot.group_network == {"nodes": [], "edges": [], "edges_total": 0}


def test_a_failure_is_recorded_and_raised(town, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(analysis, "compute_scores", broken)
    snapshot = reading.create_snapshot(town.district, START, END)
    with pytest.raises(RuntimeError):
        snapshots.compute_snapshot(snapshot)
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.FAILED
    assert "boom" in snapshot.error
    assert not PersonScore.objects.filter(snapshot=snapshot).exists()
    assert reading.latest_snapshot(town.district, START, END) is None


def test_a_newer_snapshot_of_the_same_key_replaces_the_older_one(town):
    old = computed(town.district)
    other_window = computed(town.district, START, END - dt.timedelta(days=1))
    other_resource = computed(town.district, resource="money")
    new = computed(town.district)
    assert not ScoreSnapshot.objects.filter(pk=old.pk).exists()
    assert not PersonScore.objects.filter(snapshot_id=old.pk).exists()
    assert set(ScoreSnapshot.objects.values_list("pk", flat=True)) == {
        new.pk,
        other_window.pk,
        other_resource.pk,
    }


def test_latest_snapshot_picks_the_latest_done_one_of_the_key(town):
    done = computed(town.district)
    reading.create_snapshot(town.district, START, END)  # pending: not returned
    computed(town.district, resource="money")
    assert reading.latest_snapshot(town.district, START, END) == done
    # a village has no snapshot of its own: it reads its community's (the district's)
    assert reading.latest_snapshot(town.village, START, END) == done
    assert reading.latest_snapshot(town.district.pk, START, END, "money").resource == "money"


def test_latest_rolling_snapshot_is_found_whatever_day_it_was_computed_for(town):
    older = reading.create_snapshot(town.district, today=dt.date(2026, 6, 1))
    snapshots.compute_snapshot(older)
    assert older.rolling and older.period_end == dt.date(2026, 6, 1)
    assert reading.latest_snapshot(town.district) == older
    assert reading.latest_snapshot(town.district, START, END) is None


def test_latest_snapshot_is_two_queries_however_many_snapshots(town, django_assert_max_num_queries):
    # one to name the area's community (none while the areas are unchanged), one for its snapshot
    computed(town.district)
    with django_assert_max_num_queries(2):
        reading.latest_snapshot(town.district, START, END)
    for day in range(10):
        computed(town.district, START, END - dt.timedelta(days=day + 1))
        reading.create_snapshot(town.district, START, END)
    with django_assert_max_num_queries(2):
        assert reading.latest_snapshot(town.village, START, END) is not None
    with django_assert_max_num_queries(2):
        reading.latest_snapshot(town.district)


def test_group_and_person_scores_come_from_their_communitys_snapshot_in_two_queries(
    town,
    django_assert_max_num_queries,
):
    snapshot = computed(town.village)  # asked for through a village: the district's
    assert snapshot.area == town.district
    with django_assert_max_num_queries(2):
        row = reading.group_score(town.group, START, END)
        assert row.snapshot == snapshot
    with django_assert_max_num_queries(2):
        assert reading.person_score(town.people["cici"], START, END).partners == 0
    assert reading.group_score(town.group2, START, END).snapshot == snapshot  # village 2: the same one
    assert reading.person_score(town.people["hadi"], START, END) is None  # outside: no row


def test_the_task_computes_a_pending_snapshot_and_skips_others(town):
    snapshot = reading.create_snapshot(town.district, START, END)
    result = compute_snapshot_task.enqueue(snapshot.pk)
    assert result.return_value == SnapshotStatus.DONE
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.DONE
    assert compute_snapshot_task.enqueue(snapshot.pk).return_value == "skipped"
    assert compute_snapshot_task.enqueue(10**9).return_value == "skipped"


def test_request_snapshot_enqueues_once_per_key(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = reading.request_snapshot(town.district, START, END)
        again = reading.request_snapshot(town.district, START, END)
    assert again == first and len(callbacks) == 1
    assert ScoreSnapshot.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        reading.request_snapshot(town.district, START, END, "money")
    assert reading.latest_snapshot(town.district, START, END, "money") is not None


def test_a_running_snapshot_counts_as_requested_unless_data_changed(town):
    running = reading.create_snapshot(town.district, START, END)
    ScoreSnapshot.objects.filter(pk=running.pk).update(
        status=SnapshotStatus.RUNNING, started_at=running.requested_at
    )
    assert reading.request_snapshot(town.district, START, END) == running
    fresh = reading.request_snapshot(town.district, START, END, after_change=True)
    assert fresh != running and fresh.status == SnapshotStatus.PENDING


def test_refresh_if_stale_requests_todays_window_only_when_needed(town, django_capture_on_commit_callbacks):
    today = dt.date(2026, 7, 1)
    snapshots.compute_snapshot(reading.create_snapshot(town.district, today=today))
    assert reading.refresh_if_stale(town.district, today) is None
    with django_capture_on_commit_callbacks(execute=True):
        pending = reading.refresh_if_stale(town.district, today + dt.timedelta(days=1))
    pending.refresh_from_db()
    assert pending.status == SnapshotStatus.DONE and pending.period_end == today + dt.timedelta(days=1)
    assert reading.latest_snapshot(town.district) == pending


def test_group_scores_rows_for_every_group_even_without_members(db):
    village = f.VillageFactory()
    empty = f.GroupFactory(area=village)
    snapshot = computed(village)
    row = GroupScore.objects.get(snapshot=snapshot, group=empty)
    assert row.size == 0 and row.density is None
    assert row.network == {"nodes": [], "edges": []}


def test_quarters_computed_in_worker_processes_equal_one_process(town, monkeypatch):
    collected = collect.collect(town.district, START, END)
    parts = snapshots.community_parts(collected, town.district.pk)
    monkeypatch.setattr(snapshots, "TREND_WORKERS", 0)
    serial = snapshots._trend(collected, parts)
    monkeypatch.setattr(snapshots, "TREND_WORKERS", 2)
    monkeypatch.setattr(snapshots, "_TREND_PARALLEL_MIN_FLOWS", 0)
    pools = []

    class SpyPool(forking.ProcessPoolExecutor):
        def map(self, fn, *iterables, **kwargs):
            pools.append(fn)
            return super().map(fn, *iterables, **kwargs)

    monkeypatch.setattr(forking, "ProcessPoolExecutor", SpyPool)
    assert snapshots._trend(collected, parts) == serial
    assert set(serial[0]["parts"]) == {"SV1", "SV2"}
    assert pools == [snapshots._trend_rows_of]
    assert snapshots._QUARTERS == []


def test_the_latest_requested_snapshot_wins_whichever_finished_first(town):
    older = reading.create_snapshot(town.district, START, END)
    newer = reading.create_snapshot(town.district, START, END)
    snapshots.compute_snapshot(newer)
    f.ExchangeFactory(giver_person=town.people["cici"], receiver_person=town.people["ana"], date=START)
    snapshots.compute_snapshot(older)  # finishes last, but was asked for first
    assert reading.latest_snapshot(town.district, START, END) == newer
    assert ScoreSnapshot.objects.filter(pk=older.pk).exists()  # not pruned by the older one


def test_the_network_of_groups_keeps_each_groups_strongest_links(db):
    village = f.VillageFactory()
    groups = [f.GroupFactory(ref=f"BB{i}", area=village) for i in range(6)]
    everywhere = f.PersonFactory(area=village)
    for g in groups:
        f.MembershipFactory(person=everywhere, group=g)
    # BB0-BB1 share a second member: their link is the strongest
    second = f.PersonFactory(area=village)
    f.MembershipFactory(person=second, group=groups[0])
    f.MembershipFactory(person=second, group=groups[1])
    edges = computed(village).group_network["edges"]
    pairs = {(e["source"], e["target"]): e["shared_members"] for e in edges}
    assert pairs[("BB0", "BB1")] == 2
    assert layouts.GROUP_NETWORK_TOP == 4
    # all 15 pairs are linked, but BB4 and BB5 each keep four stronger or earlier links
    assert len(pairs) == 14 and ("BB4", "BB5") not in pairs


def test_the_network_of_groups_is_capped_strongest_first(db, monkeypatch):
    monkeypatch.setattr(layouts, "GROUP_NETWORK_MAX_EDGES", 3)
    village = f.VillageFactory()
    groups = [f.GroupFactory(ref=f"CAP{i}", area=village) for i in range(4)]
    everywhere = f.PersonFactory(area=village)
    for g in groups:
        f.MembershipFactory(person=everywhere, group=g)
    second = f.PersonFactory(area=village)
    f.MembershipFactory(person=second, group=groups[2])
    f.MembershipFactory(person=second, group=groups[3])
    network = computed(village).group_network
    assert network["edges_total"] == 6
    assert [(e["source"], e["target"]) for e in network["edges"]] == [
        ("CAP0", "CAP1"),
        ("CAP0", "CAP2"),
        ("CAP2", "CAP3"),
    ]
