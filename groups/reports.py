"""Glue between the database and groups/analysis.py: queries -> plain data -> analysis -> snapshots.

Scores are computed in the background (groups/tasks.py) and stored as ScoreSnapshot rows with
one PersonScore and GroupScore row each; pages read the latest snapshot (one indexed query).

Scope of an area: the people whose area is the area or below it, plus everyone with a
membership open in the window in a group of the area or below (so no member vanishes); the
groups of the area or below. Scope of a group: its members open in the window. A window is a
pair of dates, both ends inclusive; exchanges marked disputed are left out. Node ids for the
analysis are "p:<person pk>", "a:<actor pk>", "g:<group pk>"; everything stored uses refs.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import logging
import math
import multiprocessing
import random
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field

import networkx as nx
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import analysis, privacy
from .models import (
    Activity,
    Area,
    Exchange,
    ExternalActor,
    Group,
    GroupScore,
    Membership,
    Norm,
    NormReview,
    Person,
    PersonScore,
    ScoreSnapshot,
    SnapshotStatus,
)

logger = logging.getLogger(__name__)

#: Seed of sampled betweenness (only used above analysis.BETWEENNESS_EXACT_LIMIT nodes).
SEED = 0
#: How many brokers (highest betweenness) the area scores list.
BROKERS = 10
#: A snapshot waiting or running for longer than this is taken as lost (a worker died).
STALE_RUNNING = dt.timedelta(hours=2)

PERSON_FIELDS: tuple[str, ...] = tuple(f for f in analysis.PersonScores.__dataclass_fields__ if f != "id")
GROUP_FIELDS: tuple[str, ...] = tuple(f for f in analysis.GroupScores.__dataclass_fields__ if f != "id")
AREA_FIELDS: tuple[str, ...] = tuple(analysis.AreaScores.__dataclass_fields__)

#: Area indicators per quarter (snapshot.trend["area"]); "median_<x>" = median over groups.
TREND_AREA_FIELDS: tuple[str, ...] = (
    "people",
    "exchanges",
    "ties",
    "isolated_share",
    "components",
    "bonding_share",
    "bridging_share",
    "linking_share",
    "reciprocity",
    "median_self_reliance",
    "median_ei_index",
    "median_density",
    "median_participation",
    "median_norm_rating",
)
#: Group indicators per quarter (GroupScore.trend).
TREND_GROUP_FIELDS: tuple[str, ...] = (
    "size",
    "exchanges",
    "density",
    "reciprocity",
    "ei_index",
    "bonding",
    "bridging",
    "linking",
    "self_reliance",
    "aid_dependence",
    "learning_share",
    "participation",
    "norm_rating",
)


# ----------------------------------------------------------------------------- windows


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (negative: earlier), clamped to the month's last day and
    to the calendar's ends (dates near year 1 or 9999 never raise)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    if year < dt.MINYEAR:
        return dt.date.min
    if year > dt.MAXYEAR:
        return dt.date.max
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Window:
    """A period of days, both ends inclusive."""

    start: dt.date
    end: dt.date
    partial: bool = False  # a quarter cut short by the start of its window

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def quarters(self) -> list[Window]:
        """Consecutive 3-month slices counted back from the end, oldest first; the first one
        is cut at the window's start (and marked partial) when it does not fit."""
        out = []
        k = 0
        while True:
            q_end = add_months(self.end, -3 * k)
            if q_end < self.start:
                break
            q_start = add_months(self.end, -3 * (k + 1)) + dt.timedelta(days=1)
            partial = q_start < self.start
            out.append(Window(max(q_start, self.start), q_end, partial))
            k += 1
        return list(reversed(out))


def default_window(today: dt.date | None = None) -> Window:
    """The last 12 months up to and including today."""
    today = today or timezone.localdate()
    return Window(add_months(today, -12) + dt.timedelta(days=1), today)


def _window(start, end, today=None) -> tuple[Window, bool]:
    """(window, rolling): start/end None means the default window."""
    if start is None or end is None:
        return default_window(today), True
    return Window(start, end), False


# ------------------------------------------------------------------------- collecting


@dataclass
class Collected:
    """Rows of one scope for one window, fetched once and sliced per quarter in Python."""

    window: Window
    person_refs: dict[int, str]  # pk -> ref, every person that can be in scope
    resident: set[int]  # people whose area is in scope (always nodes); empty for a group
    groups: dict[int, tuple[str, str, str, int]]  # pk -> (ref, name, kind, area_id)
    memberships: list[tuple[int, int, dt.date | None, dt.date | None]]  # group, person, joined, left
    actor_refs: dict[int, str]  # actors that exchanged with someone in scope
    flows: list[tuple[dt.date, str, str, str]]  # date, giver node, receiver node, resource
    activities: list[tuple[dt.date, int, frozenset[str]]]  # date, group pk, attendee nodes
    # group pk -> [(agreed_on, is_active, retired_on, [(reviewed_on, rating), ...] oldest first)]
    norms: dict[int, list[tuple[dt.date | None, bool, dt.date | None, list[tuple[dt.date, int]]]]] = field(
        default_factory=dict
    )

    def members(self, window: Window) -> dict[int, set[int]]:
        """Group pk -> people with a membership open at some time in the window."""
        out: dict[int, set[int]] = {g: set() for g in self.groups}
        for group_id, person_id, joined, left in self.memberships:
            if (joined is None or joined <= window.end) and (left is None or left >= window.start):
                out[group_id].add(person_id)
        return out

    def scope_data(self, window: Window | None = None) -> analysis.ScopeData:
        window = window or self.window
        members = self.members(window)
        people = set(self.resident)
        for ms in members.values():
            people |= ms
        ratings: dict[str, tuple[int | None, ...]] = {}
        for group_id, norms in self.norms.items():
            in_force = []
            for agreed, active, retired, reviews in norms:
                if agreed is not None and agreed > window.end:
                    continue
                if not (active or (retired is not None and retired > window.end)):
                    continue
                latest = [r for day, r in reviews if day <= window.end]
                in_force.append(latest[-1] if latest else None)
            if in_force:
                ratings[f"g:{group_id}"] = tuple(in_force)
        flows = tuple(analysis.Flow(g, r, res) for day, g, r, res in self.flows if day in window)
        actors = {n for fl in flows for n in (fl.giver, fl.receiver) if n.startswith("a:")}
        return analysis.ScopeData(
            people=tuple(f"p:{p}" for p in sorted(people)),
            actors=tuple(sorted(actors, key=lambda a: int(a[2:]))),
            flows=flows,
            memberships={f"g:{g}": frozenset(f"p:{p}" for p in ms) for g, ms in sorted(members.items())},
            activities=tuple(
                analysis.ActivityRecord(f"g:{g}", attendees)
                for day, g, attendees in self.activities
                if day in window
            ),
            norm_ratings=ratings,
        )

    def ref(self, node: str) -> str:
        """The ref of an analysis node id ("p:12" -> the person's ref)."""
        kind, pk = node.split(":", 1)
        if kind == "p":
            return self.person_refs[int(pk)]
        if kind == "a":
            return self.actor_refs[int(pk)]
        return self.groups[int(pk)][0]


def collect(scope: Area | Group, start: dt.date, end: dt.date, resource: str = "") -> Collected:
    """Fetch what the indicators of `scope` need in [start, end]: about ten queries, no
    per-row queries, whatever the size."""
    window = Window(start, end)
    if isinstance(scope, Group):
        group_q = Q(group_id=scope.pk)
        group_rows = Group.objects.filter(pk=scope.pk)
        area_ids: list[int] = []
    else:
        area_ids = list(Area.objects.subtree(scope).values_list("pk", flat=True))
        group_q = Q(group__area_id__in=area_ids)
        group_rows = Group.objects.filter(area_id__in=area_ids)
    groups = {
        pk: (ref, name, kind, area)
        for pk, ref, name, kind, area in group_rows.values_list("pk", "ref", "name", "kind", "area_id")
    }
    open_memberships = Membership.objects.open_between(start, end).filter(group_q)
    memberships = list(open_memberships.values_list("group_id", "person_id", "joined_on", "left_on"))
    people_q = Person.objects.filter(Q(area_id__in=area_ids) | Q(pk__in=open_memberships.values("person_id")))
    person_refs = dict(people_q.values_list("pk", "ref"))
    resident = (
        set(Person.objects.filter(area_id__in=area_ids).values_list("pk", flat=True)) if area_ids else set()
    )
    people_ids = people_q.values("pk")
    exchanges = (
        Exchange.objects.counted()
        .filter(date__gte=start, date__lte=end)
        .filter(Q(giver_person_id__in=people_ids) | Q(receiver_person_id__in=people_ids))
    )
    if resource:
        exchanges = exchanges.filter(resource=resource)
    flows = []
    actor_ids = set()
    for day, gp, ga, rp, ra, res in exchanges.values_list(
        "date", "giver_person_id", "giver_actor_id", "receiver_person_id", "receiver_actor_id", "resource"
    ).order_by():
        if ga:
            actor_ids.add(ga)
        if ra:
            actor_ids.add(ra)
        flows.append((day, f"p:{gp}" if gp else f"a:{ga}", f"p:{rp}" if rp else f"a:{ra}", res))
    flows.sort()
    actor_refs = dict(ExternalActor.objects.filter(pk__in=actor_ids).values_list("pk", "ref"))
    activity_q = Activity.objects.filter(group_q, date__gte=start, date__lte=end)
    activity_rows = list(activity_q.order_by("date", "pk").values_list("pk", "group_id", "date"))
    attended: dict[int, set[str]] = defaultdict(set)
    for activity_id, person_id in Activity.attendees.through.objects.filter(
        activity__in=activity_q.values("pk")
    ).values_list("activity_id", "person_id"):
        attended[activity_id].add(f"p:{person_id}")
    activities = [(day, g, frozenset(attended[pk])) for pk, g, day in activity_rows]
    norm_q = Norm.objects.filter(group_q).filter(
        Q(agreed_on__isnull=True) | Q(agreed_on__lte=end),
        Q(is_active=True) | Q(retired_on__gt=start),
    )
    reviews: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for norm_id, day, rating in (
        NormReview.objects.filter(norm__in=norm_q.values("pk"), reviewed_on__lte=end)
        .order_by("reviewed_on", "pk")
        .values_list("norm_id", "reviewed_on", "rating")
    ):
        reviews[norm_id].append((day, rating))
    norms: dict[int, list] = defaultdict(list)
    for pk, group_id, agreed, active, retired in norm_q.order_by("pk").values_list(
        "pk", "group_id", "agreed_on", "is_active", "retired_on"
    ):
        norms[group_id].append((agreed, active, retired, reviews.get(pk, [])))
    return Collected(
        window=window,
        person_refs=person_refs,
        resident=resident,
        groups=groups,
        memberships=memberships,
        actor_refs=actor_refs,
        flows=flows,
        activities=activities,
        norms=dict(norms),
    )


def scope_data(scope: Area | Group, start: dt.date, end: dt.date, resource: str = "") -> analysis.ScopeData:
    """The analysis input of an area (and everything below it) or of one group."""
    return collect(scope, start, end, resource).scope_data()


# -------------------------------------------------------------------------- computing


def _cheap_scores(data: analysis.ScopeData) -> analysis.ScopeScores:
    """Scores without betweenness, for the quarterly trend (brokers are not trended)."""
    return analysis.compute_scores(data, seed=SEED, brokers=0, betweenness=False)


def _area_trend_row(scores: analysis.ScopeScores) -> dict:
    area = scores.area
    row = {f: getattr(area, f) for f in TREND_AREA_FIELDS if not f.startswith("median_")}
    for f in TREND_AREA_FIELDS:
        if f.startswith("median_"):
            row[f] = area.group_medians.get(f.removeprefix("median_"))
    return row


def _trend_rows(data: analysis.ScopeData) -> tuple[dict, dict[str, list]]:
    """One quarter: the area's trend fields and each group's (small, so cheap to send back
    from a worker process)."""
    scores = _cheap_scores(data)
    by_resource = _member_exchanges_by_resource(data)
    groups = {
        gid: [getattr(gs, f) for f in TREND_GROUP_FIELDS] + [by_resource.get(gid, {})]
        for gid, gs in scores.groups.items()
    }
    return _area_trend_row(scores), groups


def _member_exchanges_by_resource(data: analysis.ScopeData) -> dict[str, Counter]:
    """Group id -> member exchanges (at least one end a member, each counted once) by resource,
    with the analysis' cleaning rules, so they add up to GroupScores.exchanges."""
    people = set(data.people)
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


#: Quarters are computed in parallel processes above this many flows (below, a fork costs more).
_TREND_PARALLEL_MIN_FLOWS = 5000
TREND_WORKERS = 2


_QUARTERS: list[analysis.ScopeData] = []  # read by forked workers (inherited, not pickled)


def _trend_rows_of(index: int) -> tuple[dict, dict[str, list]]:
    return _trend_rows(_QUARTERS[index])


def _map_quarters(datas: list[analysis.ScopeData]) -> list[tuple[dict, dict[str, list]]]:
    """_trend_rows of each quarter; in forked processes when there is enough work (the
    quarters are independent). Falls back to one process where fork is unavailable."""
    global _QUARTERS
    if (
        len(datas) > 1
        and TREND_WORKERS > 1
        and sum(len(d.flows) for d in datas) >= _TREND_PARALLEL_MIN_FLOWS
        and not multiprocessing.current_process().daemon
    ):
        _QUARTERS = datas
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(min(TREND_WORKERS, len(datas)), mp_context=context) as pool:
                return list(pool.map(_trend_rows_of, range(len(datas))))
        except (ValueError, OSError, RuntimeError, BrokenProcessPool):
            logger.warning("Quarterly trend computed in one process (no fork available)")
        finally:
            _QUARTERS = []
    return [_trend_rows(d) for d in datas]


def _trend(collected: Collected) -> tuple[dict, dict[int, dict[str, list]]]:
    """Key indicators per quarter of the window, without betweenness (see _cheap_scores)."""
    quarters = collected.window.quarters()
    rows = _map_quarters([collected.scope_data(q) for q in quarters])
    area = {f: [row[f] for row, _ in rows] for f in TREND_AREA_FIELDS}
    groups: dict[int, dict[str, list]] = {}
    for g in collected.groups:
        per_quarter = [groups_row.get(f"g:{g}") for _, groups_row in rows]
        groups[g] = {
            f: [values[i] if values is not None else None for values in per_quarter]
            for i, f in enumerate(TREND_GROUP_FIELDS)
        }
        groups[g]["exchanges_by_resource"] = {
            res: [values[-1].get(res, 0) if values is not None else 0 for values in per_quarter]
            for res in analysis.RESOURCES
        }
    trend = {
        "quarters": [
            {"start": q.start.isoformat(), "end": q.end.isoformat(), "partial": q.partial} for q in quarters
        ],
        "area": area,
    }
    return trend, groups


def _area_json(scores: analysis.ScopeScores, collected: Collected) -> dict:
    """AreaScores as plain data with refs, plus "isolated": the number of people with no tie."""
    data = asdict(scores.area)
    data["isolated"] = sum(1 for p in scores.people.values() if p.partners == 0)
    for key in ("brokers", "groups_by_self_reliance", "groups_by_ei_index"):
        data[key] = [collected.ref(node) for node in data[key]]
    return data


def _claim(snapshot: ScoreSnapshot) -> bool:
    """Move a pending snapshot to running; False when someone else took it first."""
    now = timezone.now()
    claimed = ScoreSnapshot.objects.filter(pk=snapshot.pk, status=SnapshotStatus.PENDING).update(
        status=SnapshotStatus.RUNNING, started_at=now
    )
    if claimed:
        snapshot.status, snapshot.started_at = SnapshotStatus.RUNNING, now
    return bool(claimed)


def compute_snapshot(snapshot: ScoreSnapshot) -> ScoreSnapshot:
    """Compute and store a snapshot (synchronously). A pending snapshot is claimed first, so
    two workers never compute the same one; a failure is recorded on the snapshot and raised."""
    if snapshot.status == SnapshotStatus.PENDING and not _claim(snapshot):
        snapshot.refresh_from_db()
        return snapshot
    started = time.perf_counter()
    try:
        collected = collect(snapshot.area, snapshot.period_start, snapshot.period_end, snapshot.resource)
        data = collected.scope_data()
        scores = analysis.compute_scores(data, seed=SEED, brokers=BROKERS)
        _, T = scores.graphs
        adj = dict(T.adjacency())
        trend, group_trends = _trend(collected)
        group_network = _group_network(collected, data, scores)
        person_rows = [
            PersonScore(
                snapshot=snapshot,
                person_id=int(pid[2:]),
                **{f: getattr(ps, f) for f in PERSON_FIELDS},
            )
            for pid, ps in scores.people.items()
        ]
        group_rows = []
        for gid, gs in scores.groups.items():
            values = {f: getattr(gs, f) for f in GROUP_FIELDS}
            values["bridging_group_refs"] = [collected.ref(x) for x in values.pop("bridging_group_ids")]
            values["linking_actor_refs"] = [collected.ref(x) for x in values.pop("linking_actor_ids")]
            members = data.memberships.get(gid, frozenset())
            group_rows.append(
                GroupScore(
                    snapshot=snapshot,
                    group_id=int(gid[2:]),
                    network=member_network(adj, members, collected),
                    trend=group_trends.get(int(gid[2:]), {}),
                    **values,
                )
            )
        # Everything above only read; the writes follow in one short transaction, so pages
        # saving meanwhile wait for at most that (SQLite has one writer at a time).
        with transaction.atomic():
            PersonScore.objects.filter(snapshot=snapshot).delete()
            GroupScore.objects.filter(snapshot=snapshot).delete()
            PersonScore.objects.bulk_create(person_rows, batch_size=2000)
            GroupScore.objects.bulk_create(group_rows, batch_size=500)
            snapshot.area_scores = _area_json(scores, collected)
            snapshot.trend = trend
            snapshot.group_network = group_network
            snapshot.betweenness_estimated = scores.area.betweenness_estimated
            snapshot.status = SnapshotStatus.DONE
            snapshot.computed_at = timezone.now()
            snapshot.duration_seconds = time.perf_counter() - started
            snapshot.error = ""
            snapshot.save()
    except Exception:
        logger.exception("Score snapshot %s failed", snapshot.pk)
        ScoreSnapshot.objects.filter(pk=snapshot.pk).update(
            status=SnapshotStatus.FAILED,
            error=traceback.format_exc(limit=5)[-4000:],
            duration_seconds=time.perf_counter() - started,
            computed_at=timezone.now(),
        )
        snapshot.refresh_from_db()
        raise
    with transaction.atomic():  # a second short transaction: older rows of the key go
        _prune(snapshot)
    return snapshot


def _prune(snapshot: ScoreSnapshot) -> None:
    """Keep only the newest done snapshot of a key (its rows are large); older done and failed
    ones of the same key go. The trend lives inside each snapshot, so no history is lost."""
    same_key = ScoreSnapshot.objects.filter(area_id=snapshot.area_id, resource=snapshot.resource)
    if snapshot.rolling:
        same_key = same_key.filter(rolling=True)
    else:
        same_key = same_key.filter(
            rolling=False, period_start=snapshot.period_start, period_end=snapshot.period_end
        )
    same_key.filter(
        status__in=[SnapshotStatus.DONE, SnapshotStatus.FAILED], requested_at__lte=snapshot.requested_at
    ).exclude(pk=snapshot.pk).delete()


# -------------------------------------------------------------------------- networks


def _fr_layout(nodes: list[str], edges: list[tuple[str, str, float]], *, seed: int, iterations: int = 60):
    """Fruchterman & Reingold (1991) force layout in the unit square, deterministic for a seed
    (numpy-free: networkx's spring_layout needs numpy, which is not installed)."""
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.5, 0.5)}
    rng = random.Random(seed)
    index = {v: i for i, v in enumerate(nodes)}
    xs = [rng.random() for _ in range(n)]
    ys = [rng.random() for _ in range(n)]
    links = [(index[u], index[v], w) for u, v, w in edges if u in index and v in index and u != v]
    k = math.sqrt(1.0 / n)
    k2 = k * k
    temperature = 0.1
    for _ in range(iterations):
        dx = [0.0] * n
        dy = [0.0] * n
        for i in range(n):
            xi, yi = xs[i], ys[i]
            fx = fy = 0.0
            for j in range(n):
                if i == j:
                    continue
                ddx, ddy = xi - xs[j], yi - ys[j]
                d2 = ddx * ddx + ddy * ddy or 1e-9
                f = k2 / d2
                fx += ddx * f
                fy += ddy * f
            dx[i], dy[i] = fx, fy
        for i, j, w in links:
            ddx, ddy = xs[i] - xs[j], ys[i] - ys[j]
            d = math.sqrt(ddx * ddx + ddy * ddy) or 1e-9
            f = d * w / k
            dx[i] -= ddx * f
            dy[i] -= ddy * f
            dx[j] += ddx * f
            dy[j] += ddy * f
        for i in range(n):
            # a little gravity keeps disconnected parts on the page
            dx[i] -= (xs[i] - 0.5) * 0.05 / k
            dy[i] -= (ys[i] - 0.5) * 0.05 / k
            length = math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]) or 1e-9
            step = min(length, temperature) / length
            xs[i] += dx[i] * step
            ys[i] += dy[i] * step
        temperature = max(temperature * 0.95, 0.002)
    return _normalise(dict(zip(nodes, zip(xs, ys, strict=True), strict=True)))


def _normalise(pos: dict[str, tuple[float, float]], margin: float = 0.05) -> dict[str, tuple[float, float]]:
    if not pos:
        return {}
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    scale = (1 - 2 * margin) / span
    ox = (1 - (max(xs) - min(xs)) * scale) / 2
    oy = (1 - (max(ys) - min(ys)) * scale) / 2
    return {
        v: (round(ox + (x - min(xs)) * scale, 4), round(oy + (y - min(ys)) * scale, 4))
        for v, (x, y) in pos.items()
    }


def _circle(nodes: list[str], radius: float, cx: float = 0.5, cy: float = 0.5, offset: float = 0.0):
    n = len(nodes)
    return {
        v: (
            cx + radius * math.cos(2 * math.pi * i / n + offset),
            cy + radius * math.sin(2 * math.pi * i / n + offset),
        )
        for i, v in enumerate(nodes)
    }


def _cuthill_mckee(adj: dict[str, set[str]], nodes: list[str]) -> list[str]:
    """Reverse Cuthill-McKee order of `nodes` (sorted) over `adj`: BFS from a lowest-degree
    node, neighbours by degree, each component in turn; isolated nodes last."""
    order: list[str] = []
    seen: set[str] = set()
    isolated = [v for v in nodes if not adj[v]]
    for root in sorted((v for v in nodes if adj[v]), key=lambda v: (len(adj[v]), v)):
        if root in seen:
            continue
        seen.add(root)
        component = [root]
        i = 0
        while i < len(component):
            v = component[i]
            i += 1
            for w in sorted(adj[v] - seen, key=lambda w: (len(adj[w]), w)):
                seen.add(w)
                component.append(w)
        order.extend(reversed(component))
    return order + isolated


def member_network(adj: dict[str, dict[str, dict]], members: frozenset[str], collected: Collected) -> dict:
    """A group's members and their direct partners, with the ties of T among them, laid out
    in linear time: members on an inner circle in reverse Cuthill-McKee order (partners sit
    close, isolated members last), outsiders on an outer ring at the mean angle of the members
    they deal with. Inside vs outside the circle is the picture of the E-I index.
    `adj` is T's adjacency as plain dicts (node -> neighbour -> edge data)."""
    members_sorted = sorted(members)
    inner = {m: {v for v in adj[m] if v in members} for m in members_sorted}
    order = _cuthill_mckee(inner, members_sorted)
    if len(order) == 1:
        pos = {order[0]: (0.5, 0.5)}
    else:
        pos = _circle(order, 0.3, offset=-math.pi / 2)
    angle = {v: -math.pi / 2 + 2 * math.pi * i / max(len(order), 1) for i, v in enumerate(order)}
    outside: dict[str, list[str]] = defaultdict(list)
    for m in members_sorted:
        for v in adj[m]:
            if v not in members:
                outside[v].append(m)

    def mean_angle(v: str) -> float:
        ms = outside[v]
        return math.atan2(sum(math.sin(angle[m]) for m in ms), sum(math.cos(angle[m]) for m in ms))

    wanted = {v: mean_angle(v) for v in outside}
    outer = sorted(outside, key=lambda v: (wanted[v] % (2 * math.pi), v))
    if len(outer) <= max(len(order), 12):
        for v in outer:  # few outsiders: each next to the members it deals with
            pos[v] = (0.5 + 0.46 * math.cos(wanted[v]), 0.5 + 0.46 * math.sin(wanted[v]))
    else:  # many: spread evenly on the ring, in the same angular order
        pos.update(_circle(outer, 0.46, offset=wanted[outer[0]] % (2 * math.pi)))
    edges = []
    for m in members_sorted:
        for v, d in adj[m].items():
            if v in members and v < m:
                continue  # inner tie: seen from both ends, keep one
            a, b = sorted((collected.ref(m), collected.ref(v)))
            edges.append({"source": a, "target": b, "weight": d["weight"], "kind": d["kind"]})
    edges.sort(key=lambda e: (e["source"], e["target"]))
    return {
        "nodes": [
            {
                "ref": collected.ref(v),
                "kind": "person" if v.startswith("p:") else "actor",
                "member": v in members,
                "x": round(pos[v][0], 4),
                "y": round(pos[v][1], 4),
            }
            for v in order + outer
        ],
        "edges": edges,
    }


#: Strongest links kept per group in the stored network of groups, and at most this many in all.
GROUP_NETWORK_TOP = 4
GROUP_NETWORK_MAX_EDGES = 2000


def _group_network(collected: Collected, data: analysis.ScopeData, scores: analysis.ScopeScores) -> dict:
    """Groups as nodes; an edge when two groups share members in the window or their members
    exchanged across them (giver in A and not B, receiver in B and not A). Only the backbone is
    kept: each group's GROUP_NETWORK_TOP strongest links (shared members + exchanges), at most
    GROUP_NETWORK_MAX_EDGES of them, the strongest first (ties by refs); "edges_total" counts
    all links. So the picture stays readable and small for a district."""
    groups_of: dict[str, set[str]] = defaultdict(set)
    for gid, members in data.memberships.items():
        for m in members:
            groups_of[m].add(gid)
    shared: Counter[tuple[str, str]] = Counter()
    for gs in groups_of.values():
        ordered = sorted(gs)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                shared[(a, b)] += 1
    across: Counter[tuple[str, str]] = Counter()
    for flow in data.flows:
        ga, gb = groups_of.get(flow.giver, set()), groups_of.get(flow.receiver, set())
        for a in ga - gb:
            for b in gb - ga:
                across[(a, b) if a < b else (b, a)] += 1
    strength = Counter(shared)
    strength.update(across)
    links: dict[str, list[tuple[int, str, tuple[str, str]]]] = defaultdict(list)
    for (a, b), w in strength.items():
        links[a].append((-w, b, (a, b)))
        links[b].append((-w, a, (a, b)))
    backbone = {pair for ranked in links.values() for _, _, pair in sorted(ranked)[:GROUP_NETWORK_TOP]}
    strongest = sorted(
        backbone, key=lambda pair: (-strength[pair], collected.ref(pair[0]), collected.ref(pair[1]))
    )
    pairs = sorted(strongest[:GROUP_NETWORK_MAX_EDGES])
    gids = sorted(data.memberships, key=lambda g: collected.groups[int(g[2:])][0])
    weights = [(a, b, 1.0 + math.log1p(shared[(a, b)] + across[(a, b)])) for a, b in pairs]
    pos = _layout_clusters(gids, weights, collected)
    nodes = []
    for gid in gids:
        ref, name, kind, _area = collected.groups[int(gid[2:])]
        nodes.append(
            {
                "ref": ref,
                "name": name,
                "kind": kind,
                "size": scores.groups[gid].size,
                "x": pos[gid][0],
                "y": pos[gid][1],
            }
        )
    edges = [
        {
            "source": collected.ref(a),
            "target": collected.ref(b),
            "shared_members": shared[(a, b)],
            "exchanges": across[(a, b)],
        }
        for a, b in pairs
    ]
    return {"nodes": nodes, "edges": edges, "edges_total": len(strength)}


#: Up to this many groups are laid out together; above it, one cluster per area in a grid.
_LAYOUT_EXACT_MAX = 200
#: Work budget of one force layout (node pairs x iterations): bigger pictures get fewer rounds.
_LAYOUT_BUDGET = 400_000


def _iterations(n: int) -> int:
    return max(15, min(60, _LAYOUT_BUDGET // max(n * n, 1)))


def _layout_clusters(gids: list[str], weights: list[tuple[str, str, float]], collected: Collected):
    """Positions of the group network: one force layout when small, else one per sub-area
    (villages of a district), side by side; a cluster too big for forces goes on a circle."""
    if len(gids) <= _LAYOUT_EXACT_MAX:
        return _fr_layout(gids, weights, seed=SEED, iterations=_iterations(len(gids)))
    by_area: dict[int, list[str]] = defaultdict(list)
    for gid in gids:
        by_area[collected.groups[int(gid[2:])][3]].append(gid)
    clusters = sorted(by_area.values(), key=lambda c: (-len(c), c[0]))
    cols = math.ceil(math.sqrt(len(clusters)))
    cell = 1.0 / cols
    pos = {}
    for i, cluster in enumerate(clusters):
        row, col = divmod(i, cols)
        members = set(cluster)
        inner = [(a, b, w) for a, b, w in weights if a in members and b in members]
        local = (
            _fr_layout(cluster, inner, seed=SEED, iterations=_iterations(len(cluster)))
            if len(cluster) <= _LAYOUT_EXACT_MAX
            else _circle(cluster, 0.45)
        )
        for gid, (x, y) in local.items():
            pos[gid] = (
                round(col * cell + cell * (0.08 + 0.84 * x), 4),
                round(row * cell + cell * (0.08 + 0.84 * y), 4),
            )
    return pos


def network_graph(
    scope: Area | Group,
    start: dt.date,
    end: dt.date,
    resource: str = "",
    *,
    network: str = "exchanges",
    namer=None,
    pseudonymise: bool = False,
) -> nx.Graph:
    """D ("exchanges") or T ("ties") of a scope for export: refs as node ids (an actor whose ref
    is also a person's gets "actor:" in front), node attributes kind, label and groups (refs
    separated by ";"), edge attributes count and one count per resource (D) or weight and
    tie kind (T)."""
    collected = collect(scope, start, end, resource)
    data = collected.scope_data()
    D, T = analysis.build_graphs(data)
    graph = D if network == "exchanges" else T
    person_pks = [int(v[2:]) for v in graph if v.startswith("p:")]
    actor_pks = [int(v[2:]) for v in graph if v.startswith("a:")]
    names = {
        pk: (ref, name, consent)
        for pk, ref, name, consent in Person.objects.filter(pk__in=person_pks).values_list(
            "pk", "ref", "full_name", "consent_on"
        )
    }
    actor_names = dict(ExternalActor.objects.filter(pk__in=actor_pks).values_list("pk", "name"))
    groups_of: dict[str, list[str]] = defaultdict(list)
    for gid, members in sorted(data.memberships.items(), key=lambda kv: collected.ref(kv[0])):
        for m in members:
            groups_of[m].append(collected.ref(gid))
    person_refs = set(collected.person_refs.values())
    labels = {}
    for v in graph:
        ref = collected.ref(v)
        if v.startswith("p:"):
            labels[v] = ref
        else:
            labels[v] = f"actor:{ref}" if ref in person_refs else ref
    out = nx.DiGraph() if graph.is_directed() else nx.Graph()
    for v in sorted(graph, key=labels.get):
        pk = int(v[2:])
        if v.startswith("p:"):
            label = _shown_name(namer, pseudonymise, pk, *names[pk])
        else:
            label = actor_names.get(pk, "")
        out.add_node(
            labels[v], kind=graph.nodes[v]["kind"], label=label, groups=";".join(groups_of.get(v, []))
        )
    for u, v, d in sorted(graph.edges(data=True), key=lambda e: (labels[e[0]], labels[e[1]])):
        out.add_edge(labels[u], labels[v], **d)
    return out


# ----------------------------------------------------------------------- reading


def latest_snapshot(area: Area | int, start=None, end=None, resource: str = "") -> ScoreSnapshot | None:
    """The latest computed snapshot of a key (start/end None: the latest "last 12 months"
    one, whatever day it was computed for). One indexed query."""
    return ScoreSnapshot.objects.done().for_window(area, start, end, resource).first()


def pending_snapshot(area: Area | int, start=None, end=None, resource: str = "") -> ScoreSnapshot | None:
    """A snapshot of the key waiting for or under computation (to say "being updated").
    One waiting or running for longer than STALE_RUNNING was lost (a worker died) and no
    longer counts, so it cannot block new requests for ever."""
    cutoff = timezone.now() - STALE_RUNNING
    return (
        ScoreSnapshot.objects.filter(
            Q(status=SnapshotStatus.PENDING, requested_at__gte=cutoff)
            | Q(status=SnapshotStatus.RUNNING, started_at__gte=cutoff)
        )
        .for_window(area, start, end, resource)
        .first()
    )


def create_snapshot(
    area: Area | int, start=None, end=None, resource: str = "", *, today=None, requested_by=None
) -> ScoreSnapshot:
    """A new pending snapshot (not enqueued: compute_scores computes it on the spot)."""
    window, rolling = _window(start, end, today)
    return ScoreSnapshot.objects.create(
        area_id=area if isinstance(area, int) else area.pk,
        period_start=window.start,
        period_end=window.end,
        rolling=rolling,
        resource=resource or "",
        requested_by=requested_by if start is not None else None,
    )


def request_snapshot(
    area: Area | int, start=None, end=None, resource: str = "", *, today=None, after_change: bool = False,
    requested_by=None,
) -> ScoreSnapshot:
    """Ask for a snapshot to be computed in the background. Debounced: when one of the key is
    already waiting, that one is returned; when one is running, it is returned too unless the
    data changed after it started (after_change), which needs a fresh one. Pages ask
    access.may_request_scores first for a window of the user's choosing (requested_by)."""
    waiting = pending_snapshot(area, start, end, resource)
    if waiting is not None and (waiting.status == SnapshotStatus.PENDING or not after_change):
        return waiting
    snapshot = create_snapshot(area, start, end, resource, today=today, requested_by=requested_by)
    from .tasks import compute_snapshot_task

    transaction.on_commit(lambda: compute_snapshot_task.enqueue(snapshot.pk), robust=True)
    return snapshot


def give_up_if_stuck(area: Area | int, start=None, end=None, resource: str = "") -> bool:
    """Mark the key's computation that waited too long as failed, so it may be asked for
    again; a worker that still picks it up skips it. True when one was given up."""
    stuck = pending_snapshot(area, start, end, resource)
    if stuck is None or not stuck.waited_too_long():
        return False
    given_up = ScoreSnapshot.objects.filter(pk=stuck.pk, status=stuck.status).update(
        status=SnapshotStatus.FAILED, error="Waited too long; asked again.", computed_at=timezone.now()
    )
    if given_up:
        logger.warning("Score snapshot %s waited too long and was asked for again", stuck.pk)
    return bool(given_up)


def refresh_if_stale(area: Area, today: dt.date | None = None) -> ScoreSnapshot | None:
    """For pages: when the latest "last 12 months" snapshot is missing or was computed for an
    earlier day, request a fresh one (debounced). Returns the pending snapshot, or None."""
    today = today or timezone.localdate()
    latest = ScoreSnapshot.objects.done().for_window(area, None, None, "").only("period_end").first()
    if latest is not None and latest.period_end >= today:
        return None
    return request_snapshot(area, today=today)


def group_score(group: Group, start=None, end=None, resource: str = "") -> GroupScore | None:
    """The group's row in the latest snapshot of its area (one query)."""
    snapshot_ids = (
        ScoreSnapshot.objects.done().for_window(group.area_id, start, end, resource).values("pk")[:1]
    )
    return (
        GroupScore.objects.select_related("snapshot")
        .defer("snapshot__group_network")  # large, and only the dashboard draws it
        .filter(group=group, snapshot_id__in=snapshot_ids)
        .first()
    )


def person_score(person: Person, start=None, end=None, resource: str = "") -> PersonScore | None:
    """The person's row in the latest snapshot of their area (one query)."""
    snapshot_ids = (
        ScoreSnapshot.objects.done().for_window(person.area_id, start, end, resource).values("pk")[:1]
    )
    return (
        PersonScore.objects.select_related("snapshot")
        .defer("snapshot__group_network")
        .filter(person=person, snapshot_id__in=snapshot_ids)
        .first()
    )


def pseudonym(ref: str) -> str:
    """A stable stand-in for a person's name (groups/privacy.py decides who sees names)."""
    return privacy.pseudonym(ref)


# ----------------------------------------------------------------------- exports


def _cell(value) -> str | int | float:
    """CSV cell: blank for undefined; text starting with = + - @ gets a leading ' so a
    spreadsheet never runs it as a formula (numbers are written as numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv(header: list[str], rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def _shown_name(namer, pseudonymise: bool, pk: int, ref: str, name: str, consent) -> str:
    """The name a download shows: the namer's choice (groups/privacy.py), else the real name
    or, with pseudonymise, the pseudonym."""
    if namer is not None:
        return namer.name(person_id=pk, ref=ref, full_name=name, has_consent=consent is not None)
    return pseudonym(ref) if pseudonymise else name


def score_tables(snapshot: ScoreSnapshot, *, namer=None, pseudonymise: bool = False) -> dict[str, str]:
    """people.csv, groups.csv and area.csv of a snapshot: one row per person/group with its ref
    and every indicator in a column named as in the analysis (by-type counts as
    given_by_type.<resource>; id lists as refs separated by ";"); blank where undefined.
    Names: see _shown_name."""
    resources = analysis.RESOURCES
    person_cols = []
    for f in PERSON_FIELDS:
        if f.endswith("_by_type"):
            person_cols += [f"{f}.{r}" for r in resources]
        else:
            person_cols.append(f)
    people = []
    for pk, ref, name, consent, *values in snapshot.person_scores.order_by("person__ref").values_list(
        "person_id", "person__ref", "person__full_name", "person__consent_on", *PERSON_FIELDS
    ):
        row = [ref, _shown_name(namer, pseudonymise, pk, ref, name, consent)]
        for f, v in zip(PERSON_FIELDS, values, strict=True):
            row += [v.get(r, 0) for r in resources] if f.endswith("_by_type") else [v]
        people.append(row)
    group_db = [
        "bridging_group_refs"
        if f == "bridging_group_ids"
        else "linking_actor_refs"
        if f == "linking_actor_ids"
        else f
        for f in GROUP_FIELDS
    ]
    groups = []
    for ref, name, *values in snapshot.group_scores.order_by("group__ref").values_list(
        "group__ref", "group__name", *group_db
    ):
        groups.append([ref, name] + [";".join(v) if isinstance(v, list) else v for v in values])
    area = snapshot.area_scores
    area_cols = [f for f in AREA_FIELDS if f != "group_medians"]
    medians = list(analysis.GROUP_MEDIAN_FIELDS)
    area_row = [
        snapshot.area.ref,
        snapshot.area.name,
        snapshot.period_start.isoformat(),
        snapshot.period_end.isoformat(),
        snapshot.resource,
        snapshot.computed_at.isoformat() if snapshot.computed_at else None,
    ]
    area_row += [";".join(area[f]) if isinstance(area.get(f), list) else area.get(f) for f in area_cols]
    area_row += [area.get("group_medians", {}).get(f) for f in medians]
    return {
        "people.csv": _csv(["ref", "name", *person_cols], people),
        "groups.csv": _csv(["ref", "name", *GROUP_FIELDS], groups),
        "area.csv": _csv(
            ["ref", "name", "period_start", "period_end", "resource", "computed_at", *area_cols]
            + [f"group_medians.{f}" for f in medians],
            [area_row],
        ),
    }


# ------------------------------------------------------------------ after a change


@dataclass
class _Changes:
    """What changed in one transaction (ids), recomputed once after commit."""

    areas: set[int] = field(default_factory=set)
    people: set[int] = field(default_factory=set)
    groups: set[int] = field(default_factory=set)
    norms: set[int] = field(default_factory=set)

    def take(self) -> _Changes:
        taken = _Changes(set(self.areas), set(self.people), set(self.groups), set(self.norms))
        for ids in (self.areas, self.people, self.groups, self.norms):
            ids.clear()
        return taken


class _AfterCommit:
    """An on-commit callback sharing its transaction's _Changes: the first one to run does the
    work, the others find nothing left. Kept in the connection's on-commit list, so a rollback
    discards it together with the changes."""

    def __init__(self, changes: _Changes):
        self.changes = changes

    def __call__(self):
        changes = self.changes.take()
        if changes.areas or changes.people or changes.groups or changes.norms:
            _recompute_after_change(changes)


def note_change(*, areas=(), people=(), groups=(), norms=()) -> None:
    """Record changed rows (no queries here: signal handlers call this on every save)."""
    connection = transaction.get_connection()
    changes = None
    if connection.in_atomic_block:
        for _sids, func, _robust in connection.run_on_commit:
            if isinstance(func, _AfterCommit):
                changes = func.changes
                break
    changes = changes or _Changes()
    changes.areas.update(a for a in areas if a)
    changes.people.update(p for p in people if p)
    changes.groups.update(g for g in groups if g)
    changes.norms.update(n for n in norms if n)
    transaction.on_commit(_AfterCommit(changes), robust=True)


def mark_changed(area_ids: Iterable[int]) -> None:
    """Call after writes that bypass signals (bulk imports): the "last 12 months" snapshots of
    these areas and the areas above them are recomputed in the background (if they have one)."""
    note_change(areas=list(area_ids))


def _recompute_after_change(batch: _Changes) -> None:
    areas = set(batch.areas)
    groups = set(batch.groups)
    if batch.norms:
        groups |= set(Norm.objects.filter(pk__in=batch.norms).values_list("group_id", flat=True))
    if batch.people:
        areas |= set(Person.objects.filter(pk__in=batch.people).values_list("area_id", flat=True))
        # members living elsewhere count in their groups' areas too
        groups |= set(
            Membership.objects.filter(person_id__in=batch.people).values_list("group_id", flat=True)
        )
    if groups:
        areas |= set(Group.objects.filter(pk__in=groups).values_list("area_id", flat=True))
    if not areas:
        return
    chain = set()
    for row in Area.objects.filter(pk__in=areas).values_list(
        "pk", "parent_id", "parent__parent_id", "parent__parent__parent_id"
    ):
        chain.update(a for a in row if a)
    keys = (
        ScoreSnapshot.objects.filter(area_id__in=chain, rolling=True)
        .values_list("area_id", "resource")
        .distinct()
        .order_by("area_id", "resource")
    )
    for area_id, resource in list(keys):
        request_snapshot(area_id, resource=resource, after_change=True)
