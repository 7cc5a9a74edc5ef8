"""The only place that decides who may see, name and do what.

Outside a user's scope an object does not exist for them (404: unknown and forbidden look
the same); inside their scope without the right to act it is 403. Views get every object
through the functions here, and child objects through their parent. Every door asks a
named capability of the user's Scope, never a role: pages, htmx fragments, downloads,
exports, the importer (groups/transfer/scope.py), commands run for a user, the audit trail.

    scope = access.scope_for(request)
    access.require(scope.read_reports())          # 403 unless allowed
    scope.name_of(person)                         # full name or a stable pseudonym
    scope.visible_exchanges(qs)                   # consent first (UU PDP 27/2022)

Capabilities (each a method or property of Scope):
- read_registry / register / read_reports / read_audit / export / log_exchanges /
  review_pending: may the user open these parts of the site at all;
- set_targets(area): may they set the targets of this area (its coordinators, staff);
- write_group(group) / write_person(person) / edit_actor(actor) / import_into(area) /
  may_import / manage_login(person): may they write this record (forms and imports alike);
- editable_areas() / actor_areas(): where they may place new records;
- names(person) / name_of(person) / shows_details(person): whose name, phone, gender and
  birth year they see (decided per person, see "names" below);
- reads_free_text_of(group) / shows_note_of(exchange): notes that may name people follow
  the names;
- visible_exchanges(qs) / may_see_exchange(x) / shows_exchanges_of(person): consent first.

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
from functools import cached_property, partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from .models import (
    LEVEL_DEPTH,
    Area,
    AreaLevel,
    Exchange,
    ExchangeStatus,
    ExternalActor,
    Fund,
    Group,
    Membership,
    Person,
    Role,
    ScoreSnapshot,
    StaffRole,
    in_subtree,
)
from .privacy import pseudonym
from .scores import page_cache


def require(allowed: bool) -> None:
    """403 unless the capability asked of a Scope allows it (the object is in scope already)."""
    if not allowed:
        raise PermissionDenied


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

    # --- what the user may open at all (403 otherwise) -------------------------------------

    def read_registry(self) -> bool:
        """Group, people and actor lists, person pages: facilitators, coordinators, staff."""
        return self.is_staff or self.is_facilitator or self.is_coordinator

    def register(self) -> bool:
        """Register new groups, people and external actors: facilitators and staff."""
        return self.is_staff or self.is_facilitator

    def read_reports(self) -> bool:
        """Area and group reports and the score and network downloads (each area or group
        is still looked up in scope: 404 outside): facilitators, coordinators, staff."""
        return self.is_staff or self.is_facilitator or self.is_coordinator

    def load_outlines(self) -> bool:
        """Load the village outlines of an area's map from a file (replacing those before):
        staff only; everyone who reads the area's reports sees them drawn."""
        return self.is_staff

    def read_audit(self) -> bool:
        """The audit trail of their areas: coordinators and staff."""
        return self.is_staff or bool(self.coordinator_area_ids)

    def set_targets(self, area: Area) -> bool:
        """Set or remove the targets of an area (and so of everything below it): its
        coordinators (an assignment on it or above it) and staff."""
        return self.is_staff or area.pk in self._coordinated_area_ids

    def coordinated_areas(self) -> QuerySet[Area]:
        """The areas of the user's coordinator assignments (shown on their home page)."""
        return Area.objects.filter(pk__in=self.coordinator_area_ids)

    def audit_area_ids(self) -> list[int] | None:
        """The areas whose audit entries the user reads (None: all, for staff)."""
        return None if self.is_staff else list(self.coordinator_area_ids)

    def export(self) -> bool:
        """Download a CSV export of an area in scope (named as the pages name)."""
        return self.is_staff or self.is_facilitator or self.is_coordinator

    def export_everything(self) -> bool:
        """Export the whole database in one file: staff only."""
        return self.is_staff

    def export_areas(self) -> QuerySet[Area]:
        return Area.objects.all() if self.is_staff else self.areas()

    def log_exchanges(self) -> bool:
        """A member's own exchange pages: anyone with a Person behind their login."""
        return self.person is not None

    def review_pending(self) -> bool:
        """The facilitators' list of pending exchanges of the people they look after."""
        return self.is_staff or self.is_facilitator

    def may_import(self) -> bool:
        """Upload a CSV import at all. A coordinator is a reader: without a facilitator
        assignment or group they import nothing."""
        return self.is_authenticated and (self.is_staff or self.is_facilitator)

    def may_import_or_export(self) -> bool:
        """The import and export pages: whoever may do either."""
        return self.may_import() or self.export()

    def import_into(self, area: Area | int) -> bool:
        """May an import create or change records placed in `area`? Exactly where the
        forms let the user register a group or person (editable_areas)."""
        area_id = area if isinstance(area, int) else area.pk
        if self.is_staff:
            return True
        return self.may_import() and area_id in self._editable_area_ids

    def write_group(self, group: Group) -> bool:
        """Edit a group and its norms, members, activities: those who look after it."""
        return self.can_edit_group(group)

    def write_person(self, person: Person) -> bool:
        """Personal details, consent, login and erasure (forms and imports alike): only those
        who look after them (looked_after_people)."""
        return self.looked_after_people().filter(pk=person.pk).exists()

    def manage_login(self, person: Person) -> bool:
        """Create or reset the member login of a person: those who look after them, and only
        for member logins (never a colleague's or an administrator's account)."""
        from .services.registry import is_member_login  # services import models only

        if not self.write_person(person):
            return False
        return person.user_id is None or is_member_login(person.user)

    def edit_actor(self, actor: ExternalActor) -> bool:
        """Edit an external actor: facilitators, where they may place one (actor_areas); an
        actor above their own areas (a regency agency) is read-only for them."""
        if self.is_staff:
            return True
        return self.register() and self.actor_areas().filter(pk=actor.area_id).exists()

    # --- a group's own money (funds, ledger) ------------------------------------------------

    def keeps_books(self, group: Group) -> bool:
        """Enter a group's ledger (the meeting ledger, the arisan order): those who look after
        the group, and its treasurer. Asked once per group and request (pages ask it per row)."""
        known = self._cache.setdefault("keeps_books", {})
        if group.pk not in known:
            known[group.pk] = self.book_kept_groups().filter(pk=group.pk).exists()
        return known[group.pk]

    def book_kept_groups(self) -> QuerySet[Group]:
        """Groups whose ledger the user enters (keeps_books): looked after, or kept as treasurer."""
        groups = self.editable_groups()
        if self.person is not None:
            treasurer = self.person.memberships.open().filter(role=Role.TREASURER).values("group_id")
            groups = groups | Group.objects.filter(pk__in=treasurer)
        return groups

    def reads_funds(self, group: Group) -> bool:
        """A group's fund pages (group totals): who keeps its books, and readers of reports
        (coordinators). Each member's own balances follow shows_money_of."""
        return self.keeps_books(group) or self.read_reports()

    def shows_money_of(self, person: Person, group: Group) -> bool:
        """A member's savings and loans are personal financial data (UU PDP 27/2022): shown
        only where the member is named, or to who keeps the group's books. A coordinator
        without names sees the group's totals only."""
        return self.names(person) or self.keeps_books(group)

    def looks_after_new_groups(self) -> bool:
        """A facilitator who registers a group looks after it; staff register for others."""
        return not self.is_staff

    def looked_after_by(self, group: Group):
        """The users who look after a group (shown on its page)."""
        return group.facilitators.order_by("username")

    @property
    def sees_names(self) -> bool:
        """Does the user see at least some names in their areas? (Names are decided per
        person by names(); this only says whether a name search or sort makes sense.)"""
        if self.is_staff or self.is_facilitator:
            return True
        return any(sees for r, _, sees in self._assignments if r == StaffRole.COORDINATOR)

    def sorts_people_by_name(self) -> bool:
        """Lists are sorted by name only when no coordinator assignment of the user hides
        names: the order would otherwise betray them."""
        if self.is_staff:
            return True
        return not any(r == StaffRole.COORDINATOR and not sees for r, _, sees in self._assignments)

    # --- where new records may go -------------------------------------------------------------

    def editable_areas(self) -> QuerySet[Area]:
        """Areas a user may register groups and people in (forms and imports): below their
        facilitator assignments, or the areas of the groups they look after; staff anywhere."""
        if self.is_staff:
            return Area.objects.all()
        group_areas = Group.objects.filter(pk__in=self.facilitated_group_ids).values("area_id")
        return Area.objects.filter(in_subtree(self.facilitator_area_ids) | Q(pk__in=group_areas))

    @cached_property
    def _editable_area_ids(self) -> frozenset[int]:
        return frozenset(self.editable_areas().values_list("pk", flat=True))

    def actor_areas(self) -> QuerySet[Area]:
        """Where a facilitator may place or edit an external actor: their own areas and below,
        as for groups and people. Actors above them serve many villages and are read-only for
        them (they still see and choose them)."""
        return self.editable_areas()

    # --- groups ---------------------------------------------------------------------------

    def _group_filter(self, *, edit: bool) -> Q:
        # areas as ids, not joins up the area tree: the database then uses the area index
        q = Q(area_id__in=self._looked_after_area_ids) | Q(pk__in=self.facilitated_group_ids)
        if not edit:
            q |= Q(area_id__in=self._coordinated_area_ids) | Q(pk__in=self.member_group_ids)
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
        return Area.objects.filter(in_subtree(ids) | Q(pk__in=group_area_ids))

    def report_areas(self) -> QuerySet[Area]:
        """Areas whose reports the user may read: coordinators' and facilitators' areas."""
        return self.areas()

    def default_report_area(self) -> Area:
        """The user's first report area: the widest area they are assigned to, else the area
        of a group they look after. None of them: not a report reader (403)."""
        ids = self.coordinator_area_ids + self.facilitator_area_ids
        candidates = list(Area.objects.filter(pk__in=ids)) if ids else []
        if not candidates:
            candidates = list(self.report_areas()[:200])
        require(bool(candidates))
        return min(candidates, key=lambda a: (LEVEL_DEPTH[AreaLevel(a.level)], a.name, a.pk))

    # --- people ---------------------------------------------------------------------------

    def visible_person_ids(self, people: list, area: Area | None) -> set[int]:
        """Which of these people the viewer may see (people()), cheaply: everyone living in
        `area` when the viewer is assigned to it or above it, and one scope query for the rest
        (members living elsewhere). The full scope query is slow on a big district, so it only
        runs over the few people it must decide."""
        inside: set[int] = set()
        if area is not None and people:
            chain = Area.objects.filter(pk=area.pk).chain_ids()
            if self.is_staff or chain & set(self.coordinator_area_ids + self.facilitator_area_ids):
                below = set(Area.objects.subtree(area).values_list("pk", flat=True))
                inside = {p.pk for p in people if p.area_id in below}
        rest = [p.pk for p in people if p.pk not in inside]
        if rest:
            inside |= set(self.people().filter(pk__in=rest).values_list("pk", flat=True))
        return inside

    def _people_filter(self, *, edit: bool) -> Q:
        # area ids and membership subqueries, no joins: no duplicate rows, the area index used
        groups = Membership.objects.filter(group_id__in=self.facilitated_group_ids)
        q = Q(area_id__in=self._looked_after_area_ids) | Q(pk__in=groups.values("person_id"))
        if not edit:
            q |= Q(area_id__in=self._coordinated_area_ids)
            if self.person is not None:
                fellows = Membership.objects.open().filter(group_id__in=self.member_group_ids)
                q |= Q(pk=self.person.pk) | Q(pk__in=fellows.values("person_id"))
        return q

    def people(self) -> QuerySet[Person]:
        if not self.is_authenticated:
            return Person.objects.none()
        if self.is_staff:
            return Person.objects.all()
        return Person.objects.filter(self._people_filter(edit=False))

    def editable_people(self) -> QuerySet[Person]:
        if not self.is_authenticated:
            return Person.objects.none()
        if self.is_staff:
            return Person.objects.all()
        return Person.objects.filter(self._people_filter(edit=True))

    def member_groups(self) -> QuerySet[Group]:
        """The groups the user belongs to now, as a member."""
        return Group.objects.filter(pk__in=self.member_group_ids)

    def exchange_partners(self) -> QuerySet[Person]:
        """Whom a member may log an exchange with: the people in their own groups now who
        agreed to be recorded (a member may neither see the name of nor record someone who
        has not)."""
        if self.person is None:
            return Person.objects.none()
        co_members = Membership.objects.open().filter(group_id__in=self.member_group_ids)
        return (
            self.people()
            .filter(pk__in=co_members.values("person_id"), erased_at__isnull=True, consent_on__isnull=False)
            .exclude(pk=self.person.pk)
        )

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
        above = Area.objects.filter(pk__in=area_ids).chain_ids()
        return ExternalActor.objects.filter(in_subtree(area_ids, via="area") | Q(area_id__in=above))

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
            areas = self._looked_after_area_ids | self._coordinated_area_ids
            members = Membership.objects.filter(group_id__in=self.facilitated_group_ids).values("person_id")
            for side in ("giver_person", "receiver_person"):  # by its people's area: no list of them
                q |= Q(**{f"{side}__area_id__in": areas}) | Q(**{f"{side}__in": members})
        if self.person is not None:
            q |= Q(giver_person=self.person) | Q(receiver_person=self.person)
        return Exchange.objects.filter(q)

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

    def answer(self, exchange: Exchange) -> bool:
        """May the user confirm or dispute this exchange, asked as if it were still pending:
        whoever could have answered it learns it was answered first instead of a 403."""
        probe = Exchange(
            pk=exchange.pk,
            status=ExchangeStatus.PENDING,
            logged_by_id=exchange.logged_by_id,
            giver_person_id=exchange.giver_person_id,
            receiver_person_id=exchange.receiver_person_id,
        )
        return self.can_confirm(probe)

    # --- consent before exposure (UU PDP 27/2022 treats financial data as sensitive) -----------
    # A person whose consent is not recorded has their exchanges shown only to the facilitators
    # who look after them (and staff), and to the parties of the exchange. Everyone else sees
    # neither the exchange nor that it exists. Counts in reports are aggregates: not filtered.

    def _side_ok(self, side: str) -> Q:
        q = (
            Q(**{f"{side}_person__isnull": True})  # an external actor
            | Q(**{f"{side}_person__consent_on__isnull": False})
            | Q(**{f"{side}_person__in": self.editable_people().values("pk")})
        )
        if self.person is not None:
            q |= Q(**{f"{side}_person": self.person})
        return q

    def exchange_visibility(self) -> Q:
        """Q for exchanges the viewer may see as far as consent goes."""
        if self.is_staff:
            return Q()
        q = self._side_ok("giver") & self._side_ok("receiver")
        if self.person is not None:
            q |= Q(giver_person=self.person) | Q(receiver_person=self.person)
        return q

    def visible_exchanges(self, exchanges: QuerySet[Exchange]) -> QuerySet[Exchange]:
        """`exchanges` without those the viewer may not see for lack of consent."""
        if self.is_staff:
            return exchanges
        return exchanges.filter(self.exchange_visibility())

    def may_see_exchange(self, exchange: Exchange) -> bool:
        if self.is_staff:
            return True
        return Exchange.objects.filter(pk=exchange.pk).filter(self.exchange_visibility()).exists()

    def shows_exchanges_of(self, person: Person) -> bool:
        """May the viewer see this person's exchanges at all (a profile, a member list)?"""
        if person.consent_on is not None or self.is_staff:
            return True
        if self.person is not None and self.person.pk == person.pk:
            return True
        return self.looks_after(person_id=person.pk, area_id=person.area_id)

    # --- names: decided per person, not per viewer -----------------------------------
    # A person is named to a user who looks after them (facilitates a group they belong to, or
    # is assigned as facilitator to their village or an area above it): the facilitator records
    # them and their consent. A person who gave consent is also named to a user whose
    # coordinator assignment COVERING the person's area allows names, and to a member who shares
    # a group or an exchange with them. Staff see every name, a member their own. Everyone else
    # sees a stable pseudonym, and neither phone, gender nor birth year, nor notes that may name
    # them. One role never lifts another's restriction elsewhere (finding 5).

    @cached_property
    def _area_chains(self) -> tuple[tuple, ...]:
        """Each area under the user's assignments with those above it: one query for the three
        subtrees below (an area is in an assignment's subtree when that area is in its chain)."""
        assigned = frozenset(a for _r, a, _s in self._assignments)
        # the same for everyone assigned there, kept while the areas are unchanged
        chains = partial(Area.objects.chains_below, assigned)
        return page_cache.tree_fact(("area_chains", assigned), chains) if assigned else ()

    def _below(self, area_ids) -> frozenset[int]:
        ids = set(area_ids)
        return frozenset(chain[0] for chain in self._area_chains if ids.intersection(chain))

    @cached_property
    def _looked_after_area_ids(self) -> frozenset[int]:
        return self._below(self.facilitator_area_ids)

    @cached_property
    def _coordinated_area_ids(self) -> frozenset[int]:
        return self._below(self.coordinator_area_ids)

    @cached_property
    def _named_area_ids(self) -> frozenset[int]:
        return self._below(a for r, a, sees in self._assignments if r == StaffRole.COORDINATOR and sees)

    @cached_property
    def _looked_after_person_ids(self) -> frozenset[int]:
        if not self.facilitated_group_ids:
            return frozenset()
        return frozenset(
            Membership.objects.filter(group_id__in=self.facilitated_group_ids).values_list(
                "person_id", flat=True
            )
        )

    @cached_property
    def _acquaintance_ids(self) -> frozenset[int]:
        """A member's fellow members now, and the people they exchanged with."""
        if self.person is None:
            return frozenset()
        ids = set(
            Membership.objects.open()
            .filter(group_id__in=self.member_group_ids)
            .values_list("person_id", flat=True)
        )
        for giver, receiver in Exchange.objects.involving(self.person).values_list(
            "giver_person_id", "receiver_person_id"
        ):
            ids.update(p for p in (giver, receiver) if p)
        return frozenset(ids)

    def looks_after(self, *, person_id: int, area_id: int) -> bool:
        if self.is_staff:
            return True
        return area_id in self._looked_after_area_ids or person_id in self._looked_after_person_ids

    def names_id(self, *, person_id: int | None, area_id: int | None, has_consent: bool) -> bool:
        """names() for a row read with values_list (no Person instance needed)."""
        if person_id is None or not self.is_authenticated:
            return False
        if self.is_staff or (self.person is not None and person_id == self.person.pk):
            return True
        if self.looks_after(person_id=person_id, area_id=area_id):
            return True
        if not has_consent:
            return False
        return area_id in self._named_area_ids or person_id in self._acquaintance_ids

    def names(self, person: Person | None) -> bool:
        """Is this person shown to the user by name (else a pseudonym)?"""
        if person is None:
            return False
        return self.names_id(
            person_id=person.pk, area_id=person.area_id, has_consent=person.consent_on is not None
        )

    def shows_details(self, person: Person) -> bool:
        """Phone, gender and birth year follow the name (quasi-identifiers, finding 8)."""
        return self.names(person)

    def name_of(self, person: Person | None) -> str:
        """The person's full name, or their stable pseudonym."""
        if person is None:
            return ""
        return person.full_name if self.names(person) else pseudonym(person.ref)

    def label_of(self, person: Person | None) -> str:
        """As name_of, with the nickname: "Full Name (Nick)" or the pseudonym."""
        if person is None:
            return ""
        return str(person) if self.names(person) else pseudonym(person.ref)

    def shown_name(
        self, *, person_id: int, ref: str, full_name: str, area_id: int | None, has_consent: bool
    ) -> str:
        """name_of for a row read with values_list."""
        if self.names_id(person_id=person_id, area_id=area_id, has_consent=has_consent):
            return full_name
        return pseudonym(ref)

    def named_people(self, people: QuerySet[Person]) -> QuerySet[Person]:
        """`people` limited to those named to the user (a name search must not reveal the others)."""
        if self.is_staff:
            return people
        q = Q(area_id__in=self._looked_after_area_ids) | Q(pk__in=self._looked_after_person_ids)
        consented = Q(area_id__in=self._named_area_ids) | Q(pk__in=self._acquaintance_ids)
        q |= Q(consent_on__isnull=False) & consented
        if self.person is not None:
            q |= Q(pk=self.person.pk)
        return people.filter(q)

    # --- free text follows the names (finding 7) ------------------------------------------------

    def reads_free_text_of(self, group: Group) -> bool:
        """Group descriptions, activity titles and norm review notes may name people: shown to
        those who see the group's people by name (who look after it, its members, coordinators
        allowed names where it lies, staff), withheld from those who see pseudonyms."""
        if self.is_staff or group.pk in self.facilitated_group_ids or group.pk in self.member_group_ids:
            return True
        return group.area_id in self._looked_after_area_ids or group.area_id in self._named_area_ids

    def reads_free_text_in(self, area_ids) -> bool:
        """reads_free_text_of for a record known by its areas (audit entries are tagged with
        the areas of a record and those above them)."""
        if self.is_staff:
            return True
        allowed = self._looked_after_area_ids | self._named_area_ids
        return any(a in allowed for a in area_ids)

    def shows_note_of(self, exchange: Exchange) -> bool:
        """An exchange's note is shown only to a viewer who sees both parties by name."""
        return all(
            self.names(p) for p in (exchange.giver_person, exchange.receiver_person) if p is not None
        )

    # --- logins, personal details, consent and erasure ------------------------------------

    def looked_after_people(self) -> QuerySet[Person]:
        """People whose login, erasure, consent and personal details this user holds: those
        living under their facilitator assignments, and those whose first group (the first
        membership ever recorded) is one they facilitate. Adding someone to another group
        gives that group's facilitators membership rights only (finding 4)."""
        if not self.is_authenticated:
            return Person.objects.none()
        if self.is_staff:
            return Person.objects.all()
        first_group = Subquery(
            Membership.objects.filter(person=OuterRef("pk")).order_by("pk").values("group_id")[:1]
        )
        return Person.objects.annotate(first_group_id=first_group).filter(
            in_subtree(self.facilitator_area_ids, via="area")
            | Q(first_group_id__in=self.facilitated_group_ids)
        )

    def may_request_scores(self, area_id: int, *, custom_window: bool) -> bool:
        """May this user queue a new score computation of the area? The preset windows (the
        last 12 months, per resource type) are shared by everyone and debounced to one per
        key: yes. A window of their own choosing: only while no other of theirs for this area
        is waiting or running, so plain page loads cannot pile up background work. One that
        has waited longer than QUEUE_STALE_SECONDS (a stopped worker) no longer counts."""
        if not custom_window:
            return True
        if not self.is_authenticated:
            return False
        since = timezone.now() - timedelta(seconds=settings.QUEUE_STALE_SECONDS)
        return not (
            ScoreSnapshot.objects.queued()
            .filter(area_id=area_id, rolling=False, requested_by=self.user, requested_at__gte=since)
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
    if edit and not scope.write_person(person):
        raise PermissionDenied
    return person


def get_area(request, ref: str) -> Area:
    scope = scope_for(request)
    return _get(Area.objects.select_related("parent"), scope.areas(), ref=ref)


def get_actor(request, ref: str, *, edit: bool = False) -> ExternalActor:
    scope = scope_for(request)
    actor = _get(ExternalActor.objects.select_related("area"), scope.actors(), ref=ref)
    if edit and not scope.edit_actor(actor):
        raise PermissionDenied  # above the user's own areas: read-only (finding 14)
    return actor


def get_exchange(request, ref: str) -> Exchange:
    """An exchange in scope that the viewer may see as far as consent goes (404 otherwise:
    hidden and unknown look the same)."""
    scope = scope_for(request)
    return _get(
        Exchange.objects.select_related(
            "giver_person", "giver_actor", "receiver_person", "receiver_actor", "group"
        ),
        scope.visible_exchanges(scope.exchanges()),
        ref=ref,
    )


def get_money_group(request, ref: str, *, write: bool = False) -> Group:
    """A group whose funds the user reads (write: whose books they keep); 404 outside scope."""
    scope = scope_for(request)
    group = get_group(request, ref)
    require(scope.keeps_books(group) if write else scope.reads_funds(group))
    return group


def answer_of(door, request, *args, **kwargs) -> tuple[object | None, int]:
    """A door (get_money_group, ...) for a view that answers in words, not an error page (the
    outbox): what it opens and 200, or None and the page's status (404 out of scope, 403)."""
    try:
        return door(request, *args, **kwargs), 200
    except Http404:
        return None, 404
    except PermissionDenied:
        return None, 403


def get_fund(request, ref: str, fund_ref: str, *, write: bool = False) -> Fund:
    """A fund, looked up through its group (get_money_group)."""
    group = get_money_group(request, ref, write=write)
    fund = group.funds.filter(ref=fund_ref).first()
    if fund is None:
        raise Http404
    return fund
