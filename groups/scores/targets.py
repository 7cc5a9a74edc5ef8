"""Targets: which indicators a coordinator may set a target for, whether each is a floor or a
ceiling and in what unit it is entered, which target is in force for an area or a group (the
nearest area's, from the object's own area upwards), and a value's status against it.

Statuses: "on" (the target is met), "near" (missed by no more than the target's near band),
"off" (missed by more), "few" (the value rests on too few records to judge: evidence.py).
A value is compared as a page shows it (a share as a whole percentage, a rating to one
decimal), so "60%" is never called below a target of 60%.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from groups.models import AREA_CHAIN, Area, Target, in_subtree

from .indicators import BY_KEY, COUNT, SHARE

AT_LEAST, AT_MOST = "at_least", "at_most"
ON, NEAR, OFF, FEW = "on", "near", "off", "few"


@dataclass(frozen=True)
class Targetable:
    key: str  # the indicator (indicators.REGISTRY)
    direction: str  # AT_LEAST: higher is better; AT_MOST: lower is better
    lowest: Decimal  # the range a goal may take, in the unit it is entered in
    highest: Decimal | None

    @property
    def kind(self) -> str:
        return BY_KEY[self.key].kind

    @property
    def label(self) -> Promise:
        return BY_KEY[self.key].label

    def shown(self, value: float) -> float:
        """The value in the unit of the goal, rounded as pages show it."""
        if self.kind == SHARE:
            return round(value * 100)
        if self.kind == COUNT:
            return round(value)
        return round(value, 1)


#: In the order of the targets page. A group's "quiet" value is 1 when it is quiet, else 0;
#: an area's is its number of quiet groups.
TARGETABLE: dict[str, Targetable] = {
    t.key: t
    for t in (
        Targetable("participation", AT_LEAST, Decimal(0), Decimal(100)),
        Targetable("self_reliance", AT_LEAST, Decimal(0), Decimal(100)),
        Targetable("aid_dependence", AT_MOST, Decimal(0), Decimal(100)),
        Targetable("norm_rating", AT_LEAST, Decimal(1), Decimal(5)),
        Targetable("quiet", AT_MOST, Decimal(0), None),
    )
}


@dataclass(frozen=True)
class Status:
    code: str  # ON, NEAR, OFF, FEW

    @property
    def words(self) -> str:
        return str(STATUS_WORDS[self.code])


STATUS_WORDS = {
    ON: _("on target"),
    NEAR: _("near target"),
    OFF: _("off target"),
    FEW: _("too few records"),
}


def status(target: Target, value: float | None, enough: bool) -> Status:
    """The status of a value against a target (see the module docstring). `enough`: whether
    the value rests on enough records; an undefined value has too few too."""
    if value is None or not enough:
        return Status(FEW)
    rule = TARGETABLE[target.indicator]
    shown, goal, near = rule.shown(value), float(target.goal), float(target.near)
    missed = goal - shown if rule.direction == AT_LEAST else shown - goal
    if missed <= 0:
        return Status(ON)
    if missed <= near:
        return Status(NEAR)
    return Status(OFF)


def any_near(area: Area) -> bool:
    """Whether any target is set on the area, above it or below it (one query): without one
    the pages skip judging altogether."""
    above = Area.objects.filter(pk=area.pk).with_ancestors().values("pk")
    return Target.objects.filter(Q(area_id__in=above) | in_subtree([area.pk], via="area")).exists()


def in_force(area_ids: Iterable[int]) -> dict[int, dict[str, Target]]:
    """Area pk -> {indicator: the target in force there}: the area's own, else its parent's,
    and so on up. Two queries, however many areas."""
    chains = {
        row[0]: [pk for pk in row if pk]
        for row in Area.objects.filter(pk__in=set(area_ids)).values_list(*AREA_CHAIN)
    }
    above = {pk for chain in chains.values() for pk in chain}
    by_area: dict[int, dict[str, Target]] = {}
    for target in Target.objects.filter(area_id__in=above, indicator__in=list(TARGETABLE)).select_related(
        "area"
    ):
        by_area.setdefault(target.area_id, {})[target.indicator] = target
    out = {}
    for pk, chain in chains.items():
        found: dict[str, Target] = {}
        for step in reversed(chain):  # the widest first, so a nearer area overrides it
            found.update(by_area.get(step, {}))
        out[pk] = found
    return out


def keys_in_force(targets: dict[int, dict[str, Target]]) -> list[str]:
    """The indicators with a target somewhere among these areas, in TARGETABLE's order."""
    found = {key for per_area in targets.values() for key in per_area}
    return [key for key in TARGETABLE if key in found]
