"""The quarterly trend is computed cheaply and beside the scores, and shows the same figures.

- compute_scores(structure=False), the trend's: every value the same but analysis.STRUCTURE_FIELDS;
- no trended figure is one of those (the registry, indicators.py);
- a snapshot whose trend and picture of groups came from a forked process stores exactly what
  one computed in a single process stores, and falls back to one process without fork;
- a forked worker does not outlive the process that forked it.
"""

import dataclasses
import datetime as dt
import os
import select
import signal

import pytest

from groups import synthetic
from groups.models import Area, AreaLevel, GroupScore, PersonScore
from groups.scores import analysis, collect, evidence, forking, indicators, reading, snapshots

from .test_analysis import karate_scope, star

TODAY = dt.date(2026, 6, 30)
PERSON_LEFT, GROUP_LEFT = analysis.STRUCTURE_FIELDS


def without(scores, left: tuple[str, ...]) -> dict:
    values = dataclasses.asdict(scores)
    return {k: v for k, v in values.items() if k not in left}


@pytest.mark.parametrize("data", [karate_scope(weighted=True), karate_scope(both_ways=True), star()])
def test_without_structure_only_the_structure_fields_are_left_out(data):
    full = analysis.compute_scores(data, betweenness=False)
    lean = analysis.compute_scores(data, betweenness=False, structure=False)
    assert full.people.keys() == lean.people.keys() and full.groups.keys() == lean.groups.keys()
    for pid, person in full.people.items():
        assert without(lean.people[pid], PERSON_LEFT) == without(person, PERSON_LEFT)
        assert all(getattr(lean.people[pid], f) is None for f in PERSON_LEFT)
    for gid, group in full.groups.items():
        assert without(lean.groups[gid], GROUP_LEFT) == without(group, GROUP_LEFT)
        assert (lean.groups[gid].transitivity, lean.groups[gid].centralization) == (None, None)
        assert lean.groups[gid].bridges == 0
    kept = [f for f in analysis.GROUP_MEDIAN_FIELDS if f not in GROUP_LEFT]
    assert {f: lean.area.group_medians[f] for f in kept} == {f: full.area.group_medians[f] for f in kept}
    assert without(lean.area, ("group_medians",)) == without(full.area, ("group_medians",))
    # the full computation does have them here, so leaving them out is seen
    assert any(p.constraint is not None for p in full.people.values())
    assert any(g.transitivity is not None for g in full.groups.values())
    assert any(g.bridges for g in full.groups.values())  # karate: member 11's one tie; star: all


def test_no_trended_figure_is_one_the_trend_leaves_out():
    assert not set(GROUP_LEFT) & set(indicators.TREND_GROUP_FIELDS)
    assert not {f"median_{f}" for f in GROUP_LEFT} & set(indicators.TREND_AREA_FIELDS)
    assert not set(PERSON_LEFT) & {*indicators.TREND_AREA_FIELDS, *indicators.TREND_COUNTS}


@pytest.fixture
def community(db):
    synthetic.build(150, seed=3, today=TODAY)
    return Area.objects.get(level=AreaLevel.DISTRICT)


def test_the_trends_lean_scores_give_the_full_scores_figures(community, monkeypatch):
    collected = collect.collect(community, TODAY.replace(year=2025) + dt.timedelta(days=1), TODAY)
    parts = snapshots.community_parts(collected, community.pk)
    monkeypatch.setattr(snapshots, "TREND_WORKERS", 0)
    lean = snapshots._trend(collected, parts)

    def full_scores(data):
        return analysis.compute_scores(data, brokers=0, betweenness=False, minimums=evidence.MINIMUMS)

    monkeypatch.setattr(snapshots, "_cheap_scores", full_scores)
    assert snapshots._trend(collected, parts) == lean
    assert len(lean[0]["quarters"]) == 4 and lean[0]["parts"]
    assert any(value is not None for value in lean[0]["area"]["median_density"])


def stored(snapshot) -> dict:
    """Everything a snapshot stores but its id, times and rows' ids."""
    snapshot.refresh_from_db()
    return {
        "area_scores": snapshot.area_scores,
        "trend": snapshot.trend,
        "group_network": snapshot.group_network,
        "people": [
            {k: v for k, v in row.items() if k not in ("id", "snapshot_id")}
            for row in PersonScore.objects.filter(snapshot=snapshot).order_by("person_id").values()
        ],
        "groups": [
            {k: v for k, v in row.items() if k not in ("id", "snapshot_id")}
            for row in GroupScore.objects.filter(snapshot=snapshot).order_by("group_id").values()
        ],
    }


def computed(area):
    return snapshots.compute_snapshot(reading.create_snapshot(area, today=TODAY))


def test_a_snapshot_from_a_forked_trend_stores_what_one_process_stores(community, monkeypatch):
    monkeypatch.setattr(snapshots, "TREND_WORKERS", 0)
    expected = stored(computed(community))
    assert expected["trend"]["area"]["exchanges"] and expected["group_network"]["nodes"]
    monkeypatch.setattr(snapshots, "TREND_WORKERS", 1)
    monkeypatch.setattr(snapshots, "_TREND_PARALLEL_MIN_FLOWS", 0)
    sent = []

    class SpyPool(forking.ProcessPoolExecutor):
        def map(self, fn, *iterables, **kwargs):
            sent.append(fn)
            return super().map(fn, *iterables, **kwargs)

        def submit(self, fn, /, *args, **kwargs):
            if fn is snapshots._layout_of:
                sent.append(fn)
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(forking, "ProcessPoolExecutor", SpyPool)
    assert stored(computed(community)) == expected
    assert sent == [snapshots._trend_rows_of, snapshots._layout_of]  # both went to the worker
    assert snapshots._COLLECTED is None and snapshots._QUARTERS == []  # nothing left behind


def test_without_fork_the_snapshot_is_computed_in_one_process(community, monkeypatch, caplog):
    monkeypatch.setattr(snapshots, "TREND_WORKERS", 0)
    expected = stored(computed(community))
    monkeypatch.setattr(snapshots, "TREND_WORKERS", 1)
    monkeypatch.setattr(snapshots, "_TREND_PARALLEL_MIN_FLOWS", 0)

    def no_fork(method=None):
        raise ValueError("cannot find context for 'fork'")

    monkeypatch.setattr(snapshots.multiprocessing, "get_context", no_fork)
    assert stored(computed(community)) == expected
    assert "computed in one process" in caplog.text


def test_a_forked_worker_ends_when_the_process_that_forked_it_is_killed():
    """A task worker killed in the middle of a district leaves no process of its own behind."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the computing process
        try:
            pool = forking.fork_pool(1)
            os.write(write, str(pool.submit(os.getpid).result()).encode())
            signal.pause()  # until it is killed
        finally:
            os._exit(0)
    os.close(write)
    worker = int(os.read(read, 32))
    watch = os.pidfd_open(worker)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    ended, _, _ = select.select([watch], [], [], 10)
    os.close(watch)
    os.close(read)
    if not ended:
        os.kill(worker, signal.SIGKILL)  # leave nothing behind, then fail
    assert ended
