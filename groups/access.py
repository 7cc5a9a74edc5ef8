"""The only place that decides who may see and do what.

Outside a user's scope an object does not exist for them (404: unknown and forbidden look
the same); inside their scope without the right to act it is 403. Views get every object
through the functions here, and child objects through their parent.

Roles:
- staff: everything (the Django admin);
- facilitator: the groups they look after (Group.facilitators), or every group of an area
  they are assigned to as facilitator; may edit those groups and their people;
- coordinator: reads everything in their assigned areas and below; edits nothing they do
  not also facilitate;
- member: a Person with a login; sees their own groups, the people in them, and the
  exchanges they took part in.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import (
    Area,
    Exchange,
    ExchangeStatus,
    ExternalActor,
    Group,
    Person,
    ScoreSnapshot,
    StaffRole,
)


def under(prefix: str, area_ids) -> Q:
    """Rows whose area (reached by `prefix`, e.g. "area") is one of area_ids or below it."""
    area_ids = list(area_ids)
    if not area_ids:
        return Q(pk__in=[])
    return (
        Q(**{f"{prefix}_id__in": area_ids})
        | Q(**{f"{prefix}__parent_id__in": area_ids})
        | Q(**{f"{prefix}__parent__parent_id__in": area_ids})
        | Q(**{f"{prefix}__parent__parent__parent_id__in": area_ids})
    )


@dataclass
class Scope:
    """What one user may reach, computed once per request (a handful of queries)."""

    user: object
    _cache: dict = field(default_factory=dict)

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user and self.user.is_authenticated)

    @property
    def is_staff(self) -> bool:
        return self.is_authenticated and self.user.is_staff

    @cached_property
    def _assignments(self) -> list[tuple[str, int, bool]]:
        if not self.is_authenticated:
            return []
        return list(self.user.assignments.values_list("role", "area_id", "sees_names"))

    @cached_property
    def coordinator_area_ids(self) -> list[int]:
        return [a for r, a, _ in self._assignments if r == StaffRole.COORDINATOR]

    @cached_property
    def facilitator_area_ids(self) -> list[int]:
        return [a for r, a, _ in self._assignments if r == StaffRole.FACILITATOR]

    @cached_property
    def facilitated_group_ids(self) -> list[int]:
        if not self.is_authenticated:
            return []
        return list(self.user.facilitated_groups.values_list("pk", flat=True))

    @cached_property
    def person(self) -> Person | None:
        if not self.is_authenticated:
            return None
        return Person.objects.filter(user=self.user).first()

    @cached_property
    def member_group_ids(self) -> list[int]:
        if self.person is None:
            return []
        return list(self.person.memberships.open().values_list("group_id", flat=True))

    @property
    def is_facilitator(self) -> bool:
        return self.is_staff or bool(self.facilitator_area_ids or self.facilitated_group_ids)

    @property
    def is_coordinator(self) -> bool:
        return self.is_staff or bool(self.coordinator_area_ids)

    @property
    def is_member(self) -> bool:
        return self.person is not None

    @property
    def sees_names(self) -> bool:
        """Coordinators see names only where an assignment allows it; staff and facilitators do."""
        if self.is_staff or self.is_facilitator:
            return True
        return any(sees for r, _, sees in self._assignments if r == StaffRole.COORDINATOR)

    # --- groups ---------------------------------------------------------------------------

    def _group_filter(self, *, edit: bool) -> Q:
        q = under("area", self.facilitator_area_ids) | Q(pk__in=self.facilitated_group_ids)
        if not edit:
            q |= under("area", self.coordinator_area_ids) | Q(pk__in=self.member_group_ids)
        return q

    def groups(self) -> QuerySet[Group]:
        if not self.is_authenticated:
            return Group.objects.none()
        if self.is_staff:
            return Group.objects.all()
        return Group.objects.filter(self._group_filter(edit=False))

    def editable_groups(self) -> QuerySet[Group]:
        if not self.is_authenticated:
            return Group.objects.none()
        if self.is_staff:
            return Group.objects.all()
        return Group.objects.filter(self._group_filter(edit=True))

    def can_edit_group(self, group: Group) -> bool:
        return self.editable_groups().filter(pk=group.pk).exists()

    # --- areas ----------------------------------------------------------------------------

    def areas(self) -> QuerySet[Area]:
        """Areas the user works in and all below them (members: none)."""
        if not self.is_authenticated:
            return Area.objects.none()
        if self.is_staff:
            return Area.objects.all()
        ids = self.facilitator_area_ids + self.coordinator_area_ids
        group_area_ids = Group.objects.filter(pk__in=self.facilitated_group_ids).values("area_id")
        return Area.objects.filter(
            Q(pk__in=ids)
            | Q(parent_id__in=ids)
            | Q(parent__parent_id__in=ids)
            | Q(parent__parent__parent_id__in=ids)
            | Q(pk__in=group_area_ids)
        )

    def report_areas(self) -> QuerySet[Area]:
        """Areas whose reports the user may read: coordinators' and facilitators' areas."""
        return self.areas()

    # --- people ---------------------------------------------------------------------------

    def _people_filter(self, *, edit: bool) -> Q:
        q = under("area", self.facilitator_area_ids) | Q(
            memberships__group_id__in=self.facilitated_group_ids
        )
        if not edit:
            q |= under("area", self.coordinator_area_ids)
            if self.person is not None:
                q |= Q(pk=self.person.pk) | Q(
                    memberships__group_id__in=self.member_group_ids,
                    memberships__left_on__isnull=True,
                )
        return q

    def people(self) -> QuerySet[Person]:
        if not self.is_authenticated:
            return Person.objects.none()
        if self.is_staff:
            return Person.objects.all()
        return Person.objects.filter(
            pk__in=Person.objects.filter(self._people_filter(edit=False)).values("pk")
        )

    def editable_people(self) -> QuerySet[Person]:
        if not self.is_authenticated:
            return Person.objects.none()
        if self.is_staff:
            return Person.objects.all()
        return Person.objects.filter(
            pk__in=Person.objects.filter(self._people_filter(edit=True)).values("pk")
        )

    def can_edit_person(self, person: Person) -> bool:
        return self.editable_people().filter(pk=person.pk).exists()

    def member_candidates(self, group: Group) -> QuerySet[Person]:
        """People the facilitator of `group` may add to it: those they look after, and the
        people already known in the group's area (so a group's facilitator can find the
        neighbours who are not yet in any of their groups). Erased people never appear."""
        return Person.objects.filter(
            Q(pk__in=self.editable_people().values("pk"))
            | Q(area__in=Area.objects.subtree(group.area)),
            erased_at__isnull=True,
        )

    # --- external actors ------------------------------------------------------------------

    def actors(self) -> QuerySet[ExternalActor]:
        """Actors in the user's areas, below them, or above them (a regency agency serves
        every village under it)."""
        if not self.is_authenticated:
            return ExternalActor.objects.none()
        if self.is_staff:
            return ExternalActor.objects.all()
        area_ids = set(self.facilitator_area_ids + self.coordinator_area_ids)
        area_ids |= set(
            Group.objects.filter(
                pk__in=self.facilitated_group_ids + self.member_group_ids
            ).values_list("area_id", flat=True)
        )
        if self.person is not None:
            area_ids.add(self.person.area_id)
        ancestors = set()
        for area in Area.objects.filter(pk__in=area_ids).select_related(
            "parent__parent__parent"
        ):
            node = area.parent
            while node is not None:
                ancestors.add(node.pk)
                node = node.parent
        return ExternalActor.objects.filter(under("area", area_ids) | Q(area_id__in=ancestors))

    # --- exchanges ------------------------------------------------------------------------

    def exchanges(self) -> QuerySet[Exchange]:
        """Exchanges a user may read: staff all; facilitators and coordinators those touching
        people in their scope; members only the ones they took part in."""
        if not self.is_authenticated:
            return Exchange.objects.none()
        if self.is_staff:
            return Exchange.objects.all()
        q = Q(pk__in=[])
        if self.facilitator_area_ids or self.facilitated_group_ids or self.coordinator_area_ids:
            people = Person.objects.filter(
                under("area", self.facilitator_area_ids + self.coordinator_area_ids)
                | Q(memberships__group_id__in=self.facilitated_group_ids)
            ).values("pk")
            q |= Q(giver_person__in=people) | Q(receiver_person__in=people)
        if self.person is not None:
            q |= Q(giver_person=self.person) | Q(receiver_person=self.person)
        return Exchange.objects.filter(pk__in=Exchange.objects.filter(q).values("pk"))

    def can_confirm(self, exchange: Exchange) -> bool:
        """The other party of a pending exchange, or a facilitator of one of its people."""
        if exchange.status != ExchangeStatus.PENDING:
            return False
        if exchange.logged_by_id is not None and exchange.logged_by_id == self.user.pk:
            return False  # nobody confirms their own word, whatever their role
        if self.person is not None:
            if self.person.pk in (exchange.giver_person_id, exchange.receiver_person_id):
                return True
        if self.is_staff:
            return True
        parties = [p for p in (exchange.giver_person_id, exchange.receiver_person_id) if p]
        return self.editable_people().filter(pk__in=parties).exists()


def may_request_scores(scope: Scope, area_id: int, *, custom_window: bool) -> bool:
    """May this user queue a new score computation of the area? The preset windows (the last
    12 months, per resource type) are shared by everyone and debounced to one per key: yes.
    A window of their own choosing: only while no other of theirs for this area is waiting or
    running, so plain page loads cannot pile up background work (issue 9, finding 9). One that
    has waited longer than QUEUE_STALE_SECONDS (a stopped worker) no longer counts."""
    if not custom_window:
        return True
    if not scope.is_authenticated:
        return False
    since = timezone.now() - timedelta(seconds=settings.QUEUE_STALE_SECONDS)
    return not (
        ScoreSnapshot.objects.queued()
        .filter(area_id=area_id, rolling=False, requested_by=scope.user, requested_at__gte=since)
        .exists()
    )


def scope_for(request_or_user) -> Scope:
    """The Scope of a request's user, cached on the request."""
    request = request_or_user if hasattr(request_or_user, "user") else None
    if request is None:
        return Scope(request_or_user)
    scope = getattr(request, "_communitymap_scope", None)
    if scope is None or scope.user is not request.user:
        scope = Scope(request.user)
        request._communitymap_scope = scope
    return scope


def _get(queryset: QuerySet, visible: QuerySet, **lookup):
    obj = queryset.filter(**lookup).first()
    if obj is None or not visible.filter(pk=obj.pk).exists():
        raise Http404
    return obj


def get_group(request, ref: str, *, edit: bool = False) -> Group:
    scope = scope_for(request)
    group = _get(Group.objects.select_related("area"), scope.groups(), ref=ref)
    if edit and not scope.can_edit_group(group):
        raise PermissionDenied
    return group


def get_person(request, ref: str, *, edit: bool = False) -> Person:
    scope = scope_for(request)
    person = _get(Person.objects.select_related("area"), scope.people(), ref=ref)
    if edit and not scope.can_edit_person(person):
        raise PermissionDenied
    return person


def get_area(request, ref: str) -> Area:
    scope = scope_for(request)
    return _get(Area.objects.select_related("parent"), scope.areas(), ref=ref)


def get_actor(request, ref: str, *, edit: bool = False) -> ExternalActor:
    scope = scope_for(request)
    actor = _get(ExternalActor.objects.select_related("area"), scope.actors(), ref=ref)
    if edit and not (scope.is_staff or scope.is_facilitator):
        raise PermissionDenied
    return actor


def get_exchange(request, ref: str) -> Exchange:
    scope = scope_for(request)
    return _get(
        Exchange.objects.select_related(
            "giver_person", "giver_actor", "receiver_person", "receiver_actor", "group"
        ),
        scope.exchanges(),
        ref=ref,
    )

