"""The chain of areas above an area, read once for many areas (the tree is at most four levels
deep: province, regency, district, village)."""

from __future__ import annotations

from collections.abc import Iterable

from groups.models import AREA_CHAIN, Area


def chain_ids(area_ids: Iterable[int]) -> dict[int, list[int]]:
    """Area pk -> [its widest ancestor, ..., its parent, itself], in one query."""
    rows = Area.objects.filter(pk__in=set(area_ids)).values_list(*reversed(AREA_CHAIN))
    return {row[-1]: [a for a in row if a] for row in rows}
