"""The map of groups on an area's page, and the same groups as GeoJSON (groups.geojson).

Every active group of the area that the viewer may see, with its kind and its latest scores
(the "last 12 months" snapshot of its community: reading.latest_snapshot), never its members.
A group with a position is a point at [longitude, latitude] (RFC 7946 order); one without has
no geometry and is listed beside the map. For each indicator of MAP_FIGURES a group also gets
a band, how its value stands against the median of the groups with enough evidence on the
same map (indicators.compare, with the registry's tolerance): "lower", "same", "higher",
"few" (too few records: evidence.py) or "none" (no value). The map colours markers by kind or
by one indicator's band; the page's table needs no script. The figures come twice: nested
(values, bases, shown, bands: what the map's script reads) and flat, one field each, for QGIS.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from groups import access
from groups.models import Area, AreaBoundary, GroupKind, GroupScore
from groups.templatetags.reports import figure

from .. import evidence, reading
from ..areas import community_ids
from ..indicators import BY_KEY, MAP_FIGURES, compare

BANDS = ("lower", "same", "higher", "few", "none")

#: Groups named in each list beside and below the map: a regency's thousands would make the
#: page megabytes; the rest are in the groups list and the GeoJSON download.
LISTED = 50


def map_groups(scope: access.Scope, area: Area) -> list[dict]:
    """The area's active groups the viewer may see, by name: one query."""
    return list(
        scope.groups()
        .active()
        .in_area(area)
        .order_by("name", "pk")
        .values("pk", "ref", "name", "kind", "area_id", "area__name", "latitude", "longitude")
    )


def latest_scores(groups: list[dict]) -> dict[int, dict]:
    """Group pk -> its row of MAP_FIGURES and bases in its community's latest snapshot (two
    queries per community, one more for the rows)."""
    communities = community_ids({g["area_id"] for g in groups})
    snapshot_ids = []
    for community in set(communities.values()):
        snapshot = reading.latest_snapshot(community)
        if snapshot is not None:
            snapshot_ids.append(snapshot.pk)
    rows = GroupScore.objects.filter(
        snapshot_id__in=snapshot_ids, group_id__in=[g["pk"] for g in groups]
    ).values("group_id", "bases", "snapshot__period_end", *MAP_FIGURES)
    return {row["group_id"]: row for row in rows}


def formatted(key: str, value) -> str:
    """A value formatted by its kind in the registry: "46%", "12", "3.5"; "–" when undefined."""
    return figure(value, BY_KEY[key].kind)


def shown_value(key: str, value, bases) -> str:
    """A value as the pages show it: "46% of 26 exchanges", "too few records (3)", "–"."""
    return "–" if value is None else evidence.shown(key, formatted(key, value), bases)


def medians(scores: dict[int, dict]) -> dict[str, float | None]:
    """Per indicator, the median over the groups whose value rests on enough records."""
    values = defaultdict(list)
    for row in scores.values():
        for key in MAP_FIGURES:
            value = evidence.enough_value(key, row[key], row["bases"])
            if value is not None:
                values[key].append(value)
    return {key: statistics.median(values[key]) if values[key] else None for key in MAP_FIGURES}


def band(key: str, value, bases, median) -> str:
    if value is None:
        return "none"
    if not evidence.enough(key, bases):
        return "few"
    return compare(value, median, BY_KEY[key].tolerance) or "none"


def _figures(row: dict | None, middle: dict) -> dict:
    """The nested figures the map's script reads, and the same flat (see _flat)."""
    if row is None:
        nested = {"values": {}, "bases": {}, "shown": {}, "bands": dict.fromkeys(MAP_FIGURES, "none")}
        return {**nested, **_flat(nested)}
    bases = row["bases"] or {}
    nested = {
        "values": {key: row[key] for key in MAP_FIGURES},
        "bases": {key: bases[key] for key in MAP_FIGURES if key in bases},
        "shown": {key: shown_value(key, row[key], bases) for key in MAP_FIGURES},
        "bands": {key: band(key, row[key], bases, middle[key]) for key in MAP_FIGURES},
    }
    return {**nested, **_flat(nested)}


def _flat(nested: dict) -> dict:
    """One field per figure (participation, participation_base, participation_band,
    participation_shown): QGIS and other GIS tools read a nested object as JSON text, and a
    flat field can be styled, filtered and labelled."""
    flat = {}
    for key in MAP_FIGURES:
        flat[key] = nested["values"].get(key)
        flat[f"{key}_base"] = nested["bases"].get(key)
        flat[f"{key}_band"] = nested["bands"].get(key, "none")
        flat[f"{key}_shown"] = nested["shown"].get(key, "–")
    return flat


def feature(group: dict, row: dict | None, middle: dict) -> dict:
    """One group as a GeoJSON Feature: no member, no person, nothing written about people."""
    has_position = group["latitude"] is not None and group["longitude"] is not None
    geometry = None
    if has_position:
        geometry = {"type": "Point", "coordinates": [float(group["longitude"]), float(group["latitude"])]}
    return {
        "type": "Feature",
        "id": group["ref"],
        "geometry": geometry,
        "properties": {
            "ref": group["ref"],
            "name": group["name"],
            "kind": group["kind"],
            "kind_label": str(GroupKind(group["kind"]).label) if group["kind"] in GroupKind.values else "",
            "area": group["area__name"],
            "url": reverse("groups:report_group", args=[group["ref"]]),
            "scores_until": row["snapshot__period_end"].isoformat() if row else None,
            **_figures(row, middle),
        },
    }


def feature_collection(scope: access.Scope, area: Area) -> dict:
    """The viewer's groups of the area as an RFC 7946 FeatureCollection. Its foreign member
    "medians" gives each indicator's median (and how a page shows it) for the map's legend."""
    groups = map_groups(scope, area)
    scores = latest_scores(groups)
    middle = medians(scores)
    return {
        "type": "FeatureCollection",
        "features": [feature(group, scores.get(group["pk"]), middle) for group in groups],
        "medians": {key: {"value": value, "shown": formatted(key, value)} for key, value in middle.items()},
    }


def outlines(area: Area) -> dict:
    """The outlines loaded for the area, the areas above it and those below it, as one
    FeatureCollection (each feature says which area's file it came from)."""
    features = []
    for boundary in _outlines_of(area).select_related("area").order_by("area__name"):
        for item in (boundary.features or {}).get("features", []):
            features.append(
                {**item, "properties": {**item.get("properties", {}), "file_of": boundary.area.ref}}
            )
    return {"type": "FeatureCollection", "features": features}


def _outlines_of(area: Area):
    """The outlines drawn on an area's map: its own file's, those of the areas above it (a
    district's file outlines its villages) and those below it."""
    around = Area.objects.filter(pk=area.pk).with_ancestors()  # lazy: one query in all
    return AreaBoundary.objects.filter(Q(area__in=around) | Q(area__in=Area.objects.subtree(area)))


def map_context(scope: access.Scope, area: Area) -> dict:
    """What the page's map partial shows: the groups with and without a position (names and
    places: no scores, so the page reads no snapshot for it), the colour choices, and the
    settings the script reads."""
    groups = map_groups(scope, area)
    placed = [g for g in groups if g["latitude"] is not None]
    unplaced = [g for g in groups if g["latitude"] is None]
    for group in placed[:LISTED] + unplaced[:LISTED]:
        group["url"] = reverse("groups:report_group", args=[group["ref"]])
        group["kind_label"] = GroupKind(group["kind"]).label if group["kind"] in GroupKind.values else ""
    kinds = sorted({g["kind"] for g in placed if g["kind"] in GroupKind.values})
    return {
        "map_placed": placed[:LISTED],
        "map_placed_more": max(0, len(placed) - LISTED),
        "map_unplaced": unplaced[:LISTED],
        "map_unplaced_more": max(0, len(unplaced) - LISTED),
        "map_kinds": [(kind, GroupKind(kind).label) for kind in kinds],
        "map_figures": [(key, BY_KEY[key].label) for key in MAP_FIGURES],
        "map_has_outlines": _outlines_of(area).exists(),
        "map_config": {
            "geojson": reverse("groups:area_groups_geojson", args=[area.ref]),
            "outlines": reverse("groups:area_outlines_geojson", args=[area.ref]),
            "tiles": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "labels": band_labels(),
        },
    }


def band_labels() -> dict[str, str]:
    """The legend's words for each band (the colour never speaks alone)."""
    return {
        "lower": _("Below the median of these groups"),
        "same": _("About the median"),
        "higher": _("Above the median"),
        "few": _("Too few records"),
        "none": _("No value yet"),
        "median": _("Median"),
        "open": _("Open the group's report"),
        "kind": _("Kind"),
    }
