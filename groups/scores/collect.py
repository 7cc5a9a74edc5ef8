"""Collecting rows: one community (see areas.py) or one group for one window, fetched in about
ten queries and turned into the analysis' plain input (analysis.ScopeData).

Scope of a community: the people whose area is in it (areas.community_area_ids), plus everyone
with a membership open in the window in one of its groups (so no member vanishes); its groups;
the external actors in it that exchanged with anyone. Scope of a group: its members open in the
window. Everyone else who exchanged with the scope's people (or with its actors) is an OUTSIDE
node (analysis.ScopeData.outside): a partner and on paths, no score row. Exchanges marked
disputed are left out. Each flow carries its amount and unit (aid_value_share reads rupiah);
the actors holding authority (ExternalActor.with_authority) are passed as
ScopeData.authority_actors. Node ids for the analysis are "p:<person pk>", "a:<actor pk>",
"g:<group pk>"; everything stored uses refs (Collected.ref).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db.models import Max, Q

from groups.models import (
    Activity,
    Area,
    Cycle,
    Exchange,
    ExchangeStatus,
    ExternalActor,
    Fund,
    Group,
    LedgerEntry,
    Membership,
    Norm,
    NormReview,
    Person,
)

from . import analysis, money
from .areas import community_area_ids
from .windows import Window


def _open_in(window: Window, joined: dt.date | None, left: dt.date | None) -> bool:
    """Whether a membership (blank joined: from the start; blank left: still open) is open at
    some time in the window, as Membership.objects.open_between says in the database."""
    return (joined is None or joined <= window.end) and (left is None or left >= window.start)


@dataclass
class Collected:
    """Rows of one scope for one window, fetched once and sliced per quarter in Python."""

    window: Window
    person_refs: dict[int, str]  # pk -> ref, every person that can be in scope
    resident: set[int]  # people whose area is in scope (always nodes); empty for a group
    home: dict[int, int]  # resident pk -> their area pk
    groups: dict[int, tuple[str, str, str, int]]  # pk -> (ref, name, kind, area_id)
    memberships: list[tuple[int, int, dt.date | None, dt.date | None]]  # group, person, joined, left
    actor_refs: dict[int, str]  # actors that exchanged with someone in scope
    # date, giver node, receiver node, resource, amount (None when blank), unit
    flows: list[tuple[dt.date, str, str, str, float | None, str]]
    activities: list[tuple[dt.date, int, frozenset[str]]]  # date, group pk, attendee nodes
    # group pk -> [(agreed_on, is_active, retired_on, [(reviewed_on, rating), ...] oldest first)]
    norms: dict[int, list[tuple[dt.date | None, bool, dt.date | None, list[tuple[dt.date, int]]]]] = field(
        default_factory=dict
    )
    authority: set[int] = field(default_factory=set)  # actor pks holding authority
    outside_actors: set[int] = field(default_factory=set)  # actors whose area is outside the scope
    # group pk -> (meeting_frequency, start: formed_on or the day it was entered, last activity
    # before the window's start, is_active); see group_rhythms
    rhythms: dict[int, tuple[str, dt.date | None, dt.date | None, bool]] = field(default_factory=dict)
    # group pk -> its funds (each with the cycle running at the window's end) and their ledger
    # entries up to the window's end: member-to-fund money, never flows between people
    funds: dict[int, list[money.FundData]] = field(default_factory=dict)
    ledger: dict[int, list[money.Entry]] = field(default_factory=dict)
    # fund id ("f:3") -> its cycles started by the window's end, [(start, opening)] oldest first
    cycles: dict[str, list[tuple[dt.date, object]]] = field(default_factory=dict)
    # asked for again and again (each group's money, each quarter): kept once made
    _spells: dict[Window, dict[str, tuple[analysis.Spell, ...]]] = field(
        default_factory=dict, init=False, repr=False
    )
    _refs: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def money_data(self, group_id: int, window: Window | None = None) -> money.MoneyData:
        """One group's money for money.group_money over the window (or a quarter of it): its
        funds and entries up to its end, its memberships of the window, and its ledger
        meetings (its activities of the window on a day the ledger has an entry of its funds)."""
        window = window or self.window
        if group_id not in self.funds:  # most groups keep no fund: nothing to read
            return money.MoneyData(start=window.start, as_of=window.end)
        entries = tuple(e for e in self.ledger.get(group_id, ()) if e.day <= window.end)
        ledger_days = {e.day for e in entries}
        meetings = tuple(
            analysis.ActivityRecord(f"g:{g}", attendees, day)
            for day, g, attendees in self.activities
            if g == group_id and day in window and day in ledger_days
        )
        return money.MoneyData(
            start=window.start,
            as_of=window.end,
            funds=tuple(self._fund_at(fund, window.end) for fund in self.funds.get(group_id, ())),
            entries=entries,
            spells=self.spells(window).get(f"g:{group_id}", ()),
            meetings=meetings,
        )

    def _fund_at(self, fund: money.FundData, end: dt.date) -> money.FundData:
        """The fund with the cycle it ran at `end` (a quarter's end may fall in an earlier one)."""
        started = [cycle for cycle in self.cycles.get(fund.id, ()) if cycle[0] <= end]
        start, opening = started[-1] if started else (None, money.ZERO)
        if start == fund.cycle_start:
            return fund
        return replace(fund, cycle_start=start, opening=opening)

    def members(self, window: Window) -> dict[int, set[int]]:
        """Group pk -> people with a membership open at some time in the window."""
        out: dict[int, set[int]] = {g: set() for g in self.groups}
        for group_id, person_id, joined, left in self.memberships:
            if _open_in(window, joined, left):
                out[group_id].add(person_id)
        return out

    def scope_data(self, window: Window | None = None) -> analysis.ScopeData:
        window = window or self.window
        members = self.members(window)
        people = set(self.resident)
        for ms in members.values():
            people |= ms
        flows = tuple(
            analysis.Flow(g, r, res, amount, unit)
            for day, g, r, res, amount, unit in self.flows
            if day in window
        )
        actors = {n for fl in flows for n in (fl.giver, fl.receiver) if n.startswith("a:")}
        nodes = {f"p:{p}" for p in people}
        outside = {n for fl in flows for n in (fl.giver, fl.receiver) if n.startswith("p:")} - nodes
        outside |= {a for a in actors if int(a[2:]) in self.outside_actors}
        return analysis.ScopeData(
            people=tuple(f"p:{p}" for p in sorted(people)),
            actors=tuple(sorted(actors, key=lambda a: int(a[2:]))),
            flows=flows,
            memberships={f"g:{g}": frozenset(f"p:{p}" for p in ms) for g, ms in sorted(members.items())},
            activities=tuple(
                analysis.ActivityRecord(f"g:{g}", attendees, day)
                for day, g, attendees in self.activities
                if day in window
            ),
            authority_actors=frozenset(a for a in actors if int(a[2:]) in self.authority),
            outside=frozenset(outside),
            norm_ratings=self.norm_ratings(window),
            membership_spells=self.spells(window),
            calendars=self.calendars(window),
            as_of=window.end,
        )

    def spells(self, window: Window) -> dict[str, tuple[analysis.Spell, ...]]:
        """Group id -> its memberships open in the window, with their dates (participation
        counts the members on each activity's day). Also what "members open in the window"
        means for anyone who needs the dates. Shared by every caller: not to be changed."""
        if window not in self._spells:
            out: dict[str, list[analysis.Spell]] = {f"g:{g}": [] for g in self.groups}
            for group_id, person_id, joined, left in self.memberships:
                if _open_in(window, joined, left):
                    out[f"g:{group_id}"].append(analysis.Spell(f"p:{person_id}", joined, left))
            self._spells[window] = {gid: tuple(spells) for gid, spells in out.items()}
        return self._spells[window]

    def norm_ratings(self, window: Window) -> dict[str, tuple[int | None, ...]]:
        """Group id -> for each norm in force at the window's end, the rating of its latest
        review when that review is current (analysis.current_review), else None (due)."""
        ratings: dict[str, tuple[int | None, ...]] = {}
        for group_id, norms in self.norms.items():
            in_force = []
            for agreed, active, retired, reviews in norms:
                if agreed is not None and agreed > window.end:
                    continue
                if not (active or (retired is not None and retired > window.end)):
                    continue
                in_force.append(analysis.current_review(reviews, window.end))
            if in_force:
                ratings[f"g:{group_id}"] = tuple(in_force)
        return ratings

    def calendars(self, window: Window) -> dict[str, analysis.GroupCalendar]:
        """Group id -> its meeting rhythm and last activity as of the window's end."""
        last: dict[int, dt.date] = {}
        for day, g, _attendees in self.activities:
            if day <= window.end:
                last[g] = max(day, last.get(g, day))
        out = {}
        for g, (frequency, since, before, active) in self.rhythms.items():
            latest = last.get(g, before)
            out[f"g:{g}"] = analysis.GroupCalendar(frequency, latest, since, active)
        return out

    def ref(self, node: str) -> str:
        """The ref of an analysis node id ("p:12" -> the person's ref)."""
        ref = self._refs.get(node)
        if ref is None:
            kind, pk = node.split(":", 1)
            if kind == "p":
                ref = self.person_refs[int(pk)]
            elif kind == "a":
                ref = self.actor_refs[int(pk)]
            else:
                ref = self.groups[int(pk)][0]
            self._refs[node] = ref
        return ref


def _exchanges(people_ids, area_ids: list[int], start, end, resource: str, confirmed_only: bool = False):
    """The counted exchanges of the window with an end among `people_ids` or an actor of the
    areas (whose other end, when outside, becomes an outside node); `confirmed_only`: pending
    ones are left out too."""
    ends = Q(giver_person_id__in=people_ids) | Q(receiver_person_id__in=people_ids)
    if area_ids:
        ends |= Q(giver_actor__area_id__in=area_ids) | Q(receiver_actor__area_id__in=area_ids)
    exchanges = Exchange.objects.counted().filter(date__gte=start, date__lte=end).filter(ends)
    if confirmed_only:
        exchanges = exchanges.filter(status=ExchangeStatus.CONFIRMED)
    return exchanges.filter(resource=resource) if resource else exchanges


def _flows(exchanges, area_ids: list[int]) -> tuple[list, dict[int, str], set[int], set[int]]:
    """(flows with amount and unit, the refs of the actors in them, those holding authority,
    those whose area is not one of `area_ids` when given)."""
    flows = []
    actor_ids = set()
    for day, gp, ga, rp, ra, res, amount, unit in exchanges.values_list(
        "date",
        "giver_person_id",
        "giver_actor_id",
        "receiver_person_id",
        "receiver_actor_id",
        "resource",
        "amount",
        "unit",
    ).order_by():
        if ga:
            actor_ids.add(ga)
        if ra:
            actor_ids.add(ra)
        giver, receiver = f"p:{gp}" if gp else f"a:{ga}", f"p:{rp}" if rp else f"a:{ra}"
        flows.append((day, giver, receiver, res, None if amount is None else float(amount), unit))
    flows.sort(key=lambda f: f[:4] + (f[4] is None, f[4] or 0.0, f[5]))
    actor_refs = {}
    authority, outside = set(), set()
    in_scope = set(area_ids)
    for pk, ref, holds, area in (
        ExternalActor.objects.with_authority()
        .filter(pk__in=actor_ids)
        .values_list("pk", "ref", "authority", "area_id")
    ):
        actor_refs[pk] = ref
        if holds:
            authority.add(pk)
        if in_scope and area not in in_scope:
            outside.add(pk)
    return flows, actor_refs, authority, outside


def collect(
    scope: Area | Group,
    start: dt.date,
    end: dt.date,
    resource: str = "",
    *,
    subtree: bool = False,
    confirmed_only: bool = False,
) -> Collected:
    """Fetch what the indicators of `scope` (a community, or one group) need in [start, end]:
    about ten queries, no per-row queries, whatever the size. `subtree`: an area and
    everything below it, community or not (the network download of any area). `confirmed_only`:
    only exchanges the other side confirmed."""
    window = Window(start, end)
    if isinstance(scope, Group):
        group_q = Q(group_id=scope.pk)
        group_rows = Group.objects.filter(pk=scope.pk)
        area_ids: list[int] = []
    else:
        area_ids = (
            list(Area.objects.subtree(scope).values_list("pk", flat=True))
            if subtree
            else community_area_ids(scope)
        )
        group_q = Q(group__area_id__in=area_ids)
        group_rows = Group.objects.filter(area_id__in=area_ids)
    groups = {
        pk: (ref, name, kind, area)
        for pk, ref, name, kind, area in group_rows.values_list("pk", "ref", "name", "kind", "area_id")
    }
    open_memberships = Membership.objects.open_between(start, end).filter(group_q)
    memberships = list(open_memberships.values_list("group_id", "person_id", "joined_on", "left_on"))
    people_q = Person.objects.filter(Q(area_id__in=area_ids) | Q(pk__in=open_memberships.values("person_id")))
    home = dict(Person.objects.filter(area_id__in=area_ids).values_list("pk", "area_id")) if area_ids else {}
    exchanges = _exchanges(people_q.values("pk"), area_ids, start, end, resource, confirmed_only)
    flows, actor_refs, authority, outside_actors = _flows(exchanges, area_ids)
    person_refs = dict(people_q.values_list("pk", "ref"))
    others = {int(n[2:]) for f in flows for n in f[1:3] if n.startswith("p:")} - set(person_refs)
    person_refs.update(Person.objects.filter(pk__in=others).values_list("pk", "ref"))
    return Collected(
        window=window,
        person_refs=person_refs,
        resident=set(home),
        home=home,
        groups=groups,
        memberships=memberships,
        actor_refs=actor_refs,
        flows=flows,
        activities=_activities(group_q, start, end),
        norms=_norms(group_q, start, end),
        authority=authority,
        outside_actors=outside_actors,
        rhythms=group_rhythms(group_rows, start),
        **_money(Fund.objects.filter(group_q), end),
    )


def _activities(group_q: Q, start, end) -> list[tuple[dt.date, int, frozenset[str]]]:
    activity_q = Activity.objects.filter(group_q, date__gte=start, date__lte=end)
    activity_rows = list(activity_q.order_by("date", "pk").values_list("pk", "group_id", "date"))
    attended: dict[int, set[str]] = defaultdict(set)
    for activity_id, person_id in Activity.attendees.through.objects.filter(
        activity__in=activity_q.values("pk")
    ).values_list("activity_id", "person_id"):
        attended[activity_id].add(f"p:{person_id}")
    return [(day, g, frozenset(attended[pk])) for pk, g, day in activity_rows]


def _norms(group_q: Q, start, end) -> dict[int, list]:
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
    return dict(norms)


def _money(funds, end: dt.date) -> dict:
    """Collected.funds and Collected.ledger of the funds `funds`, in three queries (one without
    a fund): each fund with the cycle it runs at `end`, and every entry up to `end` (a loan's
    id is its own pk; a repayment or write-off names its loan's)."""
    fund_rows = list(funds.order_by("pk").values_list("pk", "group_id", "kind"))
    if not fund_rows:  # most scopes keep no fund: one query
        return {"funds": {}, "ledger": {}, "cycles": {}}
    funds = [pk for pk, _group, _kind in fund_rows]
    cycles: dict[int, tuple[dt.date, object]] = {}
    every_cycle: dict[str, list[tuple[dt.date, object]]] = defaultdict(list)
    for fund_id, start, opening in (
        Cycle.objects.filter(fund__in=funds, start__lte=end)
        .order_by("start")
        .values_list("fund_id", "start", "opening_balance")
    ):
        cycles[fund_id] = (start, opening)  # the latest start wins
        every_cycle[f"f:{fund_id}"].append((start, opening))
    by_group: dict[int, list[money.FundData]] = defaultdict(list)
    group_of = {}
    for pk, group_id, kind in fund_rows:
        start, opening = cycles.get(pk, (None, 0))
        by_group[group_id].append(money.FundData(f"f:{pk}", kind, opening, start))
        group_of[pk] = group_id
    ledger: dict[int, list[money.Entry]] = defaultdict(list)
    rows = LedgerEntry.objects.filter(fund__in=funds, date__lte=end).order_by("date", "pk")
    for (
        pk,
        fund_id,
        day,
        kind,
        amount,
        person,
        loan,
        principal,
        interest,
        rate,
        method,
        term,
    ) in rows.values_list(
        "pk",
        "fund_id",
        "date",
        "kind",
        "amount",
        "person_id",
        "loan_id",
        "principal",
        "interest",
        "rate_percent_per_month",
        "method",
        "term_months",
    ):
        ledger[group_of[fund_id]].append(
            money.Entry(
                fund=f"f:{fund_id}",
                day=day,
                kind=kind,
                amount=amount,
                member=f"p:{person}" if person else "",
                loan=f"l:{pk if kind == 'loan' else loan}" if kind == "loan" or loan else "",
                principal=principal,
                interest=interest,
                rate=rate if rate is not None else money.ZERO,
                method=method or "flat",
                term_months=term,
            )
        )
    return {"funds": dict(by_group), "ledger": dict(ledger), "cycles": dict(every_cycle)}


Rhythm = tuple[str, dt.date | None, dt.date | None, bool]


def group_rhythms(group_rows, start: dt.date) -> dict[int, Rhythm]:
    """Group pk -> (meeting_frequency, formed_on or the day it was entered, its latest activity
    before `start`, whether it is still active), in one query: what deciding whether a group is
    quiet needs (activities inside the window are in Collected.activities)."""
    rows = group_rows.order_by().annotate(last=Max("activities__date", filter=Q(activities__date__lt=start)))
    return {
        pk: (frequency, formed or (created.date() if created else None), last, active)
        for pk, frequency, formed, created, last, active in rows.values_list(
            "pk", "meeting_frequency", "formed_on", "created_at", "last", "is_active"
        )
    }


def scope_data(scope: Area | Group, start: dt.date, end: dt.date, resource: str = "") -> analysis.ScopeData:
    """The analysis input of an area (and everything below it) or of one group."""
    return collect(scope, start, end, resource).scope_data()
