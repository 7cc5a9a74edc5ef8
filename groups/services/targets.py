"""Setting and removing an area's targets (who may: access.Scope.set_targets, asked by the view)."""

from decimal import Decimal

from django.db import transaction

from groups.models import Area, Target


@transaction.atomic
def set_target(*, area: Area, indicator: str, goal: Decimal, near: Decimal, user) -> Target:
    """The area's target for the indicator, created or replaced (one per area and indicator)."""
    target, _created = Target.objects.update_or_create(
        area=area, indicator=indicator, defaults={"goal": goal, "near": near, "set_by": user}
    )
    return target


@transaction.atomic
def remove_target(*, target: Target) -> None:
    target.delete()
