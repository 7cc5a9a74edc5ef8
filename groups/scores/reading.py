"""Reading snapshots: the latest done one of a key, the one being computed, requesting one
(debounced), and the page API: one call answers a page with "latest done / being computed /
failed" and, for a group or person page, the object's row.

Snapshots exist for communities only (areas.py): every function here takes any area and
reads or requests its community's snapshot, so a village, its district and every viewer
share one computation (a village page filters it: pages/dashboard.py). An area above the
districts has no snapshot of its own; its page rolls up its districts'."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import IntegerField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from groups.models import (
    Area,
    Group,
    GroupScore,
    Membership,
    Person,
    PersonScore,
    ScoreSnapshot,
    SnapshotStatus,
)

from .page_cache import kept_community_id
from .snapshots import DEFINITIONS
from .tasks import compute_snapshot_task
from .windows import resolve_window

logger = logging.getLogger(__name__)

#: A snapshot waiting or running for longer than this is taken as lost (a worker died).
STALE_RUNNING = dt.timedelta(hours=2)

#: A snapshot's big JSON columns (megabytes on a district): read when first used, so that a
#: page built from the cache reads none of them.
LAZY_FIELDS = ("area_scores", "trend", "group_network")


def latest_snapshot(
    area: Area | int, start=None, end=None, resource: str = "", *, confirmed_only: bool = False,
    lazy: bool = False,
) -> ScoreSnapshot | None:
    """The latest computed snapshot of a key (start/end None: the latest "last 12 months"
    one, whatever day it was computed for) of the area's community. Two indexed queries (one
    while the areas are unchanged). `lazy`: its LAZY_FIELDS are read when first used (a page
    that may come from the cache)."""
    community = kept_community_id(area)
    done = ScoreSnapshot.objects.done().for_window(community, start, end, resource, confirmed_only)
    return (done.defer(*LAZY_FIELDS) if lazy else done).first()


def pending_snapshot(
    area: Area | int, start=None, end=None, resource: str = "", *, confirmed_only: bool = False
) -> ScoreSnapshot | None:
    """A snapshot of the key waiting for or under computation (to say "being updated").
    One waiting or running for longer than STALE_RUNNING was lost (a worker died) and no
    longer counts, so it cannot block new requests for ever."""
    return _pending(kept_community_id(area), start, end, resource, confirmed_only)


def _pending(
    community: int, start=None, end=None, resource: str = "", confirmed_only: bool = False
) -> ScoreSnapshot | None:
    cutoff = timezone.now() - STALE_RUNNING
    return (
        ScoreSnapshot.objects.filter(
            Q(status=SnapshotStatus.PENDING, requested_at__gte=cutoff)
            | Q(status=SnapshotStatus.RUNNING, started_at__gte=cutoff)
        )
        .for_window(community, start, end, resource, confirmed_only)
        .first()
    )


def create_snapshot(
    area: Area | int,
    start=None,
    end=None,
    resource: str = "",
    *,
    today=None,
    requested_by=None,
    confirmed_only: bool = False,
) -> ScoreSnapshot:
    """A new pending snapshot of the area's community (not enqueued: compute_scores computes
    it on the spot)."""
    return _create(kept_community_id(area), start, end, resource, today, requested_by, confirmed_only)


def _create(community: int, start, end, resource, today, requested_by, confirmed_only) -> ScoreSnapshot:
    window, rolling = resolve_window(start, end, today)
    return ScoreSnapshot.objects.create(
        area_id=community,
        period_start=window.start,
        period_end=window.end,
        rolling=rolling,
        resource=resource or "",
        confirmed_only=confirmed_only,
        requested_by=requested_by if start is not None else None,
    )


def request_snapshot(
    area: Area | int,
    start=None,
    end=None,
    resource: str = "",
    *,
    today=None,
    after_change: bool = False,
    requested_by=None,
    confirmed_only: bool = False,
) -> ScoreSnapshot:
    """Ask for a snapshot to be computed in the background. Debounced: when one of the key is
    already waiting, that one is returned; when one is running, it is returned too unless the
    data changed after it started (after_change), which needs a fresh one. Pages ask
    Scope.may_request_scores first for a window of the user's choosing (requested_by)."""
    area = kept_community_id(area)
    waiting = _pending(area, start, end, resource, confirmed_only)
    if waiting is not None and (waiting.status == SnapshotStatus.PENDING or not after_change):
        return waiting
    snapshot = _create(area, start, end, resource, today, requested_by, confirmed_only)
    transaction.on_commit(lambda: compute_snapshot_task.enqueue(snapshot.pk), robust=True)
    return snapshot


def give_up_if_stuck(
    area: Area | int, start=None, end=None, resource: str = "", *, confirmed_only: bool = False
) -> bool:
    """Mark the key's computation that waited too long as failed, so it may be asked for
    again; a worker that still picks it up skips it. True when one was given up."""
    stuck = pending_snapshot(area, start, end, resource, confirmed_only=confirmed_only)
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
    area = kept_community_id(area)
    latest = ScoreSnapshot.objects.done().for_window(area, None, None, "").only("period_end").first()
    if latest is not None and latest.period_end >= today:
        return None
    return request_snapshot(area, today=today)


def group_score(group: Group, start=None, end=None, resource: str = "") -> GroupScore | None:
    """The group's row in the latest snapshot of its community (two queries)."""
    snapshot_ids = (
        ScoreSnapshot.objects.done()
        .for_window(kept_community_id(group.area_id), start, end, resource)
        .values("pk")[:1]
    )
    return (
        GroupScore.objects.select_related("snapshot")
        .defer("snapshot__group_network")  # large, and only the dashboard draws it
        .filter(group=group, snapshot_id__in=snapshot_ids)
        .first()
    )


def person_score(person: Person, start=None, end=None, resource: str = "") -> PersonScore | None:
    """The person's row in the latest snapshot of their community (two queries)."""
    snapshot_ids = (
        ScoreSnapshot.objects.done()
        .for_window(kept_community_id(person.area_id), start, end, resource)
        .values("pk")[:1]
    )
    return (
        PersonScore.objects.select_related("snapshot")
        .defer("snapshot__group_network")
        .filter(person=person, snapshot_id__in=snapshot_ids)
        .first()
    )


# ------------------------------------------------------- a village's part of a snapshot


def outdated(snapshot: ScoreSnapshot) -> bool:
    """Computed under older score definitions (snapshots.DEFINITIONS): shown until the fresh
    one is done, its values marked as being recounted where their bases were not stored."""
    version = getattr(snapshot, "definitions_version", None)  # read() reads it alone
    if version is None:
        version = snapshot.area_scores.get("definitions", 1)
    return int(version) < DEFINITIONS


def part_area_ids(snapshot: ScoreSnapshot, area: Area) -> list[int] | None:
    """The areas whose rows an area's page or download shows of its community's snapshot:
    None for the community itself (every row), else the area and those below it."""
    if area.pk == snapshot.area_id:
        return None
    return list(Area.objects.subtree(area).values_list("pk", flat=True))


def part_people(rows, snapshot: ScoreSnapshot, area_ids: list[int] | None):
    """PersonScore rows of a part: people living in its areas or with a membership open in
    the snapshot's window in one of its groups (as scores/snapshots.community_parts counts)."""
    if area_ids is None:
        return rows
    members = (
        Membership.objects.open_between(snapshot.period_start, snapshot.period_end)
        .filter(group__area_id__in=area_ids)
        .values("person_id")
    )
    return rows.filter(Q(person__area_id__in=area_ids) | Q(person_id__in=members))


def part_groups(rows, area_ids: list[int] | None):
    """GroupScore rows of a part: its areas' groups."""
    return rows if area_ids is None else rows.filter(group__area_id__in=area_ids)


# ------------------------------------------------------------------- the page API

#: A failed computation is shown as failed (not requested again) for this long.
FAILED_QUIET = dt.timedelta(minutes=15)


@dataclass
class Reading:
    """What a report page shows: the latest done snapshot (and the object's row in it), or,
    when there is none yet, the snapshot being computed or the one that just failed."""

    snapshot: ScoreSnapshot | None = None
    pending: ScoreSnapshot | None = None
    row: GroupScore | PersonScore | None = None


def read(
    area_id: int,
    start=None,
    end=None,
    resource: str = "",
    *,
    scope=None,
    again: bool = False,
    confirmed_only: bool = False,
    is_community: bool = False,
    **row_lookup,
) -> Reading:
    """The one call a page makes. `row_lookup` (group=... or person=...) asks for that object's
    row too. The snapshot's indicators, trend and picture of the groups (megabytes on a
    district) are read when a page first uses them (one query each). A "last 12 months"
    snapshot computed on an earlier day is shown and a fresh one requested (debounced); a
    missing one is requested, unless one of the key failed a moment ago (the page's poll would
    otherwise restart a failing computation; `again` is the user's explicit retry). With the
    viewer's `scope`, a window of their own choosing is queued only as
    Scope.may_request_scores (groups/access.py) allows; otherwise the Reading is empty (neither
    snapshot and pending: the page says one of their reports is still being computed).
    `area_id` may be any area: its community's snapshot answers (`is_community`: it is one, a
    district of a regency's roll-up, so no query looks it up)."""
    area_id = area_id if is_community else kept_community_id(area_id)
    model = _row_model(row_lookup)
    done = ScoreSnapshot.objects.done().for_window(area_id, start, end, resource, confirmed_only)
    # its big JSON columns load on first use: a page built from the cache reads none of them
    snapshot = (
        done.defer(*LAZY_FIELDS)
        .annotate(definitions_version=Coalesce(Cast(KT("area_scores__definitions"), IntegerField()), 1))
        .first()
    )
    if snapshot is not None and start is None and snapshot.period_end < timezone.localdate():
        request_snapshot(area_id, resource=resource, confirmed_only=confirmed_only)
    elif snapshot is not None and outdated(snapshot):
        request_snapshot(area_id, start, end, resource, confirmed_only=confirmed_only)
    found = _with_row(snapshot, model, row_lookup)
    if found is not None:
        return found
    # no snapshot yet, or the object is newer than it: (re)compute, debounced
    pending = _request_unless_failed(
        area_id, start, end, resource, scope=scope, again=again, confirmed_only=confirmed_only
    )
    if pending is None:
        return Reading()
    return _with_row(pending, model, row_lookup) or Reading(pending=pending)


def _row_model(row_lookup: dict):
    if "group" in row_lookup:
        return GroupScore
    if "person" in row_lookup:
        return PersonScore
    return None


def _with_row(snapshot: ScoreSnapshot | None, model, row_lookup: dict) -> Reading | None:
    """A Reading of a done snapshot holding the wanted row; None when it cannot answer."""
    if snapshot is None or snapshot.status != SnapshotStatus.DONE:
        return None
    if model is None:
        return Reading(snapshot=snapshot)
    row = model.objects.filter(snapshot=snapshot, **row_lookup).first()
    if row is None:
        return None
    row.snapshot = snapshot
    return Reading(snapshot=snapshot, row=row)


def _request_unless_failed(
    area_id: int, start, end, resource: str, *, scope=None, again: bool = False, confirmed_only: bool = False
) -> ScoreSnapshot | None:
    waiting = _pending(area_id, start, end, resource, confirmed_only)
    if waiting is not None:
        return waiting
    failed = (
        ScoreSnapshot.objects.filter(
            status=SnapshotStatus.FAILED, computed_at__gte=timezone.now() - FAILED_QUIET
        )
        .for_window(area_id, start, end, resource, confirmed_only)
        .first()
    )
    if failed is not None and not again:
        return failed
    if scope is not None and not scope.may_request_scores(area_id, custom_window=start is not None):
        return None
    requested_by = scope.user if scope is not None else None
    snapshot = request_snapshot(
        area_id, start, end, resource, requested_by=requested_by, confirmed_only=confirmed_only
    )
    # With in-process tasks (tests, TASKS_IMMEDIATE) it may already be computed.
    snapshot.refresh_from_db()
    return snapshot
