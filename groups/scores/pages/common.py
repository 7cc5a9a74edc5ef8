"""Helpers shared by the page builders: who is named and linked, which area a page reads,
quarter labels and trusted SVG."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.safestring import mark_safe

from groups import access
from groups.models import Area
from groups.privacy import pseudonym

from .. import sentences
from ..page_cache import kept_community_id


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
    #: outside the viewer's area (their scope): shown as "outside your area", never dropped
    outside: bool = False


def person_links(
    scope: access.Scope, people, area: Area | None, *, own_view: bool = False
) -> dict[int, PersonLink]:
    """Shown name and profile link of each person: people outside the viewer's scope are
    marked outside their area, pseudonymised (unless the access rules name them) and not
    linked."""
    people = list(people)
    visible = scope.visible_person_ids(people, area)
    links = {}
    for person in people:
        if person.pk in visible or own_view:
            # The profile of someone without recorded consent opens only for those who look
            # after them (access.Scope.shows_exchanges_of).
            may_open = person.pk in visible and scope.shows_exchanges_of(person)
            links[person.pk] = PersonLink(
                scope.name_of(person),
                reverse("groups:report_person", args=[person.ref]) if may_open else None,
                outside=person.pk not in visible,
            )
        else:
            links[person.pk] = PersonLink(pseudonym(person.ref), None, outside=True)
    return links


def report_area(scope: access.Scope, area_id: int) -> Area:
    """The area whose snapshot a group or person page reads: the community of the object's
    area (areas.py), whoever looks, so every viewer's pages show the same numbers. One query
    while the areas are unchanged. (`scope` is kept for the callers; who sees what stays with
    access.py.)"""
    return Area.objects.get(pk=kept_community_id(area_id))
