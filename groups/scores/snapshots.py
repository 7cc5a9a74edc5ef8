"""Computing and storing a snapshot: collected rows -> analysis -> one ScoreSnapshot with one
PersonScore and GroupScore row each, the quarterly trend and the stored network pictures.
Runs in the background (tasks.py) or on the spot (compute_scores)."""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import time
import traceback
from collections import Counter, defaultdict
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict

from django.db import transaction
from django.utils import timezone

from groups.models import Area, GroupScore, PersonScore, ScoreSnapshot, SnapshotStatus

from . import analysis, evidence, money
from .areas import chain_ids
from .collect import Collected, collect
from .forking import fork_pool
from .indicators import TREND_AREA_FIELDS, TREND_COUNTS, TREND_GROUP_FIELDS
from .layouts import GroupLayout, group_layout, group_network, held_together, member_network
from .parts import part_scores
from .quality import group_quality

logger = logging.getLogger(__name__)

#: Seed of sampled betweenness (only used above analysis.BETWEENNESS_EXACT_LIMIT nodes).
SEED = 0
#: How many brokers (highest betweenness) the area scores list.
BROKERS = 10
#: The version of the score definitions a snapshot was computed under (area_scores
#: "definitions"). Raise it when a definition changes: reading.read then asks again for any
#: snapshot computed under an older one, so no page keeps showing numbers by the old rules.
#: 4: each quarter's groups, quiet groups and cut-off people are in the trend (TREND_COUNTS),
#: so the areas-within table's change of those is real on existing installs too.
#: 5: each group's held_together is stored (the needs-attention list reads no network).
DEFINITIONS = 5

PERSON_FIELDS: tuple[str, ...] = tuple(f for f in analysis.PersonScores.__dataclass_fields__ if f != "id")
GROUP_FIELDS: tuple[str, ...] = tuple(f for f in analysis.GroupScores.__dataclass_fields__ if f != "id")
AREA_FIELDS: tuple[str, ...] = tuple(analysis.AreaScores.__dataclass_fields__)


def _part(scores: analysis.ScopeScores, people, groups, brokers: int) -> analysis.AreaScores:
    """A village's figures from its community's computation (parts.py), with the minimums."""
    return part_scores(scores, people, groups, brokers=brokers, minimums=evidence.MINIMUMS)


def _cheap_scores(data: analysis.ScopeData) -> analysis.ScopeScores:
    """Scores for the quarterly trend: without betweenness (brokers are not trended) nor the
    other figures no trend shows (analysis.STRUCTURE_FIELDS; tests/test_trend_figures.py)."""
    return analysis.compute_scores(
        data, seed=SEED, brokers=0, betweenness=False, structure=False, minimums=evidence.MINIMUMS
    )


def _area_trend_row(
    area: analysis.AreaScores, scores: analysis.ScopeScores, people=None, groups=None
) -> dict:
    """One quarter's trend fields of the area, or of a part (its people's and groups' nodes)."""
    row = {f: getattr(area, f) for f in TREND_AREA_FIELDS if not f.startswith("median_")}
    for f in TREND_AREA_FIELDS:
        if f.startswith("median_"):
            row[f] = area.group_medians.get(f.removeprefix("median_"))
    return row | _trend_counts(scores, people, groups)


def _trend_counts(scores: analysis.ScopeScores, people=None, groups=None) -> dict:
    """TREND_COUNTS of one quarter: the groups, the quiet ones (as of the quarter's end) and
    the people whose absence would cut others off, of the whole community or of a part."""
    if groups is None:
        own_groups, own_people = list(scores.groups.values()), list(scores.people.values())
    else:
        own_groups = [scores.groups[g] for g in groups if g in scores.groups]
        own_people = [scores.people[p] for p in people if p in scores.people]
    return {
        "groups": len(own_groups),
        "quiet": sum(1 for g in own_groups if g.quiet),
        "cut_off": sum(1 for p in own_people if p.cut_off >= 1),
    }


#: Trended group indicators (the registry's group_trend): those the network analysis gives per
#: quarter, and the group's money figures (money.py over each quarter).
NETWORK_TREND = tuple(f for f in TREND_GROUP_FIELDS if f not in money.FIELDS)
MONEY_TREND = tuple(f for f in TREND_GROUP_FIELDS if f in money.FIELDS)

#: A part of a community (a village): its ref -> (its people's nodes, its groups' nodes).
Parts = dict[str, tuple[frozenset[str], frozenset[str]]]


def _trend_rows(data: analysis.ScopeData, parts: Parts | None = None) -> tuple[dict, dict[str, list]]:
    """One quarter: the area's trend fields (with each part's under "parts") and each
    group's (small, so cheap to send back from a worker process)."""
    scores = _cheap_scores(data)
    by_resource = _member_exchanges_by_resource(data)
    groups = {
        gid: [getattr(gs, f) for f in NETWORK_TREND] + [gs.bases, by_resource.get(gid, {})]
        for gid, gs in scores.groups.items()
    }
    row = _area_trend_row(scores.area, scores)
    row["parts"] = {
        ref: _area_trend_row(_part(scores, people, group_ids, 0), scores, people, group_ids)
        for ref, (people, group_ids) in (parts or {}).items()
    }
    return row, groups


def _member_exchanges_by_resource(data: analysis.ScopeData) -> dict[str, Counter]:
    """Group id -> member exchanges (at least one end a member, each counted once) by resource,
    with the analysis' cleaning rules, so they add up to GroupScores.exchanges."""
    people = set(data.people) | (set(data.outside) - set(data.actors))
    known = people | set(data.actors)
    groups_of: dict[str, list[str]] = defaultdict(list)
    for gid, members in data.memberships.items():
        for m in members:
            groups_of[m].append(gid)
    out: dict[str, Counter] = defaultdict(Counter)
    for fl in data.flows:
        g, r = fl.giver, fl.receiver
        if g == r or g not in known or r not in known or not (g in people or r in people):
            continue
        for gid in set(groups_of.get(g, ())) | set(groups_of.get(r, ())):
            out[gid][fl.resource] += 1
    return out


#: The trend's quarters and the layout of the network of groups are computed in a forked
#: process, while this one computes the scores, above this many flows (below, a fork costs more).
_TREND_PARALLEL_MIN_FLOWS = 5000
#: Processes for them (0: none, all in this one). One is enough: this process computes the
#: scores meanwhile, on the other core, and takes longer than they do.
TREND_WORKERS = 1


# read by forked workers (inherited, not pickled); set only while the workers are forked
_COLLECTED: Collected | None = None
_QUARTERS: list = []  # the quarters (windows.Window) of _COLLECTED's window
_PARTS: Parts = {}
_DATA: analysis.ScopeData | None = None


def _trend_rows_of(index: int) -> tuple[dict, dict[str, list]]:
    return _trend_rows(_COLLECTED.scope_data(_QUARTERS[index]), _PARTS)


def _layout_of() -> GroupLayout:
    return group_layout(_COLLECTED, _DATA)


class _Background:
    """The quarterly trend and the layout of the network of groups, which need none of the
    community's scores: with enough work, forked processes compute them while this one computes
    the scores (they inherit the collected rows; only their results come back); otherwise, or
    where fork is unavailable, this process does when they are asked for. A context manager:
    leaving it stops the processes. `data`: the whole window's ScopeData (for the layout)."""

    def __init__(self, collected: Collected, parts: Parts, data: analysis.ScopeData | None = None):
        self.collected, self.parts, self.data = collected, parts, data
        self.quarters = collected.window.quarters()
        self._pool = self._rows = self._layout = None
        if (
            TREND_WORKERS > 0
            and len(collected.flows) >= _TREND_PARALLEL_MIN_FLOWS
            and not multiprocessing.current_process().daemon
        ):
            self._start()

    def _start(self) -> None:
        global _COLLECTED, _QUARTERS, _PARTS, _DATA
        _COLLECTED, _QUARTERS, _PARTS, _DATA = self.collected, self.quarters, self.parts, self.data
        try:
            self._pool = fork_pool(TREND_WORKERS)
            # with fork, the first submit starts every worker: from here on they hold the inputs
            self._rows = self._pool.map(_trend_rows_of, range(len(self.quarters)))
            if self.data is not None:
                self._layout = self._pool.submit(_layout_of)
        except (ValueError, OSError, RuntimeError, BrokenProcessPool):
            self._fall_back()
        finally:
            _COLLECTED, _QUARTERS, _PARTS, _DATA = None, [], {}, None

    def _fall_back(self) -> None:
        logger.warning("Quarterly trend computed in one process (no fork available)")
        self.close()
        self._rows = self._layout = None

    def rows(self) -> list[tuple[dict, dict[str, list]]]:
        """_trend_rows of each quarter."""
        if self._rows is not None:
            try:
                return list(self._rows)
            except (OSError, RuntimeError, BrokenProcessPool):
                self._fall_back()
        return [_trend_rows(self.collected.scope_data(q), self.parts) for q in self.quarters]

    def layout(self) -> GroupLayout:
        """layouts.group_layout of the whole window."""
        if self._layout is not None:
            try:
                return self._layout.result()
            except (OSError, RuntimeError, BrokenProcessPool):
                self._fall_back()
        return group_layout(self.collected, self.data)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> _Background:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _trend(
    collected: Collected, parts: Parts, background: _Background | None = None
) -> tuple[dict, dict[int, dict[str, list]]]:
    """Key indicators per quarter of the window, without betweenness (see _cheap_scores);
    the parts' (villages') under "parts". `background`: the one computing the quarters."""
    if background is None:
        with _Background(collected, parts) as started:
            rows = started.rows()
    else:
        rows = background.rows()
    quarters = collected.window.quarters()
    fields = TREND_AREA_FIELDS + TREND_COUNTS
    area = {f: [row[f] for row, _ in rows] for f in fields}
    groups: dict[int, dict[str, list]] = {}
    for g in collected.groups:
        per_quarter = [groups_row.get(f"g:{g}") for _, groups_row in rows]
        groups[g] = {
            f: [values[i] if values is not None else None for values in per_quarter]
            for i, f in enumerate(NETWORK_TREND)
        }
        # what each quarter's values rest on (evidence.py), for "too few records" per quarter
        groups[g]["bases"] = [values[-2] if values is not None else {} for values in per_quarter]
        groups[g]["exchanges_by_resource"] = {
            res: [values[-1].get(res, 0) if values is not None else 0 for values in per_quarter]
            for res in analysis.RESOURCES
        }
        _add_money_trend(groups[g], collected, g, quarters)
    trend = {
        "quarters": [
            {"start": q.start.isoformat(), "end": q.end.isoformat(), "partial": q.partial} for q in quarters
        ],
        "area": area,
        "parts": {
            ref: {f: [row["parts"][ref][f] for row, _ in rows] for f in fields} for ref in parts
        },
    }
    return trend, groups


def _add_money_trend(series: dict, collected: Collected, group_id: int, quarters) -> None:
    """The trended money figures (money.py) of a group keeping a fund, each quarter as of its
    end, their bases joined to the quarter's (evidence per quarter, as for the others)."""
    if group_id not in collected.funds:
        return
    per_quarter = [money.group_money(collected.money_data(group_id, q)) for q in quarters]
    for f in MONEY_TREND:
        series[f] = [getattr(figures, f) for figures in per_quarter]
    joined = zip(series["bases"], per_quarter, strict=True)
    series["bases"] = [{**bases, **figures.bases} for bases, figures in joined]


def _area_json(area: analysis.AreaScores, collected: Collected) -> dict:
    """AreaScores as plain data with refs, plus "isolated": the number of people with no tie."""
    data = asdict(area)
    data["isolated"] = round((area.isolated_share or 0.0) * area.people)
    data["definitions"] = DEFINITIONS
    for key in ("brokers", "groups_by_self_reliance", "groups_by_ei_index"):
        data[key] = [collected.ref(node) for node in data[key]]
    return data


def community_parts(collected: Collected, community_id: int) -> Parts:
    """Each area within the community (its villages; below it, not itself): the people who
    live in it or below it or belong to one of its groups, and its groups, as nodes."""
    chains = {
        area: chain[chain.index(community_id) + 1 :] if community_id in chain else []
        for area, chain in chain_ids(
            set(collected.home.values()) | {g[3] for g in collected.groups.values()}
        ).items()
    }
    members = collected.members(collected.window)
    parts: dict[int, tuple[set[str], set[str]]] = {}
    for group_id, (_ref, _name, _kind, area_id) in collected.groups.items():
        for part in chains.get(area_id, []):
            people, groups = parts.setdefault(part, (set(), set()))
            groups.add(f"g:{group_id}")
            people.update(f"p:{p}" for p in members.get(group_id, ()))
    for person_id, area_id in collected.home.items():
        for part in chains.get(area_id, []):
            parts.setdefault(part, (set(), set()))[0].add(f"p:{person_id}")
    refs = dict(Area.objects.filter(pk__in=parts).values_list("pk", "ref"))
    return {
        refs[pk]: (frozenset(people), frozenset(groups))
        for pk, (people, groups) in sorted(parts.items())
        if pk in refs
    }


def _money_values(collected: Collected, group_id: int, bases: dict) -> dict:
    """The group's money figures (money.py) as GroupScore fields, their bases joined to the
    group's bases. Ledger entries never entered the network computed above."""
    figures = money.group_money(collected.money_data(group_id))
    values = {f: getattr(figures, f) for f in money.FIELDS}
    values["bases"] = {**bases, **figures.bases}
    return values


class ClaimLost(Exception):
    """The snapshot is no longer this computation's: its worker was taken as lost and another
    took it over (take_over), or a user gave it up. Nothing is written."""


def _claim(snapshot: ScoreSnapshot) -> bool:
    """Move a pending snapshot to running; False when someone else took it first. The claim's
    time (started_at) is its token: only the computation holding it may write (_hold_claim)."""
    now = timezone.now()
    claimed = ScoreSnapshot.objects.filter(pk=snapshot.pk, status=SnapshotStatus.PENDING).update(
        status=SnapshotStatus.RUNNING, started_at=now
    )
    if claimed:
        snapshot.status, snapshot.started_at = SnapshotStatus.RUNNING, now
    return bool(claimed)


def take_over(snapshot: ScoreSnapshot) -> bool:
    """Claim a snapshot left running by a lost worker (its task runs again: groups/worker.py).
    A new token, so the lost computation, were it alive after all, writes nothing; False when
    the snapshot is no longer running as `snapshot` last saw it (done, given up, taken)."""
    now = max(timezone.now(), snapshot.started_at + dt.timedelta(microseconds=1))  # a new token
    taken = ScoreSnapshot.objects.filter(
        pk=snapshot.pk, status=SnapshotStatus.RUNNING, started_at=snapshot.started_at
    ).update(started_at=now)
    if taken:
        snapshot.started_at = now
    return bool(taken)


def _hold_claim(snapshot: ScoreSnapshot) -> None:
    """Inside the write transaction: lock the snapshot's row and check the claim is still
    this computation's, so two computations of one snapshot never both write its rows."""
    mine = ScoreSnapshot.objects.select_for_update().filter(
        pk=snapshot.pk, status=SnapshotStatus.RUNNING, started_at=snapshot.started_at
    )
    if not mine.values_list("pk", flat=True):
        raise ClaimLost(snapshot.pk)


def _record_failure(snapshot: ScoreSnapshot, started: float) -> None:
    """The failure on the snapshot, if it is still this computation's."""
    ScoreSnapshot.objects.filter(
        pk=snapshot.pk, status=SnapshotStatus.RUNNING, started_at=snapshot.started_at
    ).update(
        status=SnapshotStatus.FAILED,
        error=traceback.format_exc(limit=5)[-4000:],
        duration_seconds=time.perf_counter() - started,
        computed_at=timezone.now(),
    )
    snapshot.refresh_from_db()


def _person_rows(snapshot: ScoreSnapshot, scores: analysis.ScopeScores) -> list[PersonScore]:
    return [
        PersonScore(snapshot=snapshot, person_id=int(pid[2:]), **{f: getattr(ps, f) for f in PERSON_FIELDS})
        for pid, ps in scores.people.items()
    ]


def _group_rows(
    snapshot: ScoreSnapshot, scores: analysis.ScopeScores, collected: Collected, data, quality: dict
) -> list[GroupScore]:
    """The group rows, each with its members' network; without their trend (set later)."""
    _, T = scores.graphs
    adj = dict(T.adjacency())
    rows = []
    for gid, gs in scores.groups.items():
        values = {f: getattr(gs, f) for f in GROUP_FIELDS}
        values["bridging_group_refs"] = [collected.ref(x) for x in values.pop("bridging_group_ids")]
        values["linking_actor_refs"] = [collected.ref(x) for x in values.pop("linking_actor_ids")]
        values.update(_money_values(collected, int(gid[2:]), values["bases"]))
        members = data.memberships.get(gid, frozenset())
        network = member_network(adj, members, collected)
        enough = values["exchanges"] >= evidence.EXCHANGES  # as the needs-attention list says it
        rows.append(
            GroupScore(
                snapshot=snapshot,
                group_id=int(gid[2:]),
                network=network,
                held_together=held_together(network) if enough else None,
                quality=quality.get(int(gid[2:]), {}),
                **values,
            )
        )
    return rows


def compute_snapshot(snapshot: ScoreSnapshot) -> ScoreSnapshot:
    """Compute and store a snapshot (synchronously). A pending snapshot is claimed first, so
    two workers never compute the same one; a failure is recorded on the snapshot and raised."""
    if snapshot.status != SnapshotStatus.RUNNING and not _claim(snapshot):
        snapshot.refresh_from_db()
        return snapshot
    started = time.perf_counter()
    try:
        window = (snapshot.period_start, snapshot.period_end)
        collected = collect(snapshot.area, *window, snapshot.resource, confirmed_only=snapshot.confirmed_only)
        data = collected.scope_data()
        parts = community_parts(collected, snapshot.area_id)
        with _Background(collected, parts, data) as background:  # trend and layout meanwhile
            quality = group_quality(collected, snapshot.resource, snapshot.confirmed_only)
            scores = analysis.compute_scores(data, seed=SEED, brokers=BROKERS, minimums=evidence.MINIMUMS)
            person_rows = _person_rows(snapshot, scores)
            group_rows = _group_rows(snapshot, scores, collected, data, quality)
            area_scores = _area_json(scores.area, collected)
            # each village's figures, aggregated from this computation (parts.py)
            area_scores["parts"] = {
                ref: _area_json(_part(scores, people, groups, BROKERS), collected)
                for ref, (people, groups) in parts.items()
            }
            trend, group_trends = _trend(collected, parts, background)
            network_of_groups = group_network(collected, data, scores, background.layout())
        for row in group_rows:
            row.trend = group_trends.get(row.group_id, {})
        # Everything above only read; the writes follow in one short transaction, so pages
        # saving meanwhile wait for at most that (SQLite has one writer at a time).
        with transaction.atomic():
            _hold_claim(snapshot)
            PersonScore.objects.filter(snapshot=snapshot).delete()
            GroupScore.objects.filter(snapshot=snapshot).delete()
            PersonScore.objects.bulk_create(person_rows, batch_size=2000)
            GroupScore.objects.bulk_create(group_rows, batch_size=500)
            snapshot.area_scores = area_scores
            snapshot.trend = trend
            snapshot.group_network = network_of_groups
            snapshot.betweenness_estimated = scores.area.betweenness_estimated
            snapshot.status = SnapshotStatus.DONE
            snapshot.computed_at = timezone.now()
            snapshot.duration_seconds = time.perf_counter() - started
            snapshot.error = ""
            snapshot.save()
    except ClaimLost:
        logger.warning("Score snapshot %s was taken over by another computation; not written", snapshot.pk)
        snapshot.refresh_from_db()
        return snapshot
    except Exception:
        logger.exception("Score snapshot %s failed", snapshot.pk)
        _record_failure(snapshot, started)
        raise
    with transaction.atomic():  # a second short transaction: older rows of the key go
        _prune(snapshot)
    return snapshot


def _prune(snapshot: ScoreSnapshot) -> None:
    """Keep only the newest done snapshot of a key (its rows are large); older done and failed
    ones of the same key go. The trend lives inside each snapshot, so no history is lost."""
    same_key = ScoreSnapshot.objects.filter(
        area_id=snapshot.area_id, resource=snapshot.resource, confirmed_only=snapshot.confirmed_only
    )
    if snapshot.rolling:
        same_key = same_key.filter(rolling=True)
    else:
        same_key = same_key.filter(
            rolling=False, period_start=snapshot.period_start, period_end=snapshot.period_end
        )
    older = list(
        same_key.filter(
            status__in=[SnapshotStatus.DONE, SnapshotStatus.FAILED], requested_at__lte=snapshot.requested_at
        )
        .exclude(pk=snapshot.pk)
        .values_list("pk", flat=True)
    )
    if not older:
        return
    # Their score rows go first, in one statement each: Django's cascade would load every row
    # to send post_delete (page_cache listens to all models), which nothing reads for score
    # rows (page_cache.SCORE_MODELS); thousands of rows for nothing.
    for model in (PersonScore, GroupScore):
        rows = model.objects.filter(snapshot__in=older)
        rows._raw_delete(rows.db)
    ScoreSnapshot.objects.filter(pk__in=older).delete()
