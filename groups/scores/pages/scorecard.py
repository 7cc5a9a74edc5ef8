"""The scorecard of an area: the area as a whole, each area within (a district's villages) and
each of its groups, judged against the targets in force for each (scores/targets.py): on
target, near, off target, or too few records. An area's value is the median over its groups
with enough evidence (as on the villages table) and its number of quiet groups; a group's is
its own value, shown with its base. No person is named: rows are areas and groups.

The same rows feed the dashboard's section, the CSV and the PDF. Five queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _

from groups import access
from groups.models import Area, GroupScore, ScoreSnapshot, Target
from groups.templatetags.reports import num, pct

from .. import evidence, reading
from ..indicators import SHARE
from ..targets import AT_LEAST, OFF, TARGETABLE, Status, any_near, in_force, keys_in_force, status
from .villages import MEDIANS, Cell, Column, VillageRow, village_rows

#: Groups listed on the page (the CSV and the PDF have every group): those off target first.
GROUPS_LISTED = 50
#: What the scorecard judges: the targetable indicators, as median columns for an area.
AREA_COLUMNS: dict[str, Column] = {**MEDIANS, "quiet": Column("quiet", "count")}


@dataclass
class Judged:
    key: str
    value: float | int | None
    text: str  # as shown, with its base
    base: int | None = None
    target: Target | None = None
    status: Status | None = None

    @property
    def label(self) -> str:
        return str(TARGETABLE[self.key].label)


@dataclass
class CardRow:
    level: str  # "area", "village", "group"
    ref: str
    name: str
    url: str | None
    cells: list[Judged] = field(default_factory=list)

    @property
    def off(self) -> int:
        return sum(1 for c in self.cells if c.status is not None and c.status.code == OFF)


@dataclass
class Scorecard:
    area: Area
    snapshot: ScoreSnapshot
    keys: list[str]
    targets: list[Target]  # set on this area, above it (in force here) or below it
    rows: list[CardRow]

    @property
    def groups_total(self) -> int:
        return sum(1 for r in self.rows if r.level == "group")

    @property
    def groups_listed(self) -> int:
        return min(self.groups_total, GROUPS_LISTED)

    @property
    def lines(self) -> list[str]:
        return [describe(t) for t in self.targets]

    def listed(self) -> list[CardRow]:
        """The areas, then the groups furthest off target first, up to GROUPS_LISTED."""
        groups = sorted((r for r in self.rows if r.level == "group"), key=lambda r: (-r.off, r.name, r.ref))
        return [r for r in self.rows if r.level != "group"] + groups[:GROUPS_LISTED]

    @property
    def headings(self) -> list[str]:
        return [str(TARGETABLE[key].label) for key in self.keys]


def judge(key: str, cell: Cell, targets: dict[str, Target]) -> Judged:
    """An area's median (or quiet count) against its target."""
    target = targets.get(key)
    enough = cell.value is not None and (not cell.column.median or bool(cell.base))
    return Judged(
        key, cell.value, cell.text, cell.base, target, status(target, cell.value, enough) if target else None
    )


def _group_text(key: str, value, bases: dict) -> str:
    if key == "quiet":
        return _("quiet") if value else _("not quiet")
    if value is None:
        return "–"
    shown = pct(value) if TARGETABLE[key].kind == SHARE else num(value, 1)
    return evidence.shown(key, shown, bases)


def group_rows(scope: access.Scope, snapshot: ScoreSnapshot, area: Area) -> list[tuple]:
    """(ref, name, area id, readable, {key: value}, bases) of each of the area's groups."""
    rows = reading.part_groups(
        GroupScore.objects.filter(snapshot=snapshot), reading.part_area_ids(snapshot, area)
    )
    found = list(
        rows.order_by("group__name", "group_id").values_list(
            "group_id", "group__ref", "group__name", "group__area_id", "quiet", "bases", *MEDIANS
        )
    )
    readable = set(scope.groups().filter(pk__in=[r[0] for r in found]).values_list("pk", flat=True))
    out = []
    for pk, ref, name, area_id, quiet, bases, *values in found:
        out.append(
            (
                ref,
                name,
                area_id,
                pk in readable,
                {"quiet": int(quiet), **dict(zip(MEDIANS, values, strict=True))},
                bases or {},
            )
        )
    return out


def _area_row(
    area: Area, snapshot: ScoreSnapshot, groups: list[tuple], targets: dict[str, Target]
) -> CardRow:
    """The area as a whole: the medians stored for it (the community's, or its part's)."""
    scores = snapshot.area_scores or {}
    if area.pk != snapshot.area_id:
        scores = (scores.get("parts") or {}).get(area.ref, {})
    medians = scores.get("group_medians") or {}
    row = CardRow("area", area.ref, area.name, reverse("groups:report_dashboard", args=[area.ref]))
    for key, column in AREA_COLUMNS.items():
        if key == "quiet":
            cell = Cell(column, sum(g[4]["quiet"] for g in groups))
        else:
            cell = Cell(column, medians.get(key), sum(1 for g in groups if evidence.enough(key, g[5])))
        row.cells.append(judge(key, cell, targets))
    return row


def scorecard(
    scope: access.Scope, area: Area, snapshot: ScoreSnapshot, villages: list[VillageRow] | None = None
) -> Scorecard:
    """The scorecard (empty, after one query, when no target is set near the area).
    `villages`: the villages table's rows when the page has them already."""
    if not any_near(area):
        return Scorecard(area, snapshot, [], [], [])
    groups = group_rows(scope, snapshot, area)
    villages = (
        village_rows(area, [snapshot]) if villages is None else sorted(villages, key=lambda v: v.area.name)
    )
    targets = in_force({area.pk, *(v.area.pk for v in villages), *(g[2] for g in groups)})
    rows = [_area_row(area, snapshot, groups, targets[area.pk])]
    for village in villages:
        row = CardRow("village", village.area.ref, village.area.name, village.url)
        cells = {**village.medians, "quiet": village.cell("quiet")}
        row.cells = [judge(key, cells[key], targets[village.area.pk]) for key in AREA_COLUMNS]
        rows.append(row)
    for ref, name, area_id, readable, values, bases in groups:
        url = reverse("groups:report_group", args=[ref]) if readable else None
        row = CardRow("group", ref, name, url)
        for key in AREA_COLUMNS:
            target = targets[area_id].get(key)
            enough = key == "quiet" or evidence.enough(key, bases)
            judged = status(target, values[key], enough) if target else None
            row.cells.append(
                Judged(
                    key,
                    values[key],
                    _group_text(key, values[key], bases),
                    evidence.base_of(bases, key),
                    target,
                    judged,
                )
            )
        rows.append(row)
    keys = keys_in_force(targets)
    for row in rows:  # in the headings' order (TARGETABLE's), whatever the columns' order
        by_key = {c.key: c for c in row.cells}
        row.cells = [by_key[key] for key in keys]
    listed = {t.pk: t for per_area in targets.values() for t in per_area.values()}
    listed.update(
        {t.pk: t for t in Target.objects.filter(area__in=Area.objects.subtree(area)).select_related("area")}
    )
    return Scorecard(
        area, snapshot, keys, sorted(listed.values(), key=lambda t: (t.area.name, t.indicator)), rows
    )


def judge_villages(rows: list[VillageRow]) -> None:
    """Put the status against the target in force on each targeted cell of the villages table."""
    if not rows or not any_near(rows[0].area.parent):
        return
    targets = in_force(row.area.pk for row in rows)
    for row in rows:
        for cell in row.cells:
            if cell.key in TARGETABLE and cell.key in targets[row.area.pk]:
                cell.status = judge(cell.key, cell, targets[row.area.pk]).status


def goal_text(key: str, value) -> str:
    """A goal or edge in its unit: "60%", "3.5", "0"."""
    rule = TARGETABLE[key]
    if rule.kind == SHARE:
        return _("%(number)s%%") % {"number": num(value, 1)}
    return num(value, 1)


def describe(target: Target) -> str:
    """ "Participation at least 60%; near down to 50% (set for Kecamatan Kertek)"."""
    rule = TARGETABLE[target.indicator]
    values = {
        "indicator": rule.label,
        "goal": goal_text(target.indicator, target.goal),
        "area": target.area.name,
    }
    if rule.direction == AT_LEAST:
        values["edge"] = goal_text(target.indicator, max(target.goal - target.near, rule.lowest))
        if not target.near:
            return _("%(indicator)s at least %(goal)s (set for %(area)s)") % values
        return _("%(indicator)s at least %(goal)s; near down to %(edge)s (set for %(area)s)") % values
    values["edge"] = goal_text(target.indicator, target.goal + target.near)
    if not target.near:
        return _("%(indicator)s at most %(goal)s (set for %(area)s)") % values
    return _("%(indicator)s at most %(goal)s; near up to %(edge)s (set for %(area)s)") % values
