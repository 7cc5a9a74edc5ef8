"""Villages side by side: on a district's page, one row per area within, with the figures its
own page shows (stored with the community's snapshot by scores/parts.py), the counts of its
quiet groups and of the people whose absence would cut others off, and each figure's values
in the last two complete quarters (every column is counted per quarter in the snapshot's
trend, scores/snapshots.py; a snapshot from before the counts of groups, quiet groups and
cut-off people were stored shows "–" for them).

Medians over groups count only groups with enough evidence (evidence.py, as the analysis
does): each says how many groups it is the median of. Four queries, however many rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from groups.models import AREA_CHAIN, Area, GroupScore, Membership, PersonScore, ScoreSnapshot
from groups.templatetags.reports import num, pct

from .. import evidence
from ..analysis import median
from ..indicators import COUNT, NUMBER, SHARE, label
from .common import quarter_labels
from .dashboard import subarea_figures


@dataclass(frozen=True)
class Column:
    key: str  # the indicator's key (its definition on the methodology page)
    kind: str
    trend: str | None = None  # its field in snapshot.trend["parts"][ref]
    median: bool = False  # a median over the village's groups
    heading: object = None  # when not the registry's label

    @property
    def title(self) -> str:
        return str(self.heading) if self.heading is not None else label(self.key)


COLUMNS: tuple[Column, ...] = (
    Column("groups", COUNT, "groups"),
    Column("people", COUNT, "people"),
    Column("exchanges", COUNT, "exchanges"),
    Column("active", COUNT, "active", heading=gettext_lazy("Members party to an exchange")),
    Column("self_reliance", SHARE, "median_self_reliance", True, gettext_lazy("Median self-reliance")),
    Column("participation", SHARE, "median_participation", True, gettext_lazy("Median participation")),
    Column("norm_rating", NUMBER, "median_norm_rating", True, gettext_lazy("Median norm rating")),
    Column("quiet", COUNT, "quiet"),
    Column("cut_off", COUNT, "cut_off", heading=gettext_lazy("People whose absence would cut others off")),
)
BY_KEY = {c.key: c for c in COLUMNS}
#: Medians over a village's groups kept on each row: the table's, and the scorecard's aid.
MEDIANS: dict[str, Column] = {
    **{c.key: c for c in COLUMNS if c.median},
    "aid_dependence": Column(
        "aid_dependence", SHARE, median=True, heading=gettext_lazy("Median aid dependence")
    ),
}
#: ?sort= values: a column's key (ascending) or "-key" (descending); "name" is the default.
SORTS = ("name", *BY_KEY)


@dataclass
class Cell:
    column: Column
    value: float | int | None
    base: int | None = None  # a median: the groups with enough evidence; "active": the people
    before: float | int | None = None  # the quarter before the last complete one
    after: float | int | None = None  # the last complete quarter
    status: object = None  # a targets.Status when a target applies (pages/targets.py)

    @property
    def key(self) -> str:
        return self.column.key

    @property
    def text(self) -> str:
        """The value as a page shows it, with its base where it has one."""
        column, value = self.column, self.value
        if column.median:
            if not self.base:
                return evidence.too_few(0)
            shown = pct(value) if column.kind == SHARE else num(value, 1)
            return ngettext(
                "%(value)s (median of %(count)s group)", "%(value)s (median of %(count)s groups)", self.base
            ) % {"value": shown, "count": number_format(self.base, 0, force_grouping=True)}
        if value is None:
            return "–"
        if column.key == "active":
            return ngettext(
                "%(value)s of %(count)s person", "%(value)s of %(count)s people", self.base or 0
            ) % {
                "value": number_format(value, 0, force_grouping=True),
                "count": number_format(self.base or 0, 0, force_grouping=True),
            }
        return number_format(value, 0, force_grouping=True)

    @property
    def change(self) -> str:
        """The values of the last two complete quarters, as shown ("4 → 10"): a difference
        alone read as a change of the 12-month figure above it, which it is not."""
        if self.before is None or self.after is None:
            return "–"
        return f"{self._shown(self.before)} → {self._shown(self.after)}"

    def _shown(self, value) -> str:
        if self.column.kind == SHARE:
            return pct(value)
        if self.column.kind == NUMBER:
            return num(value, 1)
        return number_format(value, 0, force_grouping=True)


@dataclass
class VillageRow:
    area: Area
    url: str
    cells: list[Cell] = field(default_factory=list)
    medians: dict[str, Cell] = field(default_factory=dict)  # MEDIANS' cells (no change)
    waiting: str = ""  # its scores are not computed yet: what to say instead

    def cell(self, key: str) -> Cell:
        return next(c for c in self.cells if c.key == key)


def complete_quarters(snapshot: ScoreSnapshot) -> tuple[int, int] | None:
    """Indexes (before, after) of the last two complete quarters of the snapshot's trend."""
    quarters = (snapshot.trend or {}).get("quarters", [])
    full = [i for i, q in enumerate(quarters) if isinstance(q, dict) and not q.get("partial")]
    return (full[-2], full[-1]) if len(full) >= 2 else None


def quarter_labels_of(snapshot: ScoreSnapshot) -> tuple[str, str] | None:
    """The months the two quarters compared end in ("Sep 2026", "Dec 2026"), for the heading."""
    pair = complete_quarters(snapshot)
    if pair is None:
        return None
    labels = quarter_labels(snapshot.trend)
    return labels[pair[0]], labels[pair[1]]


def child_of_areas(area: Area, children: list[Area]) -> dict[int, int]:
    """Every area below `area` -> the area within (one of `children`) that holds it."""
    ids = {c.pk for c in children}
    out = {}
    for chain in Area.objects.subtree(area).values_list(*AREA_CHAIN):
        holder = next((pk for pk in chain if pk in ids), None)
        if holder is not None:
            out[chain[0]] = holder
    return out


@dataclass
class Piece:
    """What one community's snapshot holds of an area within: the whole community (a district
    on its regency's page) or its part of it (a village on its district's page)."""

    snapshot: ScoreSnapshot
    counted: dict  # people, isolated, groups
    stored: dict  # exchanges, group_medians (AreaScores as stored)
    trend: dict  # the same figures per quarter


def _whole(snapshot: ScoreSnapshot) -> Piece:
    scores = snapshot.area_scores or {}
    people = scores.get("people") or 0
    isolated = scores.get("isolated")
    if isolated is None:  # snapshots from before the count was stored
        isolated = round((scores.get("isolated_share") or 0.0) * people)
    counted = {"people": people, "isolated": isolated, "groups": scores.get("groups") or 0}
    return Piece(snapshot, counted, scores, (snapshot.trend or {}).get("area") or {})


def pieces_of(children: list[Area], snapshots: list, holder: dict[int, int]) -> dict[int, list[Piece]]:
    """Per area within, the pieces of the snapshots that cover it: a community's snapshot whose
    area lies within it counts whole; otherwise each area within is a part of the snapshot."""
    out: dict[int, list[Piece]] = {child.pk: [] for child in children}
    for snapshot in snapshots:
        if snapshot.area_id in holder:
            out[holder[snapshot.area_id]].append(_whole(snapshot))
            continue
        parts = (snapshot.area_scores or {}).get("parts") or {}
        trends = (snapshot.trend or {}).get("parts") or {}
        for counted in subarea_figures(children, snapshot):
            ref = counted["area"].ref
            out[counted["area"].pk].append(Piece(snapshot, counted, parts.get(ref, {}), trends.get(ref, {})))
    return out


def _group_counts(snapshots: list, holder: dict[int, int]) -> dict[int, dict]:
    """Per area within: quiet groups, per median column the groups with enough evidence and
    ("values") their values, for an area spread over several communities."""
    counts: dict[int, dict] = {}
    rows = GroupScore.objects.filter(snapshot__in=snapshots, group__area_id__in=list(holder)).values_list(
        "group__area_id", "quiet", "bases", *MEDIANS
    )
    for area_id, quiet, bases, *values in rows:
        tally = counts.setdefault(holder[area_id], {**dict.fromkeys(("quiet", *MEDIANS), 0), "values": {}})
        tally["quiet"] += quiet
        for key, value in zip(MEDIANS, values, strict=True):
            if evidence.enough(key, bases):
                tally[key] += 1
                tally["values"].setdefault(key, []).append(value)
    return counts


def _spread_series(snapshots: list, holder: dict[int, int], spread: set[int], pair) -> dict[int, dict]:
    """For areas within spread over several communities (a regency on its province's page):
    per median column, the median over their groups with enough evidence in each of the two
    quarters compared (the groups' own trends). Nothing is read when no area is spread."""
    areas = [pk for pk, child in holder.items() if child in spread]
    if not areas or pair is None:
        return {}
    found: dict[int, dict] = {}
    rows = GroupScore.objects.filter(snapshot__in=snapshots, group__area_id__in=areas)
    for area_id, trend in rows.values_list("group__area_id", "trend"):
        bases = (trend or {}).get("bases") or []
        for key in MEDIANS:
            series = (trend or {}).get(key) or []
            for side, i in enumerate(pair):
                if i < len(series) and i < len(bases) and evidence.enough(key, bases[i]):
                    found.setdefault(holder[area_id], {}).setdefault(key, ([], []))[side].append(series[i])
    return {
        child: {key: [median(values) for values in sides] for key, sides in by_key.items()}
        for child, by_key in found.items()
    }


def _cut_off_counts(snapshots: list, holder: dict[int, int]) -> dict[int, int]:
    """Per area within: its people (living there or belonging to one of its groups in the
    window, as a village's page counts them) whose absence would cut others off."""
    places: dict[int, set[int]] = {}
    for person_id, area_id in PersonScore.objects.filter(
        snapshot__in=snapshots, cut_off__gte=1
    ).values_list("person_id", "person__area_id"):
        places.setdefault(person_id, set()).add(holder.get(area_id))
    window = snapshots[0]  # every snapshot of a table covers the same window
    memberships = (
        Membership.objects.open_between(window.period_start, window.period_end)
        .filter(person_id__in=list(places), group__area_id__in=list(holder))
        .values_list("person_id", "group__area_id")
    )
    for person_id, area_id in memberships:
        places[person_id].add(holder[area_id])
    counts: dict[int, int] = {}
    for held in places.values():
        for child in held - {None}:
            counts[child] = counts.get(child, 0) + 1
    return counts


def _series(trend: dict, column: Column) -> list:
    if column.key == "active":  # people less those with no exchange, per quarter
        people, shares = trend.get("people") or [], trend.get("isolated_share") or []
        return [
            None if p is None or s is None else round(p * (1 - s))
            for p, s in zip(people, shares, strict=False)
        ]
    return trend.get(column.trend) or []


def _total(values: list):
    """The sum of the pieces' values; None when a piece has none (or there is no piece)."""
    return None if not values or any(v is None for v in values) else sum(values)


def _quarters(pieces: list[Piece], column: Column, pair, spread: dict) -> tuple:
    """(before, after): a column's values in the two quarters compared."""
    if pair is None or not column.trend or not pieces:
        return None, None
    if column.median and len(pieces) > 1:
        return tuple(spread.get(column.key, (None, None)))
    sides = []
    for i in pair:
        at = [s[i] if i < len(s) else None for s in (_series(p.trend, column) for p in pieces)]
        sides.append(at[0] if column.median else _total(at))
    return tuple(sides)


def _values(pieces: list[Piece], tally: dict, cut_off: int) -> dict:
    """The row's figures: the pieces' counts added up; a median as stored for a single piece,
    else over the groups of all its pieces with enough evidence."""
    if not pieces:
        return dict.fromkeys((*BY_KEY, *MEDIANS))
    people = sum(p.counted["people"] for p in pieces)
    values = {
        "groups": sum(p.counted["groups"] for p in pieces),
        "people": people,
        "exchanges": _total([p.stored.get("exchanges") for p in pieces]),
        "active": people - sum(p.counted["isolated"] for p in pieces),
        "quiet": tally.get("quiet", 0),
        "cut_off": cut_off,
    }
    for key in MEDIANS:
        if len(pieces) == 1:
            values[key] = (pieces[0].stored.get("group_medians") or {}).get(key)
        else:
            values[key] = median(tally.get("values", {}).get(key, []))
    return values


def village_rows(
    area: Area, snapshots: list[ScoreSnapshot], query: str = "", waiting: dict[int, str] | None = None
) -> list[VillageRow]:
    """One row per area within `area`, in name order, from the snapshots that cover it: its
    community's (a district's villages) or its districts' (a regency's or a province's areas
    within). `waiting`: area pk -> what to say of an area whose snapshot is not done yet."""
    children = list(area.children.order_by("name", "pk"))
    if not children or not snapshots:
        return []
    holder = child_of_areas(area, children)
    pieces = pieces_of(children, snapshots, holder)
    spread = {pk for pk, found in pieces.items() if len(found) > 1}
    pair = complete_quarters(snapshots[0])
    groups, cut_off = _group_counts(snapshots, holder), _cut_off_counts(snapshots, holder)
    series = _spread_series(snapshots, holder, spread, pair)
    held_waiting = {holder.get(pk, pk): text for pk, text in (waiting or {}).items()}
    rows = []
    for child in children:
        url = reverse("groups:report_dashboard", args=[child.ref]) + (f"?{query}" if query else "")
        row = VillageRow(child, url, waiting=held_waiting.get(child.pk, ""))
        found = [] if row.waiting else pieces[child.pk]
        tally = groups.get(child.pk, {})
        values = _values(found, tally, cut_off.get(child.pk, 0))
        for column in COLUMNS:
            before, after = _quarters(found, column, pair, series.get(child.pk, {}))
            base = tally.get(column.key, 0) if column.median else None
            base = values["people"] if column.key == "active" else base
            row.cells.append(Cell(column, values[column.key], base, before, after))
        row.medians = {key: Cell(c, values[key], tally.get(key, 0)) for key, c in MEDIANS.items()}
        rows.append(row)
    return rows


def sort_rows(rows: list[VillageRow], sort: str) -> list[VillageRow]:
    """Rows by a column (undefined values last either way), then by name."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in BY_KEY:
        return sorted(rows, key=lambda r: (r.area.name.casefold(), r.area.pk), reverse=descending)
    by_name = sorted(rows, key=lambda r: (r.area.name.casefold(), r.area.pk))
    present = [r for r in by_name if r.cell(key).value is not None]
    missing = [r for r in by_name if r.cell(key).value is None]
    return sorted(present, key=lambda r: r.cell(key).value, reverse=descending) + missing


def headings(sort: str) -> list[dict]:
    """Each column's title and its sort link's value: a click sorts by it, a second click
    the other way."""
    return [
        {
            "key": c.key,
            "title": c.title,
            "sort": f"-{c.key}" if sort == c.key else c.key,
            "sorted": "ascending" if sort == c.key else "descending" if sort == f"-{c.key}" else "",
        }
        for c in COLUMNS
    ]


def csv_rows(rows: list[VillageRow]) -> tuple[list[str], list[list]]:
    """(header, rows) of the download: each value, its base and its quarter-on-quarter change."""
    header = ["area_ref", "area"]
    for column in COLUMNS:
        header += [column.key]
        header += [f"{column.key}_base"] if column.median or column.key == "active" else []
        header += [f"{column.key}_change"]
    body = []
    for row in rows:
        line = [row.area.ref, row.area.name]
        for cell in row.cells:
            trusted = cell.value if not cell.column.median or cell.base else None
            line.append(trusted)
            if cell.column.median or cell.key == "active":
                line.append(cell.base)
            change = None if cell.before is None or cell.after is None else cell.after - cell.before
            line.append(change)
        body.append(line)
    return header, body


def sort_label(sort: str) -> str:
    key = sort.removeprefix("-")
    if key not in BY_KEY:
        return _("by name")
    return _("by %(column)s") % {"column": BY_KEY[key].title}
