"""Change tracking: when stored scores go stale. Every write to a row the indicators read
calls note_change (signals.py for saves and deletes; explicitly for QuerySet.update() and bulk
writes, which send no signal). Once the transaction commits, the "last 12 months" snapshots of
the communities (areas.py) of the affected areas that already exist are requested again, at
most one waiting per key however many rows changed. A tie across two communities (an outside
node of each) marks both: note_exchange names both people."""

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
    """Record changed rows (no queries here: signal handlers call this on every save). Cached
    pages are stale from the commit on (page_cache)."""
    page_cache.records_changed()
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


def note_exchange(exchange: Exchange) -> None:
    """An exchange was saved, deleted or changed status: its people and group are affected."""
    note_change(people=[exchange.giver_person_id, exchange.receiver_person_id], groups=[exchange.group_id])


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
    keys = (
        ScoreSnapshot.objects.filter(area_id__in=set(community_ids(areas).values()), rolling=True)
        .values_list("area_id", "resource", "confirmed_only")
        .distinct()
        .order_by("area_id", "resource", "confirmed_only")
    )
    for area_id, resource, confirmed_only in list(keys):
        request_snapshot(area_id, resource=resource, after_change=True, confirmed_only=confirmed_only)
