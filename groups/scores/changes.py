"""Change tracking: when stored scores go stale. Every write to a row the indicators read
calls note_change (signals.py for saves and deletes; explicitly for QuerySet.update() and bulk
writes, which send no signal). Once the transaction commits, the "last 12 months" snapshots of
the communities (areas.py) of the affected areas that already exist are requested again, at
most one waiting per key however many rows changed. A tie across two communities (an outside
node of each) marks both: note_exchange names both people.

Cached pages (page_cache) go stale at the same time: every page's, or, for the everyday writes
of one district (district_only: page_cache.DISTRICT_MODELS), the pages of the districts the
rows touch (their people's, their groups' and those groups' members') and the roll-ups above
them, so a meeting recorded in one district never throws away its neighbours' pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from groups.models import Exchange, Group, Membership, Norm, Person, ScoreSnapshot

from . import page_cache
from .areas import community_ids
from .reading import request_snapshot


@dataclass
class _Changes:
    """What changed in one transaction (ids), recomputed once after commit."""

    areas: set[int] = field(default_factory=set)
    people: set[int] = field(default_factory=set)
    groups: set[int] = field(default_factory=set)
    norms: set[int] = field(default_factory=set)
    #: the districts of each note, worked out once per transaction (_districts_now)
    districts_of: dict[tuple, set[int]] = field(default_factory=dict)

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


def note_change(*, areas=(), people=(), groups=(), norms=(), district_only: bool = False) -> None:
    """Record changed rows (no queries here, signal handlers call this on every save, but for
    _districts_now). Cached pages are stale from the commit on (page_cache): every page, or
    with `district_only` those of the districts the rows touch (the module docstring)."""
    if not district_only:
        page_cache.records_changed()
    connection = transaction.get_connection()
    changes = None
    if connection.in_atomic_block:
        for _sids, func, _robust in connection.run_on_commit:
            if isinstance(func, _AfterCommit):
                changes = func.changes
                break
    changes = changes or _Changes()
    note = _Changes(*({i for i in ids if i} for ids in (areas, people, groups, norms)))
    changes.areas |= note.areas
    changes.people |= note.people
    changes.groups |= note.groups
    changes.norms |= note.norms
    if district_only and connection.in_atomic_block and page_cache.districts_read():
        _districts_now(changes, note)
    transaction.on_commit(_AfterCommit(changes), robust=True)


def _districts_now(changes: _Changes, note: _Changes) -> None:
    """Inside a transaction, after this process showed pages of districts this note touches: a
    new generation of those at once, so its own next page sees the write (as page_cache does
    for every page). Each note's districts are looked up once per transaction."""
    name = tuple(tuple(sorted(ids)) for ids in (note.areas, note.people, note.groups, note.norms))
    if name not in changes.districts_of:
        areas, homes = _touched_areas(note)
        changes.districts_of[name] = set(community_ids(areas | homes).values())
    page_cache.districts_changed(changes.districts_of[name] & page_cache.districts_read())


def note_exchange(exchange: Exchange) -> None:
    """An exchange was saved, deleted or changed status: its people and group are affected."""
    note_change(
        people=[exchange.giver_person_id, exchange.receiver_person_id],
        groups=[exchange.group_id],
        district_only=True,
    )


def note_actor_change(actor_ids: Iterable[int], area_ids: Iterable[int] = ()) -> None:
    """External actors changed (their kind or authority decides tie classes, aid and capacity
    building): the people who exchanged with them are affected, wherever they live."""
    actor_ids = list(actor_ids)
    partners = Exchange.objects.filter(Q(giver_actor_id__in=actor_ids) | Q(receiver_actor_id__in=actor_ids))
    people = {p for pair in partners.values_list("giver_person_id", "receiver_person_id") for p in pair}
    note_change(areas=list(area_ids), people=people - {None})


def mark_changed(area_ids: Iterable[int]) -> None:
    """Call after writes that bypass signals (bulk imports): the "last 12 months" snapshots of
    these areas' communities are recomputed in the background (if they have one)."""
    note_change(areas=list(area_ids))


def _touched_areas(batch: _Changes) -> tuple[set[int], set[int]]:
    """The areas of the changed rows: their own, their people's homes and their groups' (a
    member living elsewhere counts in the group's area too); and the homes of the changed
    groups' members (whose pages show the group's meetings and exchanges)."""
    areas = set(batch.areas)
    groups = set(batch.groups)
    if batch.norms:
        groups |= set(Norm.objects.filter(pk__in=batch.norms).values_list("group_id", flat=True))
    if batch.people:
        areas |= set(Person.objects.filter(pk__in=batch.people).values_list("area_id", flat=True))
        groups |= set(
            Membership.objects.filter(person_id__in=batch.people).values_list("group_id", flat=True)
        )
    homes = set()
    if groups:
        areas |= set(Group.objects.filter(pk__in=groups).values_list("area_id", flat=True))
        members = Person.objects.filter(memberships__group_id__in=groups).values_list("area_id", flat=True)
        homes = set(members.distinct())
    return areas, homes


def _recompute_after_change(batch: _Changes) -> None:
    areas, homes = _touched_areas(batch)
    community = community_ids(areas | homes)
    page_cache.districts_changed(community.values())
    if not areas:
        return
    keys = (
        ScoreSnapshot.objects.filter(
            area_id__in={community[a] for a in areas if a in community}, rolling=True
        )
        .values_list("area_id", "resource", "confirmed_only")
        .distinct()
        .order_by("area_id", "resource", "confirmed_only")
    )
    for area_id, resource, confirmed_only in list(keys):
        request_snapshot(area_id, resource=resource, after_change=True, confirmed_only=confirmed_only)
