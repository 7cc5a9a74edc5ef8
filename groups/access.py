"""The only place that decides who may see and do what.

Outside a user's scope an object does not exist for them (404: unknown and forbidden look
the same); inside their scope without the right to act it is 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Area, Group, Person, StaffRole


def _under(prefix: str, area_ids: list[int]) -> Q:
    """Rows whose area (reached by `prefix`) is one of area_ids or below it (four levels)."""
    if not area_ids:
        return Q(pk__in=[])
    return (
        Q(**{f"{prefix}_id__in": area_ids})
        | Q(**{f"{prefix}__parent_id__in": area_ids})
        | Q(**{f"{prefix}__parent__parent_id__in": area_ids})
        | Q(**{f"{prefix}__parent__parent__parent_id__in": area_ids})
    )


def assigned_area_ids(user, role: str | None = None) -> list[int]:
    if not user.is_authenticated:
        return []
    assignments = user.assignments.all()
    if role:
        assignments = assignments.filter(role=role)
    return list(assignments.values_list("area_id", flat=True))


def person_of(user) -> Person | None:
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user=user).first()


def visible_groups(user) -> QuerySet[Group]:
    """Groups a user may read: staff all; coordinators and facilitators their areas;
    facilitators the groups they look after; members the groups they belong to."""
    if not user.is_authenticated:
        return Group.objects.none()
    if user.is_staff:
        return Group.objects.all()
    scope = (
        _under("area", assigned_area_ids(user))
        | Q(facilitators=user)
        | Q(memberships__person__user=user)
    )
    return Group.objects.filter(pk__in=Group.objects.filter(scope).values("pk"))


def editable_groups(user) -> QuerySet[Group]:
    """Groups a user may change: the ones they facilitate, directly or through their area."""
    if not user.is_authenticated:
        return Group.objects.none()
    if user.is_staff:
        return Group.objects.all()
    scope = _under("area", assigned_area_ids(user, StaffRole.FACILITATOR)) | Q(facilitators=user)
    return Group.objects.filter(pk__in=Group.objects.filter(scope).values("pk"))


def visible_areas(user) -> QuerySet[Area]:
    """The areas a user works in and every area below them."""
    if not user.is_authenticated:
        return Area.objects.none()
    if user.is_staff:
        return Area.objects.all()
    ids = assigned_area_ids(user)
    return Area.objects.filter(
        Q(pk__in=ids)
        | Q(parent_id__in=ids)
        | Q(parent__parent_id__in=ids)
        | Q(parent__parent__parent_id__in=ids)
    )


def get_group(user, ref: str, *, edit: bool = False) -> Group:
    group = visible_groups(user).select_related("area").filter(ref=ref).first()
    if group is None:
        raise Http404
    if edit and not editable_groups(user).filter(pk=group.pk).exists():
        raise PermissionDenied
    return group
