"""The page of an area above the districts (a regency, a province): its districts' own
snapshots rolled up, one row per district with its key figures, then the median over the
districts and the totals of the counts. No graph of the whole area is built (that is also how
it scales): each district is one community's computation, read as its own page reads it."""

from __future__ import annotations

from dataclasses import dataclass, field

from groups import access
from groups.models import Area, ScoreSnapshot, SnapshotStatus

from .. import reading
from ..analysis import median
from ..indicators import BY_KEY, COUNT, ROLLUP_FIGURES


@dataclass
class DistrictRow:
    area: Area
    snapshot: ScoreSnapshot | None  # None while being computed
    pending: ScoreSnapshot | None
    values: list = field(default_factory=list)  # one per ROLLUP_FIGURES

    @property
    def cells(self) -> list[dict]:
        return _cells(self.values)


def _cells(values: list) -> list[dict]:
    """Template cells: each value with its figure's key and kind (share, count, number)."""
    return [
        {"key": key, "kind": BY_KEY[key].kind, "label": BY_KEY[key].label, "value": value}
        for key, value in zip(ROLLUP_FIGURES, values, strict=True)
    ]


def figure_value(scores: dict, key: str):
    """A district's value of a roll-up figure: its area figure, or for a group indicator the
    median over its groups."""
    indicator = BY_KEY[key]
    if key in scores or indicator.area_field:
        return scores.get(indicator.area_field or key)
    return (scores.get("group_medians") or {}).get(key)


def rollup(
    scope: access.Scope,
    districts: list[Area],
    start=None,
    end=None,
    resource: str = "",
    *,
    confirmed_only: bool = False,
) -> dict:
    """The rows of an area's districts (areas.districts_below; each read, or requested, like
    its own page), the median over districts of each figure and the totals of the counts."""
    rows = []
    for district in districts:
        found = reading.read(district.pk, start, end, resource, scope=scope, confirmed_only=confirmed_only)
        scores = found.snapshot.area_scores if found.snapshot is not None else {}
        values = [figure_value(scores, key) for key in ROLLUP_FIGURES] if found.snapshot else []
        rows.append(DistrictRow(district, found.snapshot, found.pending, values))
    done = [row for row in rows if row.snapshot is not None]
    medians = [median(row.values[i] for row in done) for i in range(len(ROLLUP_FIGURES))]
    totals = [
        sum(row.values[i] or 0 for row in done) if BY_KEY[key].kind == COUNT else None
        for i, key in enumerate(ROLLUP_FIGURES)
    ]
    return {
        "rollup": True,
        "rollup_columns": list(ROLLUP_FIGURES),
        "rollup_rows": rows,
        "rollup_medians": _cells(medians),
        "rollup_totals": _cells(totals),
        # polled while some district is waiting or running (not after a failure)
        "rollup_waiting": sum(
            1 for row in rows if row.pending is not None and row.pending.status != SnapshotStatus.FAILED
        ),
    }
