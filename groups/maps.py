"""Village outlines for the map: reading an uploaded GeoJSON file and storing it for an area.

One file per area (a district's file holds its villages' outlines). Only area outlines are
kept: Polygons and MultiPolygons in longitude and latitude (WGS 84, RFC 7946 order), each
feature with its name and nothing else (a file from a land office may carry owners' names).
A file is checked whole before anything is saved: a bad file is refused with one message in
the user's language saying where it went wrong, and the outlines stored before stay as they
were. Used by the upload page (views/maps.py) and the load_boundaries command alike.

Also what the group form's position picker reads (position_picker): a facilitator taps the map
to fill in the latitude and longitude fields, which stay plain number fields without script.
"""

from __future__ import annotations

import json
import math

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Area, AreaBoundary

#: The largest file read (a district's villages drawn finely are well under this).
MAX_BYTES = 5 * 1024 * 1024
#: At most this many outlines and corner points in one file, so a page can draw them.
MAX_FEATURES = 2000
MAX_POINTS = 250_000
#: Where a feature's name is found: common names, then Indonesian atlas fields (NAMOBJ: the
#: object's name in Badan Informasi Geospasial data; WADMKD: the village in admin layers).
NAME_KEYS = ("name", "Name", "NAME", "nama", "NAMA", "NAMOBJ", "WADMKD", "DESA", "desa")
OUTLINE_TYPES = ("Polygon", "MultiPolygon")


#: The picker's first view when no group is placed yet: all of Indonesia, and how close it
#: comes to the groups already placed (a village's streets).
INDONESIA = {"centre": [-2.5, 118.0], "zoom": 4}
NEAR_ZOOM = 14


def position_picker(groups: QuerySet) -> dict:
    """The position picker's settings (static/js/position.js): the tile server, and where to
    look first: the middle of `groups`' positions (the user's own groups), else Indonesia.
    One query."""
    middle = groups.filter(latitude__isnull=False, longitude__isnull=False).aggregate(
        lat=Avg("latitude"), lng=Avg("longitude")
    )
    view = INDONESIA
    if middle["lat"] is not None:
        view = {"centre": [float(middle["lat"]), float(middle["lng"])], "zoom": NEAR_ZOOM}
    return {"tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION, **view}


class OutlineError(ValueError):
    """A file that cannot be used; its message is for the user, already translated."""


def read_outlines(raw: bytes) -> dict:
    """The outlines of a GeoJSON file as a clean FeatureCollection, or OutlineError."""
    if len(raw) > MAX_BYTES:
        raise OutlineError(_("The file is larger than 5 MB. Simplify the outlines and try again."))
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise OutlineError(_("The file is not GeoJSON: it could not be read as JSON text.")) from error
    features = _features(data)
    if not features:
        raise OutlineError(_("The file holds no outlines."))
    if len(features) > MAX_FEATURES:
        raise OutlineError(
            _("The file holds %(count)d outlines; at most %(max)d can be drawn.")
            % {"count": len(features), "max": MAX_FEATURES}
        )
    cleaned, points = [], 0
    for number, feature in enumerate(features, start=1):
        geometry, count = _geometry(feature, number)
        points += count
        cleaned.append({"type": "Feature", "properties": {"name": _name(feature)}, "geometry": geometry})
    if points > MAX_POINTS:
        raise OutlineError(
            _("The outlines have %(count)d corner points; at most %(max)d can be drawn. Simplify them.")
            % {"count": points, "max": MAX_POINTS}
        )
    return {"type": "FeatureCollection", "features": cleaned}


@transaction.atomic
def load_outlines(*, area: Area, raw: bytes, file_name: str = "", user=None) -> AreaBoundary:
    """Check a file and store its outlines for `area`, replacing those loaded before. Nothing
    is written when the file is refused (OutlineError)."""
    features = read_outlines(raw)
    boundary, _created = AreaBoundary.objects.update_or_create(
        area=area,
        defaults={
            "features": features,
            "file_name": file_name[:200],
            "loaded_at": timezone.now(),
            "loaded_by": user,
        },
    )
    return boundary


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number in GeoJSON")


def _features(data) -> list:
    """The features of any GeoJSON object that can hold outlines."""
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection" and isinstance(data.get("features"), list):
        return data["features"]
    if kind == "Feature":
        return [data]
    if kind in OUTLINE_TYPES:
        return [{"type": "Feature", "properties": {}, "geometry": data}]
    raise OutlineError(
        _("The file is not GeoJSON outlines: it should be a FeatureCollection of Polygons or MultiPolygons.")
    )


def _name(feature: dict) -> str:
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        return ""
    for key in NAME_KEYS:
        value = properties.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return ""


def _geometry(feature, number: int) -> tuple[dict, int]:
    """(clean geometry, its number of points) of the feature numbered `number` (from 1)."""
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind not in OUTLINE_TYPES:
        raise OutlineError(
            _("Outline %(number)d is a %(kind)s, not an area: only Polygons and MultiPolygons can be drawn.")
            % {"number": number, "kind": kind or _("nothing")}
        )
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise OutlineError(_("Outline %(number)d has no coordinates.") % {"number": number})
    cleaned = [_polygon(polygon, number) for polygon in polygons]
    points = sum(len(ring) for polygon in cleaned for ring in polygon)
    return {"type": kind, "coordinates": cleaned[0] if kind == "Polygon" else cleaned}, points


def _polygon(rings, number: int) -> list:
    if not isinstance(rings, list) or not rings:
        raise OutlineError(_("Outline %(number)d has no coordinates.") % {"number": number})
    cleaned = []
    for ring in rings:
        positions = [_position(p, number) for p in ring] if isinstance(ring, list) else []
        if len(positions) < 4 or positions[0] != positions[-1]:
            raise OutlineError(
                _(
                    "Outline %(number)d is not closed: each ring needs at least 4 points, "
                    "the last the same as the first."
                )
                % {"number": number}
            )
        cleaned.append(positions)
    return cleaned


def _position(position, number: int) -> list[float]:
    """[lon, lat] rounded to 6 decimals (about 10 cm); an altitude is dropped."""
    lon = lat = math.nan
    if isinstance(position, list) and len(position) >= 2:
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2]):
            try:
                lon, lat = float(position[0]), float(position[1])
            except OverflowError:
                pass
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # NaN fails both
        raise OutlineError(
            _(
                "Outline %(number)d has a point that is not a longitude and latitude in degrees "
                "(WGS 84, longitude first)."
            )
            % {"number": number}
        )
    return [round(lon, 6), round(lat, 6)]
