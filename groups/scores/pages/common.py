"""Helpers shared by the page builders: who is named and linked, which area a page reads,
quarter labels and trusted SVG."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.safestring import mark_safe

from groups import access
from groups.models import LEVEL_DEPTH, Area, AreaLevel
from groups.privacy import namer_for, pseudonym

from .. import sentences
from ..areas import chain_ids


def quarter_labels(trend: dict) -> list[str]:
    labels = []
    for quarter in trend.get("quarters", []):
        end = parse_date(quarter.get("end", "")) if isinstance(quarter, dict) else None
        labels.append(date_format(end, "M Y") if end else "")
    return labels


def pct_axis(value: float) -> str:
    return sentences.percent(value)


def safe_svg(svg: str) -> str:
    # charts escapes every piece of caller text (names included) itself.
    return mark_safe(svg)  # noqa: S308


@dataclass(frozen=True)
class PersonLink:
    name: str
    url: str | None


def visible_people(scope: access.Scope, people: list, area: Area | None) -> set[int]:
    """Which of these people the viewer may see (access.Scope.people), cheaply: everyone
    living in `area` when the viewer is assigned to it or above it (their scope covers it),
    and one scope query for the rest (members living elsewhere). The full scope query is
    slow on a big district, so it only runs over the few people it must decide."""
    inside: set[int] = set()
    if area is not None and people:
        chain = set(chain_ids([area.pk]).get(area.pk, ()))
        if scope.is_staff or chain & set(scope.coordinator_area_ids + scope.facilitator_area_ids):
            below = set(Area.objects.subtree(area).values_list("pk", flat=True))
            inside = {p.pk for p in people if p.area_id in below}
    rest = [p.pk for p in people if p.pk not in inside]
    if rest:
        inside |= set(scope.people().filter(pk__in=rest).values_list("pk", flat=True))
    return inside


def person_links(
    scope: access.Scope, people, area: Area | None, *, own_view: bool = False
) -> dict[int, PersonLink]:
    """Shown name and profile link of each person: people outside the viewer's scope are
    pseudonymised and not linked."""
    people = list(people)
    namer = namer_for(scope)
    visible = visible_people(scope, people, area)
    # The profile of someone without recorded consent opens only for those who look after
    # them (privacy_rules.shows_exchanges_of): one query for the whole list, when needed.
    unconsented = [p.pk for p in people if p.consent_on is None and p.pk in visible]
    if scope.is_staff or not unconsented:
        opens = set(unconsented)
    else:
        opens = set(scope.editable_people().filter(pk__in=unconsented).values_list("pk", flat=True))
    if scope.person is not None:
        opens.add(scope.person.pk)
    links = {}
    for person in people:
        if person.pk in visible or own_view:
            may_open = person.pk in visible and (person.consent_on is not None or person.pk in opens)
            links[person.pk] = PersonLink(
                namer.person(person),
                reverse("groups:report_person", args=[person.ref]) if may_open else None,
            )
        else:
            links[person.pk] = PersonLink(pseudonym(person.ref), None)
    return links


def default_area(scope: access.Scope) -> Area:
    """The user's first report area: the widest area they are assigned to, else the area of
    a group they look after. None of them: not a report reader (403)."""
    ids = scope.coordinator_area_ids + scope.facilitator_area_ids
    candidates = list(Area.objects.filter(pk__in=ids)) if ids else []
    if not candidates:
        candidates = list(scope.report_areas()[:200])
    if not candidates:
        raise PermissionDenied
    return min(candidates, key=lambda a: (LEVEL_DEPTH[AreaLevel(a.level)], a.name, a.pk))


def report_area(scope: access.Scope, area_id: int) -> Area:
    """The area whose snapshot a group or person page reads: the widest of the viewer's
    report areas that contains the object's area (so a broker between two villages shows as
    one on the district coordinator's pages, as on their dashboard); the object's own area
    for members. Two queries."""
    chain = chain_ids([area_id]).get(area_id, [])
    readable = set(scope.report_areas().filter(pk__in=chain).values_list("pk", flat=True))
    widest = next((a for a in chain if a in readable), area_id)
    return Area.objects.get(pk=widest)
