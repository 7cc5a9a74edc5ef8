"""Areas as the scores see them: the chain above an area, and its community.

A community is the unit scores are computed for (one snapshot each): the district (kecamatan)
an area lies in, or, where no district is above it, the top-most area of its tree. Every area
belongs to exactly one community: a district-less community (a province whose villages have
no district) leaves the subtrees of any districts below it to those districts. Pages read
their community's snapshot whoever looks; a village filters it, and an area above the
districts (a regency, a province) rolls up its districts' snapshots instead of one graph of
everything (the tree is at most four levels deep: province, regency, district, village).
"""

from __future__ import annotations

from collections.abc import Iterable

from groups.models import AREA_CHAIN, Area, AreaLevel, in_subtree

#: The chain's level lookups, beside AREA_CHAIN's ids ("parent_id" -> "parent__level").
_LEVELS = tuple(step.removesuffix("_id") + "__level" if step != "id" else "level" for step in AREA_CHAIN)


def chain_ids(area_ids: Iterable[int]) -> dict[int, list[int]]:
    """Area pk -> [its widest ancestor, ..., its parent, itself], in one query."""
    rows = Area.objects.filter(pk__in=set(area_ids)).values_list(*reversed(AREA_CHAIN))
    return {row[-1]: [a for a in row if a] for row in rows}


def community_ids(area_ids: Iterable[int] | None) -> dict[int, int]:
    """Area pk -> the pk of its community (the module docstring), in one query; every area's
    with None."""
    areas = Area.objects.all() if area_ids is None else Area.objects.filter(pk__in=set(area_ids))
    rows = areas.values_list(*AREA_CHAIN, *_LEVELS)
    out = {}
    for row in rows:
        n = len(AREA_CHAIN)
        chain = [(pk, level) for pk, level in zip(row[:n], row[n:], strict=True) if pk]  # itself first
        district = next((pk for pk, level in chain if level == AreaLevel.DISTRICT), None)
        out[row[0]] = district if district is not None else chain[-1][0]
    return out


def community_id(area: Area | int) -> int:
    """The pk of the community of one area (one query)."""
    pk = area if isinstance(area, int) else area.pk
    return community_ids([pk]).get(pk, pk)


def community_of(area: Area | int) -> Area:
    """The community of an area, as an Area (itself when it is one; two queries at most)."""
    pk = community_id(area)
    if isinstance(area, Area) and area.pk == pk:
        return area
    return Area.objects.get(pk=pk)


def community_area_ids(community: Area) -> list[int]:
    """The areas a community's snapshot covers: its subtree, less the subtrees of districts
    below a community that is not itself a district."""
    areas = Area.objects.subtree(community)
    if community.level != AreaLevel.DISTRICT:
        districts = Area.objects.subtree(community).filter(level=AreaLevel.DISTRICT)
        areas = areas.exclude(in_subtree(list(districts.values_list("pk", flat=True))))
    return list(areas.values_list("pk", flat=True))


def districts_below(area: Area) -> list[Area]:
    """The districts an area above the districts rolls up (none for a district or below)."""
    if area.level in (AreaLevel.DISTRICT, AreaLevel.VILLAGE):
        return []
    return list(Area.objects.subtree(area).filter(level=AreaLevel.DISTRICT).order_by("name", "pk"))


def page_communities(area_id: int) -> set[int]:
    """The communities whose records an area's page reads: a district itself, the districts
    below an area above them (its roll-up), else its community. One query, two for a village."""
    below = Area.objects.filter(in_subtree([area_id]), level=AreaLevel.DISTRICT)
    return set(below.values_list("pk", flat=True)) or set(community_ids([area_id]).values())


def rolls_up(area: Area) -> bool:
    """Is the area's page a roll-up of its districts' snapshots (a regency or province with
    districts below), rather than one community's computation or a part of one?"""
    return bool(districts_below(area))


def communities(areas: Iterable[Area]) -> list[Area]:
    """The communities whose snapshots cover these areas, each once, in ref order: an area
    above the districts stands for its districts, any other area for its community."""
    found: dict[int, Area] = {}
    plain = []
    for area in areas:
        below = districts_below(area)
        for district in below:
            found[district.pk] = district
        if not below:
            plain.append(area)
    ids = community_ids(a.pk for a in plain)
    missing = set(ids.values()) - set(found)
    found.update({a.pk: a for a in Area.objects.filter(pk__in=missing)})
    return sorted(found.values(), key=lambda a: a.ref)
