"""The page of an area above the districts (a regency, a province): its districts' own
snapshots, read (or requested) as each district's own page reads them. The areas within are
then set side by side by the one villages table (pages/villages.py), a district counting whole
and a regency as the sum of its districts. No graph of the whole area is built (that is also
how it scales): each district is one community's computation."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from groups import access
from groups.models import Area, ScoreSnapshot, SnapshotStatus

from .. import reading


@dataclass
class DistrictRow:
    area: Area
    snapshot: ScoreSnapshot | None  # None while being computed
    pending: ScoreSnapshot | None

    @property
    def waiting(self) -> str:
        """What to say of a district not computed yet ("" once it is)."""
        if self.snapshot is not None:
            return ""
        if self.pending is not None and self.pending.status == SnapshotStatus.FAILED:
            return _("could not be computed; it will be tried again")
        return _("being computed") if self.pending is not None else _("not computed yet")


def rollup(
    scope: access.Scope,
    districts: list[Area],
    start=None,
    end=None,
    resource: str = "",
    *,
    confirmed_only: bool = False,
) -> dict:
    """The districts below an area (areas.districts_below), each read, or requested, like its
    own page: their done snapshots, and what to say of those still waiting."""
    rows = []
    for district in districts:
        found = reading.read(
            district.pk, start, end, resource, scope=scope, confirmed_only=confirmed_only, is_community=True
        )
        rows.append(DistrictRow(district, found.snapshot, found.pending))
    return {
        "rollup": True,
        "rollup_rows": rows,
        "rollup_snapshots": [row.snapshot for row in rows if row.snapshot is not None],
        "rollup_waiting_areas": {row.area.pk: row.waiting for row in rows if row.waiting},
        # polled while some district is waiting or running (not after a failure)
        "rollup_waiting": sum(
            1 for row in rows if row.pending is not None and row.pending.status != SnapshotStatus.FAILED
        ),
    }
